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
# # 05 · Closing the gaps: new kindergarten sites on walking distance, and what-if
#
# Notebook 02 showed where residents lack a kindergarten within 300 m on foot (GB 50180-2018's
# 5-minute circle). The next questions are what to do about it:
#
# 1. **where would K new kindergartens cover the most underserved residents?** (maximal covering,
#    MCLP) and **how many sites would it take to reach 90 %?** (set covering to a target);
# 2. how far off is siting on **straight-line** distance (as spopt's `from_geodataframe` does)?
# 3. **what if** a site is added here, that kindergarten closes, this one moves? (`planner_gis.Scenario`)
#
# Distances follow the reach's contract: snap leg + walk along streets + snap leg. Site choices are
# exact (HiGHS) when the solver proves the optimum within its time limit, else greedy with a proven
# bound; every result says which, with the optimality gap and the time.
#
# **The data is synthetic** (`planner_gis/data/demo/README.md`): the numbers describe an invented city inside
# the real outline of Fengtai. Outputs go to `out/`.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

import planner_gis
from planner_gis import datasets, suggest
from planner_gis.io import write_csv

OUT = Path("out")
OUT.mkdir(exist_ok=True)
pd.set_option("display.width", 200)

net = planner_gis.read_network(datasets.demo_network_path())
facilities = planner_gis.read_vector(datasets.demo_facilities_path())
population = planner_gis.read_population(datasets.demo_population_path(), metric_crs=net.crs)
units = planner_gis.read_zones(datasets.demo_units_path())
entrances = planner_gis.read_vector(datasets.demo_entrances_path())
teams = planner_gis.active_unit_teams(datasets.load_demo_registry(), datasets.DEMO_AS_OF)
net

# %% [markdown]
# ## 1. The most underserved unit
#
# The living-circle reach (notebook 02) gives, per unit, the residents within 300 m of a
# kindergarten. The unit with the most residents beyond that is where new sites help most.

# %% tags=["underserved-unit"]
lc = planner_gis.assess_living_circle(net, facilities, population, units, entrances=entrances, teams=teams)
kg = lc.coverage[lc.coverage["category"] == "kindergarten"].assign(
    uncovered=lambda d: d["population"] - d["covered_population"]).sort_values("uncovered", ascending=False)
unit = str(kg["unit_id"].iloc[0])
kg.head(5)[["unit_id", "population", "covered_population", "uncovered", "share"]]

# %% [markdown]
# ## 2. Three new kindergartens for that unit (MCLP)
#
# Candidates: points every 100 m along the streets inside the unit (`"every:100"`; a layer of
# vacant plots works the same way, polygons reached at their gates or boundary). Only residents
# not yet within 300 m count; the gain of each site is what it adds after the ones ranked above it.

# %% tags=["sites-table"]
sites = planner_gis.suggest_sites(net, facilities, population, units, "kindergarten", "every:100", sites=3,
                                  units=[unit], teams=teams, entrances=entrances)
print({k: sites.summary[k] for k in ("crs", "model", "method", "solver", "gap", "seconds")})
write_csv(sites.sites, OUT / "sites.csv")
sites.sites

# %% [markdown]
# The same problem solved greedily: the greedy pick is often optimal, and its bound (the
# submodularity bound, or the LP relaxation) says how far from the optimum it can be at most.

# %% tags=["greedy-vs-exact"]
problem = sites.problems[None]
exact = suggest.maximal_covering(problem, 3, method="exact")
greedy = suggest.maximal_covering(problem, 3, method="greedy")
pd.DataFrame([{"method": s.method, "newly covered": s.newly_covered, "bound": round(s.bound, 1),
               "gap": f"{s.gap:.2%}", "bound from": s.bound_source, "seconds": round(s.seconds, 3)}
              for s in (exact, greedy)])

# %% [markdown]
# ## 3. How many sites for 90 %?
#
# Set covering to a target: the fewest sites so that 90 % of the unit's residents are within 300 m
# (or the plain statement that even every candidate together cannot get there).

# %% tags=["target"]
target = planner_gis.suggest_sites(net, facilities, population, units, "kindergarten", "every:100", target=0.9,
                                   units=[unit], entrances=entrances, time_limit=20)
