# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · The annual evaluation of planner work
#
# The registry says which team is responsible for which unit. Cities also say what a
# responsibility planner must *do* there, and judge it once a year: Liaocheng wants a visit every
# month and 30 service days a year, and cuts the fee in proportion to a shortfall; Chongqing turns
# the work into service points and stars; Guangxi, Hunan and Beijing have their own rules.
#
# This notebook takes a (synthetic) year of work records of the Fengtai demo teams and
#
# 1. reads them: Chinese kinds, mixed date formats, some GCJ-02 points from a phone app;
# 2. places each record in its team's unit and lists the records no rule may count;
# 3. applies Liaocheng's rules (visits, service days, fee cuts), checked by hand on one team;
# 4. applies Chongqing's service points and stars, checked by hand on one person;
# 5. applies **your own** rules file;
# 6. asks whether the planners work where the living-circle gaps are;
# 7. publishes the evaluation as an offline web map.
#
# **The demo data is synthetic** (`planner_gis/data/evaluation/README.md`): the records, people and ratings are
# invented, with planted shortfalls. Outputs go to `out/`.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import planner_gis
from planner_gis import datasets, evaluation, webmap

OUT = Path("out")
OUT.mkdir(exist_ok=True)
pd.set_option("display.max_colwidth", 120)
pd.set_option("display.width", 200)
YEAR = datasets.DEMO_EVALUATION_YEAR
print("planner-gis", planner_gis.__version__, "| evaluating", YEAR)

# %% [markdown]
# ## 1 · The work records
#
# A record is one piece of work: `record_id`, `team_id`, `date`, `kind` and where it happened
# (`lon`, `lat`); optional `person_id`, `unit_id`, `hours`, `with_unit_head`, `notes`. Kinds may be
# written in Chinese (走访, 调研, 座谈 ...), dates as `2025-03-05`, `2025/3/5` or `2025年3月5日`. Rows
# whose `coords` column says `gcj02` were recorded by an Amap-based app: they are converted to
# WGS84 on reading.

# %%
raw = pd.read_csv(datasets.demo_records_path(), dtype=str, keep_default_na=False)
raw[["record_id", "team_id", "date", "kind", "coords"]].sample(6, random_state=1)

# %%
records = planner_gis.read_records(datasets.demo_records_path())
print(len(records), "records;", int((raw["coords"] == "gcj02").sum()), "of them in GCJ-02 coordinates")
records.groupby("kind").size().rename("records").to_frame().T

# %% [markdown]
# ## 2 · Records in their units
#
# `place_records` puts each record in the unit its team served **on that day** whose polygon holds
# the point, within a tolerance (100 m by default, measured in metres in the CGCS2000 Gauss-Krüger
# zone). Records outside their unit, outside the contract or by an unknown team are counted by no
# rule; records without coordinates are counted in the unit they name.

# %% tags=["record-findings"]
units = planner_gis.read_zones(datasets.demo_units_path())
registry = planner_gis.read_registry(datasets.demo_registry_path())
placed = planner_gis.place_records(records, units, registry, tolerance=100)
placed.findings.groupby(["kind", "team_id"]).size().rename("records").to_frame()

# %%
placed.findings.drop_duplicates("kind")[["kind", "record_id", "message"]]

# %% [markdown]
# ## 3 · Liaocheng's rules
#
# The rules are a data file in the package (`planner_gis/data/rules/liaocheng.toml`): each rule has
# an id, the check it runs, its numbers, the source document and the quoted text, and whether the
# number is an assumption (the source does not state it).

# %%
liaocheng = planner_gis.load_rules("liaocheng")
liaocheng.table()[["rule_id", "check", "numbers", "assumption", "quote"]]

# %%
result = planner_gis.evaluate(datasets.demo_records_path(), registry, units, liaocheng, YEAR)
result.rule_summary()

# %% tags=["failed-rules"]
result.compliance[~result.compliance["passed"]][["team_id", "unit_id", "rule_id", "value", "required", "message"]]

# %% tags=["fees"]
fees = result.fees[result.fees["deduction_share"] > 0]
fees

# %%
result.compliance.to_csv(OUT / "compliance_liaocheng.csv", index=False)
result.fees.to_csv(OUT / "fees_liaocheng.csv", index=False)

# %% [markdown]
# ### Checking one team by hand
#
# FT-U05 (南苑街道) served its unit all year. From the raw file with plain pandas: the months in
# which it logged a visit (`visit`, 走访, 现场服务). Two months are missing, so the fee share is
# max(missing days / 30, 2 / 12) and the deduction 300,000 × 2/12 = 50,000 yuan, as the rule gave.

# %%
visits = raw[(raw["team_id"] == "FT-U05") & raw["kind"].isin(["visit", "走访", "现场服务"])]
months = set(visits["date"].str.extract(r"^\d{4}\D(\d{1,2})\D")[0].astype(int))
missing = sorted(set(range(1, 13)) - months)
print("months without a visit:", missing)
row = result.fees.set_index("team_id").loc["FT-U05"]
assert missing == [7, 8] and row["deduction"] == 300000 * 2 / 12
row

# %% [markdown]
# ### Service days per team

# %%
days = result.compliance[result.compliance["rule_id"] == "LC-days"].set_index("team_id")
fig, ax = plt.subplots(figsize=(10, 3.5))
colors = ["#1a9641" if ok else "#d7191c" for ok in days["passed"]]
ax.bar(days.index, days["value"].astype(int), color=colors)
ax.step(range(len(days)), days["required"].astype(int), where="mid", color="black", label="required")
ax.set_ylabel(f"service days in {YEAR}")
ax.tick_params(axis="x", rotation=90)
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "service_days.png", dpi=120)

