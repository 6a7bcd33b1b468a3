"""Benchmark of the walking-reach engine: compute_coverage at 1M/4M nodes, and like-for-like references.

Inputs: a jittered square street grid (100 m blocks), 1,000,000 uniformly
spread population origins (``--origins``: one number per size), 10 facility categories (1000 convenience stores
... 25 middle schools per million residents; thresholds 300/500/1000 m for
the 5/10/15-minute tiers) and 256 square units.

Scenario ``coverage`` (one fresh process per run): the GeoDataFrames are
built in memory, then ``startup`` = a first ``compute_coverage`` on a tiny
network with the compiled kernels forced on (loads numba and the cached
kernels: once per process; :func:`load_kernels`),
``net()`` = the ``WalkNetwork`` constructor on the big arrays (arc list and
connected pieces), and ``coverage()`` = ``compute_coverage(...,
underserved=False)`` on that fresh network (so it builds its snap index),
split into its stages by the progress callback (snap: coordinates, snap
index, snapping; dist: the ten bounded searches and per-origin distances;
aggr: zone membership, coverage table, unreachable table); ``cpu`` = the
process's CPU time (user + system) during ``coverage()``, which waits less
than the wall clock on a shared machine. Peak = peak RSS
of the process; ``before`` = peak RSS before the call (the inputs).

``--ref DIR`` runs the same scenario with the library of another checkout
(e.g. a ``git worktree`` of the previous commit), alternating run by run
with the current code.

Scenario ``compare`` (``--compare``; one process, 160k nodes, 1M origins):
the same exact job (edge snapping, partial edges, same-edge walks,
per-origin distance to the nearest facility of each of the 10 categories
within its threshold) with networkx, igraph and networkit (their Dijkstra
from one virtual source per category on a directed graph; the same snapped
points and the same per-origin step in numpy; results checked equal to
ours), and the looser node-based jobs of cityseer and pandana (facilities
and origins at network nodes) including their network builds, all as
ratios against our times from the same run.

Usage::

    .venv/bin/python benchmarks/bench_reach.py --quick              # smoke run (seconds)
    .venv/bin/python benchmarks/bench_reach.py --repeat 5 --sizes 1000000 4000000 --origins 1000000 4000000
    .venv/bin/python benchmarks/bench_reach.py --repeat 5 --sizes 1000000 --ref /tmp/before
    .venv/bin/python benchmarks/bench_reach.py --compare            # references (minutes: pandana's CH build)

Timings on a shared VM vary a lot between runs of the same code, so each
run is a fresh process, medians and ranges are printed with the load
average, and before/after runs alternate.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
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


def coverage_inputs(n_nodes: int, n_origins: int, seed: int = 0) -> dict:
    """The arrays and the GeoDataFrames of a coverage run."""
    import geopandas as gpd
    import pandas as pd

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins, seed)
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    return {
        "xy": xy, "u": u, "v": v, "zones": zones_for(extent),
        "facilities": gpd.GeoDataFrame({"category": fcat}, geometry=gpd.points_from_xy(*fxy.T), crs="EPSG:4548"),
        "population": gpd.GeoDataFrame({"population": weights}, geometry=gpd.points_from_xy(*origins.T),
                                       crs="EPSG:4548"),
        "catalogue": pd.DataFrame([{"category": c, "name_zh": c, "tier_min": t, "threshold_m": thr}
                                   for c, (_, t, thr) in CATEGORIES.items()]),
    }


def load_kernels(fn, *args, **kwargs):
    """Call ``fn`` with the compiled kernels used at any size: loads numba and the cached kernels.

    The library uses the kernels only for inputs of ``_jit.MIN_ITEMS`` items or more, so a
    warm-up on a tiny case would otherwise leave their loading (once per process) to the
    timed call.
    """
    from planner_gis import _jit

    saved, _jit.MIN_ITEMS = _jit.MIN_ITEMS, 1
    try:
        return fn(*args, **kwargs)
    finally:
        _jit.MIN_ITEMS = saved


def scenario_coverage(n_nodes: int, n_origins: int) -> dict:
    """``compute_coverage`` on a fresh network, after a warm-up call; stages from the progress callback."""
    from planner_gis.network import WalkNetwork
    from planner_gis.reach import compute_coverage

    d = coverage_inputs(n_nodes, n_origins)
    small = make_inputs(400, 2000)
    t0 = time.perf_counter()
    load_kernels(compute_coverage, WalkNetwork("EPSG:4548", *small[:3]), d["facilities"].iloc[:50],
                 d["population"].iloc[:2000], d["zones"], d["catalogue"], underserved=False)
    t1 = time.perf_counter()
    net = WalkNetwork("EPSG:4548", d["xy"], d["u"], d["v"])
    t2 = time.perf_counter()
    before = _peak_mb()
    marks: list = []

    def progress(fraction: float, message: str) -> None:
        stage = "snap" if fraction < 0.2 else "dist" if fraction < 0.7 else "aggr"
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.perf_counter()))

    c2 = time.process_time()
    res = compute_coverage(net, d["facilities"], d["population"], d["zones"], d["catalogue"], underserved=False,
                           progress=progress)
    t3 = time.perf_counter()
    c3 = time.process_time()
    ends = [m[1] for m in marks[1:]] + [t3]
    out = {"nodes": net.n_nodes, "origins": n_origins, "startup": t1 - t0, "network_build": t2 - t1,
           "compute_coverage": t3 - t2, "cpu": c3 - c2, "peak_mb_before": before, "peak_mb": _peak_mb(),
           "rows": len(res.coverage), "load": os.getloadavg()[0],
           "library": str(Path(sys.modules["planner_gis"].__file__).parent.parent)}
    out.update({stage: end - start for (stage, start), end in zip(marks, ends)})
    return out


def _node_array(n: int, nodes: np.ndarray, dist: np.ndarray, limit: float) -> np.ndarray:
    """Distances of ``nodes`` as a dense array of ``n`` nodes; ``inf`` elsewhere and beyond ``limit``."""
    out = np.full(n, np.inf)
    out[nodes] = dist
    out[out > limit] = np.inf
    return out


def per_origin(net, o_snap, f_snap, sources: np.ndarray, node_dist: np.ndarray, limit: float) -> np.ndarray:
    """The per-origin step of the exact job in numpy: both edge ends, same-edge walks, limit."""
    from planner_gis.reach import distances_from_nodes
    from planner_gis.reach.engine import _same_edge_pairs, _subset

    out = distances_from_nodes(net, node_dist, o_snap)
    sub = _subset(f_snap, sources)
    d_idx, s_idx = _same_edge_pairs(o_snap, sub, net.n_edges)
    if len(d_idx):
        direct = o_snap.distance[d_idx] + np.abs(o_snap.offset[d_idx] - sub.offset[s_idx]) + sub.distance[s_idx]
        np.minimum.at(out, d_idx, direct)
    out[out > limit] = np.inf
    return out


def source_arcs(net, f_snap, groups: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs (tail, head, weight): both directions of each edge, then the virtual sources' arcs.

    Virtual source ``n + j`` of group ``j`` has an arc to both ends of each
    of its facilities' edges (the lighter one of parallel arcs).
    """
    tails, heads, ws = [net.edge_u, net.edge_v], [net.edge_v, net.edge_u], [net.edge_length, net.edge_length]
    for j, g in enumerate(groups):
        e = f_snap.edge[g]
        node = np.r_[net.edge_u[e], net.edge_v[e]]
        w = np.r_[f_snap.distance[g] + f_snap.offset[g], f_snap.distance[g] + (net.edge_length[e] - f_snap.offset[g])]
        order = np.lexsort([w, node])
        first = np.r_[True, node[order][1:] != node[order][:-1]]
        tails.append(np.full(first.sum(), net.n_nodes + j))
        heads.append(node[order][first])
        ws.append(w[order][first])
    return np.concatenate(tails), np.concatenate(heads), np.concatenate(ws)


