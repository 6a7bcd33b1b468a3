#!/usr/bin/env python
"""Generate the SYNTHETIC Fengtai demo city used by the 15-minute living-circle demo.

No open walking network, POI set or population grid of Fengtai can be shipped
offline, so this script invents a plausible one inside the real district
outline (``data/boundaries/fengtai_district_osm.geojson``, OpenStreetMap,
ODbL). It is deterministic: the same seed and options give identical files.

Outputs (in ``--out``, default ``data/demo``), all in CGCS2000 / 3-degree
Gauss-Kruger CM 117E (EPSG:4548, metres):

``fengtai_walk_network.gpkg``  (layer ``walk_network``)
    Street segments between intersections; lines share their end vertices
    exactly at every intersection. Columns ``edge_id``, ``highway``
    (``primary`` arterial, ``residential`` local street, ``track`` hill road),
    ``length_m``.
``fengtai_facilities.gpkg``  (layer ``facilities``)
    Facilities of every catalogue category: points, and parks as polygons.
    Columns ``fac_id``, ``category``, ``name``, ``source`` (``synthetic``).
``fengtai_park_entrances.gpkg``  (layer ``entrances``)
    Gates of the parks of 5 ha and more (other parks have none on purpose:
    they are reached along their boundary).
``fengtai_population_100m.tif``
    Residents per 100 m x 100 m cell (int32, -1 = outside the district),
    DEFLATE-compressed, totalling ``--population`` (default 2,000,000).

Model (see ``data/demo/README.md``):

* arterials about every 1 km (900-1200 m) in both directions; inside each
  arterial superblock, local streets every 100-200 m (spacing drawn per
  superblock), some segments removed (dead ends, larger blocks);
* west of the Yongding river (永定河; 长辛店, 云岗, 王佐) hill roads every
  200-600 m with more segments removed; the river itself is crossed only by
  every other arterial (bridges);
* voids without local streets: the former Nanyuan airport and the Fengtai
  West marshalling yard; parks of 5 ha and more carve out their streets;
* residents: a sum of density peaks, highest in the north-east
  (方庄/右安门/马家堡), low in the hills, only in cells within 120 m of a
  street and outside parks, river and voids, with log-normal noise;
* facilities: drawn cell by cell with probability proportional to residents,
  one per a typical number of residents per category; in three
  *deliberately underserved* discs some categories are left out (listed in
  :data:`UNDERSERVED`).

Usage::

    .venv/bin/python scripts/make_demo_city.py            # writes data/demo/
    .venv/bin/python scripts/make_demo_city.py --out /tmp/demo --seed 7
    .venv/bin/python scripts/make_demo_city.py --bbox 116.36 39.85 116.40 39.88 --out /tmp/small
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Optional, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from rasterio.features import rasterize
from affine import Affine
from scipy.ndimage import distance_transform_edt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString, Point, box

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner_gis.catalogue import load_catalogue  # noqa: E402
from planner_gis.io import atomic_path, write_layers  # noqa: E402

OUTLINE = ROOT / "data" / "boundaries" / "fengtai_district_osm.geojson"
DEFAULT_OUT = ROOT / "data" / "demo"
DEFAULT_SEED = 20180710  # GB 50180-2018 was issued on 2018-07-10
DEFAULT_POPULATION = 2_000_000  # 2020 census: 2,019,764 residents
CRS = "EPSG:4548"
CELL = 100.0

NETWORK_FILE = "fengtai_walk_network.gpkg"
FACILITIES_FILE = "fengtai_facilities.gpkg"
ENTRANCES_FILE = "fengtai_park_entrances.gpkg"
POPULATION_FILE = "fengtai_population_100m.tif"

#: Approximate course of the Yongding river through Fengtai, north to south (lon, lat).
RIVER = [(116.170, 39.930), (116.190, 39.895), (116.205, 39.870), (116.214, 39.849),
         (116.212, 39.820), (116.206, 39.790), (116.200, 39.740)]
#: Areas without local streets or residents (lon/lat boxes).
VOIDS = {
    "former Nanyuan airport (南苑机场)": (116.372, 39.774, 116.404, 39.795),
    "Fengtai West marshalling yard (丰台西编组站)": (116.228, 39.842, 116.262, 39.847),
}
#: Density peaks: (lon, lat, relative height, radius in metres).
PEAKS = [
    (116.415, 39.865, 1.00, 3500),  # 方庄
    (116.360, 39.868, 0.95, 3000),  # 右安门 / 马家堡
    (116.395, 39.835, 0.70, 3000),  # 大红门 / 西罗园
    (116.300, 39.855, 0.60, 3500),  # 丰台街道 / 新村
    (116.255, 39.870, 0.45, 3000),  # 卢沟桥 / 五里店
    (116.330, 39.810, 0.35, 4000),  # 花乡
    (116.425, 39.800, 0.40, 3000),  # 南苑 / 东高地
    (116.205, 39.832, 0.70, 2500),  # 长辛店
    (116.160, 39.860, 0.40, 2000),  # 云岗
    (116.120, 39.805, 0.45, 2500),  # 王佐
]
#: Named large parks: (name, lon, lat, width m, height m).
NAMED_PARKS = [
    ("世界公园(示意)", 116.290, 39.812, 700, 650),
    ("园博园(示意)", 116.180, 39.874, 1100, 800),
    ("万芳亭公园(示意)", 116.400, 39.858, 300, 250),
]
#: People per facility, by category (parks are placed separately). Roughly Beijing's
#: provision: a kindergarten per 4,000 residents, a primary school per 15,000, ...
PEOPLE_PER = {
    "kindergarten": 4_000,
    "elderly_daycare": 5_000,
    "health_station": 4_000,
    "convenience_store": 1_000,
    "outdoor_fitness": 1_500,
    "primary_school": 15_000,
    "food_market": 8_000,
    "middle_school": 30_000,
    "health_centre": 40_000,
    "elderly_home": 30_000,
    "culture_centre": 40_000,
    "sports_centre": 60_000,
}
#: Parks per category: (people per park, min ha, max ha).
PARKS = {
    "park_5min": (6_000, 0.45, 0.95),
    "park_10min": (25_000, 1.2, 4.5),
    "park_15min": (100_000, 5.5, 16.0),
}
#: Candidate draws per planned facility (Mitchell's best candidate): spreads them out.
CANDIDATES = 4
#: Deliberately underserved discs: (name, lon, lat, radius m, categories left out).
UNDERSERVED = [
    ("花乡 west (示意)", 116.300, 39.825, 1500,
     ("kindergarten", "elderly_daycare", "health_station", "park_5min", "park_10min")),
    ("南苑 east (示意)", 116.413, 39.806, 1300, ("primary_school", "food_market", "convenience_store")),
    ("卢沟桥 north (示意)", 116.262, 39.878, 1200, ("elderly_daycare", "outdoor_fitness", "middle_school")),
]


# ----------------------------------------------------------------------------- helpers


def _to_metric(coords: Sequence[tuple[float, float]]) -> np.ndarray:
    pts = gpd.GeoSeries([Point(x, y) for x, y in coords], crs=4326).to_crs(CRS)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _metric_box(b: tuple[float, float, float, float]) -> shapely.Geometry:
    (x0, y0), (x1, y1) = _to_metric([(b[0], b[1]), (b[2], b[3])])
    return box(x0, y0, x1, y1)


def _positions(rng: np.random.Generator, start: float, stop: float, lo: float, hi: float) -> list[float]:
    """Positions from ``start`` to past ``stop``, steps drawn from [lo, hi], rounded to 0.1 m."""
    out = [round(start, 1)]
    while out[-1] < stop:
        out.append(round(out[-1] + rng.uniform(lo, hi), 1))
    return out


def _inner(rng: np.random.Generator, a: float, b: float, lo: float, hi: float) -> list[float]:
    """Local street positions strictly between arterials a and b."""
    s = rng.uniform(lo, hi)
    out = []
    x = a + s
    while x < b - 0.5 * s:
        out.append(round(x, 1))
        x += s
    return out


class Area:
    """The generation area in EPSG:4548 and its zones."""

    def __init__(self, bbox_lonlat: Optional[tuple[float, float, float, float]] = None):
        outline = gpd.read_file(OUTLINE).to_crs(CRS).geometry.union_all()
        if bbox_lonlat is not None:
            outline = outline.intersection(_metric_box(bbox_lonlat))
            if outline.is_empty:
                raise SystemExit(f"--bbox {bbox_lonlat} does not overlap Fengtai")
        self.outline = outline
        river_xy = _to_metric(RIVER)
        self.river = LineString(river_xy)
        self.river_corridor = self.river.buffer(150.0, cap_style="flat")
        minx, miny, maxx, maxy = self.outline.bounds
        far = 50_000.0
        west = np.vstack([river_xy, [[river_xy[-1][0] - far, river_xy[-1][1]],
                                     [river_xy[0][0] - far, river_xy[0][1]]]])
        self.hills = shapely.Polygon(west)
        self.far_west = _metric_box((116.0, 39.70, 116.145, 39.95))
        self.voids = [_metric_box(b) for b in VOIDS.values()]
        self.peaks = [(*_to_metric([(lon, lat)])[0], h, r) for lon, lat, h, r in PEAKS]

    def density(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Relative resident density (before masks and noise)."""
        d = np.full(np.shape(x), 0.02)
        for px, py, h, r in self.peaks:
            d = d + h * np.exp(-((x - px) ** 2 + (y - py) ** 2) / (2.0 * r * r))
        return d


