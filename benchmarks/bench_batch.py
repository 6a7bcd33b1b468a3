"""Benchmark of ``planner-gis batch reach`` on a synthetic country (planner_gis.batch on dask.distributed).

Real national inputs do not exist offline, so :func:`make_country` builds
them: 300 cities (seeded), 40,000 units in all (per city 35 to 348, drawn from
a lognormal and rescaled to the total), each city a square grid of walking
streets every 100 m sized to its units (1-3 km), a resident point per 100 m
cell (0-200 residents), kindergartens, schools and parks at random (one per
~25 ha each), the units tiling the square; all in EPSG:32650.

Runs (each the same command over all cities, into a fresh folder):

* ``serial``: ``--workers 0``, the cities one after the other in this process;
* ``dask-1`` and ``dask-2``: a LocalCluster of 1 and 2 one-thread worker
  processes (start-up included).

The three runs alternate, ``--repeat`` times; medians are reported. The
combined coverage tables of all runs must be identical (checked).
Printed: wall times, speed-ups, the per-city time distribution (from each
city's own measured seconds), and an estimate for a 64-core cluster: the
measured per-city costs (in the 1-worker run, scaled by the per-city slowdown
measured with 2 workers on 2 cores) list-scheduled in submission order onto 64
one-thread workers, plus the measured cluster start-up.

Usage::

    .venv/bin/python benchmarks/bench_batch.py                    # 300 cities (~15 min on 2 busy cores)
    .venv/bin/python benchmarks/bench_batch.py --cities 30 --units 4000   # quick
    .venv/bin/python benchmarks/bench_batch.py --repeat 3 --json out.json
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CRS = "EPSG:32650"
CATALOGUE = ("category,name_zh,name_en,tier_min,threshold_m\n"
             "kg,幼儿园,Kindergarten,5,300\nschool,小学,School,10,500\npark,公园,Park,15,1000\n")
OPTIONS = ["--category-column", "kind", "--population-column", "pop", "--zone-id", "code", "--facility-id", "fac_id"]


def units_per_city(cities: int, units: int, seed: int = 0) -> np.ndarray:
    """Units of each city: lognormal sizes (35 to 348 for the default country), summing to ``units``."""
    rng = np.random.default_rng(seed)
    raw = np.clip(rng.lognormal(0.0, 0.6, cities), 0.3, 3.0)
    n = np.maximum(1, np.round(raw / raw.sum() * units)).astype(int)
    n[np.argmax(n)] += units - n.sum()
    return n


def _grid_lines(x0: float, y0: float, cells: int, step: float = 100.0) -> list:
    from shapely.geometry import LineString

    ticks = [i * step for i in range(cells + 1)]
    rows = [LineString([(x0 + t, y0 + s) for t in ticks]) for s in ticks]
    cols = [LineString([(x0 + s, y0 + t) for t in ticks]) for s in ticks]
    return rows + cols


def make_city(folder: Path, index: int, n_units: int, rng: np.random.Generator) -> dict:
    """Write one city's four layers into ``folder``; return its CITIES row."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    folder.mkdir(parents=True, exist_ok=True)
    cells = int(np.clip(np.ceil(np.sqrt(n_units) * 1.5), 10, 30))  # 100 m cells per side: 1-3 km
    x0, y0 = 300_000 + (index % 20) * 10_000.0, 3_000_000 + (index // 20) * 10_000.0
    side = cells * 100.0
    gpd.GeoDataFrame(geometry=_grid_lines(x0, y0, cells), crs=CRS).to_file(folder / "streets.gpkg")
    centres = [(x0 + (i + 0.5) * 100, y0 + (j + 0.5) * 100) for i in range(cells) for j in range(cells)]
    gpd.GeoDataFrame({"pop": rng.integers(0, 200, len(centres))}, geometry=[Point(c) for c in centres],
                     crs=CRS).to_file(folder / "pop.gpkg")
    kinds, points = [], []
    for kind in ("kg", "school", "park"):
        k = max(1, int(side * side / 250_000))
        kinds += [kind] * k
        points += [Point(x0 + rng.uniform(0, side), y0 + rng.uniform(0, side)) for _ in range(k)]
    gpd.GeoDataFrame({"fac_id": [f"f{i}" for i in range(len(kinds))], "kind": kinds}, geometry=points,
                     crs=CRS).to_file(folder / "fac.gpkg")
    cols = int(np.ceil(np.sqrt(n_units)))
    rows = int(np.ceil(n_units / cols))
    w, h = side / cols, side / rows
    zones = [box(x0 + (u % cols) * w, y0 + (u // cols) * h, x0 + (u % cols + 1) * w, y0 + (u // cols + 1) * h)
             for u in range(n_units)]
    gpd.GeoDataFrame({"code": [f"c{index:03d}u{u:04d}" for u in range(n_units)]}, geometry=zones,
                     crs=CRS).to_file(folder / "zones.gpkg")
    name = f"city{index:03d}"
    return {"name": name, "network": f"{name}/streets.gpkg", "facilities": f"{name}/fac.gpkg",
            "population": f"{name}/pop.gpkg", "zones": f"{name}/zones.gpkg"}


def make_country(root: Path, cities: int = 300, units: int = 40_000, seed: int = 0) -> Path:
    """Write the synthetic country into ``root``; return its CITIES file (kept for re-runs with the same sizes)."""
    import pandas as pd

    cities_csv = root / f"cities_{cities}_{units}_{seed}.csv"
    if cities_csv.exists():
        return cities_csv
    rng = np.random.default_rng(seed)
    rows = [make_city(root / f"city{i:03d}", i, int(n), rng) for i, n in enumerate(units_per_city(cities, units, seed))]
    (root / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    pd.DataFrame(rows).to_csv(cities_csv, index=False)
    return cities_csv


def run_once(cities_csv: Path, out: Path, workers: int) -> dict:
    """One batch run into a fresh ``out``: wall seconds, per-city seconds, the combined table."""
    from planner_gis.cli import main

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    status = main(["batch", "reach", str(cities_csv), "--out", str(out), "--workers", str(workers), "--catalogue",
                   str(cities_csv.parent / "cat.csv"), *OPTIONS, "--progress", "none", "--quiet"])
    wall = time.perf_counter() - start
    assert status == 0, f"batch run failed (status {status})"
    summary = json.loads((out / "batch.json").read_text())
    return {"wall": wall, "per_city": [c["seconds"] for c in summary["cities"]],
            "coverage": (out / "coverage.csv").read_bytes()}


def list_schedule(costs: list, workers: int) -> float:
    """Makespan of the tasks in submission order, each to the first free worker (what the scheduler does)."""
    free = [0.0] * workers
    for c in costs:
        heapq.heapreplace(free, free[0] + c)
    return max(free)


def _dist(values: list) -> dict:
    v = np.asarray(values, dtype=float)
    return {"n": len(v), "sum": float(v.sum()), "mean": float(v.mean()), "min": float(v.min()),
            "p50": float(np.percentile(v, 50)), "p90": float(np.percentile(v, 90)),
            "p99": float(np.percentile(v, 99)), "max": float(v.max())}


def main(argv: list | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, default=300)
    ap.add_argument("--units", type=int, default=40_000)
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "planner-gis-bench-country")
    ap.add_argument("--repeat", type=int, default=1, help="alternating rounds of the three runs (medians)")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    a.data.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    cities_csv = make_country(a.data, a.cities, a.units)
    print(f"country: {a.cities} cities, {a.units} units ({time.perf_counter() - t:.0f} s to generate or find)")
    rounds = {"serial": [], "dask-1": [], "dask-2": []}
    for r in range(a.repeat):
        for label, workers in (("serial", 0), ("dask-1", 1), ("dask-2", 2)):
            rounds[label].append(run_once(cities_csv, a.data / f"out-{label}", workers))
            print(f"round {r + 1} {label:>7}: {rounds[label][-1]['wall']:7.1f} s wall, per city median "
                  f"{np.median(rounds[label][-1]['per_city']):.3f} s", flush=True)
    same = len({x["coverage"] for xs in rounds.values() for x in xs}) == 1
    runs = {k: {"wall": float(np.median([x["wall"] for x in xs])), "walls": [x["wall"] for x in xs],
                "per_city": np.median([x["per_city"] for x in xs], axis=0).tolist()} for k, xs in rounds.items()}
    assert same, "the combined coverage tables differ between runs"
    serial = runs["serial"]
    cost = runs["dask-1"]["per_city"]  # a city's cost in a worker process, as on a cluster
    slowdown = float(np.median(np.asarray(runs["dask-2"]["per_city"]) / np.asarray(cost)))
    startup = max(runs["dask-1"]["wall"] - sum(runs["dask-1"]["per_city"]), 0.0)
    est64 = startup + list_schedule([c * slowdown for c in cost], 64)
    report = {
        "cities": a.cities, "units": a.units, "repeat": a.repeat, "identical_coverage": same,
        "load_average_at_end": os.getloadavg(), "cpus": os.cpu_count(),
        "wall": {k: r["wall"] for k, r in runs.items()}, "walls": {k: r["walls"] for k, r in runs.items()},
        "speedup_vs_serial": {k: serial["wall"] / r["wall"] for k, r in runs.items()},
        "per_city": {k: _dist(r["per_city"]) for k, r in runs.items()},
        "dask_overhead_s": startup, "per_city_slowdown_2_vs_1_worker": slowdown,
        "estimate_64_cores_s": est64, "lower_bound_64_cores_s": max(max(cost), sum(cost) / 64),
    }
    print(json.dumps({k: v for k, v in report.items() if k != "per_city"}, indent=2))
    for k, d in report["per_city"].items():
        print(f"per-city seconds {k:>7}: " + ", ".join(f"{s} {v:.3f}" for s, v in d.items() if s != "n"))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
