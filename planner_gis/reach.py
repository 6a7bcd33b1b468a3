"""Walking reach: network distances from residents to everyday facilities.

The distance contract
---------------------
Origins (residents) and facilities snap to the nearest point on the nearest
edge of the :class:`~planner_gis.network.WalkNetwork`
(:func:`~planner_gis.network.snap_points`). The walking distance from ``a``
to ``b`` is::

    d(a, b) = |a a'| + shortest path from a' to b' along the edges + |b' b|

where partial edges count by their length and two points on the *same* edge
may also walk directly along it. A point farther than ``max_snap`` from every
edge is unreachable (distance ``inf``) and reported. A resident is *covered*
for a facility category when ``d <= threshold``.

The engine
----------
Facilities become one-way *virtual source nodes* appended to the network's arc
list, each joined to both ends of its edge with the partial lengths (plus its
snap distance). One :func:`scipy.sparse.csgraph.dijkstra` call with all
sources of a category (``min_only=True``) and ``limit=threshold`` gives the
distance from every network node to the nearest facility; each origin then
takes the best of its two edge ends (plus the partial edge and its snap
distance) and of the facilities on its own edge. No origin x facility matrix
is ever built.

Examples
--------
A 300 m street with a clinic at 250 m; residents at 0 m and 100 m, 10 m off the
street:

>>> from planner_gis.network import WalkNetwork
>>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [300, 0]]), [0, 1], [1, 2])
>>> homes = np.array([[0.0, 10], [100, 10]])
>>> nearest_distance(net, homes, np.array([[250.0, 0]])).tolist()
[260.0, 160.0]
>>> count_within(net, homes, np.array([[250.0, 0], [50.0, 0]]), threshold=200).tolist()
[1, 2]
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ._progress import ProgressCallback, report, scaled
from .crs import crs_label, to_metric
from .errors import CRSError, InputError
from .network import Snapped, WalkNetwork, points_xy, snap_points

PathLike = Union[str, os.PathLike]

TIERS = (5, 10, 15)


# ----------------------------------------------------------------------------- numeric core


def source_graph(net: WalkNetwork, src: Snapped) -> csr_matrix:
    """The network's arcs plus one virtual source node per snapped point.

    Virtual node ``net.n_nodes + i`` belongs to point ``i``; it has two
    outgoing arcs (to the ``u`` and ``v`` node of the point's edge, weighted
    snap distance + partial edge) and no incoming arc, so no path passes
    through it. Unreachable points get a node without arcs.

    Returns
    -------
    scipy.sparse.csr_matrix
        Square, ``n_nodes + len(src)`` rows; search it with ``directed=True``.
    """
    indptr, indices, data = net.csr_arrays
    n, k = net.n_nodes, len(src)
    ok = src.edge >= 0
    e = np.where(ok, src.edge, 0)
    L = net.edge_length[e]
    cnt = np.where(ok, 2, 0)
    ext_ptr = indptr[-1] + np.cumsum(cnt)
    heads = np.stack([net.edge_u[e], net.edge_v[e]], axis=1)[ok].ravel()
    w = np.stack([src.distance + src.offset, src.distance + (L - src.offset)], axis=1)[ok].ravel()
    N = n + k
    ptr = np.concatenate([indptr, ext_ptr])
    itype = np.int32 if max(int(ptr[-1]), N) < 2**31 - 1 else np.int64
    # int32 indices and pointers: scipy's searches then use the arrays without a copy
    return csr_matrix(
        (np.concatenate([data, w]),
         np.concatenate([indices, heads]).astype(itype, copy=False),
         ptr.astype(itype, copy=False)),
        shape=(N, N),
    )


def _subset(s: Snapped, idx: np.ndarray) -> Snapped:
    return Snapped(s.edge[idx], s.offset[idx], s.distance[idx], s.xy[idx])


def _same_edge_pairs(dest: Snapped, src: Snapped, n_edges: Optional[int] = None) -> tuple[np.ndarray, np.ndarray]:
    """All (dest index, src index) pairs of reachable points snapped to the same edge."""
    sok = np.flatnonzero(src.edge >= 0)
    if len(sok) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = sok[np.argsort(src.edge[sok], kind="stable")]
    se = src.edge[order]
    # only destinations on an edge that holds a source (a cheap mask first)
    n_e = int(max(se.max(), dest.edge.max(initial=-1)) + 1) if n_edges is None else n_edges
    has = np.zeros(n_e + 1, dtype=bool)
    has[se] = True
    dok = np.flatnonzero(has[dest.edge])  # edge -1 reads has[-1], which is False
    de = dest.edge[dok]
    lo = np.searchsorted(se, de, side="left")
    hi = np.searchsorted(se, de, side="right")
    cnt = hi - lo
    total = int(cnt.sum())
    d_idx = np.repeat(dok, cnt)
    start = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    s_idx = order[start + np.arange(total)]
    return d_idx, s_idx


def _ends(net: WalkNetwork, dest: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(u node, v node, cost to u, cost to v) of each snapped point, cached on ``dest``."""
    cache = dest.__dict__.get("_ends_cache")
    if cache is not None and cache[0] is net:
        return cache[1]
    ok = dest.edge >= 0
    e = np.where(ok, dest.edge, 0)
    cu = dest.distance + dest.offset
    cv = dest.distance + (net.edge_length[e] - dest.offset)
    cu[~ok] = np.inf
    cv[~ok] = np.inf
    val = (net.edge_u[e], net.edge_v[e], cu, cv)
    dest.__dict__["_ends_cache"] = (net, val)
    return val


def distances_from_nodes(net: WalkNetwork, node_dist: np.ndarray, dest: Snapped) -> np.ndarray:
    """Distance at snapped points given network distances at the nodes.

    ``snap distance + min(node_dist[u] + offset, node_dist[v] + length - offset)``;
    ``inf`` for unreachable points. Same-edge shortcuts are not included (see
    :func:`nearest_from_snapped`).
    """
    return _from_nodes_into(net, node_dist, dest, np.empty(len(dest)))