# ----------------------------------------------------------------------------- streets


def make_streets(area: Area, rng: np.random.Generator, parks: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    """Noded street segments in the area (largest connected piece only)."""
    minx, miny, maxx, maxy = area.outline.bounds
    xs = _positions(rng, math.floor(minx / 100) * 100 - 300, maxx, 900, 1200)
    ys = _positions(rng, math.floor(miny / 100) * 100 - 300, maxy, 900, 1200)
    lines, kinds = [], []
    for x in xs:
        lines.append(LineString([(x, ys[0]), (x, ys[-1])]))
        kinds.append("primary")
    for y in ys:
        lines.append(LineString([(xs[0], y), (xs[-1], y)]))
        kinds.append("primary")
    void_union = shapely.union_all(area.voids) if area.voids else shapely.Polygon()
    for i in range(len(xs) - 1):
        for j in range(len(ys) - 1):
            x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
            cell = box(x0, y0, x1, y1)
            c = cell.centroid
            if not cell.intersects(area.outline):
                continue
            if void_union.contains(c):
                lo, hi, kind = 400.0, 600.0, "track"
            elif area.far_west.contains(c):
                lo, hi, kind = 300.0, 600.0, "track"
            elif area.hills.contains(c):
                lo, hi, kind = 200.0, 350.0, "track"
            else:
                lo, hi, kind = 100.0, 200.0, "residential"
            for x in _inner(rng, x0, x1, lo, hi):
                lines.append(LineString([(x, y0), (x, y1)]))
                kinds.append(kind)
            for y in _inner(rng, y0, y1, lo, hi):
                lines.append(LineString([(x0, y), (x1, y)]))
                kinds.append(kind)
    g = gpd.GeoDataFrame({"highway": kinds}, geometry=lines, crs=CRS)
    # clip to the area, then node every intersection
    g["geometry"] = g.geometry.intersection(area.outline)
    g = g[~g.geometry.is_empty]
    arterial_x = set(xs)
    arterial_y = set(ys)
    noded = shapely.get_parts(shapely.union_all(shapely.get_parts(g.geometry.to_numpy())))
    noded = noded[shapely.get_type_id(noded) == 1]
    noded = noded[shapely.length(noded) > 0.5]
    # sort for a deterministic order independent of GEOS internals
    start = shapely.get_coordinates(shapely.get_point(noded, 0))
    end = shapely.get_coordinates(shapely.get_point(noded, -1))
    order = np.lexsort((end[:, 1], end[:, 0], start[:, 1], start[:, 0]))
    noded, start, end = noded[order], start[order], end[order]
    vertical = np.isclose(start[:, 0], end[:, 0])
    fixed = np.where(vertical, start[:, 0], start[:, 1])
    is_art = np.array([(fx in arterial_x) if v else (fx in arterial_y) for fx, v in zip(fixed, vertical)])
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    kind = np.where(is_art, "primary",
                    np.where(shapely.contains(area.hills, mid) | shapely.contains(void_union, mid),
                             "track", "residential"))
    keep = np.ones(len(noded), dtype=bool)
    u = rng.uniform(size=len(noded))
    keep &= ~((kind == "residential") & (u < 0.10))
    keep &= ~((kind == "track") & (u < 0.30))
    # local streets stop at the river; every other arterial crosses it on a bridge
    in_river = shapely.intersects(noded, area.river_corridor)
    art_index = {v: k for k, v in enumerate(sorted(arterial_x))} | {v: k for k, v in enumerate(sorted(arterial_y))}
    bridge_ok = np.array([art_index.get(f, 1) % 2 == 0 for f in fixed]) & is_art
    keep &= ~(in_river & ~bridge_ok)
    # no local streets in voids; no streets inside parks
    keep &= ~((kind != "primary") & shapely.intersects(noded, void_union))
    for p in parks:
        keep &= ~shapely.intersects(noded, p.buffer(-1.0))
    noded, kind = noded[keep], kind[keep]
    # largest connected piece
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(noded, 0)),
                      shapely.get_coordinates(shapely.get_point(noded, -1))])
    keys = np.round(ends, 2)
    _uniq, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.reshape(-1)
    m = len(noded)
    adj = coo_matrix((np.ones(m), (node[:m], node[m:])), shape=(len(_uniq), len(_uniq)))
    ncomp, label = connected_components(adj, directed=False)
    sizes = np.bincount(label[node[:m]], minlength=ncomp)
    main = np.argmax(sizes)
    sel = label[node[:m]] == main
    noded, kind = noded[sel], kind[sel]
    out = gpd.GeoDataFrame(
        {
            "edge_id": np.arange(1, len(noded) + 1, dtype=np.int64),
            "highway": kind,
            "length_m": np.round(shapely.length(noded), 2),
        },
        geometry=noded,
        crs=CRS,
    )
    return out


