"""End to end: ``planner-gis reach`` against a minimal numbers-only pipeline on the same files.

Files (made once, deterministic, in ``--data``): a jittered street grid of
500 x 500 nodes (100 m blocks, 499,000 two-point lines, GeoPackage), a
population raster of 800 x 640 cells of 62.5 m (512,000 cells: a smooth
density of 60 neighbourhoods, empty where lowest, 10 %; GeoTIFF), ~1,500
facilities of the 15 default catalogue categories (points, GeoPackage) and
256 square units (GeoPackage); all in EPSG:4548 (metres).

Both are timed in one process after their imports, as the median of
``--repeat`` runs in fresh processes (wall clock, and CPU time, which waits
less on a shared machine):

* ``planner-gis reach --network ... --out DIR`` through ``planner_gis.cli.main``
  (everything after the imports: reading, building the network, snapping,
  searches, coverage, underserved polygons, unreachable records, writing
  coverage.csv, reach.gpkg and reach.json); its first compiled-kernel call
  (loading the cached kernels) is done before the clock starts, on a tiny
  network, and reported as ``startup``;
* the minimal pipeline: lines read with ``pyogrio.raw`` (WKB parsed with
  numpy), nodes by ``np.unique`` of end points, a scipy arc list, the raster
  read with rasterio, units burnt into the raster grid, origins and
  facilities at their nearest node (``cKDTree``), one
  ``scipy.sparse.csgraph.dijkstra(min_only=True, limit=threshold)`` per
  category, coverage per unit by ``np.bincount`` and a CSV: numbers only, no
  edge snapping, no polygons.

Usage::

    .venv/bin/python benchmarks/bench_cli.py --repeat 5
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CRS = "EPSG:4548"
SIDE, SPACING = 500, 100.0
RASTER_SHAPE, CELL = (640, 800), 62.5
#: facilities per category (default catalogue categories)
FACILITIES = {"kindergarten": 120, "elderly_daycare": 100, "health_station": 80, "convenience_store": 600,
              "outdoor_fitness": 200, "park_5min": 60, "primary_school": 60, "food_market": 80, "park_10min": 40,
              "middle_school": 30, "health_centre": 20, "elderly_home": 30, "culture_centre": 20,
              "sports_centre": 20, "park_15min": 20}


def make_files(folder: Path) -> dict:
    """Write the network, raster, facilities and units (once); return their paths."""
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    folder.mkdir(parents=True, exist_ok=True)
    paths = {k: folder / f for k, f in (("network", "streets.gpkg"), ("population", "population.tif"),
                                        ("facilities", "facilities.gpkg"), ("zones", "units.gpkg"))}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(0)
    xx, yy = np.meshgrid(np.arange(SIDE) * SPACING, np.arange(SIDE) * SPACING)
    xy = np.c_[xx.ravel(), yy.ravel()] + rng.normal(0, 0.1 * SPACING, (SIDE * SIDE, 2))
    idx = np.arange(SIDE * SIDE).reshape(SIDE, SIDE)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    lines = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    gpd.GeoDataFrame(geometry=lines, crs=CRS).to_file(paths["network"], engine="pyogrio")
    rows, cols = RASTER_SHAPE
    pop = population_grid(rng)
    with rasterio.open(paths["population"], "w", driver="GTiff", height=rows, width=cols, count=1,
                       dtype="float32", crs=CRS, transform=from_origin(0.0, rows * CELL, CELL, CELL),
                       nodata=0.0) as ds:
        ds.write(pop, 1)
    cat = np.repeat(list(FACILITIES), list(FACILITIES.values()))
    fxy = rng.uniform([0, 0], [cols * CELL, rows * CELL], (len(cat), 2))
    gpd.GeoDataFrame({"category": cat}, geometry=gpd.points_from_xy(*fxy.T), crs=CRS).to_file(
        paths["facilities"], engine="pyogrio")
    sx, sy = cols * CELL / 16, rows * CELL / 16
    boxes = [shapely.box(i * sx, j * sy, (i + 1) * sx, (j + 1) * sy) for j in range(16) for i in range(16)]
    gpd.GeoDataFrame({"unit_id": [f"U{k:03d}" for k in range(256)]}, geometry=boxes, crs=CRS).to_file(
        paths["zones"], engine="pyogrio")
    return paths


def population_grid(rng: np.random.Generator) -> np.ndarray:
    """Residents per cell: a smooth density of 60 neighbourhoods, empty where it is low (~10 % of the cells)."""
    rows, cols = RASTER_SHAPE
    yy, xx = np.mgrid[0:rows, 0:cols]
    density = np.zeros(RASTER_SHAPE)
    for cy, cx, r, h in zip(rng.uniform(0, rows, 60), rng.uniform(0, cols, 60), rng.uniform(20, 120, 60),
                            rng.uniform(5, 40, 60)):
        density += h * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    pop = (density * rng.uniform(0.8, 1.2, RASTER_SHAPE)).astype(np.float32)
    pop[density < np.quantile(density, 0.1)] = 0.0
    return pop


def _wkb_xy(wkb: np.ndarray, n_points: int) -> np.ndarray:
    """Coordinates of WKB points or lines of exactly ``n_points`` points, parsed with numpy."""
    head = 5 if n_points == 1 else 9
    size = head + 16 * n_points
    buf = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    if len(buf) != size * len(wkb):
        raise ValueError("not all geometries have the expected size")
    return buf.reshape(len(wkb), size)[:, head:].copy().view("<f8").reshape(len(wkb), n_points, 2)


def minimal_pipeline(paths: dict, out: Path) -> dict:
    """The numbers-only pipeline (see the module docs); returns its coverage sums."""
    import pyogrio.raw
    import rasterio
    import rasterio.features
    import shapely
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    from planner_gis.facilities import load_catalogue

    catalogue = load_catalogue()
    t0, c0 = time.perf_counter(), time.process_time()
    seg = _wkb_xy(pyogrio.raw.read(paths["network"])[2], 2)
    ends = seg.reshape(-1, 2)
    nodes, inverse = np.unique(ends, axis=0, return_inverse=True)
    u, v = inverse.reshape(-1, 2).T
    w = np.hypot(*(seg[:, 1] - seg[:, 0]).T)
    n = len(nodes)
    graph = csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    with rasterio.open(paths["population"]) as ds:
        pop, transform = ds.read(1), ds.transform
    zmeta = pyogrio.raw.read(paths["zones"])
    zone_grid = rasterio.features.rasterize(
        zip(shapely.from_wkb(zmeta[2]), range(1, len(zmeta[2]) + 1)), out_shape=pop.shape, transform=transform)
    r, c = np.nonzero(pop > 0)
    ox, oy = rasterio.transform.xy(transform, r, c, offset="center")
    weight, zone = pop[r, c].astype(np.float64), zone_grid[r, c] - 1
    fmeta = pyogrio.raw.read(paths["facilities"])
    fxy = _wkb_xy(fmeta[2], 1)[:, 0]
    fcat = fmeta[3][0]
    tree = cKDTree(nodes)
    onode = tree.query(np.column_stack([ox, oy]))[1]
    fnode = tree.query(fxy)[1]
    inside = zone >= 0
    sums = [np.bincount(zone[inside], weights=weight[inside], minlength=len(zmeta[2]))]
    for cat_name, thr in zip(catalogue["category"], catalogue["threshold_m"]):
        src = np.unique(fnode[fcat == cat_name])
        d = dijkstra(graph, indices=src, min_only=True, limit=thr) if len(src) else np.full(n, np.inf)
        cov = (d[onode] <= thr) & inside
        sums.append(np.bincount(zone[cov], weights=weight[cov], minlength=len(zmeta[2])))
    np.savetxt(out / "coverage.csv", np.array(sums).T, delimiter=",", fmt="%.6g")
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "nodes": n, "origins": len(r)}


def run_minimal(paths: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return minimal_pipeline(paths, Path(tmp))


def run_cli(paths: dict) -> dict:
    """``planner-gis reach`` in this process, after its imports and a warm-up of the compiled kernels."""
    import geopandas
    import rasterio  # noqa: F401 (imports before the clock)
    import shapely

    from planner_gis.cli import main
    from planner_gis.network import WalkNetwork, snap_points
    from planner_gis.reach import nearest_per_group

    from planner_gis import _jit
    from planner_gis.reach import zone_membership

    t0 = time.perf_counter()
    saved, _jit.MIN_ITEMS = _jit.MIN_ITEMS, 1  # the kernels on a tiny case: loads numba and the cached kernels
    try:
        net = WalkNetwork(CRS, np.array([[0.0, 0], [100, 0], [100, 100]]), [0, 1], [1, 2])
        snap = snap_points(net, np.array([[10.0, 5.0], [50.0, 50.0]]))
        nearest_per_group(net, snap, snap, [np.array([0])], np.array([100.0]))
        zone_membership(snap.xy, geopandas.GeoSeries([shapely.box(0, 0, 60, 60)]))
    finally:
        _jit.MIN_ITEMS = saved
    startup = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["--quiet", "--progress", "none", "reach", "--network", str(paths["network"]),
                "--facilities", str(paths["facilities"]), "--population", str(paths["population"]),
                "--zones", str(paths["zones"]), "--out", str(Path(tmp) / "out")]
        t1, c1 = time.perf_counter(), time.process_time()
        status = main(argv)
        seconds, cpu = time.perf_counter() - t1, time.process_time() - c1
        size = sum(f.stat().st_size for f in (Path(tmp) / "out").iterdir())
    return {"seconds": seconds, "cpu": cpu, "startup": startup, "status": status, "output_bytes": size}


def _child(fn_name: str, paths: dict, q) -> None:
    try:
        q.put(globals()[fn_name](paths))
    except Exception as exc:
        q.put({"error": repr(exc)})


def in_child(fn_name: str, paths: dict) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn_name, paths, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "planner_gis_bench_cli"),
                    help="folder of the generated files (made once)")
    ap.add_argument("--repeat", type=int, default=3, help="fresh-process runs of each (alternating)")
    a = ap.parse_args(argv)
    paths = make_files(Path(a.data))
    runs: dict = {"cli": [], "minimal": []}
    for _ in range(max(1, a.repeat)):
        for name, fn in (("cli", "run_cli"), ("minimal", "run_minimal")):
            r = in_child(fn, paths)
            if "error" in r:
                print(name, r["error"])
                continue
            runs[name].append(r)
            extra = f" startup {r['startup']:.2f} s, outputs {r['output_bytes'] / 1e6:.1f} MB" if name == "cli" else \
                f" ({r['nodes']} nodes, {r['origins']} origins)"
            print(f"{name:>8}: {r['seconds']:.2f} s (CPU {r['cpu']:.2f} s){extra}, load {os.getloadavg()[0]:.1f}",
                  flush=True)
    if runs["cli"] and runs["minimal"]:
        cli = statistics.median(r["seconds"] for r in runs["cli"])
        mini = statistics.median(r["seconds"] for r in runs["minimal"])
        print(f"median: planner-gis reach {cli:.2f} s ({min(r['seconds'] for r in runs['cli']):.2f}-"
              f"{max(r['seconds'] for r in runs['cli']):.2f}), minimal pipeline {mini:.2f} s "
              f"({min(r['seconds'] for r in runs['minimal']):.2f}-{max(r['seconds'] for r in runs['minimal']):.2f}), "
              f"ratio {cli / mini:.2f}x")
        cpu = statistics.median(r["cpu"] for r in runs["cli"]) / statistics.median(r["cpu"] for r in runs["minimal"])
        print(f"CPU time (user + system; less sensitive to other jobs): ratio {cpu:.2f}x")
        start = statistics.median(r["startup"] for r in runs["cli"])
        print(f"with the kernels' loading (startup, median {start:.2f} s) counted: ratio {(cli + start) / mini:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