# %% [markdown]
# ## 4 · Chongqing's service points and stars
#
# Chongqing (三师进社区) rewards planners, architects and engineers with points:
# `points = Σ(base points × ability coefficient) × satisfaction coefficient + 10% of last year's
# points + special items (at most 10 each)`; satisfaction below 60% makes the coefficient 0; the
# points give stars. It needs the team members (profession, title) and their ratings.

# %%
people = planner_gis.read_people(datasets.demo_people_path())
ratings = planner_gis.read_ratings(datasets.demo_ratings_path())
chongqing = planner_gis.evaluate(datasets.demo_records_path(), registry, units, "chongqing", YEAR,
                                 people=people, ratings=ratings)
chongqing.rule_summary()

# %% tags=["points"]
points = chongqing.points.sort_values("points", ascending=False)
points.to_csv(OUT / "points_chongqing.csv", index=False)
print(points["stars"].value_counts().sort_index().rename("people").to_dict())
points.head(8)

# %% [markdown]
# The 59% / 60% boundary and a special item of 15 points (capped at 10):

# %%
chongqing.points.set_index("person_id").loc[["FT-U05-P1", "FT-U05-P2", "FT-U01-P1"]]

# %% [markdown]
# Checking FT-U01-P1 by hand from the three raw files:

# %%
rules = planner_gis.load_rules("chongqing")
base = rules.rule("CQ-base").params["points"]
person = people.set_index("person_id").loc["FT-U01-P1"]
mine = records[(records["person_id"] == "FT-U01-P1")]
counted = mine[mine["record_id"].isin(placed.records.loc[placed.records["counted"], "record_id"])]
weighted = sum(base[k] for k in counted["kind"]) * rules.rule("CQ-ability").params["coefficients"][person["title"]]
rating = ratings.set_index("person_id").loc["FT-U01-P1"]
by_hand = weighted * rating["satisfaction"] + 0.10 * rating["previous_points"] + sum(
    min(10, x) for x in rating["special_items"])
print(f"by hand {by_hand:.2f}, evaluate {chongqing.points.set_index('person_id').loc['FT-U01-P1', 'points']:.2f}")
assert round(by_hand, 2) == chongqing.points.set_index("person_id").loc["FT-U01-P1", "points"]

# %% [markdown]
# Chongqing pairs a planner, an architect and an engineer with each community; teams lacking one
# are listed:

# %%
pairing = chongqing.compliance[chongqing.compliance["rule_id"] == "CQ-pairing"]
pairing[~pairing["passed"]][["team_id", "unit_id", "message"]]

# %% [markdown]
# ## 5 · Your own city's rules
#
# Copy a built-in file, change the numbers (and the quotes: say where they come from), and load
# it. Here a city asks for 20 service days instead of 30. A mistake in the file is reported with
# the file, the rule, what is wrong and the fix.

# %%
text = evaluation.rules_path("liaocheng").read_text(encoding="utf-8")
mine_path = OUT / "mycity.toml"
mine_path.write_text(text.replace("days = 30\n", "days = 20\n").replace('id = "liaocheng"', 'id = "mycity"'),
                     encoding="utf-8")
mycity = planner_gis.evaluate(datasets.demo_records_path(), registry, units, mine_path, YEAR)
mycity.rule_summary()

# %%
broken = OUT / "broken.toml"
broken.write_text(text.replace("days = 30\n", 'days = "thirty"\n'), encoding="utf-8")
try:
    planner_gis.load_rules(broken)
except planner_gis.PlannerGisError as err:
    print(err)

# %% [markdown]
# ## 6 · Where the work meets the gaps
#
# The living-circle reach (notebook 02) finds the places whose residents lack a facility within
# walking distance. Are the records in those places? Per unit, the share of the records inside
# its underserved areas, against the share of its area those cover (the records of this
# synthetic year are spread at random, so the two are close; real records tell more).

# %%
net = planner_gis.read_network(datasets.demo_network_path())
reach_result = planner_gis.assess_living_circle(
    net, planner_gis.read_vector(datasets.demo_facilities_path()),
    planner_gis.read_population(datasets.demo_population_path(), metric_crs=net.crs), units,
    planner_gis.load_catalogue(), entrances=planner_gis.read_vector(datasets.demo_entrances_path()))
with_gaps = planner_gis.evaluate(datasets.demo_records_path(), registry, units, liaocheng, YEAR,
                                 reach=reach_result.underserved, gap_category="tier_15")

# %% tags=["gaps"]
gaps = with_gaps.gaps.assign(name=with_gaps.gaps["unit_id"].map(units.set_index("unit_id")["name"]))
gaps.to_csv(OUT / "gaps.csv", index=False)
gaps.sort_values("share_in_gaps", ascending=False).head(8)

# %% [markdown]
# ## 7 · The evaluation web map
#
# Units coloured by compliance (one layer per rule), the records by team, the records not counted
# apart; a unit's popup lists every rule result. One self-contained HTML file, offline.

# %% tags=["save-map"]
eval_map = webmap.evaluation_map(result, outline=datasets.load_demo_outline(),
                                 title=f"丰台区责任规划师履职评估 {YEAR}（示意数据）")
print(webmap.layer_names(eval_map)[:4])
webmap.save_map(eval_map, OUT / "evaluation_map.html")

# %% [markdown]
# The same from the command line:
#
# ```bash
# planner-gis evaluate --records planner_gis/data/evaluation/fengtai_work_records_2025.csv \
#     --teams planner_gis/data/boundaries/fengtai_teams_demo.csv --zones planner_gis/data/boundaries/fengtai_units_schematic.geojson \
#     --rules liaocheng --year 2025 --out out/evaluation
# planner-gis webmap evaluation out/evaluation --out out/evaluation_map.html
# ```
