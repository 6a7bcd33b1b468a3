"""Benchmark of the walking-reach engine (planner_gis.network / planner_gis.reach).

Synthetic jittered street grids (100 m blocks), 10 facility categories with
counts per million residents in the spirit of GB 50180-2018, uniformly spread
population origins and square units. Each scenario runs in a fresh process so
that its peak resident memory (ru_maxrss) is its own.

Stages of the coverage pipeline:

* prepare   - WalkNetwork from arrays (connected pieces), arc list, snap index
* snap      - snap origins and facilities onto the nearest edge
* distances - one bounded multi-source search per category + origin distances
* aggregate - origins in units (point in polygon) and coverage table per unit,
              category and tier

Comparisons measured in the same run:

* networkx ``multi_source_dijkstra_path_length`` (160k nodes; sources at the
  facilities' nearest nodes, ``cutoff`` = threshold, result mapped onto the
  origins' nearest nodes with numpy; graph build timed apart) against our
  distances stage for the same categories (see :func:`scenario_networkx`);
* pandana 0.8 (40k nodes) including its network/index build (contraction
  hierarchies), ``precompute``, ``set_pois`` and ``nearest_pois`` plus origin to
  node mapping, against our whole pipeline (prepare + snap + distances).

Usage::

    .venv/bin/python benchmarks/bench_reach.py            # full run (~minutes)
    .venv/bin/python benchmarks/bench_reach.py --quick    # smoke run (seconds)
    .venv/bin/python benchmarks/bench_reach.py --no-pandana --no-networkx --repeat 5 --sizes 1000000

Timings on a shared VM vary a lot between runs of the same code (mostly the
cost of first touching fresh memory), so ``--repeat`` runs each pipeline
scenario in several fresh processes and prints the median and range.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SPACING = 100.0
# category: (count per million residents, tier_min, threshold_m)
CATEGORIES = {
    "convenience_store": (1000, 5, 300),
    "kindergarten": (100, 5, 300),
    "elderly_daycare": (100, 5, 300),
    "outdoor_fitness": (300, 5, 300),
    "community_clinic": (100, 10, 500),
    "primary_school": (50, 10, 500),
    "vegetable_market": (100, 10, 500),
    "middle_school": (25, 15, 1000),
    "community_centre": (60, 15, 1000),
    "sports_ground": (60, 15, 1000),
}


def make_grid(n_nodes: int, seed: int = 0):
    """Jittered square street grid with about n_nodes nodes."""
    side = int(round(np.sqrt(n_nodes)))
    rng = np.random.default_rng(seed)
    xx, yy = np.meshgrid(np.arange(side) * SPACING, np.arange(side) * SPACING)
    xy = np.c_[xx.ravel(), yy.ravel()] + rng.normal(0, 0.1 * SPACING, (side * side, 2))
    idx = np.arange(side * side).reshape(side, side)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    return xy, u, v, side * SPACING


def make_inputs(n_nodes: int, n_origins: int, seed: int = 0):
    xy, u, v, extent = make_grid(n_nodes, seed)
    rng = np.random.default_rng(seed + 1)
    origins = rng.uniform(0, extent, (n_origins, 2))
    weights = rng.gamma(2.0, 5.0, n_origins)
    scale = n_origins / 1e6
    fac = {c: rng.uniform(0, extent, (max(1, int(round(k * scale))), 2))
           for c, (k, _, _) in CATEGORIES.items()}
    return xy, u, v, extent, origins, weights, fac


def zones_for(extent: float, per_side: int = 16):
    import geopandas as gpd
    from shapely.geometry import box

    step = extent / per_side
    boxes = [box(i * step, j * step, (i + 1) * step, (j + 1) * step)
             for i in range(per_side) for j in range(per_side)]
    return gpd.GeoDataFrame({"unit_id": [f"U{k:03d}" for k in range(len(boxes))]},
                            geometry=boxes, crs="EPSG:4548")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def scenario_pipeline(n_nodes: int, n_origins: int, end_to_end: bool = True) -> dict:
    """Our pipeline, stage by stage; then compute_coverage end to end."""
    import pandas as pd

    from planner_gis.network import WalkNetwork, snap_points
    from planner_gis.reach import nearest_from_snapped, source_graph, zone_membership

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins)
    zones = zones_for(extent)
    base_mb = _peak_mb()
    out = {"nodes": len(xy), "edges": len(u), "origins": n_origins,
           "facilities": int(sum(len(f) for f in fac.values()))}
    t0 = time.perf_counter()
    net = WalkNetwork("EPSG:4548", xy, u, v)
    _ = net.csr_arrays, net._snap_index  # build the cached arc list and snap index inside the timing
    t1 = time.perf_counter()
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    o_snap = snap_points(net, origins)
    f_snap = snap_points(net, fxy)
    t2 = time.perf_counter()
    graph = source_graph(net, f_snap)
    covered = np.zeros((n_origins, len(CATEGORIES)), dtype=bool)
    for j, (c, (_, _tier, thr)) in enumerate(CATEGORIES.items()):
        d = nearest_from_snapped(net, o_snap, f_snap, limit=thr, graph=graph,
                                 sources=np.flatnonzero(fcat == c))
        covered[:, j] = d <= thr
    t3 = time.perf_counter()
    p_idx, z_idx = zone_membership(origins, zones.geometry)
    nz = len(zones)
    w = weights[p_idx]
    pop = np.bincount(z_idx, weights=w, minlength=nz)
    cov = [np.bincount(z_idx, weights=w * covered[p_idx, j], minlength=nz) for j in range(len(CATEGORIES))]
    tiers = np.array([t for _, t, _ in CATEGORIES.values()])
    for t in (5, 10, 15):
        allc = covered[:, tiers == t].all(axis=1)
        cov.append(np.bincount(z_idx, weights=w * allc[p_idx], minlength=nz))
    t4 = time.perf_counter()
    out.update(prepare=t1 - t0, snap=t2 - t1, distances=t3 - t2, aggregate=t4 - t3, total=t4 - t0,
               peak_mb=_peak_mb(), base_mb=base_mb,
               covered_share_tier15=float((cov[-1].sum()) / pop.sum()))
    if end_to_end:
        import geopandas as gpd

        from planner_gis.reach import compute_coverage

        fac_gdf = gpd.GeoDataFrame({"category": fcat}, geometry=gpd.points_from_xy(*fxy.T), crs="EPSG:4548")
        pop_gdf = gpd.GeoDataFrame({"population": weights}, geometry=gpd.points_from_xy(*origins.T),
                                   crs="EPSG:4548")
        catalogue = pd.DataFrame([{"category": c, "name_zh": c, "tier_min": t, "threshold_m": thr}
                                  for c, (_, t, thr) in CATEGORIES.items()])
        t4b = time.perf_counter()
        # fresh network: compute_coverage builds its snap index; the constructor (arc list,
        # connected pieces) is timed apart, as "network_build"
        net2 = WalkNetwork("EPSG:4548", xy, u, v)
        t5 = time.perf_counter()
        out["network_build"] = t5 - t4b
        res = compute_coverage(net2, fac_gdf, pop_gdf, zones, catalogue, underserved=False)
        t6 = time.perf_counter()
        out["compute_coverage"] = t6 - t5
        out["peak_mb_end"] = _peak_mb()
        out["coverage_rows"] = len(res.coverage)
    return out


def scenario_networkx(n_nodes: int, n_origins: int) -> dict:
    """Run the same job both ways: distance to the nearest facility of each category, up to its threshold.

    The distance is computed at every origin. networkx: graph from the edge list;
    ``multi_source_dijkstra_path_length`` from the facilities' nearest nodes with
    ``cutoff`` = threshold; its dict mapped onto the origins' nearest nodes with numpy
    (no Python loop over origins). Ours: the arc list (``WalkNetwork``), then
    ``source_graph`` + ``nearest_from_snapped`` per category (exact: partial edges and
    snap distances included). Snapping is timed in neither.
    """
    import networkx as nx
    from scipy.spatial import cKDTree

    from planner_gis.network import WalkNetwork, snap_points
    from planner_gis.reach import nearest_from_snapped, source_graph

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins)
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    t0 = time.perf_counter()
    net = WalkNetwork("EPSG:4548", xy, u, v)
    _ = net.csr_arrays  # build the cached arc list inside the timing
    ours_build = time.perf_counter() - t0
    o_snap = snap_points(net, origins)
    f_snap = snap_points(net, fxy)
    t0 = time.perf_counter()
    graph = source_graph(net, f_snap)
    ours = {}
    for c, (_, _, thr) in CATEGORIES.items():
        s = time.perf_counter()
        nearest_from_snapped(net, o_snap, f_snap, limit=thr, graph=graph, sources=np.flatnonzero(fcat == c))
        ours[c] = time.perf_counter() - s
    ours_total = time.perf_counter() - t0
    s = time.perf_counter()
    g = nx.Graph()
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), net.edge_length.tolist()))
    build = time.perf_counter() - s
    tree = cKDTree(xy)
    onode = tree.query(origins)[1]
    theirs, mapping = {}, 0.0
    for c, (_, _, thr) in CATEGORIES.items():
        src = set(tree.query(fac[c])[1].tolist())
        s = time.perf_counter()
        dist = nx.multi_source_dijkstra_path_length(g, src, cutoff=thr)
        theirs[c] = time.perf_counter() - s
        s = time.perf_counter()
        nd = np.full(len(xy), np.inf)
        nd[np.fromiter(dist.keys(), np.int64, len(dist))] = np.fromiter(dist.values(), float, len(dist))
        nd[onode]
        mapping += time.perf_counter() - s
    search = sum(theirs.values())
    return {"nodes": len(xy), "origins": len(origins), "ours_build": ours_build, "ours_distances": ours_total,
            "networkx_build": build, "networkx_search": search, "networkx_map_to_origins": mapping,
            "ratio_search_only": search / ours_total,
            "ratio_job": (search + mapping) / ours_total,
            "ratio_job_with_build": (search + mapping + build) / (ours_total + ours_build)}


def scenario_pandana(n_nodes: int, n_origins: int) -> dict:
    import pandas as pd
    import pandana

    from planner_gis.network import WalkNetwork, snap_points
    from planner_gis.reach import nearest_from_snapped, source_graph

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins)
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    t0 = time.perf_counter()
    net = WalkNetwork("EPSG:4548", xy, u, v)
    o_snap = snap_points(net, origins)
    f_snap = snap_points(net, fxy)
    graph = source_graph(net, f_snap)
    for c, (_, _, thr) in CATEGORIES.items():
        nearest_from_snapped(net, o_snap, f_snap, limit=thr, graph=graph, sources=np.flatnonzero(fcat == c))
    ours = time.perf_counter() - t0
    length = np.hypot(*(xy[u] - xy[v]).T)
    t1 = time.perf_counter()
    nodes = pd.Index(np.arange(len(xy)))
    pn = pandana.Network(pd.Series(xy[:, 0], index=nodes), pd.Series(xy[:, 1], index=nodes),
                         pd.Series(u), pd.Series(v), pd.DataFrame({"length": length}), twoway=True)
    build = time.perf_counter() - t1
    pn.precompute(1000)
    origin_node = pn.get_node_ids(pd.Series(origins[:, 0]), pd.Series(origins[:, 1]))
    for c, (_, _, thr) in CATEGORIES.items():
        pn.set_pois(c, thr, 1, pd.Series(fac[c][:, 0]), pd.Series(fac[c][:, 1]))
        near = pn.nearest_pois(thr, c, num_pois=1)
        _ = near[1].reindex(origin_node.to_numpy()).to_numpy()
    theirs = time.perf_counter() - t1
    return {"nodes": len(xy), "ours_total": ours, "pandana_total": theirs, "pandana_build": build,
            "ratio": theirs / ours}


def _run(fn_name: str, args: tuple, q) -> None:
    try:
        q.put(globals()[fn_name](*args))
    except Exception as exc:  # report and carry on
        q.put({"error": repr(exc)})


def in_child(fn_name: str, *args) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(fn_name, args, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--no-pandana", action="store_true",
                    help="skip the pandana comparison (its contraction-hierarchy build takes minutes)")
    ap.add_argument("--no-networkx", action="store_true", help="skip the networkx comparison")
    ap.add_argument("--repeat", type=int, default=1,
                    help="fresh-process runs per pipeline scenario (median and range printed)")
    ap.add_argument("--sizes", type=int, nargs="+", metavar="NODES",
                    help="network sizes of the pipeline scenarios (1M origins each; default 160000 1000000)")
    a = ap.parse_args(argv)
    if a.quick:
        pipelines = [(10_000, 50_000)]
        nx_case, pd_case = (10_000, 50_000), (10_000, 50_000)
    else:
        pipelines = [(n, 1_000_000) for n in (a.sizes or (160_000, 1_000_000))]
        nx_case, pd_case = (160_000, 1_000_000), (40_000, 1_000_000)
    results = {"pipeline": [], "networkx": None, "pandana": None}
    print(f"{'nodes':>9} {'origins':>9} {'prepare':>8} {'snap':>6} {'dist':>6} {'aggr':>6} "
          f"{'total':>6} {'peak MB':>8} {'coverage()':>10} {'peak MB':>8} {'net()':>6}")
    keys = ("prepare", "snap", "distances", "aggregate", "total", "peak_mb", "compute_coverage", "peak_mb_end",
            "network_build")
    for n, m in pipelines:
        runs = []
        for _ in range(max(1, a.repeat)):
            r = in_child("scenario_pipeline", n, m)
            results["pipeline"].append(r)
            if "error" in r:
                print(n, m, r["error"])
                continue
            runs.append(r)
            print(f"{r['nodes']:>9} {r['origins']:>9} {r['prepare']:8.2f} {r['snap']:6.2f} "
                  f"{r['distances']:6.2f} {r['aggregate']:6.2f} {r['total']:6.2f} {r['peak_mb']:8.0f} "
                  f"{r['compute_coverage']:10.2f} {r['peak_mb_end']:8.0f} {r['network_build']:6.2f}")
        if len(runs) > 1:
            med = {k: float(np.median([r[k] for r in runs])) for k in keys}
            lo = {k: min(r[k] for r in runs) for k in keys}
            hi = {k: max(r[k] for r in runs) for k in keys}
            print(f"{'median':>9} {len(runs):>8}x " + " ".join(
                f"{med[k]:{w}.{0 if 'mb' in k else 2}f}" for k, w in zip(keys, (8, 6, 6, 6, 6, 8, 10, 8, 6))))
            print(f"{'range':>19} " + " ".join(f"{lo[k]:.2f}-{hi[k]:.2f}" for k in keys if "mb" not in k))
            results.setdefault("pipeline_median", []).append({"nodes": runs[0]["nodes"], **med})
    if not a.no_networkx:
        r = in_child("scenario_networkx", *nx_case)
        results["networkx"] = r
        print("networkx:", {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()})
    if not a.no_pandana:
        r = in_child("scenario_pandana", *pd_case)
        results["pandana"] = r
        print("pandana:", {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()})
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