def job_networkx(net, arcs, n_groups: int, limits) -> tuple:
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(*(a.tolist() for a in arcs)))
    t1 = time.perf_counter()
    nds = []
    for j in range(n_groups):
        dist = nx.single_source_dijkstra_path_length(g, net.n_nodes + j, cutoff=float(limits[j]))
        dist.pop(net.n_nodes + j, None)
        nodes = np.fromiter(dist.keys(), np.int64, len(dist))
        nds.append(_node_array(net.n_nodes, nodes, np.fromiter(dist.values(), float, len(dist)), limits[j]))
    return t1 - t0, nds, time.perf_counter() - t1


def job_igraph(net, arcs, n_groups: int, limits) -> tuple:
    import igraph

    t0 = time.perf_counter()
    g = igraph.Graph(n=net.n_nodes + n_groups, edges=np.column_stack(arcs[:2]).tolist(), directed=True)
    g.es["w"] = arcs[2].tolist()
    t1 = time.perf_counter()
    nds = []
    for j in range(n_groups):
        # igraph's distances have no cutoff: a full search from the virtual source
        d = np.asarray(g.distances(source=[net.n_nodes + j], weights="w", mode="out")[0][:net.n_nodes])
        nds.append(_node_array(net.n_nodes, np.arange(net.n_nodes), d, limits[j]))
    return t1 - t0, nds, time.perf_counter() - t1