sol = target.solutions[None]
print(f"{len(sol.selected)} sites: {sol.base / sol.total:.1%} -> {sol.share:.1%} "
      f"({sol.method}, gap {sol.gap:.1%}, lower bound {sol.bound:.0f} sites, {sol.seconds:.1f} s)")

# %% [markdown]
# ## 4. Straight-line siting, checked on foot
#
# The same residents and candidates with the straight line (as `cdist` in spopt's
# `from_geodataframe`): build the cost matrix with a KD-tree, solve the same MCLP with
# `suggest.from_cost_matrix`, then ask how many of the residents it claims really are within 300 m
# on foot of the sites it picked.

# %% tags=["straight-line"]
oxy = np.c_[population.geometry.x, population.geometry.y][problem.origin_index]
area = units[units["unit_id"] == unit].to_crs(net.crs).geometry.union_all()
cands = suggest.every_candidates(net, 100.0, area)  # the candidates of section 2, with their ids
pos = {c: i for i, c in enumerate(cands.ids)}
cxy = cands.xy[[pos[c] for c in problem.candidate_ids]]
crow = cKDTree(cxy).sparse_distance_matrix(cKDTree(oxy), 300.0, output_type="coo_matrix")
straight_problem = suggest.from_cost_matrix(crow.tocsr(), problem.weights, threshold=300.0,
                                            base=problem.base, total=problem.total,
                                            candidate_ids=problem.candidate_ids)
straight = suggest.maximal_covering(straight_problem, 3)
claimed = np.zeros(problem.n_origins, dtype=bool)  # columns of the straight-line problem: origins of `problem`
claimed[straight_problem.origin_index[straight_problem.matrix[straight.selected].indices]] = True
walk = np.zeros(problem.n_origins, dtype=bool)
walk[problem.matrix[straight.selected].indices] = True
comparison = pd.Series({
    "straight line claims (residents)": problem.weights[claimed].sum(),
    "of which within 300 m on foot": problem.weights[claimed & walk].sum(),
    "its sites really cover on foot": problem.weights[walk].sum(),
    "walking optimum (section 2)": exact.newly_covered,
})
comparison

# %% [markdown]
# ## 5. On the map
#
# The suggested sites and the cells they newly cover, over the reach map of the 5-minute
# kindergarten layer (`suggest_map(..., m=reach_map(...))`; the CLI: `planner-gis webmap reach
# REACH_DIR --suggest SUGGEST_DIR`).

# %% tags=["save-map"]
m = planner_gis.reach_map(lc.coverage_units, lc.underserved, category="kindergarten")
m = planner_gis.webmap.suggest_map(sites.sites_layer, sites.newly_covered, m=m, title=None)
print(planner_gis.save_map(m, OUT / "suggest_map.html"))

# %% [markdown]
# ## 6. What if?
#
# A `Scenario` holds the reach state; each change searches again only around the changed
# facility (bounded walking searches) and reports the change of covered residents per unit and
# category. `undo()` takes it back; `recompute()` is the full recomputation it always equals.

# %% tags=["whatif"]
sc = planner_gis.scenario_from_layers(net, lc.access, population, units, planner_gis.load_catalogue())
best = sites.sites.iloc[0]
step = sc.add(best["x"], best["y"], "kindergarten")
print(f"add {step.facility_id}: {step.origins} origins searched again")
print(step.changes[["unit_id", "category", "covered_before", "covered_after", "change"]].to_string(index=False))
closing = lc.access[lc.access["category"] == "kindergarten"]["facility_id"].iloc[0]
step = sc.remove(closing)
print(f"remove {closing}:")
print(step.changes[["unit_id", "category", "covered_before", "covered_after", "change"]].to_string(index=False))
diff = sc.difference(only_changed=True)
write_csv(diff, OUT / "whatif_diff.csv")
same = np.array_equal(np.nan_to_num(sc.recompute(), posinf=-1), np.nan_to_num(sc.dist, posinf=-1))
print("incremental equals full recompute:", same)
sc.undo()
sc.undo()
print("after two undos, rows still changed:", len(sc.difference(only_changed=True)))