def _from_nodes_into(net: WalkNetwork, node_dist: np.ndarray, dest: Snapped, out: np.ndarray,
                     tmp: Optional[np.ndarray] = None) -> np.ndarray:
    """:func:`distances_from_nodes` written into ``out`` (``tmp``: scratch of the same length)."""
    u, v, cu, cv = _ends(net, dest)
    # gathers straight into preallocated buffers: no fresh 8 MB arrays per category
    np.take(node_dist, u, out=out, mode="clip")
    out += cu
    tmp = np.empty_like(out) if tmp is None else tmp
    np.take(node_dist, v, out=tmp, mode="clip")
    tmp += cv
    return np.minimum(out, tmp, out=out)


def nearest_from_snapped(
    net: WalkNetwork,
    dest: Snapped,
    src: Snapped,
    limit: float = np.inf,
    graph: Optional[csr_matrix] = None,
    sources: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Distance from every snapped ``dest`` point to its nearest ``src`` point.

    Parameters
    ----------
    net : WalkNetwork
    dest, src : Snapped
        Snapped origins and facilities.
    limit : float
        Search radius in metres; farther distances come back as ``inf``.
    graph : csr_matrix, optional
        :func:`source_graph` of a superset of ``src`` (to reuse it across
        categories); then ``sources`` gives the rows of ``src`` in it.
    sources : ndarray of int, optional
        Indices into the points of ``graph`` used as sources.

    Returns
    -------
    ndarray of float64
    """
    return _nearest_into(net, dest, src, limit, graph, sources, np.empty(len(dest)))


def _nearest_into(net: WalkNetwork, dest: Snapped, src: Snapped, limit: float,
                  graph: Optional[csr_matrix], sources: Optional[np.ndarray],
                  out: np.ndarray, tmp: Optional[np.ndarray] = None) -> np.ndarray:
    """:func:`nearest_from_snapped` written into ``out`` (e.g. a row of a preallocated block)."""
    if graph is None:
        graph = source_graph(net, src)
        sources = None
    sources = np.arange(len(src)) if sources is None else np.asarray(sources, dtype=np.int64)
    sources = sources[src.edge[sources] >= 0]
    if len(sources) == 0:
        out.fill(np.inf)
        return out
    nd = dijkstra(graph, directed=True, indices=net.n_nodes + sources, min_only=True, limit=limit)
    # measured: gathering both edge ends for every point (4 passes over the points)
    # is cheaper than building node -> point incidence lists (sorts) for ~10 categories
    _from_nodes_into(net, nd, dest, out, tmp)
    sub = _subset(src, sources)
    d_idx, s_idx = _same_edge_pairs(dest, sub, net.n_edges)
    src = sub
    if len(d_idx):
        direct = dest.distance[d_idx] + np.abs(dest.offset[d_idx] - src.offset[s_idx]) + src.distance[s_idx]
        np.minimum.at(out, d_idx, direct)
    np.putmask(out, out > limit, np.inf)
    return out


def _as_xy(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"{name} must be an array of shape (n, 2) of x, y in the network CRS, "
                         f"got shape {arr.shape}", fix="pass np.column_stack([x, y])")
    return arr


def nearest_distance(
    net: WalkNetwork,
    origins_xy: np.ndarray,
    facilities_xy: np.ndarray,
    max_snap: float = 200.0,
    cutoff: Optional[float] = None,
) -> np.ndarray:
    """Per origin, the walking distance to the nearest facility (distance contract).

    Parameters
    ----------
    net : WalkNetwork
    origins_xy, facilities_xy : ndarray, shape (n, 2)
        Coordinates in the network's metric CRS.
    max_snap : float
        Points farther than this from every edge are unreachable.
    cutoff : float, optional
        Stop searching beyond this distance (faster); farther results are ``inf``.

    Returns
    -------
    ndarray of float64
        ``inf`` where no facility is reachable (or the origin is unreachable).

    Examples
    --------
    Origin and facility on the same edge walk directly along it:

    >>> from planner_gis.network import WalkNetwork
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    >>> nearest_distance(net, np.array([[400.0, 3]]), np.array([[500.0, -4]])).round(6).tolist()
    [107.0]
    """
    o = snap_points(net, _as_xy(origins_xy, "origins_xy"), max_snap)
    f = snap_points(net, _as_xy(facilities_xy, "facilities_xy"), max_snap)
    return nearest_from_snapped(net, o, f, limit=np.inf if cutoff is None else float(cutoff))


def count_from_snapped(
    net: WalkNetwork,
    dest: Snapped,
    src: Snapped,
    threshold: float,
    progress: Optional[ProgressCallback] = None,
) -> np.ndarray:
    """Per ``dest`` point, how many ``src`` points are within ``threshold`` (snapped inputs)."""
    n = net.n_nodes
    counts = np.zeros(len(dest), dtype=np.int64)
    dok = np.flatnonzero(dest.edge >= 0)
    if len(dok) == 0 or not (src.edge >= 0).any():
        return counts
    e = dest.edge[dok]
    # incidence of origins on nodes: each origin hangs off its edge's u and v
    inc_node = np.concatenate([net.edge_u[e], net.edge_v[e]])
    inc_dest = np.concatenate([dok, dok])
    inc_cost = np.concatenate([dest.offset[dok], net.edge_length[e] - dest.offset[dok]]) + \
        np.concatenate([dest.distance[dok], dest.distance[dok]])
    order = np.argsort(inc_node, kind="stable")
    inc_dest, inc_cost = inc_dest[order], inc_cost[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(inc_node, minlength=n), out=ptr[1:])
    graph = source_graph(net, src)
    d_same, s_same = _same_edge_pairs(dest, src, net.n_edges)
    same_order = np.argsort(s_same, kind="stable")
    d_same, s_same = d_same[same_order], s_same[same_order]
    same_ptr = np.searchsorted(s_same, np.arange(len(src) + 1))
    srcs = np.flatnonzero(src.edge >= 0)
    for j, i in enumerate(srcs):
        budget = threshold - src.distance[i]
        if budget < 0:
            continue
        nd = dijkstra(graph, directed=True, indices=n + i, limit=threshold)
        nodes = np.flatnonzero(nd[:n] <= threshold)
        lo, hi = ptr[nodes], ptr[nodes + 1]
        cnt = hi - lo
        tot = int(cnt.sum())
        if tot:
            start = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(tot)
            val = np.repeat(nd[nodes], cnt) + inc_cost[start]
            hit = inc_dest[start[val <= threshold]]
        else:
            hit = np.zeros(0, np.int64)
        a, b = same_ptr[i], same_ptr[i + 1]
        if b > a:
            dd = d_same[a:b]
            direct = dest.distance[dd] + np.abs(dest.offset[dd] - src.offset[i]) + src.distance[i]
            hit = np.concatenate([hit, dd[direct <= threshold]])
        if len(hit):
            counts[np.unique(hit)] += 1
        if progress is not None and j % 16 == 0:
            report(progress, (j + 1) / len(srcs), "counting facilities within reach")
    return counts


def count_within(
    net: WalkNetwork,
    origins_xy: np.ndarray,
    facilities_xy: np.ndarray,
    threshold: float,
    max_snap: float = 200.0,
    progress: Optional[ProgressCallback] = None,
) -> np.ndarray:
    """Per origin, the number of facilities within walking distance ``threshold``.

    One bounded search (``limit=threshold``) runs from each facility; its
    reached nodes are joined to the origins hanging off them, so the work
    grows with the area each facility reaches, not with origins x facilities.

    Returns
    -------
    ndarray of int64

    Examples
    --------
    >>> from planner_gis.network import WalkNetwork
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [200, 0]]), [0, 1], [1, 2])
    >>> count_within(net, np.array([[0.0, 0], [150, 0]]),
    ...              np.array([[10.0, 0], [120, 0], [190, 0]]), threshold=60).tolist()
    [1, 2]
    """
    o = snap_points(net, _as_xy(origins_xy, "origins_xy"), max_snap)
    f = snap_points(net, _as_xy(facilities_xy, "facilities_xy"), max_snap)
    return count_from_snapped(net, o, f, float(threshold), progress=progress)


# ----------------------------------------------------------------------------- population


def population_from_raster(path: PathLike, metric_crs: Any = None, band: int = 1) -> gpd.GeoDataFrame:
    """Population points from a raster: one point per cell centre with a positive value.

    Cells equal to the raster's nodata value, non-finite or ``<= 0`` are
    skipped. Points are returned in the metric CRS (policy of
    :mod:`planner_gis.crs`), with the cell size in metres in
    ``gdf.attrs["cell_size"]`` (used to draw underserved cells).

    The raster's own grid is kept too: columns ``row`` and ``col`` of each
    origin's cell and ``gdf.attrs["raster_grid"]`` (``crs`` as WKT,
    ``transform`` as the 6 affine coefficients, ``shape`` as rows, columns).
    :func:`compute_coverage` uses them to trace underserved areas in the
    raster's grid (the true cell outlines, e.g. lon/lat quadrilaterals of a
    WorldPop grid in EPSG:4326) before reprojecting them.

    Parameters
    ----------
    path : str or Path
        Any raster rasterio reads (GeoTIFF, ...), e.g. WorldPop or a census grid.
    metric_crs : optional
        Metric CRS of the output.
    band : int
        Band to read.

    Returns
    -------
    GeoDataFrame
        Columns ``population`` (float) and ``row``, ``col`` of the cell.
    """
    import rasterio

    p = os.fspath(path)
    if not os.path.exists(p):
        raise InputError(f"{p}: file not found", fix="check the path of the population raster")
    try:
        with rasterio.open(p) as ds:
            arr = ds.read(band).astype(np.float64)
            nodata = ds.nodata
            transform = ds.transform
            crs = ds.crs
    except Exception as exc:
        raise InputError(f"{p}: cannot read as a raster ({exc})",
                         fix="give a GeoTIFF population grid (e.g. WorldPop)") from None
    if crs is None:
        raise CRSError(f"{p}: the population raster has no CRS",
                       fix="assign one, e.g. gdal_edit.py -a_srs EPSG:4326 file.tif")
    valid = np.isfinite(arr) & (arr > 0)
    if nodata is not None and np.isfinite(nodata):
        valid &= arr != nodata
    rows, cols = np.nonzero(valid)
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    gdf = gpd.GeoDataFrame(
        {"population": arr[rows, cols], "row": rows, "col": cols},
        geometry=gpd.points_from_xy(np.asarray(xs, float), np.asarray(ys, float)),
        crs=CRS.from_user_input(crs.to_wkt()),
    )
    out = to_metric(gdf, metric_crs, what=p) if len(gdf) else gdf.to_crs(metric_crs) if metric_crs else gdf
    # cell size in metres, measured at the raster centre
    r0, c0 = arr.shape[0] // 2, arr.shape[1] // 2
    cx, cy = rasterio.transform.xy(transform, [r0, r0, r0 + 1], [c0, c0 + 1, c0], offset="center")
    corners = gpd.GeoSeries.from_xy(cx, cy, crs=gdf.crs).to_crs(out.crs)
    c = shapely.get_coordinates(corners.values)
    out.attrs["cell_size"] = (float(np.hypot(*(c[1] - c[0]))), float(np.hypot(*(c[2] - c[0]))))
    # plain values (str, tuples): attrs survive copies, slicing and pandas' equality checks
    out.attrs["raster_grid"] = {"crs": gdf.crs.to_wkt(), "transform": tuple(float(v) for v in transform[:6]),
                                "shape": (int(arr.shape[0]), int(arr.shape[1]))}
    return out


def population_from_points(gdf: gpd.GeoDataFrame, column: str = "population") -> gpd.GeoDataFrame:
    """Validate a population layer (points, or polygons such as census blocks).

    Returns a copy with the weights in a float column ``population``. Rows
    with null geometry are refused; polygons are kept (their representative
    point is the origin, the polygon is drawn as underserved area).

    Raises
    ------
    InputError
        If the column is missing, not numeric, negative or not finite.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"pop": ["12", "3.5"]}, geometry=[Point(0, 0), Point(1, 1)], crs=32650)
    >>> population_from_points(g, "pop")["population"].tolist()
    [12.0, 3.5]
    """
    weights = _population_weights(gdf, column)
    out = gdf.copy()
    if column != "population" and "population" in out.columns:
        out = out.drop(columns="population")
    out["population"] = weights
    out.attrs.update(gdf.attrs)
    return out


def _population_weights(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """The checks of :func:`population_from_points`; returns the weights (float64) without copying the layer."""
    if column not in gdf.columns:
        raise InputError(f"population layer has no column {column!r} (columns: {list(gdf.columns)})",
                         fix="name the column holding residents per point with population_column=")
    vals = pd.to_numeric(gdf[column], errors="coerce")
    bad = vals.isna() | ~np.isfinite(vals.astype(float)) | (vals < 0)
    if bad.any():
        rec = gdf.index[bad.to_numpy()][0]
        raise InputError(f"population layer: record {rec!r} has {column}={gdf[column].loc[rec]!r}, "
                         "not a non-negative number",
                         fix="fill the column with resident counts (0 for none)")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        rec = gdf.index[missing][0]
        raise InputError(f"population layer: record {rec!r} has no geometry",
                         fix="remove rows without location or give them coordinates")
    return vals.to_numpy(dtype=np.float64)


# ----------------------------------------------------------------------------- coverage


@dataclass
class ReachResult:
    """Result of :func:`compute_coverage`.

    Attributes
    ----------
    coverage : DataFrame
        Columns exactly ``unit_id, category, tier_min, threshold_m,
        population, covered_population, share``: one row per unit and
        category, plus rows ``category="tier_5"``, ``"tier_10"``, ``"tier_15"``
        (population covered for *all* categories of that tier; ``threshold_m``
        NaN). ``share`` is NaN where a unit has no population.
    underserved : GeoDataFrame
        Uncovered population cells dissolved per unit and category: columns
        ``unit_id, category, tier_min, threshold_m, population, team_id,
        team_name``.
    unreachable : GeoDataFrame
        Origins and facilities farther than ``max_snap`` from the network:
        columns ``kind`` (origin/facility), ``record``, ``category``,
        ``snap_distance``, ``reason``.
    origin_distance : DataFrame
        Walking distance (m) per origin (index of the population layer) and
        category; ``inf`` beyond the search limit or when unreachable.
    crs : pyproj.CRS
        Metric CRS of all geometries.
    summary : dict
        Counts: origins, facilities, unreachable, ignored categories, ...
    """

    coverage: pd.DataFrame
    underserved: gpd.GeoDataFrame
    unreachable: gpd.GeoDataFrame
    origin_distance: pd.DataFrame
    crs: CRS
    summary: dict = field(default_factory=dict)


COVERAGE_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population",
                    "covered_population", "share"]


def _validate_catalogue(catalogue: pd.DataFrame, category_column: str = "category") -> pd.DataFrame:
    need = ["category", "tier_min", "threshold_m"]
    missing = [c for c in need if c not in catalogue.columns]
    if missing:
        raise InputError(f"facility catalogue lacks column(s) {missing} (has {list(catalogue.columns)})",
                         fix="the catalogue needs category, name_zh, tier_min (5/10/15) and threshold_m")
    cat = catalogue.copy()
    cat["category"] = cat["category"].astype(str).str.strip()
    for col in ("tier_min", "threshold_m"):
        vals = pd.to_numeric(cat[col], errors="coerce")
        bad = vals.isna() | (vals <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"facility catalogue row {i + 1} ({cat['category'].iloc[i]}): "
                             f"{col}={catalogue[col].iloc[i]} is not a positive number",
                             fix=f"set {col} (tier_min one of 5/10/15, threshold_m in metres)")
        cat[col] = vals.astype(float)
    bad_tier = ~cat["tier_min"].isin(TIERS)
    if bad_tier.any():
        i = int(np.flatnonzero(bad_tier.to_numpy())[0])
        raise InputError(f"facility catalogue row {i + 1} ({cat['category'].iloc[i]}): "
                         f"tier_min={catalogue['tier_min'].iloc[i]} is not 5, 10 or 15",
                         fix="use the GB 50180-2018 living-circle tiers 5, 10 or 15 (minutes)")
    cat["tier_min"] = cat["tier_min"].astype(int)
    dup = cat["category"].duplicated()
    if dup.any():
        raise InputError(f"facility catalogue lists category {cat['category'][dup].iloc[0]!r} twice",
                         fix="keep one row per category")
    return cat.reset_index(drop=True)


def zone_membership(xy: np.ndarray, zones: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """All (point, zone) pairs where the point lies in or on the zone polygon.

    Zones may overlap; a point on a shared border belongs to both. Points
    without finite coordinates are in no zone.

    Returns
    -------
    (ndarray, ndarray)
        Point and zone indices (int64), grouped by zone in zone order and
        sorted by point index within a zone.

    >>> from shapely.geometry import box
    >>> z = gpd.GeoSeries([box(0, 0, 10, 10), box(5, 0, 20, 10)])
    >>> p, z_ = zone_membership(np.array([[1.0, 1], [7, 1], [30, 1]]), z)
    >>> sorted(zip(p.tolist(), z_.tolist()))
    [(0, 0), (1, 0), (1, 1)]
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    geoms = np.asarray(zones.values, dtype=object)
    finite = np.flatnonzero(np.isfinite(xy).all(axis=1))
    empty = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(finite) == 0 or len(geoms) == 0:
        return empty
    # bucket the points on a coarse grid (~16 points per bucket), sorted by bucket
    # and, within a bucket, by index: a zone's candidates are then one slice of
    # the sorted points per bucket row of its bounding box
    x, y = xy[finite, 0], xy[finite, 1]
    x0, y0 = float(x.min()), float(y.min())
    nb = int(min(max(np.sqrt(len(finite) / 16.0), 1), 2048))
    sx = (float(x.max()) - x0) / nb or 1.0
    sy = (float(y.max()) - y0) / nb or 1.0

    def bucket(v: Any, v0: float, step: float) -> Any:
        return np.clip(np.floor((np.asarray(v) - v0) / step), 0, nb - 1).astype(np.int64)

    key = (bucket(y, y0, sy) * nb + bucket(x, x0, sx)).astype(np.int32)
    order = finite[np.argsort(key, kind="stable")]
    ptr = np.zeros(nb * nb + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=nb * nb), out=ptr[1:])
    pts, zs = [], []
    for j, g in enumerate(geoms):
        if g is None or shapely.is_empty(g):
            continue
        gx0, gy0, gx1, gy1 = shapely.bounds(g)
        if not (np.isfinite([gx0, gy0, gx1, gy1]).all()):
            continue
        c0, c1 = bucket([gx0, gx1], x0, sx)
        rows = np.arange(*(bucket([gy0, gy1], y0, sy) + [0, 1]))
        lo, hi = ptr[rows * nb + c0], ptr[rows * nb + c1 + 1]
        cnt = hi - lo
        total = int(cnt.sum())
        if total == 0:
            continue
        cand = order[np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)]
        cx, cy = xy[cand, 0], xy[cand, 1]
        box = (cx >= gx0) & (cx <= gx1) & (cy >= gy0) & (cy <= gy1)
        cand, cx, cy = cand[box], cx[box], cy[box]
        if len(cand) == 0:
            continue
        shapely.prepare(g)
        inside = shapely.intersects_xy(g, cx, cy)
        hit = np.sort(cand[inside])
        pts.append(hit)
        zs.append(np.full(len(hit), j, dtype=np.int64))
    if not pts:
        return empty
    return np.concatenate(pts), np.concatenate(zs)


