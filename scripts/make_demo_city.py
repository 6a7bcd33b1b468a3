#!/usr/bin/env python
"""Generate the SYNTHETIC Fengtai demo city used by the 15-minute living-circle demo.

No open walking network, POI set or population grid of Fengtai can be shipped
offline, so this script invents a plausible one inside the real district
outline (``planner_gis/data/boundaries/fengtai_district_osm.geojson``, OpenStreetMap,
ODbL). It is deterministic: the same seed and options give identical files.

Outputs (in ``--out``, default ``planner_gis/data/demo``), all in CGCS2000 / 3-degree
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

Model (see ``planner_gis/data/demo/README.md``):

* arterials about every 1 km (900-1200 m) in both directions; inside each
  arterial superblock, local streets every 100-200 m (spacing drawn per
  superblock), some segments removed (dead ends, larger blocks);
* west of the Yongding river (永定河; 长辛店, 云岗, 王佐) hill roads every
  200-600 m with more segments removed; the river itself is crossed only by
  every other arterial (bridges);
* voids without local streets: the former Nanyuan airport and the Fengtai
  West marshalling yard; parks of 5 ha and more carve out their streets;
* land use: residential compounds on a share of 400 m parcels that grows
  with density (a smooth random field groups them into neighbourhoods); the
  rest of the land (offices, factories, campuses, green belts) houses 2 % of
  what its density suggests;
* residents: a sum of density peaks, highest in the north-east
  (方庄/右安门/马家堡), low in the hills, times the land use, only in cells
  within 120 m of a street and outside parks, river and voids, with
  log-normal noise;
* facilities: one per a number of residents taken from the service
  populations of GB 50180-2018 (:data:`PEOPLE_PER`, :data:`PARKS`). They are
  sited where residents lack them: community service centres of each circle
  first (:data:`CIRCLE_PEOPLE`; each category stands at most of them), then
  planned draws weighted by the uncovered residents of the catchment (a
  Manhattan-distance diamond: the streets form a grid) to the power
  :data:`SITING_POWER`, and some draws by residents alone. Each side of the
  river plans its own share, so the hill towns get some, thinly spread. In
  three *deliberately underserved* discs some categories are left out
  (listed in :data:`UNDERSERVED`).

Usage::

    .venv/bin/python scripts/make_demo_city.py            # writes planner_gis/data/demo/
    .venv/bin/python scripts/make_demo_city.py --out /tmp/demo --seed 7
    .venv/bin/python scripts/make_demo_city.py --bbox 116.36 39.85 116.40 39.88 --out /tmp/small
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from collections.abc import Sequence

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

OUTLINE = ROOT / "planner_gis" / "data" / "boundaries" / "fengtai_district_osm.geojson"
DEFAULT_OUT = ROOT / "planner_gis" / "data" / "demo"
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
#: Residents per facility, by category (parks are placed separately), from the service
#: populations of GB 50180-2018: a 5-minute living circle serves 5,000-12,000 residents, a
#: 10-minute one 15,000-25,000, a 15-minute one 50,000-100,000 (Table 3.0.4), and the
#: facility lists of Tables B.0.1-B.0.2 say which circle provides what. Shops and fitness
#: grounds are more numerous, as in Beijing; hospitals count with the health centres.
PEOPLE_PER = {
    # 5-minute circle (5,000-12,000 residents): one or two per circle
    "kindergarten": 4_000,
    "elderly_daycare": 4_500,
    "health_station": 4_000,
    "convenience_store": 1_800,
    "outdoor_fitness": 2_000,
    # 10-minute circle (15,000-25,000): one or two per circle
    "primary_school": 11_000,
    "food_market": 10_000,
    # 15-minute circle (50,000-100,000): two or three per circle
    "middle_school": 25_000,
    "health_centre": 30_000,
    "elderly_home": 30_000,
    "culture_centre": 30_000,
    "sports_centre": 35_000,
}
#: Parks per category: (residents per park, min ha, max ha). GB 50180-2018 Table 4.0.7:
#: at least 0.4 ha within 300 m, 1 ha within 500 m, 5 ha within 800-1000 m.
PARKS = {
    "park_5min": (6_000, 0.45, 0.95),
    "park_10min": (18_000, 1.2, 4.5),
    "park_15min": (50_000, 5.5, 14.0),
}
#: Share of the facilities of each tier sited by the planner (coverage-seeking draw); the
#: rest follow the residents only (several shops on one busy block, a school next to
#: another). Planned sites are drawn with probability proportional to the uncovered
#: residents of the catchment raised to :data:`SITING_POWER`: mostly where many residents
#: still lack one, sometimes not; thinly settled fringes come last.
PLANNED = {5: 0.85, 10: 0.9, 15: 0.9}
SITING_POWER = 6.0
#: Residents per community service centre of each living circle (GB 50180-2018 Table 3.0.4:
#: 5,000-12,000, 15,000-25,000, 50,000-100,000); the centres are sited like planned
#: facilities, and each facility category of the circle stands at a share CO_LOCATED of
#: them before its other facilities are sited.
CIRCLE_PEOPLE = {5: 8_000, 10: 20_000, 15: 75_000}
CO_LOCATED = 0.8
#: Walking detours, the facility's setback and the cell-centre snap, in metres: a catchment
#: is taken as the cells whose centres are within ``threshold - MARGIN`` in Manhattan
#: distance (the streets form a north-south / east-west grid).
MARGIN = 100.0
#: Land use: residential compounds cover a share of the land that grows with density; the
#: rest (offices, factories, campuses, green belts) houses this fraction of the residents
#: its density would suggest (dormitories, old villages).
NONRESIDENTIAL_FACTOR = 0.02
PARCEL = 4  # land-use parcels of 4 x 4 cells (400 m)
#: Residential share of the land: a + b * relative density, clipped to [lo, hi].
RES_SHARE = (0.02, 0.35, 0.04, 0.4)
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

    def __init__(self, bbox_lonlat: tuple[float, float, float, float] | None = None):
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
    noded, kind = _largest_piece(noded, kind)
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


def _largest_piece(noded: np.ndarray, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The segments (and their kinds) of the largest connected piece."""
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
    return noded, kind