# ----------------------------------------------------------------------------- parks


def _disc(area: Area, lon: float, lat: float, r: float) -> shapely.Geometry:
    x, y = _to_metric([(lon, lat)])[0]
    return Point(x, y).buffer(r)


def make_parks(area: Area, rng: np.random.Generator, total_population: float) -> gpd.GeoDataFrame:
    """Park polygons: the named ones, then random ones of each size class."""
    taken: list[shapely.Geometry] = [area.river_corridor, *area.voids]
    rows = []
    for name, lon, lat, w, h in NAMED_PARKS:
        x, y = _to_metric([(lon, lat)])[0]
        poly = box(round(x - w / 2, 1), round(y - h / 2, 1), round(x + w / 2, 1), round(y + h / 2, 1))
        if area.outline.contains(poly):
            rows.append(("park_15min", name, poly))
            taken.append(poly.buffer(60))
    minx, miny, maxx, maxy = area.outline.bounds
    dens_area = area.outline.area
    for cat in sorted(PARKS, key=lambda c: -PARKS[c][1]):
        per, amin, amax = PARKS[cat]
        excluded = [_disc(area, lon, lat, r) for _n, lon, lat, r, cats in UNDERSERVED if cat in cats]
        n = max(1, int(round(total_population / per)))
        if cat == "park_15min":
            n = max(0, n - len(rows))
        placed, tries = 0, 0
        while placed < n and tries < 200 * n:
            tries += 1
            x = rng.uniform(minx, maxx)
            y = rng.uniform(miny, maxy)
            a = rng.uniform(amin, amax) * 10_000.0
            ratio = rng.uniform(1.0, 1.8)
            w = math.sqrt(a * ratio)
            h = a / w
            accept = rng.uniform()
            # accept with probability proportional to density: parks where people are
            if accept > float(area.density(np.array(x), np.array(y))) / 1.2:
                continue
            poly = box(round(x - w / 2, 1), round(y - h / 2, 1), round(x + w / 2, 1), round(y + h / 2, 1))
            if not area.outline.contains(poly) or any(poly.intersects(t) for t in taken):
                continue
            if any(poly.intersects(e) for e in excluded):
                continue
            rows.append((cat, None, poly))
            taken.append(poly.buffer(30))
            placed += 1
    counters: dict[str, int] = {}
    names = []
    for cat, name, _poly in rows:
        counters[cat] = counters.get(cat, 0) + 1
        names.append(name or f"示例公园{cat[5:]}-{counters[cat]:03d}")
    return gpd.GeoDataFrame({"category": [r[0] for r in rows], "name": names},
                            geometry=[r[2] for r in rows], crs=CRS)