def job_networkit(net, arcs, n_groups: int, limits) -> tuple:
    import networkit as nk

    t0 = time.perf_counter()
    g = nk.Graph(net.n_nodes + n_groups, weighted=True, directed=True)
    g.addEdges((arcs[2], (arcs[0].astype(np.uint64), arcs[1].astype(np.uint64))))
    t1 = time.perf_counter()
    nds = []
    for j in range(n_groups):
        # networkit's Dijkstra has no cutoff either: a full search
        dj = nk.distance.Dijkstra(g, net.n_nodes + j, storePaths=False)
        dj.run()
        d = np.asarray(dj.getDistances(asarray=True))[:net.n_nodes]
        d[d > 1e300] = np.inf  # unreached nodes get the largest double
        nds.append(_node_array(net.n_nodes, np.arange(net.n_nodes), d, limits[j]))
    return t1 - t0, nds, time.perf_counter() - t1


def job_cityseer(xy, u, v, fxy, fcat, origins, limits) -> tuple:
    """Node-based: cityseer's accessibilities at every node (nearest of each category), origins at nearest nodes."""
    import logging

    os.environ["TQDM_DISABLE"] = "1"  # cityseer's progress bars
    import geopandas as gpd
    import networkx as nx
    from cityseer.metrics import layers
    from cityseer.tools import io
    from scipy.spatial import cKDTree
    from shapely import linestrings

    logging.getLogger("cityseer").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    g = nx.MultiGraph()
    g.add_nodes_from((str(i), {"x": float(x), "y": float(y)}) for i, (x, y) in enumerate(xy))
    geoms = linestrings(np.stack([xy[u], xy[v]], axis=1))
    g.add_edges_from((str(a), str(b), {"geom": gm}) for a, b, gm in zip(u.tolist(), v.tolist(), geoms))
    g.graph["crs"] = "EPSG:4548"
    nodes, _, structure = io.network_structure_from_nx(g)
    t1 = time.perf_counter()
    data = gpd.GeoDataFrame({"cat": fcat}, geometry=gpd.points_from_xy(*fxy.T), crs="EPSG:4548")
    cats = list(CATEGORIES)
    out = layers.compute_accessibilities(data, "cat", cats, nodes, structure,
                                         distances=sorted({int(x) for x in limits}))
    node_of = cKDTree(xy).query(origins)[1]
    res = []
    for c, lim in zip(cats, limits):
        col = out[f"cc_{c}_nearest_max_{int(max(limits))}"].to_numpy(dtype=float)
        d = col[node_of]
        d[~(d <= lim)] = np.inf
        res.append(d)
    return t1 - t0, res, time.perf_counter() - t1


