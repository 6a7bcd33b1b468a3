"""Benchmark of site suggestion (planner_gis.suggest) and what-if (planner_gis.scenario).

Scenarios, each in fresh processes (``--repeat`` runs, medians printed):

* ``suggest``: the demo city (synthetic Fengtai, 24k population origins),
  kindergartens (300 m), 2,000 candidates drawn (seeded) from the points every
  100 m of walking network, K = 10: time to build the sparse coverage matrix
  (bounded walking searches), the exact solve (HiGHS) with its gap, and the
  greedy solve with its proven gap;
* ``spopt``: spopt's MCLP (straight-line ``cdist``, CBC through PuLP) on the
  same residents (those not yet covered), candidates and K: its time, the
  residents it claims, and how many of them really are within 300 m on foot
  of its chosen sites (our coverage matrix), against our walking optimum;
* ``whatif``: the 1M-node synthetic network of ``bench_reach.py`` (1M
  origins, 10 categories): scenario build time, then the latency of single
  changes (add, remove, move, undo; 40 of each), and one full recompute of a
  category for the ratio.

Usage::

    .venv/bin/python benchmarks/bench_suggest.py              # all (~5 min)
    .venv/bin/python benchmarks/bench_suggest.py --quick      # smoke run (10k-node what-if, 1 run)
    .venv/bin/python benchmarks/bench_suggest.py --repeat 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reach import CATEGORIES, make_inputs, zones_for  # noqa: E402

N_CANDIDATES = 2000
K = 10


def _demo_inputs():
    from planner_gis import datasets, read_network, read_population, read_vector
    from planner_gis.suggest import network_points
    from planner_gis.zones import read_zones

    net = read_network(datasets.demo_network_path())
    fac = read_vector(datasets.demo_facilities_path())
    pop = read_population(datasets.demo_population_path(), metric_crs=net.crs)
    units = read_zones(datasets.demo_units_path())
    ent = read_vector(datasets.demo_entrances_path())
    pts = network_points(net, 100.0)
    pick = np.sort(np.random.default_rng(0).choice(len(pts), N_CANDIDATES, replace=False))
    return net, fac, pop, units, ent, pts[pick]


def scenario_suggest() -> dict:
    import geopandas as gpd

    from planner_gis.suggest import maximal_covering, suggest_sites

    net, fac, pop, units, ent, cxy = _demo_inputs()
    cands = gpd.GeoDataFrame({"candidate_id": [f"C{i}" for i in range(len(cxy))]},
                             geometry=gpd.points_from_xy(*cxy.T), crs=net.crs)
    t0 = time.perf_counter()
    r = suggest_sites(net, fac, pop, units, "kindergarten", cands, sites=K, entrances=ent, method="greedy")
    total_greedy = time.perf_counter() - t0
    p = r.problems[None]
    sol_g = r.solutions[None]
    t1 = time.perf_counter()
    sol_x = maximal_covering(p, K, method="exact", time_limit=60)
    exact_time = time.perf_counter() - t1
    return {"candidates": len(cxy), "origins_uncovered": int(p.n_origins), "pairs": int(p.matrix.nnz),
            "matrix_mb": round((p.matrix.data.nbytes + p.matrix.indices.nbytes + p.matrix.indptr.nbytes) / 1e6, 3),
            "suggest_sites_greedy_total": total_greedy, "matrix_and_inputs": total_greedy - sol_g.seconds,
            "greedy_seconds": sol_g.seconds, "greedy_gap": sol_g.gap, "greedy_covered": sol_g.newly_covered,
            "greedy_bound_source": sol_g.bound_source,
            "exact_seconds": exact_time, "exact_gap": sol_x.gap, "exact_covered": sol_x.newly_covered,
            "exact_method": sol_x.method, "exact_solver": sol_x.solver}


def scenario_spopt() -> dict:
    import geopandas as gpd
    import pulp
    from spopt.locate import MCLP

    from planner_gis.suggest import maximal_covering, suggest_sites

    net, fac, pop, units, ent, cxy = _demo_inputs()
    cands = gpd.GeoDataFrame({"candidate_id": [f"C{i}" for i in range(len(cxy))]},
                             geometry=gpd.points_from_xy(*cxy.T), crs=net.crs)
    r = suggest_sites(net, fac, pop, units, "kindergarten", cands, sites=K, entrances=ent, method="greedy")
    p = r.problems[None]
    ours = maximal_covering(p, K, method="exact", time_limit=60)
    # the same demand: the residents not yet within 300 m on foot, as points
    oxy = np.asarray([(g.x, g.y) for g in pop.geometry.to_crs(net.crs)])[p.origin_index]
    demand = gpd.GeoDataFrame({"population": p.weights}, geometry=gpd.points_from_xy(*oxy.T), crs=net.crs)
    row_of = {c: i for i, c in enumerate(p.candidate_ids)}
    fac_gdf = cands[cands["candidate_id"].isin(row_of)].reset_index(drop=True)
    t0 = time.perf_counter()
    model = MCLP.from_geodataframe(demand, fac_gdf, "geometry", "geometry", "population", service_radius=300.0,
                                   p_facilities=K)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    t_spopt = time.perf_counter() - t0
    chosen = [row_of[c] for c, x in zip(fac_gdf["candidate_id"], model.fac_vars) if x.value() and x.value() > 0.5]
    # residents spopt counts (straight line) and those its sites really reach on foot
    sel = [i for i, x in enumerate(model.fac_vars) if x.value() and x.value() > 0.5]
    sxy = np.c_[fac_gdf.geometry.x.to_numpy()[sel], fac_gdf.geometry.y.to_numpy()[sel]]
    claimed_mask = (np.hypot(oxy[:, None, 0] - sxy[None, :, 0], oxy[:, None, 1] - sxy[None, :, 1]) <= 300.0).any(axis=1)
    walk = np.zeros(p.n_origins, dtype=bool)
    walk[p.matrix[chosen].indices] = True
    return {"spopt_seconds": t_spopt, "spopt_sites": len(chosen),
            "spopt_claimed_population": float(p.weights[claimed_mask].sum()),
            "spopt_claimed_really_walkable": float(p.weights[claimed_mask & walk].sum()),
            "spopt_walk_covered": float(p.weights[walk].sum()),
            "ours_walk_covered": ours.newly_covered, "ours_seconds": ours.seconds}


def scenario_whatif(n_nodes: int, n_origins: int, changes: int = 40) -> dict:
    import pandas as pd

    from planner_gis.network import WalkNetwork
    from planner_gis.reach import zone_membership
    from planner_gis.scenario import Scenario

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins)
    net = WalkNetwork("EPSG:4548", xy, u, v)
    zones = zones_for(extent)
    mem = zone_membership(origins, zones.geometry)
    cat = pd.DataFrame([{"category": c, "tier_min": t, "threshold_m": thr} for c, (_, t, thr) in CATEGORIES.items()])
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    t0 = time.perf_counter()
    sc = Scenario(net, origins, weights, mem, zones["unit_id"].tolist(), cat, fxy,
                  [f"F{i}" for i in range(len(fxy))], fcat)
    build = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    times: dict = {"add": [], "remove": [], "move": [], "undo": []}
    ids = rng.permutation(len(fxy))
    for i in range(changes):
        for op in ("add", "remove", "move", "undo"):
            t = time.perf_counter()
            if op == "add":
                sc.add(*rng.uniform(0, extent, 2), str(rng.choice(cat["category"])))
            elif op == "remove":
                sc.remove(f"F{ids[2 * i]}")
            elif op == "move":
                sc.move(f"F{ids[2 * i + 1]}", *rng.uniform(0, extent, 2))
            else:
                sc.undo()
            times[op].append(time.perf_counter() - t)
    t = time.perf_counter()
    sc.recompute()
    full = (time.perf_counter() - t) / len(cat)
    allt = np.concatenate([times[k] for k in times])
    return {"nodes": len(xy), "origins": n_origins, "scenario_build": build,
            **{f"{k}_ms": 1000 * float(np.median(v)) for k, v in times.items()},
            "median_ms": 1000 * float(np.median(allt)), "p95_ms": 1000 * float(np.percentile(allt, 95)),
            "max_ms": 1000 * float(allt.max()), "full_recompute_per_category_ms": 1000 * full}


def _run(fn_name: str, args: tuple, q) -> None:
    try:
        q.put(globals()[fn_name](*args))
    except Exception as exc:  # report and carry on
        q.put({"error": repr(exc)})


def in_child(fn_name: str, *args) -> dict:
    """Run a scenario of this module in a fresh process."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(fn_name, args, q))
    p.start()
    res = q.get()
    p.join()
    return res