# ----------------------------------------------------------------------------- grid and land use


class Grid:
    """The 100 m population grid over the area: transform, shape, cell centres, inside mask."""

    def __init__(self, area: Area):
        minx, miny, maxx, maxy = area.outline.bounds
        x0 = math.floor(minx / CELL) * CELL
        y1 = math.ceil(maxy / CELL) * CELL
        ncol = int(math.ceil((maxx - x0) / CELL))
        nrow = int(math.ceil((y1 - miny) / CELL))
        self.transform = Affine(CELL, 0.0, x0, 0.0, -CELL, y1)
        self.shape = (nrow, ncol)
        cx = x0 + (np.arange(ncol) + 0.5) * CELL
        cy = y1 - (np.arange(nrow) + 0.5) * CELL
        self.X, self.Y = np.meshgrid(cx, cy)
        self.inside = rasterize([(area.outline, 1)], out_shape=self.shape, transform=self.transform,
                                fill=0, dtype="uint8").astype(bool)

    def burn(self, geoms: Sequence[shapely.Geometry], all_touched: bool = False) -> np.ndarray:
        """Boolean mask of the cells whose centre (or any part, ``all_touched``) is in ``geoms``."""
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return np.zeros(self.shape, dtype=bool)
        return rasterize([(g, 1) for g in geoms], out_shape=self.shape, transform=self.transform, fill=0,
                         dtype="uint8", all_touched=all_touched).astype(bool)

    def disc(self, lon: float, lat: float, r: float) -> np.ndarray:
        """Cells within ``r`` metres of a lon/lat point."""
        ux, uy = _to_metric([(lon, lat)])[0]
        return (self.X - ux) ** 2 + (self.Y - uy) ** 2 <= r * r