def park_entrances(parks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Gates of the large parks: the middle of each side."""
    rows = []
    for i, r in parks.reset_index(drop=True).iterrows():
        if r["category"] != "park_15min":
            continue
        x0, y0, x1, y1 = r.geometry.bounds
        for side, (x, y) in zip(("S", "E", "N", "W"),
                                (((x0 + x1) / 2, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, y1), (x0, (y0 + y1) / 2))):
            rows.append((r["name"], side, Point(round(x, 1), round(y, 1))))
    return gpd.GeoDataFrame({"park": [r[0] for r in rows], "gate": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=CRS)


# ----------------------------------------------------------------------------- population


def make_population(area: Area, rng: np.random.Generator, streets: gpd.GeoDataFrame,
                    parks: gpd.GeoDataFrame, total: int) -> tuple[np.ndarray, object]:
    """Integer residents per 100 m cell (-1 outside the area) and the raster transform."""
    minx, miny, maxx, maxy = area.outline.bounds
    x0 = math.floor(minx / CELL) * CELL
    y1 = math.ceil(maxy / CELL) * CELL
    ncol = int(math.ceil((maxx - x0) / CELL))
    nrow = int(math.ceil((y1 - miny) / CELL))
    transform = Affine(CELL, 0.0, x0, 0.0, -CELL, y1)
    shape = (nrow, ncol)
    inside = rasterize([(area.outline, 1)], out_shape=shape, transform=transform, fill=0,
                       dtype="uint8").astype(bool)
    on_street = rasterize([(g, 1) for g in streets.geometry], out_shape=shape, transform=transform,
                          fill=0, dtype="uint8", all_touched=True)
    near = distance_transform_edt(on_street == 0) * CELL <= 120.0
    blocked_geoms = [area.river_corridor, *area.voids, *parks.geometry]
    blocked = rasterize([(g, 1) for g in blocked_geoms], out_shape=shape, transform=transform,
                        fill=0, dtype="uint8").astype(bool)
    cx = x0 + (np.arange(ncol) + 0.5) * CELL
    cy = y1 - (np.arange(nrow) + 0.5) * CELL
    X, Y = np.meshgrid(cx, cy)
    dens = area.density(X, Y)
    hills = shapely.contains_xy(area.hills, X, Y)
    dens = np.where(hills, dens * 0.6, dens)
    noise = np.minimum(rng.lognormal(mean=0.0, sigma=0.5, size=shape), 4.0)
    w = dens * noise * (inside & near & ~blocked)
    if w.sum() <= 0:
        raise SystemExit("no populated cells in the area")
    expected = w / w.sum() * total
    base = np.floor(expected)
    rest = int(total - base.sum())
    frac = (expected - base).ravel()
    order = np.argsort(-frac, kind="stable")[:rest]
    flat = base.ravel()
    flat[order] += 1
    pop = flat.reshape(shape).astype(np.int32)
    pop[~inside] = -1
    return pop, transform


# ----------------------------------------------------------------------------- facilities


def make_facilities(area: Area, rng: np.random.Generator, pop: np.ndarray, transform,
                    catalogue: pd.DataFrame, total: int, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Point facilities on street frontages, drawn with probability proportional to residents.

    A cell is drawn by its residents, then a random point in it; the facility
    stands 15-40 m from the nearest street, on the side of that point.
    """
    nrow, ncol = pop.shape
    weight = np.where(pop > 0, pop, 0).astype(float).ravel()
    rows_idx, cols_idx = np.divmod(np.arange(nrow * ncol), ncol)
    cx = transform.c + (cols_idx + 0.5) * CELL
    cy = transform.f - (rows_idx + 0.5) * CELL
    street_geoms = streets.geometry.to_numpy()
    tree = shapely.STRtree(street_geoms)
    zh = dict(zip(catalogue["category"], catalogue["name_zh"]))
    out_cat, out_name, out_geom = [], [], []
    for cat in [c for c in catalogue["category"] if c in PEOPLE_PER]:
        w = weight.copy()
        for _n, lon, lat, r, cats in UNDERSERVED:
            if cat in cats:
                ux, uy = _to_metric([(lon, lat)])[0]
                w[(cx - ux) ** 2 + (cy - uy) ** 2 <= r * r] = 0.0
        n = max(1, int(round(total / PEOPLE_PER[cat])))
        # planned facilities are spread out: best of CANDIDATES draws (farthest from the
        # ones already placed); shops cluster where people are (one draw)
        k = 1 if cat == "convenience_store" else CANDIDATES
        cells = rng.choice(len(w), size=(n, k), replace=True, p=w / w.sum())
        jitter = rng.uniform(-0.5, 0.5, size=(n, k, 2)) * CELL
        cand_x = cx[cells] + jitter[..., 0]
        cand_y = cy[cells] + jitter[..., 1]
        px, py = np.empty(n), np.empty(n)
        for i in range(n):
            if i == 0 or k == 1:
                best = 0
            else:
                d2 = (cand_x[i][:, None] - px[None, :i]) ** 2 + (cand_y[i][:, None] - py[None, :i]) ** 2
                best = int(np.argmax(d2.min(axis=1)))
            px[i], py[i] = cand_x[i, best], cand_y[i, best]
        setback = rng.uniform(15.0, 40.0, size=n)
        pts = shapely.points(px, py)
        nearest = tree.query_nearest(pts, all_matches=False)[1]
        foot = shapely.line_interpolate_point(street_geoms[nearest],
                                              shapely.line_locate_point(street_geoms[nearest], pts))
        fx, fy = shapely.get_x(foot), shapely.get_y(foot)
        dx, dy = px - fx, py - fy
        d = np.hypot(dx, dy)
        # unit vector from the street towards the drawn point (north if the point is on the street)
        safe = np.where(d > 1e-6, d, 1.0)
        ux_ = np.where(d > 1e-6, dx / safe, 0.0)
        uy_ = np.where(d > 1e-6, dy / safe, 1.0)
        label = zh[cat].split("/")[0]
        for i in range(n):
            out_cat.append(cat)
            out_name.append(f"示例{label}{i + 1:03d}")
            out_geom.append(Point(round(float(fx[i] + ux_[i] * setback[i]), 1),
                                  round(float(fy[i] + uy_[i] * setback[i]), 1)))
    return gpd.GeoDataFrame({"category": out_cat, "name": out_name}, geometry=out_geom, crs=CRS)


# ----------------------------------------------------------------------------- driver


def make_demo_city(
    out_dir: Path = DEFAULT_OUT,
    seed: int = DEFAULT_SEED,
    bbox: Optional[tuple[float, float, float, float]] = None,
    total_population: int = DEFAULT_POPULATION,
) -> dict[str, Path]:
    """Generate the demo files into ``out_dir``; return their paths by kind.

    ``bbox`` (lon/lat: min lon, min lat, max lon, max lat) restricts the
    city to part of Fengtai (used by the tests); ``total_population`` is then
    the population of that part.
    """
    rng = np.random.default_rng(seed)
    area = Area(bbox)
    catalogue = load_catalogue()
    parks = make_parks(area, rng, total_population)
    streets = make_streets(area, rng, list(parks.geometry))
    pop, transform = make_population(area, rng, streets, parks, total_population)
    points = make_facilities(area, rng, pop, transform, catalogue, total_population, streets)
    order = {c: i for i, c in enumerate(catalogue["category"])}
    fac = pd.concat([points, parks], ignore_index=True)
    fac["_o"] = fac["category"].map(order)
    fac = fac.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    fac.insert(0, "fac_id", [f"F{i:05d}" for i in range(1, len(fac) + 1)])
    fac["source"] = "synthetic"
    fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=CRS)
    gates = park_entrances(parks)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "network": out_dir / NETWORK_FILE,
        "facilities": out_dir / FACILITIES_FILE,
        "entrances": out_dir / ENTRANCES_FILE,
        "population": out_dir / POPULATION_FILE,
    }
    write_layers({"walk_network": streets}, paths["network"])
    with atomic_path(paths["facilities"]) as tmp:
        pyogrio.write_dataframe(fac, tmp, layer="facilities", driver="GPKG", geometry_type="Unknown")
    write_layers({"entrances": gates}, paths["entrances"])
    profile = dict(driver="GTiff", height=pop.shape[0], width=pop.shape[1], count=1, dtype="int32",
                   crs=CRS, transform=transform, nodata=-1, compress="deflate", predictor=2,
                   tiled=False)
    with atomic_path(paths["population"]) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(pop, 1)
            dst.update_tags(SOURCE="synthetic demo, scripts/make_demo_city.py", SEED=str(seed),
                            UNITS="residents per 100 m cell")
    return paths


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default data/demo)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--population", type=int, default=DEFAULT_POPULATION)
    ap.add_argument("--bbox", type=float, nargs=4, metavar=("MINLON", "MINLAT", "MAXLON", "MAXLAT"))
    args = ap.parse_args(argv)
    paths = make_demo_city(Path(args.out), args.seed, tuple(args.bbox) if args.bbox else None, args.population)
    streets = pyogrio.read_dataframe(paths["network"])
    fac = pyogrio.read_dataframe(paths["facilities"])
    with rasterio.open(paths["population"]) as src:
        pop = src.read(1)
    print(f"streets: {len(streets)} segments, {streets['length_m'].sum() / 1000:.0f} km")
    print("facilities:", fac["category"].value_counts().sort_index().to_dict())
    print(f"population: {int(pop[pop > 0].sum())} in {int((pop > 0).sum())} cells")
    for p in paths.values():
        print(f"{p} {p.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
