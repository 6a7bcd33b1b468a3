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
# # 02 · The 15-minute living circle: who reaches everyday facilities on foot?
#
# GB 50180-2018 《城市居住区规划设计标准》 organises residential areas in **5-, 10- and
# 15-minute living circles** (生活圈): walks of 300 m, 500 m and 1000 m, each with the everyday
# facilities it should offer (a kindergarten and a community health station within 300 m, a
# primary school and a food market within 500 m, a middle school and a health centre within
# 1000 m, parks by size, ...). This notebook measures, for every responsibility unit, **the share
# of residents who reach each facility category within its walking distance**:
#
# 1. the facility catalogue, the walking network, the facilities and the population;
# 2. coverage per unit, category and tier, and a chart of the covered share;
# 3. the underserved places and the planner teams responsible for them;
# 4. walking isochrones around one facility, compared with the crow-flies circle.
#
# Distances are **walked along streets**: a resident walks to the nearest point of the nearest
# street, along the network, and from the street to the facility (see `planner_gis.reach`).
#
# **The data is synthetic**: an invented street network, facilities and a 100 m population grid
# inside the real outline of Fengtai (`planner_gis/data/demo/README.md`). The numbers describe that invented
# city, not Fengtai.
#
# **Run it**: from the repository root, `.venv/bin/jupyter lab notebooks/` (or any Jupyter with the
# `planner-gis` package installed). Outputs go to an `out/` folder next to where the kernel runs;
# nothing is written into the package's data.

# %%
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import planner_gis
from planner_gis import catalogue, datasets, isochrones, network, reach
from planner_gis.io import read_vector, write_csv, write_layers

OUT = Path("out")
OUT.mkdir(exist_ok=True)
pd.set_option("display.max_colwidth", 80)
pd.set_option("display.width", 200)

# %%
# Chinese labels in matplotlib need a CJK font. Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`.
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP"]


def find_cjk_font() -> str:
    """Name of the first installed CJK font in CJK_FONTS; fail loudly if there is none."""
    def installed():
        return {f.name for f in font_manager.fontManager.ttflist}

    names = installed()
    if not any(n in names for n in CJK_FONTS):
        # the font may have been installed after matplotlib cached its font list: register it
        for path in font_manager.findSystemFonts():
            if "notosanscjk" in Path(path).name.lower().replace("-", ""):
                font_manager.fontManager.addfont(path)
        names = installed()
    for name in CJK_FONTS:
        if name in names:
            return name
    raise RuntimeError(
        f"no CJK font found for matplotlib (looked for {CJK_FONTS}): Chinese labels would show as "
        "empty boxes. Fix: install Noto Sans CJK (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk) "
        "and restart the kernel."
    )