def relative_density(area: Area, grid: Grid) -> np.ndarray:
    """Smooth resident density per cell (peaks; lower in the hills), before land use and noise."""
    dens = area.density(grid.X, grid.Y)
    hills = shapely.contains_xy(area.hills, grid.X, grid.Y)
    return np.where(hills, dens * 0.6, dens)


def make_land_use(area: Area, rng: np.random.Generator, grid: Grid) -> np.ndarray:
    """Residents per cell relative to the density: 1 in residential compounds, less elsewhere.

    Land is residential in 400 m parcels, more often where the density is high
    (about 80 % of the core, 20 % of the fringe); a smooth random field at the
    1-2 km scale makes whole neighbourhoods residential or not (industrial
    estates, campuses, green belts). The deliberately underserved discs are
    residential: they are gaps in provision, not empty land.
    """
    from scipy.ndimage import gaussian_filter
    from scipy.special import ndtr

    dn = np.clip(relative_density(area, grid), 0.0, 1.0)
    smooth = gaussian_filter(rng.normal(size=grid.shape), sigma=6.0)
    smooth = smooth / max(float(smooth.std()), 1e-9)
    rows, cols = np.indices(grid.shape)
    parcels = rng.normal(size=(grid.shape[0] // PARCEL + 1, grid.shape[1] // PARCEL + 1))
    u = ndtr((0.7 * smooth + 0.7 * parcels[rows // PARCEL, cols // PARCEL]) / math.sqrt(0.98))
    residential = u < np.clip(RES_SHARE[0] + RES_SHARE[1] * dn, RES_SHARE[2], RES_SHARE[3])
    for _n, lon, lat, r, _cats in UNDERSERVED:
        residential |= grid.disc(lon, lat, r)
    return np.where(residential, 1.0, NONRESIDENTIAL_FACTOR)


def _diamond(radius_m: float) -> np.ndarray:
    """Chance that a cell at a Manhattan offset is covered: 1 well inside ``radius_m``, 0 outside.

    The chance falls linearly over one cell around ``radius_m`` (where a cell
    is covered depends on where its residents meet the streets).

    >>> _diamond(200.0)[2].round(2).tolist()
    [0.5, 1.0, 1.0, 1.0, 0.5]
    """
    k = max(0, int((radius_m + 0.5 * CELL) // CELL))
    i, j = np.indices((2 * k + 1, 2 * k + 1)) - k
    d = (np.abs(i) + np.abs(j)) * CELL
    return np.clip((radius_m + 0.5 * CELL - d) / CELL, 0.0, 1.0)


def _split(n: int, weights: Sequence[float]) -> list[int]:
    """``n`` split in proportion to ``weights`` (largest remainders), at least one where weight > 0.

    >>> _split(10, [1.0, 3.0]), _split(3, [0.0, 5.0]), _split(2, [1.0, 99.0])
    ([3, 7], [0, 3], [1, 1])
    """
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return [n] + [0] * (len(w) - 1)
    exact = n * w / w.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: n - out.sum()]:
        out[i] += 1
    for i in np.flatnonzero((w > 0) & (out == 0)):
        if n >= np.count_nonzero(w > 0):
            out[i] += 1
            out[int(np.argmax(out))] -= 1
    return [int(v) for v in out]


class Siting:
    """Draws facility cells on a grid of residents, each covering a catchment of cells.

    A *planned* draw takes a cell with probability proportional to
    ``(uncovered residents in its catchment) ** power`` among the allowed cells;
    an unplanned draw takes a cell by its residents. Either way the residents of
    the catchment are then covered. The catchment is a Manhattan-distance
    diamond, a cheap stand-in for walking on a north-south / east-west grid.
    """

    def __init__(self, rng: np.random.Generator, residents: np.ndarray, allowed: np.ndarray,
                 radius_m: float, power: float = SITING_POWER):
        from scipy.ndimage import correlate

        self._correlate = correlate
        self.rng = rng
        self.residents = np.where(allowed, residents, 0.0)
        self.uncovered = residents.astype(float).copy()
        self.allowed = allowed.copy()
        self.kernel = _diamond(radius_m)
        self.k = self.kernel.shape[0] // 2
        self.power = power
        self.score = correlate(self.uncovered, self.kernel, mode="constant")

    def _pick(self, p: np.ndarray) -> int | None:
        c = np.cumsum(p.ravel())
        if c[-1] <= 0:
            return None
        return int(min(np.searchsorted(c, self.rng.uniform() * c[-1], side="right"), len(c) - 1))

    def draw(self, planned: bool) -> int | None:
        """Flat index of a drawn cell (``None`` if no allowed cell has residents)."""
        if planned:
            s = np.where(self.allowed, self.score, 0.0)
            top = s.max()
            if top > 0:
                return self._pick((s / top) ** self.power)
        return self._pick(np.where(self.allowed, self.residents, 0.0))

    def forbid(self, idx: int) -> None:
        """Exclude cell ``idx`` from later picks."""
        self.allowed.flat[idx] = False

    def cover(self, idx: int, footprint: np.ndarray | None = None) -> None:
        """Mark the catchment of cell ``idx`` covered (and ``footprint`` cells unpopulated)."""
        nrow, ncol = self.uncovered.shape
        r, c = divmod(idx, ncol)
        k = self.k
        r0, r1, c0, c1 = max(r - k, 0), min(r + k + 1, nrow), max(c - k, 0), min(c + k + 1, ncol)
        self.uncovered[r0:r1, c0:c1] *= 1.0 - self.kernel[r0 - r + k:r1 - r + k, c0 - c + k:c1 - c + k]
        if footprint is not None:
            self.uncovered[footprint] = 0.0
            self.residents[footprint] = 0.0
            self.allowed[footprint] = False
        # the score changes within 2k of the cell; recompute it there from a 3k window
        a0, a1, b0, b1 = max(r - 3 * k, 0), min(r + 3 * k + 1, nrow), max(c - 3 * k, 0), min(c + 3 * k + 1, ncol)
        fresh = self._correlate(self.uncovered[a0:a1, b0:b1], self.kernel, mode="constant")
        s0, s1, t0, t1 = max(r - 2 * k, 0), min(r + 2 * k + 1, nrow), max(c - 2 * k, 0), min(c + 2 * k + 1, ncol)
        self.score[s0:s1, t0:t1] = fresh[s0 - a0:s1 - a0, t0 - b0:t1 - b0]
        if footprint is not None:  # a park's own cells lose residents beyond the window too
            self.score = self._correlate(self.uncovered, self.kernel, mode="constant")


# ----------------------------------------------------------------------------- parks


def _disc(area: Area, lon: float, lat: float, r: float) -> shapely.Geometry:
    x, y = _to_metric([(lon, lat)])[0]
    return Point(x, y).buffer(r)


def make_parks(area: Area, rng: np.random.Generator, grid: Grid, expected: np.ndarray,
               total_population: float) -> gpd.GeoDataFrame:
    """Park polygons: the named ones, then sited ones of each size class, largest first.

    ``expected`` is the expected residents per cell (before streets exist). Each
    park is a rectangle centred in a cell drawn as in :class:`Siting` with the
    catchment of its size class (its walking distance plus half its size).
    """
    taken: list[shapely.Geometry] = [area.river_corridor, *area.voids]
    rows = []
    for name, lon, lat, w, h in NAMED_PARKS:
        x, y = _to_metric([(lon, lat)])[0]
        poly = box(round(x - w / 2, 1), round(y - h / 2, 1), round(x + w / 2, 1), round(y + h / 2, 1))
        if area.outline.contains(poly):
            rows.append(("park_15min", name, poly))
            taken.append(poly.buffer(60))
    residents = expected * ~grid.burn(taken)
    threshold = {"park_5min": 300.0, "park_10min": 500.0, "park_15min": 1000.0}
    for cat in sorted(PARKS, key=lambda c: -PARKS[c][1]):
        per, amin, amax = PARKS[cat]
        allowed = grid.inside & (residents > 0)
        for _n, lon, lat, r, cats in UNDERSERVED:
            if cat in cats:  # the park must not reach into the disc either
                allowed &= ~grid.disc(lon, lat, r + 50.0 * math.sqrt(amax))
        n = max(1, int(round(total_population / per)))
        if cat == "park_15min":
            n = max(0, n - len(rows))
        half = 50.0 * math.sqrt((amin + amax) / 2)
        siting = Siting(rng, residents, allowed, threshold[cat] + half - MARGIN)
        if cat == "park_15min":  # the named parks already serve their catchments
            for _c, _name, poly in rows:
                c = poly.centroid
                col, row = ~grid.transform @ (c.x, c.y)
                if 0 <= int(row) < grid.shape[0] and 0 <= int(col) < grid.shape[1]:
                    siting.cover(int(row) * grid.shape[1] + int(col))
        placed, tries = 0, 0
        while placed < n and tries < 50 * n:
            tries += 1
            idx = siting.draw(planned=rng.uniform() < PLANNED[15 if cat == "park_15min" else 10])
            if idx is None:
                break
            x, y = float(grid.X.flat[idx]), float(grid.Y.flat[idx])
            a = rng.uniform(amin, amax) * 10_000.0
            ratio = rng.uniform(1.0, 1.8)
            w = math.sqrt(a * ratio)
            h = a / w
            if rng.uniform() < 0.5:
                w, h = h, w
            poly = box(round(x - w / 2, 1), round(y - h / 2, 1), round(x + w / 2, 1), round(y + h / 2, 1))
            if not area.outline.contains(poly) or any(poly.intersects(t) for t in taken):
                siting.forbid(idx)
                continue
            rows.append((cat, None, poly))
            taken.append(poly.buffer(30))
            foot = grid.burn([poly])
            residents = np.where(foot, 0.0, residents)
            siting.cover(idx, footprint=foot)
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
    for _, r in parks.reset_index(drop=True).iterrows():
        if r["category"] != "park_15min":
            continue
        x0, y0, x1, y1 = r.geometry.bounds
        for side, (x, y) in zip(("S", "E", "N", "W"),
                                (((x0 + x1) / 2, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, y1), (x0, (y0 + y1) / 2))):
            rows.append((r["name"], side, Point(round(x, 1), round(y, 1))))
    return gpd.GeoDataFrame({"park": [r[0] for r in rows], "gate": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs=CRS)


# ----------------------------------------------------------------------------- population


def make_population(area: Area, rng: np.random.Generator, grid: Grid, land_use: np.ndarray,
                    streets: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, total: int) -> np.ndarray:
    """Integer residents per 100 m cell (-1 outside the area)."""
    shape = grid.shape
    on_street = grid.burn(list(streets.geometry), all_touched=True)
    near = distance_transform_edt(~on_street) * CELL <= 120.0
    blocked = grid.burn([area.river_corridor, *area.voids, *parks.geometry])
    dens = relative_density(area, grid) * land_use
    noise = np.minimum(rng.lognormal(mean=0.0, sigma=0.5, size=shape), 3.0)
    w = dens * noise * (grid.inside & near & ~blocked)
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
    pop[~grid.inside] = -1
    return pop


# ----------------------------------------------------------------------------- facilities


def make_facilities(area: Area, rng: np.random.Generator, grid: Grid, pop: np.ndarray,
                    catalogue: pd.DataFrame, total: int, streets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Point facilities on street frontages, sited where residents lack them (:class:`Siting`).

    Per category, a share :data:`PLANNED` of the facilities is drawn by the
    uncovered residents of its catchment (the category's walking distance less
    :data:`MARGIN`), the rest by residents alone; a random point in the drawn
    cell is then moved to 15-40 m from the nearest street, on its side.
    """
    street_geoms = streets.geometry.to_numpy()
    tree = shapely.STRtree(street_geoms)
    zh = dict(zip(catalogue["category"], catalogue["name_zh"]))
    tiers = dict(zip(catalogue["category"], catalogue["tier_min"].astype(int)))
    thresholds = dict(zip(catalogue["category"], catalogue["threshold_m"].astype(float)))
    residents = np.where(pop > 0, pop, 0).astype(float)
    hills = shapely.contains_xy(area.hills, grid.X, grid.Y)
    regions = [hills, ~hills]
    # community service centres of each circle (社区服务中心/站), where facilities cluster
    centres: dict[int, list[list[int]]] = {}
    for tier, people in sorted(CIRCLE_PEOPLE.items()):
        radius = float(catalogue.loc[catalogue["tier_min"].astype(int) == tier, "threshold_m"].max()) - MARGIN
        n = max(1, int(round(total / people)))
        centres[tier] = []
        for region, n_region in zip(regions, _split(n, [residents[g].sum() for g in regions])):
            siting = Siting(rng, residents, (residents > 0) & region, radius)
            got = []
            for _i in range(n_region):
                idx = siting.draw(planned=True)
                if idx is None:
                    break
                siting.cover(idx)
                got.append(idx)
            centres[tier].append(got)
    out_cat, out_name, out_geom = [], [], []
    for cat in [c for c in catalogue["category"] if c in PEOPLE_PER]:
        allowed = residents > 0
        for _n, lon, lat, r, cats in UNDERSERVED:
            if cat in cats:
                allowed &= ~grid.disc(lon, lat, r)
        n = max(1, int(round(total / PEOPLE_PER[cat])))
        cells = []
        # each side of the river (the towns in the hills, the city) plans its own share
        for r, (region, n_region) in enumerate(zip(regions, _split(n, [residents[g].sum() for g in regions]))):
            siting = Siting(rng, residents, allowed & region, thresholds[cat] - MARGIN)
            # first in the community centres of its circle (not all of them have one) ...
            hosts = [c for c in centres[tiers[cat]][r] if allowed.flat[c] and rng.uniform() < CO_LOCATED]
            for idx in hosts[:n_region]:
                siting.cover(idx)
                cells.append(idx)
            # ... then where residents still lack one
            planned = rng.uniform(size=n_region) < PLANNED[tiers[cat]]
            for i in range(len(hosts), n_region):
                idx = siting.draw(bool(planned[i]))
                if idx is None:
                    break
                siting.cover(idx)
                cells.append(idx)
        cells = np.asarray(cells, dtype=np.int64)
        n = len(cells)
        jitter = rng.uniform(-0.5, 0.5, size=(n, 2)) * CELL
        px = grid.X.ravel()[cells] + jitter[:, 0]
        py = grid.Y.ravel()[cells] + jitter[:, 1]
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
    bbox: tuple[float, float, float, float] | None = None,
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
    grid = Grid(area)
    land_use = make_land_use(area, rng, grid)
    expected = relative_density(area, grid) * land_use * grid.inside
    expected[grid.burn([area.river_corridor, *area.voids])] = 0.0
    expected *= total_population / max(float(expected.sum()), 1e-9)
    parks = make_parks(area, rng, grid, expected, total_population)
    streets = make_streets(area, rng, list(parks.geometry))
    pop = make_population(area, rng, grid, land_use, streets, parks, total_population)
    transform = grid.transform
    points = make_facilities(area, rng, grid, pop, catalogue, total_population, streets)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Write the demo city's files."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default planner_gis/data/demo)")
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