def job_pandana(xy, u, v, fac, origins, limits) -> tuple:
    """Node-based: pandana's contraction hierarchy, nearest POI per node, origins at their nearest nodes."""
    import pandana
    import pandas as pd

    t0 = time.perf_counter()
    length = np.hypot(*(xy[u] - xy[v]).T)
    nodes = pd.Index(np.arange(len(xy)))
    pn = pandana.Network(pd.Series(xy[:, 0], index=nodes), pd.Series(xy[:, 1], index=nodes),
                         pd.Series(u), pd.Series(v), pd.DataFrame({"length": length}), twoway=True)
    t1 = time.perf_counter()
    print(f"  (pandana's Network built in {t1 - t0:.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
    pn.precompute(float(max(limits)))
    node_of = pn.get_node_ids(pd.Series(origins[:, 0]), pd.Series(origins[:, 1])).to_numpy()
    res = []
    for (c, f), lim in zip(fac.items(), limits):
        pn.set_pois(c, float(lim), 1, pd.Series(f[:, 0]), pd.Series(f[:, 1]))
        near = pn.nearest_pois(float(lim), c, num_pois=1)[1]
        d = np.array(near.reindex(node_of), dtype=float)  # a copy: to_numpy may give a read-only view
        d[~(d < lim)] = np.inf  # pandana fills "no POI" with the search distance itself
        res.append(d)
    return t1 - t0, res, time.perf_counter() - t1


def scenario_compare(n_nodes: int, n_origins: int, which: list) -> dict:
    """Ours against the references on the same inputs, in one process (see the module docs)."""
    from planner_gis.network import WalkNetwork, snap_points
    from planner_gis.reach import nearest_per_group
    from planner_gis.reach.engine import _ends

    xy, u, v, extent, origins, weights, fac = make_inputs(n_nodes, n_origins)
    fxy = np.vstack(list(fac.values()))
    fcat = np.repeat(list(fac.keys()), [len(f) for f in fac.values()])
    limits = np.array([thr for _, _, thr in CATEGORIES.values()], dtype=float)
    warm = WalkNetwork("EPSG:4548", *make_inputs(400, 10)[:3])
    load_kernels(lambda: nearest_per_group(warm, snap_points(warm, origins[:50]), snap_points(warm, fxy[:20]),
                                           [np.arange(20)], limits[:1]))
    t0 = time.perf_counter()
    net = WalkNetwork("EPSG:4548", xy, u, v)
    t1 = time.perf_counter()
    o_snap, f_snap = snap_points(net, origins), snap_points(net, fxy)
    t2 = time.perf_counter()
    groups = [np.flatnonzero((fcat == c) & (f_snap.edge >= 0)) for c in CATEGORIES]
    ours = nearest_per_group(net, o_snap, f_snap, groups, limits)
    t3 = time.perf_counter()
    out = {"nodes": net.n_nodes, "origins": n_origins, "ours": {"build": t1 - t0, "snap": t2 - t1, "search": t3 - t2},
           "load": os.getloadavg()[0]}
    print_compare(out, header=True)
    _ends(net, o_snap)  # the edge ends of the origins, shared by the references' per-origin step (not timed)
    arcs = source_arcs(net, f_snap, groups)
    for name, fn in (("networkx", job_networkx), ("igraph", job_igraph), ("networkit", job_networkit)):
        if name not in which:
            continue
        build, nds, search = fn(net, arcs, len(groups), limits)
        t = time.perf_counter()
        res = np.array([per_origin(net, o_snap, f_snap, g, nd, lim) for g, nd, lim in zip(groups, nds, limits)])
        search += time.perf_counter() - t
        with np.errstate(invalid="ignore"):
            diff = np.where(np.isinf(res) & np.isinf(ours), 0.0, np.abs(res - ours))
        out[name] = {"build": build, "search": search, "identical": bool(np.array_equal(res, ours)),
                     "max_abs_diff": float(np.nanmax(diff)), "load": os.getloadavg()[0]}
        print_compare(out, names=[name])
    for name, fn, args in (("cityseer", job_cityseer, (xy, u, v, fxy, fcat, origins, limits)),
                           ("pandana", job_pandana, (xy, u, v, fac, origins, limits))):
        if name not in which:
            continue
        build, res, rest = fn(*args)
        agree = np.mean([np.mean((r <= lim) == (o <= lim)) for r, o, lim in zip(res, ours, limits)])
        out[name] = {"build": build, "search": rest, "covered_agreement": float(agree), "load": os.getloadavg()[0]}
        print_compare(out, names=[name])
    return out


def _run(fn_name: str, args: tuple, q, code: str | None) -> None:
    if code:  # the library of another checkout first on the path (editable installs come later)
        sys.path.insert(0, code)
    try:
        q.put(globals()[fn_name](*args))
    except Exception as exc:  # report and carry on
        q.put({"error": repr(exc)})


def in_child(fn_name: str, *args, code: str | None = None) -> dict:
    """Run a scenario in a fresh process (optionally with the library of checkout ``code``)."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(fn_name, args, q, code))
    p.start()
    res = q.get()
    p.join()
    return res


COLUMNS = ("startup", "network_build", "snap", "dist", "aggr", "compute_coverage", "cpu", "peak_mb_before", "peak_mb")


def _row(tag: str, r: dict) -> str:
    vals = " ".join(f"{r.get(k, float('nan')):{8 if 'mb' in k else 7}.{0 if 'mb' in k else 2}f}" for k in COLUMNS)
    return f"{tag:>7} {r['nodes']:>9} {r['origins']:>9} {vals} {r['load']:5.1f}"


def run_coverage(sizes: list, origins: list, repeat: int, ref: str | None) -> list:
    """Fresh-process runs of the coverage scenario (alternating with ``ref``); print rows and medians."""
    print(f"{'code':>7} {'nodes':>9} {'origins':>9} {'startup':>7} {'net()':>7} {'snap':>7} {'dist':>7} {'aggr':>7} "
          f"{'cover()':>7} {'cpu':>7} {'before':>8} {'peak MB':>8} {'load':>5}")
    results = []
    for n, n_origins in zip(sizes, origins):
        runs: dict = {"new": [], "ref": []}
        for _ in range(max(1, repeat)):
            for tag, code in (("new", None), ("ref", ref)):
                if tag == "ref" and not ref:
                    continue
                r = in_child("scenario_coverage", n, n_origins, code=code)
                if "error" in r:
                    print(tag, n, r["error"])
                    continue
                r["code"] = tag
                runs[tag].append(r)
                results.append(r)
                print(_row(tag, r), flush=True)
        for tag, rs in runs.items():
            if len(rs) > 1:
                med = {k: float(np.median([r[k] for r in rs])) for k in COLUMNS if k in rs[0]}
                print(_row("median", {**med, "nodes": rs[0]["nodes"], "origins": rs[0]["origins"],
                                      "load": np.median([r["load"] for r in rs])})
                      + f"  {tag}: coverage() {min(r['compute_coverage'] for r in rs):.2f}-"
                        f"{max(r['compute_coverage'] for r in rs):.2f} s over {len(rs)} runs")
    return results


def print_compare(r: dict, header: bool = False, names: list | None = None) -> None:
    """Lines of the comparison: our times (``header``), each reference's times and its ratio to ours.

    Printed as each reference finishes (a slow build does not hide the others).
    """
    o = r["ours"]
    if header:
        print(f"compare: {r['nodes']} nodes, {r['origins']} origins, load {r['load']:.1f}; ours: build (arc list) "
              f"{o['build']:.3f} s, snapping {o['snap']:.3f} s, searches + per-origin distances {o['search']:.3f} s",
              flush=True)
    names = names or []
    for name in [x for x in ("networkx", "igraph", "networkit") if x in names]:
        if name in r:
            t = r[name]
            print(f"  exact job  {name:>9}: build {t['build']:7.3f} s  search+per-origin {t['search']:7.3f} s  "
                  f"ratio search {t['search'] / o['search']:6.1f}x  with build "
                  f"{(t['build'] + t['search']) / (o['build'] + o['search']):6.1f}x  identical {t['identical']}  "
                  f"load {t['load']:.1f}", flush=True)
    ours_job = o["build"] + o["snap"] + o["search"]
    for name in [x for x in ("cityseer", "pandana") if x in names]:
        if name in r:
            t = r[name]
            print(f"  node-based {name:>9}: build {t['build']:7.3f} s  rest {t['search']:7.3f} s  ratio "
                  f"{(t['build'] + t['search']) / ours_job:6.1f}x (ours: build+snap+search {ours_job:.3f} s), "
                  f"covered flags agree {t['covered_agreement']:.1%}  load {t['load']:.1f}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--repeat", type=int, default=3, help="fresh-process runs per size (median and range printed)")
    ap.add_argument("--sizes", type=int, nargs="+", metavar="NODES",
                    help="network sizes of the coverage scenario (default 1000000)")
    ap.add_argument("--origins", type=int, nargs="+", metavar="N",
                    help="population origins of each size in --sizes (default 1000000 each; facilities "
                         "scale with them, per million residents)")
    ap.add_argument("--ref", metavar="DIR", help="checkout whose library runs alternately with this one")
    ap.add_argument("--compare", action="store_true", help="run the reference comparison (160k nodes, 1M origins)")
    ap.add_argument("--only", nargs="+", default=["networkx", "igraph", "networkit", "cityseer", "pandana"],
                    help="references of --compare (default: all)")
    ap.add_argument("--skip-coverage", action="store_true", help="only the comparison")
    a = ap.parse_args(argv)
    sizes, cmp_case = (a.sizes or [1_000_000]), (160_000, 1_000_000)
    origins = a.origins or [1_000_000] * len(sizes)
    if a.quick:
        sizes, origins, cmp_case = [10_000], [50_000], (10_000, 50_000)
    if len(origins) != len(sizes):
        ap.error("--origins needs one number per size in --sizes")
    results: dict = {"coverage": [], "compare": None}
    if not a.skip_coverage:
        results["coverage"] = run_coverage(sizes, origins, a.repeat, a.ref)
    if a.compare or a.quick:
        only = [x for x in a.only if not (a.quick and x == "pandana")]
        r = in_child("scenario_compare", *cmp_case, only)
        results["compare"] = r
        if "error" in r:
            print(r["error"])
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