def _cell_size(population: gpd.GeoDataFrame, cell_size: Optional[float]) -> tuple[float, float]:
    if cell_size is not None:
        return float(cell_size), float(cell_size)
    w, h = population.attrs.get("cell_size", (100.0, 100.0))
    return float(w), float(h)


def _cells(population: gpd.GeoDataFrame, cell_size: Optional[float]) -> np.ndarray:
    """Polygons drawn for population origins: polygons as given, points as square cells."""
    geoms = np.asarray(population.geometry.values, dtype=object)
    out = geoms.copy()
    is_pt = shapely.get_type_id(geoms) == 0
    if is_pt.any():
        w, h = _cell_size(population, cell_size)
        x, y = shapely.get_x(geoms[is_pt]), shapely.get_y(geoms[is_pt])
        out[is_pt] = shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return out


def _raster_grid(population: gpd.GeoDataFrame, crs: CRS, xy: np.ndarray) -> Optional[tuple]:
    """``(row, col, transform, transformer)`` of raster origins, or None.

    Needs ``attrs["raster_grid"]`` and integer ``row``/``col`` columns (see
    :func:`population_from_raster`) that still describe the points: cell
    centres of a sample of origins, reprojected to ``crs``, must lie within
    1 % of a cell of the origins (the layer may have been edited since).
    """
    from affine import Affine
    from pyproj import Transformer

    meta = population.attrs.get("raster_grid")
    if not isinstance(meta, dict) or "row" not in population.columns or "col" not in population.columns:
        return None
    try:
        transform = Affine(*[float(v) for v in meta["transform"]][:6])
        n_rows, n_cols = (int(v) for v in meta["shape"])
        src = CRS.from_user_input(meta["crs"])
        row = population["row"].to_numpy()
        col = population["col"].to_numpy()
    except Exception:
        return None
    if not (np.issubdtype(row.dtype, np.integer) and np.issubdtype(col.dtype, np.integer)) or \
            transform.determinant == 0:
        return None
    if len(row) == 0 or row.min() < 0 or col.min() < 0 or row.max() >= n_rows or col.max() >= n_cols:
        return None
    transformer = None if src == crs else Transformer.from_crs(src, crs, always_xy=True)
    sample = np.unique(np.linspace(0, len(row) - 1, min(len(row), 257)).astype(np.int64))
    pc, pr = col[sample] + 0.5, row[sample] + 0.5
    cx = transform.a * pc + transform.b * pr + transform.c
    cy = transform.d * pc + transform.e * pr + transform.f
    if transformer is not None:
        cx, cy = transformer.transform(cx, cy)
    w, h = population.attrs.get("cell_size", (1.0, 1.0))
    tol = 0.01 * min(float(w), float(h))
    if not (np.hypot(np.asarray(cx) - xy[sample, 0], np.asarray(cy) - xy[sample, 1]) <= tol).all():
        return None
    return row.astype(np.int64), col.astype(np.int64), transform, transformer