def _median(runs: list, skip=("exact_method", "exact_solver", "greedy_bound_source")) -> dict:
    keys = [k for k in runs[0] if k not in skip and isinstance(runs[0][k], (int, float))]
    out = {k: float(np.median([r[k] for r in runs])) for k in keys}
    out.update({k: runs[0][k] for k in skip if k in runs[0]})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run each, a 10k-node what-if, no spopt")
    ap.add_argument("--repeat", type=int, default=3, help="fresh-process runs per scenario (medians printed)")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    ap.add_argument("--only", choices=("suggest", "whatif"), help="run only this scenario (and no spopt)")
    a = ap.parse_args(argv)
    repeat = 1 if a.quick else max(1, a.repeat)
    results: dict = {}
    for name, fn, args in (("suggest", "scenario_suggest", ()),
                           ("whatif", "scenario_whatif", (10_000, 50_000) if a.quick else (1_000_000, 1_000_000))):
        if a.only and name != a.only:
            continue
        runs = [in_child(fn, *args) for _ in range(repeat)]
        bad = [r for r in runs if "error" in r]
        if bad:
            print(name, bad[0]["error"])
            continue
        results[name] = {"median": _median(runs), "runs": runs}
        print(name, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in results[name]["median"].items()})
    if not (a.quick or a.no_spopt or a.only):
        r = in_child("scenario_spopt")
        results["spopt"] = r
        print("spopt", {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()})
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