cjk_font = find_cjk_font()
plt.rcParams["font.family"] = "sans-serif"
plt.rcParams["font.sans-serif"] = [cjk_font, "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False

# check: draw Chinese text and fail if matplotlib reports a missing glyph
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.set_title("丰台区 责任规划师 15分钟生活圈")
    fig.canvas.draw()
    plt.close(fig)
missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
if missing:
    raise RuntimeError(f"{cjk_font} lacks glyphs: {missing[:3]}")
print("Chinese labels use", cjk_font, "from", font_manager.findfont(cjk_font))

# %% [markdown]
# ## 1 · The facility catalogue
#
# Which facilities a living circle needs and how far away, following GB 50180-2018 (Table
# 3.0.4 and Appendix B). It is a CSV file: replace it with your own (`load_catalogue(path)`)
# to follow a local standard.

# %%
cat = catalogue.load_catalogue()
cat[["category", "name_zh", "name_en", "tier_min", "threshold_m", "min_area_ha"]]

# %% [markdown]
# ## 2 · The walking network
#
# `read_network` reads an OpenStreetMap extract (`.osm.pbf`), an OSMnx GraphML file, a saved
# network or, as here, any line layer whose lines share a vertex where streets meet. Lines
# that only cross (a bridge over a road) are not connected. The network works in a metric CRS
# (here CGCS2000 Gauss-Krüger, EPSG:4548).

# %%
net = network.read_network(datasets.demo_network_path())
print(net)
print(f"{net.edge_length.sum() / 1000:,.0f} km of streets")
net.summary

# %% [markdown]
# ## 3 · Facilities and how walkers reach them
#
# Each facility has a `category` of the catalogue. Points are reached at the point. Polygons
# (parks) are reached at their gates when gates are known, otherwise at points every 50 m
# along their boundary; a large park also counts as a smaller one (a 15-minute park is a
# 10- and 5-minute park too). `facility_access_points` turns the layer into these points.

# %%
facilities = read_vector(datasets.demo_facilities_path())
gates = read_vector(datasets.demo_entrances_path())
print(len(facilities), "facilities,", len(gates), "park gates")
facilities.groupby([facilities.geom_type.rename("geometry"), "category"]).size().unstack(0).fillna(0).astype(int)

# %%
access = catalogue.facility_access_points(facilities, cat, entrances=gates, id_column="fac_id",
                                          metric_crs=net.crs)
access.groupby(["access"]).size().rename("access points").to_frame()

# %% [markdown]
# ## 4 · Population and teams
#
# Residents come from a population raster (WorldPop, a census grid, ...): one origin per
# populated cell, at the cell centre. The active team of each unit is taken from the registry
# (notebook 01), so every underserved place names the team responsible for it.

# %%
population = reach.population_from_raster(datasets.demo_population_path(), metric_crs=net.crs)
print(f"{len(population):,} populated cells, {population['population'].sum():,.0f} residents, "
      f"cell size {population.attrs['cell_size']} m")

units = datasets.load_demo_units()
teams = planner_gis.active_unit_teams(datasets.load_demo_registry(), datasets.DEMO_AS_OF)

# %% [markdown]
# ## 5 · Coverage per unit
#
# `compute_coverage` runs one shortest-path search per category from all its facilities at
# once, bounded by the category's distance, and counts the residents within reach in every
# unit. It also draws the **underserved** cells (this takes most of the time; pass
# `underserved=False` for coverage only).

# %%
result = reach.compute_coverage(net, access, population, units, cat, teams=teams)
result.summary

# %% [markdown]
# `result.coverage` has one row per unit and category, plus `tier_5`, `tier_10`, `tier_15`:
# the residents who reach **every** category of that tier. `share` is
# `covered_population / population`.

# %% tags=["tier-table"]
names = units.set_index("unit_id")["name"]
coverage = result.coverage.assign(name=result.coverage["unit_id"].map(names))
coverage[coverage["category"].str.startswith("tier_")].pivot(
    index="name", columns="category", values="share")[["tier_5", "tier_10", "tier_15"]].round(3)

# %% [markdown]
# ### District-wide share by category and tier
#
# Management areas overlay the streets, so summing units would count some residents twice.
# For the district figure, use `result.origin_distance` (the walking distance from every
# populated cell to the nearest facility of each category) and count every resident once:

# %% tags=["district-shares"]
weights = population["population"].to_numpy()
dist = result.origin_distance
rows = []
for c in cat.itertuples():
    covered = dist[c.category].to_numpy() <= c.threshold_m
    rows.append({"category": c.category, "label": f"{c.name_zh} {c.threshold_m:.0f} m", "tier_min": c.tier_min,
                 "share": weights[covered].sum() / weights.sum()})
for t in (5, 10, 15):
    tier_cats = cat.loc[cat["tier_min"] == t]
    every = np.logical_and.reduce([dist[c].to_numpy() <= d for c, d in
                                   zip(tier_cats["category"], tier_cats["threshold_m"])])
    rows.append({"category": f"tier_{t}", "label": f"{t}分钟生活圈 全部设施", "tier_min": t,
                 "share": weights[every].sum() / weights.sum()})
district = pd.DataFrame(rows)

# check: the base units tile the district, so their sums must give the same tier shares
base = coverage[coverage["unit_id"].isin(units.loc[units["level"] == "base", "unit_id"])]
tiers = base[base["category"].str.startswith("tier_")].groupby("category")[
    ["covered_population", "population"]].sum()
check = (tiers["covered_population"] / tiers["population"]).rename("from base units")
assert np.allclose(check, district.set_index("category").loc[check.index, "share"]), check
write_csv(district, OUT / "district_shares.csv")
district.round(3)

# %% tags=["share-chart"]
TIER_COLOURS = {5: "#1b9e77", 10: "#d95f02", 15: "#7570b3"}
d = district.iloc[::-1]
fig, ax = plt.subplots(figsize=(9, 7))
bars = ax.barh(d["label"], d["share"] * 100, color=[TIER_COLOURS[t] for t in d["tier_min"]],
               edgecolor=["black" if c.startswith("tier_") else "none" for c in d["category"]])
ax.bar_label(bars, labels=[f"{v:.0f}%" for v in d["share"] * 100], padding=3, fontsize=8)
ax.set_xlim(0, 105)
ax.set_xlabel("步行可达的居民比例 Share of residents within walking distance (%)")
ax.set_title("各类设施步行可达覆盖率（示意数据）\nCovered share by category and tier (synthetic demo)")
ax.legend(handles=[Patch(color=c, label=f"{t}分钟生活圈 {t}-minute tier") for t, c in TIER_COLOURS.items()],
          loc="lower right")
fig.tight_layout()
fig.savefig(OUT / "covered_share.png", dpi=120)
plt.show()

# %% [markdown]
# ### Per unit: the 15-minute tier on a map
#
# Residents who reach every facility of the tier, per base unit:

# %%
tier_maps = units.to_crs(result.crs).merge(
    coverage[coverage["category"].str.startswith("tier_")], on="unit_id")
tier_maps = tier_maps[tier_maps["level"] == "base"]
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for ax, t in zip(axes, (5, 10, 15)):
    part = tier_maps[tier_maps["category"] == f"tier_{t}"]
    part.plot(ax=ax, column="share", cmap="RdYlGn", vmin=0, vmax=1, edgecolor="white", linewidth=0.5,
              legend=(t == 15), legend_kwds={"label": "覆盖比例 Covered share", "shrink": 0.7})
    ax.set_title(f"{t}分钟生活圈：全部设施可达 All facilities of the {t}-minute tier")
    ax.set_axis_off()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6 · Underserved places and the teams that own them
#
# `result.underserved` holds, per unit and category, the populated cells beyond walking
# distance, dissolved into polygons, with the responsible team of the unit. Which units have
# the most residents without a middle school within 1000 m, and who should take it up?

# %% tags=["underserved-table"]
under = result.underserved.assign(name=result.underserved["unit_id"].map(names))
cols = ["name", "unit_id", "category", "threshold_m", "population", "team_id", "team_name"]
under.loc[under["category"] == "middle_school", cols].sort_values("population", ascending=False).head(8)

# %% [markdown]
# A brief per team: for the units each team covers, the residents who lack at least one
# 15-minute facility (`population - covered_population` of `tier_15`), and the category that
# leaves the most residents out.

# %% tags=["team-brief"]
tier15 = coverage[coverage["category"] == "tier_15"].assign(
    lacking=lambda t: t["population"] - t["covered_population"])
per_cat = coverage[coverage["category"].isin(cat.loc[cat["tier_min"] == 15, "category"])].assign(
    uncovered=lambda t: t["population"] - t["covered_population"])
worst = per_cat.sort_values("uncovered", ascending=False).drop_duplicates("unit_id").set_index("unit_id")
unit_teams = teams.groupby("unit_id").agg(team_id=("team_id", "; ".join), team_name=("team_name", "; ".join))
brief = (tier15.merge(unit_teams, on="unit_id", how="left")
               .assign(worst_category=lambda t: t["unit_id"].map(worst["category"]),
                       worst_uncovered=lambda t: t["unit_id"].map(worst["uncovered"])))
brief["team_id"] = brief["team_id"].fillna("(no team)")
brief = brief[["name", "unit_id", "team_id", "team_name", "population", "lacking", "worst_category",
               "worst_uncovered"]].sort_values("lacking", ascending=False)
write_csv(brief, OUT / "team_brief_15min.csv")
brief.head(10)

# %%
show = "middle_school"
u_m = units.to_crs(result.crs)
fig, ax = plt.subplots(figsize=(12, 6))
base_ids = u_m.loc[u_m["level"] == "base", "unit_id"]
u_m[u_m["level"] == "base"].plot(ax=ax, color="#f0f0f0", edgecolor="#999999", linewidth=0.6)
under[(under["category"] == show) & under["unit_id"].isin(base_ids)].plot(ax=ax, color="#b2182b", alpha=0.75)
pts = facilities[facilities["category"] == show].to_crs(result.crs)
pts.plot(ax=ax, color="#2166ac", markersize=14, marker="^")
for row in u_m[u_m["level"] == "base"].itertuples():
    p = row.geometry.representative_point()
    ax.annotate(row.name, (p.x, p.y), ha="center", fontsize=6.5)
ax.legend(handles=[Patch(color="#b2182b", alpha=0.75, label="1000 m 内无初中的居民 Residents beyond 1000 m"),
                   Line2D([], [], color="#2166ac", marker="^", linestyle="none", label="初中 Middle school")],
          loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
ax.set_title("服务不足：初中（示意数据）Underserved: middle schools (synthetic demo)")
ax.set_axis_off()
fig.tight_layout()
fig.savefig(OUT / "underserved_middle_school.png", dpi=120)
plt.show()

# %% [markdown]
# ## 7 · Isochrones around one facility
#
# An isochrone is the street area reachable within a distance: it follows the streets, cut at
# the exact remaining distance, and is drawn as a band around them. Compare it with the
# 1000 m circle people often draw: the walk reaches much less.

# %%
school = facilities[facilities["category"] == "middle_school"].sort_values("fac_id").iloc[[0]].to_crs(net.crs)
iso = isochrones.isochrones(net, school, thresholds=(300, 500, 1000), id_column="fac_id")
iso.drop(columns="geometry")

# %% tags=["isochrone-table"]
# residents by walking distance to this school, against the crow-flies distance
origin_xy = network.points_xy(population, net.crs)
school_xy = network.points_xy(school, net.crs)
walk = reach.nearest_distance(net, origin_xy, school_xy, cutoff=1000)
crow = np.hypot(*(origin_xy - school_xy[0]).T)
within = pd.DataFrame({
    "walk_m": [weights[walk <= t].sum() for t in (300, 500, 1000)],
    "crow_flies_m": [weights[crow <= t].sum() for t in (300, 500, 1000)],
}, index=pd.Index([300, 500, 1000], name="distance_m"))
within["walk_vs_circle"] = (within["walk_m"] / within["crow_flies_m"]).round(2)
assert (within["walk_m"] <= within["crow_flies_m"]).all()  # a walk is never shorter than the straight line
within

# %%
x, y = school_xy[0]
window = (x - 1600, y - 1600, x + 1600, y + 1600)
edges = net.to_geodataframe().cx[window[0]:window[2], window[1]:window[3]]
fig, ax = plt.subplots(figsize=(8, 8))
edges.plot(ax=ax, color="#bbbbbb", linewidth=0.6)
for t, colour in zip((1000, 500, 300), ("#c6dbef", "#6baed6", "#2171b5")):
    iso[iso["threshold_m"] == t].plot(ax=ax, color=colour, alpha=0.9)
school.buffer(1000).boundary.plot(ax=ax, color="black", linestyle="--", linewidth=1)
school.plot(ax=ax, color="#cb181d", marker="*", markersize=250, zorder=5)
ax.set_xlim(window[0], window[2])
ax.set_ylim(window[1], window[3])
ax.legend(handles=[Patch(color=c, label=f"步行 {t} m walk") for t, c in
                   zip((300, 500, 1000), ("#2171b5", "#6baed6", "#c6dbef"))]
          + [Line2D([], [], color="black", linestyle="--", label="直线 1000 m 圆 crow-flies circle")],
          loc="upper right")
ax.set_title(f"{school['name'].iloc[0]} 的步行等时圈 Walking isochrones")
ax.set_axis_off()
fig.tight_layout()
fig.savefig(OUT / "isochrones_school.png", dpi=120)
plt.show()

# %% [markdown]
# ## 8 · Save the results
#
# The coverage table as CSV and the underserved areas and isochrones as layers of one
# GeoPackage (open it in QGIS). The same run is available on the command line:
#
# ```bash
# planner-gis reach --network planner_gis/data/demo/fengtai_walk_network.gpkg \
#     --facilities planner_gis/data/demo/fengtai_facilities.gpkg --entrances planner_gis/data/demo/fengtai_park_entrances.gpkg \
#     --population planner_gis/data/demo/fengtai_population_100m.tif \
#     --zones planner_gis/data/boundaries/fengtai_units_schematic.geojson \
#     --teams planner_gis/data/boundaries/fengtai_teams_demo.csv --as-of 2026-03-31 --out out/reach --isochrones
# ```

# %%
write_csv(result.coverage, OUT / "coverage.csv")
write_layers({"underserved": result.underserved, "isochrones": iso}, OUT / "reach_demo.gpkg")
sorted(p.name for p in OUT.iterdir())