def cell_lattice(xy: np.ndarray, w: float, h: float,
                 tol: float = 1e-3) -> Optional[tuple[np.ndarray, np.ndarray, float, float]]:
    """Column/row numbers of points that are the centres of one ``w`` x ``h`` grid.

    Returns ``(i, j, x0, y0)`` with ``x = x0 + i * w`` and ``y = y0 + j * h``
    (within ``tol`` metres) for every point, or None if the points are not
    on such a lattice (e.g. a raster reprojected from another CRS, or
    scattered building points).

    >>> i, j, x0, y0 = cell_lattice(np.array([[50.0, 50], [250, 50], [150, 350]]), 100, 100)
    >>> i.tolist(), j.tolist(), x0, y0
    ([0, 2, 1], [0, 0, 3], 50.0, 50.0)
    >>> cell_lattice(np.array([[50.0, 50], [120, 50]]), 100, 100) is None
    True
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if len(xy) == 0 or not (w > 0 and h > 0) or not np.isfinite(xy).all():
        return None
    x0, y0 = float(xy[0, 0]), float(xy[0, 1])
    fi = (xy[:, 0] - x0) / w
    fj = (xy[:, 1] - y0) / h
    i, j = np.rint(fi), np.rint(fj)
    if np.abs(fi - i).max() * w > tol or np.abs(fj - j).max() * h > tol:
        return None
    if max(np.abs(i).max(), np.abs(j).max()) > 2**30:
        return None
    return i.astype(np.int64), j.astype(np.int64), x0, y0


def _raster_env(active: bool) -> Any:
    """One rasterio environment around many :func:`lattice_union` calls (cheaper than one each)."""
    if not active:
        return contextlib.nullcontext()
    import rasterio

    return rasterio.Env()


def lattice_union(i: np.ndarray, j: np.ndarray, x0: float, y0: float, w: float, h: float) -> Any:
    """The union of the ``w`` x ``h`` cells centred at ``(x0 + i*w, y0 + j*h)``, as one geometry.

    The cells are burnt into a small grid and traced with
    :func:`rasterio.features.shapes`, which is much faster than a polygon
    union and gives outlines with vertices only at corners.

    >>> g = lattice_union(np.array([0, 1, 3]), np.array([0, 0, 0]), 5.0, 5.0, 10, 10)
    >>> g.geom_type, g.area, len(shapely.get_coordinates(g))
    ('MultiPolygon', 300.0, 10)
    """
    from affine import Affine

    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return shapely.Polygon()
    i0, j1 = int(i.min()), int(j.max())
    grid = np.zeros((j1 - int(j.min()) + 1, int(i.max()) - i0 + 1), dtype=np.uint8)
    grid[j1 - j, i - i0] = 1
    transform = Affine(w, 0.0, x0 + (i0 - 0.5) * w, 0.0, -h, y0 + (j1 + 0.5) * h)
    out = _trace(grid, transform)
    if not shapely.is_valid(out):
        out = shapely.make_valid(out)
    return out


def _trace(grid: np.ndarray, transform: Any) -> Any:
    """Outline of the nonzero cells of a uint8 ``grid`` placed by ``transform`` (one geometry)."""
    from rasterio.features import shapes

    coords: list = []
    ring_len: list = []
    rings_per_poly: list = []
    for geom, _ in shapes(grid, mask=grid.view(bool), connectivity=4, transform=transform):
        rings = geom["coordinates"]
        rings_per_poly.append(len(rings))
        for r in rings:
            ring_len.append(len(r))
            coords.extend(r)
    ring_off = np.zeros(len(ring_len) + 1, dtype=np.int64)
    np.cumsum(ring_len, out=ring_off[1:])
    poly_off = np.zeros(len(rings_per_poly) + 1, dtype=np.int64)
    np.cumsum(rings_per_poly, out=poly_off[1:])
    out = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, np.asarray(coords, dtype=np.float64),
        (ring_off, poly_off, np.array([0, len(rings_per_poly)], dtype=np.int64)))[0]
    if len(rings_per_poly) == 1:
        out = shapely.get_geometry(out, 0)
    return out


def grid_union(row: np.ndarray, col: np.ndarray, transform: Any, transformer: Any = None) -> Any:
    """The union of raster cells ``(row, col)`` of a grid, optionally reprojected.

    The cells are traced in the raster's own grid with
    :func:`rasterio.features.shapes` (any affine ``transform``, also rotated
    or in degrees); the outline is then densified to one vertex per cell
    corner, so that each straight cell edge stays a straight segment between
    its reprojected corners, and reprojected with ``transformer`` (a
    :class:`pyproj.Transformer` with ``always_xy=True``; None keeps the
    raster's coordinates). The result equals the union of the exactly
    reprojected cell quadrilaterals.

    Parameters
    ----------
    row, col : ndarray of int
        Cell indices in the raster (row 0 at the top for a north-up raster).
    transform : affine.Affine
        The raster's transform (pixel corner ``(col, row)`` -> ``(x, y)``).
    transformer : pyproj.Transformer, optional
        From the raster CRS to the output CRS.

    Returns
    -------
    shapely geometry
        Polygon or MultiPolygon (empty Polygon for no cells).

    Examples
    --------
    Three cells of a 10 x 10 grid with its top-left corner at (0, 30):

    >>> from affine import Affine
    >>> g = grid_union(np.array([0, 1, 2]), np.array([0, 0, 2]), Affine(10, 0, 0, 0, -10, 30))
    >>> g.geom_type, g.area, g.bounds
    ('MultiPolygon', 300.0, (0.0, 0.0, 30.0, 30.0))
    """
    from affine import Affine

    row = np.asarray(row, dtype=np.int64)
    col = np.asarray(col, dtype=np.int64)
    if len(row) == 0:
        return shapely.Polygon()
    transform = Affine(*tuple(transform)[:6])
    r0, c0 = int(row.min()), int(col.min())
    grid = np.zeros((int(row.max()) - r0 + 1, int(col.max()) - c0 + 1), dtype=np.uint8)
    grid[row - r0, col - c0] = 1
    # traced in pixel units (cells are unit squares whatever the transform), then densified to
    # one vertex per cell corner (a hair over 1 so rounding adds no extra vertex) before the
    # affine transform and the reprojection
    out = _trace(grid, Affine.translation(c0, r0))
    if transformer is not None:
        out = shapely.segmentize(out, 1 + 1e-6)
    a, b, c, d, e, f = transform[:6]

    def _to_crs(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = a * px + b * py + c, d * px + e * py + f
        return (x, y) if transformer is None else transformer.transform(x, y)

    out = shapely.transform(out, _to_crs, interleaved=False)
    if not shapely.is_valid(out):
        out = shapely.make_valid(out)
    return out


def compute_coverage(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    catalogue: pd.DataFrame,
    category_column: str = "category",
    population_column: str = "population",
    zone_id: str = "unit_id",
    max_snap: float = 200.0,
    teams: Optional[pd.DataFrame] = None,
    progress: Optional[ProgressCallback] = None,
    underserved: bool = True,
    cell_size: Optional[float] = None,
    distance_limit: Optional[float] = None,
) -> ReachResult:
    """Population covered by each facility category, per unit and living-circle tier.

    Parameters
    ----------
    net : WalkNetwork
    facilities : GeoDataFrame
        Facility points with ``category_column``; other geometries count by
        their representative point. Categories not in the catalogue are
        ignored and listed in ``summary["ignored_categories"]``.
    population : GeoDataFrame
        Population points (e.g. :func:`population_from_raster`) or polygons
        with ``population_column``.
    zones : GeoDataFrame
        Unit polygons with ``zone_id``; they may overlap (an origin counts in
        every unit containing it).
    catalogue : DataFrame
        Columns ``category``, ``tier_min`` (5/10/15), ``threshold_m`` (and
        ``name_zh``).
    category_column, population_column, zone_id : str
        Column names in facilities, population and zones.
    max_snap : float
        Snapping limit in metres for origins and facilities.
    teams : DataFrame, optional
        ``unit_id, team_id`` (and ``team_name``): the responsible team per
        unit, copied onto the underserved areas.
    progress : callable, optional
        ``progress(fraction, message)``.
    underserved : bool
        Build the underserved polygons (the slowest step on big inputs).
    cell_size : float, optional
        Side in metres of the square drawn for point origins in
        ``underserved`` (default: ``population.attrs["cell_size"]`` from
        :func:`population_from_raster`, else 100 m). Without it, origins of
        a raster in another CRS (e.g. WorldPop in EPSG:4326) are drawn as
        their true cells: traced in the raster's grid
        (``population.attrs["raster_grid"]``, columns ``row``/``col``) and
        reprojected (:func:`grid_union`).
    distance_limit : float, optional
        Search radius for ``origin_distance``; default the category's
        ``threshold_m`` (farther distances are ``inf``). Coverage is the same
        either way.

    Returns
    -------
    ReachResult
    """
    cat = _validate_catalogue(catalogue)
    crs = net.crs
    for name, gdf, col in (("facilities", facilities, category_column),
                           ("population", population, population_column),
                           ("zones", zones, zone_id)):
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InputError(f"{name} is not a GeoDataFrame", fix="read it with planner_gis.io.read_vector")
        if col not in gdf.columns:
            raise InputError(f"{name} layer has no column {col!r} (columns: {list(gdf.columns)})",
                             fix=f"name the right column with the {name} column option")
    # validated in place: the population layer is not copied (it may hold millions of points)
    weights = _population_weights(population, population_column)
    pop = population
    report(progress, 0.0, "snapping origins and facilities")
    oxy = points_xy(pop, crs, "population layer")
    fcat = facilities[category_column].astype(str).str.strip().to_numpy()
    known = np.isin(fcat, cat["category"].to_numpy())
    ignored = pd.Series(fcat[~known]).value_counts().to_dict() if (~known).any() else {}
    fac = facilities[known]
    fcat = fcat[known]
    fxy = points_xy(fac, crs, "facilities layer")
    o_snap = snap_points(net, oxy, max_snap)
    f_snap = snap_points(net, fxy, max_snap)
    report(progress, 0.2, "walking distances")
    graph = source_graph(net, f_snap)
    n_cat = len(cat)
    # one row per category, written in place; origin_distance is its transpose (no copy)
    dist = np.empty((n_cat, len(pop)))
    scratch = np.empty(len(pop))
    thresholds = cat["threshold_m"].to_numpy(dtype=np.float64)
    for j, row in cat.iterrows():
        sources = np.flatnonzero((fcat == row["category"]) & (f_snap.edge >= 0))
        thr = thresholds[j]
        limit = thr if distance_limit is None else max(thr, float(distance_limit))
        _nearest_into(net, o_snap, f_snap, limit, graph, sources, dist[j], scratch)
        report(progress, 0.2 + 0.5 * (j + 1) / n_cat, f"distances: {row['category']}")
    del scratch
    covered = dist <= thresholds[:, None]
    # aggregation
    report(progress, 0.7, "aggregating per unit")
    zm = zones.geometry
    if zones.crs is None:
        raise CRSError("zones layer has no coordinate reference system", fix="set it, e.g. set_crs(4326)")
    if CRS.from_user_input(zones.crs) != crs:
        zm = zm.to_crs(crs)
    p_idx, z_idx = zone_membership(oxy, zm)
    nz = len(zones)
    w_pair = weights[p_idx]
    pop_z = np.bincount(z_idx, weights=w_pair, minlength=nz)
    unit_ids = zones[zone_id].to_numpy()
    tiers = [t for t in TIERS if (cat["tier_min"] == t).any()]
    tables = []

    def _rows(label, tier, thr, cov_mask):
        cov = np.bincount(z_idx, weights=w_pair * cov_mask[p_idx], minlength=nz)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(pop_z > 0, cov / np.where(pop_z > 0, pop_z, 1), np.nan)
        tables.append(pd.DataFrame({"unit_id": unit_ids, "category": label, "tier_min": tier,
                                    "threshold_m": thr, "population": pop_z,
                                    "covered_population": cov, "share": share}))

    for j, row in cat.iterrows():
        _rows(row["category"], int(row["tier_min"]), float(row["threshold_m"]), covered[j])
    for t in tiers:
        cols = np.flatnonzero(cat["tier_min"].to_numpy() == t)
        _rows(f"tier_{t}", t, np.nan, covered[cols].all(axis=0))
    coverage = pd.concat(tables, ignore_index=True)[COVERAGE_COLUMNS]
    coverage["tier_min"] = coverage["tier_min"].astype(int)
    coverage["threshold_m"] = coverage["threshold_m"].astype(float)
    # team per unit
    team_of = None
    if teams is not None:
        if "unit_id" not in teams.columns or "team_id" not in teams.columns:
            raise InputError(f"teams table needs columns unit_id and team_id (has {list(teams.columns)})",
                             fix="build it with planner_gis.registry.active_unit_teams")
        tcols = ["team_id"] + (["team_name"] if "team_name" in teams.columns else [])
        t = teams.copy()
        t["unit_id"] = t["unit_id"].astype(str)
        team_of = t.groupby("unit_id")[tcols].agg(
            lambda s: "; ".join(sorted({str(x) for x in s if pd.notna(x) and str(x) != ""})))
    # underserved polygons
    report(progress, 0.75, "underserved areas")
    under_rows = []
    if underserved and len(p_idx):
        lattice = grid = None
        if (shapely.get_type_id(np.asarray(pop.geometry.values, dtype=object)) == 0).all():
            cw, ch = _cell_size(pop, cell_size)
            lattice = cell_lattice(oxy, cw, ch)
            if lattice is None and cell_size is None:
                # e.g. a WorldPop grid in EPSG:4326: trace in the raster's grid, then reproject
                grid = _raster_grid(pop, crs, oxy)
        cells = _cells(pop, cell_size) if lattice is None and grid is None else None
        zgeom = np.asarray(zm.values, dtype=object)
        with _raster_env(lattice is not None or grid is not None):
            for j, row in cat.iterrows():
                miss = ~covered[j, p_idx] & (w_pair > 0)
                if not miss.any():
                    continue
                zz, pp = z_idx[miss], p_idx[miss]
                order = np.argsort(zz, kind="stable")
                zz, pp = zz[order], pp[order]
                bounds = np.flatnonzero(np.diff(zz)) + 1
                for zg, pg in zip(np.split(zz, bounds), np.split(pp, bounds)):
                    z = int(zg[0])
                    if lattice is not None:
                        li, lj, lx0, ly0 = lattice
                        shape = lattice_union(li[pg], lj[pg], lx0, ly0, cw, ch)
                    elif grid is not None:
                        g_row, g_col, g_transform, g_transformer = grid
                        shape = grid_union(g_row[pg], g_col[pg], g_transform, g_transformer)
                    else:
                        shape = shapely.union_all(cells[pg])
                    clipped = shapely.intersection(shape, zgeom[z])
                    if shapely.is_empty(clipped):
                        clipped = shape
                    under_rows.append({"unit_id": unit_ids[z], "category": row["category"],
                                       "tier_min": int(row["tier_min"]),
                                       "threshold_m": float(row["threshold_m"]),
                                       "population": float(weights[pg].sum()), "geometry": clipped})
                report(progress, 0.75 + 0.2 * (j + 1) / n_cat, f"underserved: {row['category']}")
    under = gpd.GeoDataFrame(
        under_rows or {"unit_id": [], "category": [], "tier_min": [], "threshold_m": [],
                       "population": [], "geometry": []},
        geometry="geometry", crs=crs)
    if team_of is not None:
        key = under["unit_id"].astype(str)
        under["team_id"] = key.map(team_of["team_id"]).fillna("").to_numpy() if len(under) else []
        under["team_name"] = (key.map(team_of["team_name"]).fillna("").to_numpy()
                              if "team_name" in team_of.columns and len(under) else "")
    else:
        under["team_id"] = ""
        under["team_name"] = ""
    under = under[["unit_id", "category", "tier_min", "threshold_m", "population", "team_id",
                   "team_name", "geometry"]]
    # unreachable origins and facilities
    un: dict = {"kind": [], "record": [], "category": [], "snap_distance": [], "reason": [],
                "geometry": []}
    for kind, snap, frame, xy, cats in (("origin", o_snap, pop, oxy, None),
                                        ("facility", f_snap, fac, fxy, fcat)):
        bad = np.flatnonzero(snap.edge < 0)
        if len(bad) == 0:
            continue
        fin = np.isfinite(xy[bad]).all(axis=1)
        geom = np.full(len(bad), None, dtype=object)
        geom[fin] = shapely.points(xy[bad][fin])
        far = f"farther than max_snap={max_snap:g} m from every walking edge"
        un["kind"] += [kind] * len(bad)
        un["record"] += [str(r) for r in frame.index[bad]]
        un["category"] += [None] * len(bad) if cats is None else cats[bad].tolist()
        un["snap_distance"] += snap.distance[bad].astype(float).tolist()
        un["reason"] += np.where(fin, far, "no coordinates").tolist()
        un["geometry"] += geom.tolist()
    unreachable = gpd.GeoDataFrame(un, geometry="geometry", crs=crs)
    origin_distance = pd.DataFrame(dist.T, index=pop.index, columns=cat["category"].tolist(), copy=False)
    in_any = np.zeros(len(pop), dtype=bool)
    in_any[p_idx] = True
    summary = {
        "crs": crs_label(crs),
        "origins": int(len(pop)),
        "population_total": float(weights.sum()),
        "origins_outside_units": int((~in_any).sum()),
        "population_outside_units": float(weights[~in_any].sum()),
        "facilities": int(len(fac)),
        "unreachable_origins": int((o_snap.edge < 0).sum()),
        "unreachable_facilities": int((f_snap.edge < 0).sum()),
        "ignored_categories": {str(k): int(v) for k, v in ignored.items()},
        "categories_without_facilities": [c for c in cat["category"] if not (fcat == c).any()],
        "max_snap": float(max_snap),
    }
    report(progress, 1.0, "done")
    return ReachResult(coverage, under, unreachable, origin_distance, crs, summary)


__all__ = [
    "nearest_distance",
    "count_within",
    "population_from_raster",
    "population_from_points",
    "compute_coverage",
    "zone_membership",
    "grid_union",
    "ReachResult",
    "source_graph",
    "nearest_from_snapped",
    "count_from_snapped",
    "distances_from_nodes",
    "COVERAGE_COLUMNS",
]
