"""Snapping points onto a walking network: the nearest point on the nearest edge.

Points are snapped exactly (the nearest edge is certified for every point, see
:mod:`planner_gis.network.index`); a point equally near to several edges snaps
to the one with the lowest index, whatever the index layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from .. import _jit
from .._memory import small_pages
from ..crs import require_crs
from .index import SegmentIndex
from .model import WalkNetwork


@dataclass
class Snapped:
    """Points snapped onto the nearest point of the nearest edge.

    Attributes
    ----------
    edge : ndarray of int64
        Edge index, -1 where the point is unreachable (farther than ``max_snap``).
    offset : ndarray of float64
        Distance along the edge from its ``u`` node to the snapped point (m).
    distance : ndarray of float64
        Straight-line distance from the point to the snapped point (m). Where
        unreachable it is only known to exceed ``max_snap`` (inf for points
        without coordinates).
    xy : ndarray, shape (n, 2)
        Snapped coordinates (NaN where unreachable).
    """

    edge: np.ndarray
    offset: np.ndarray
    distance: np.ndarray
    xy: np.ndarray

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask of points within ``max_snap`` of an edge."""
        return self.edge >= 0

    def __len__(self) -> int:
        """Number of points."""
        return len(self.edge)


def snap_points(
    net: WalkNetwork,
    xy: np.ndarray,
    max_snap: float = 200.0,
    k: int = 8,
    chunk: int = 8192,
) -> Snapped:
    """Snap points to the nearest point on the nearest edge of ``net``.

    Parameters
    ----------
    net : WalkNetwork
    xy : ndarray, shape (n, 2)
        Point coordinates in the network's metric CRS.
    max_snap : float
        Points farther than this (metres) from every edge are unreachable:
        ``edge == -1``.
    k : int
        Candidate pieces per point in the first KD-tree query for points far
        from every street (a tuning knob; the result is exact for any k).
    chunk : int
        Points per batch (bounds memory).

    Returns
    -------
    Snapped

    Notes
    -----
    Exact: the nearest edge is certified for every point (see
    :class:`~planner_gis.network.index.SegmentIndex`). A point equally near
    to several edges snaps to the one with the lowest index, whatever the
    index layout.

    Examples
    --------
    An L-shaped street; a point near the corner snaps to the nearer leg:

    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [100, 100]]), [0, 1], [1, 2])
    >>> s = snap_points(net, np.array([[90.0, 5], [95.0, 60], [500, 500]]), max_snap=50)
    >>> s.edge.tolist(), s.offset.round(3).tolist(), s.distance.round(3).tolist()
    ([0, 1, -1], [90.0, 60.0, 0.0], [5.0, 5.0, 565.685])
    """
    with small_pages():  # written once: no huge pages (see planner_gis._memory)
        return _snap(net, np.asarray(xy, dtype=np.float64).reshape(-1, 2), max_snap, k, chunk)


def _snap(net: WalkNetwork, xy: np.ndarray, max_snap: float, k: int, chunk: int) -> Snapped:
    """:func:`snap_points` (same parameters)."""
    n = len(xy)
    if n == 0 or net.n_edges == 0:
        return Snapped(np.full(n, -1, dtype=np.int64), np.zeros(n), np.full(n, np.inf), np.full((n, 2), np.nan))
    idx = net._snap_index
    x, y = xy[:, 0], xy[:, 1]
    if idx.keys is None and _jit.worth(n):
        return _snap_compiled(net, idx, x, y, max_snap, k)
    edge = np.full(n, -1, dtype=np.int64)
    dist2 = np.full(n, np.inf)
    finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    # process points in cell order: neighbouring points share candidate edges
    ckey = (np.floor((y[finite] - idx.y0) / idx.s) * (idx.ncx + 3)
            + np.floor((x[finite] - idx.x0) / idx.s))
    order = finite[np.argsort(ckey, kind="stable")]
    # small batches keep the candidate arrays in cache (measured: 8k points
    # per batch is ~4x faster than 256k)
    left = [_settle(idx, x, y, order[s0:s0 + chunk], max_snap, edge, dist2) for s0 in range(0, len(order), chunk)]
    todo = np.concatenate(left) if left else np.zeros(0, np.int64)
    if len(todo):
        te, td2 = idx.tree_query(x[todo], y[todo], k, max_snap)
        edge[todo] = te
        dist2[todo] = td2
    dist = np.sqrt(dist2, out=dist2)
    edge[dist > max_snap] = -1
    offset, snapped = _positions(net, idx, x, y, edge)
    return Snapped(edge, offset, dist, snapped)


def _snap_compiled(net: WalkNetwork, idx: SegmentIndex, x: np.ndarray, y: np.ndarray, max_snap: float,
                   k: int) -> Snapped:
    """:func:`snap_points` with the compiled kernels (dense cell tables): the same result, bit for bit."""
    from . import _kernels as K

    n = len(x)
    edge = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    offset = np.zeros(n)
    snapped = np.full((n, 2), np.nan)
    # points in coarse buckets of about 8 x 8 cells (neighbours share cached pieces);
    # larger buckets when the grid is much larger than the point set
    side = 8.0 * idx.s
    while True:
        nbx, nby = int(idx.ncx * idx.s / side) + 1, int(idx.ncy * idx.s / side) + 1
        if nbx * nby <= 4 * n + 4096:
            break
        side *= 2.0
    order = K.bucket_order(x, y, idx.x0, idx.y0, side, nbx, nby)
    todo = K.grid_snap(x, y, order, float(max_snap), idx.grid, idx.ptr, idx.vec, idx.piece_edge,
                       edge, dist, offset, snapped)
    if len(todo):
        te, td2 = idx.tree_query(x[todo], y[todo], k, max_snap)
        K.project_snapped(x, y, todo, te, td2, float(max_snap), net.node_xy, net.edge_u, net.edge_v,
                          net.edge_length, edge, dist, offset, snapped)
    return Snapped(edge, offset, dist, snapped)


def _settle(idx: SegmentIndex, x: np.ndarray, y: np.ndarray, todo: np.ndarray, max_snap: float,
            edge: np.ndarray, dist2: np.ndarray) -> np.ndarray:
    """Grid search over 3x3 then 5x5 cells, written into ``edge``/``dist2``; return the points left uncertified."""
    for r in (1, 2):
        if len(todo) == 0:
            break
        be, bd2, radius = idx.grid_query(x[todo], y[todo], r)
        edge[todo] = be
        dist2[todo] = bd2
        ok = (bd2 <= np.square(np.maximum(radius, 0.0))) & (radius >= 0)
        # nothing within max_snap: settled as unreachable (points without any
        # candidate go on to the KD-tree, which reports a finite distance)
        ok |= (radius >= max_snap) & np.isfinite(bd2)
        todo = todo[~ok]
    return todo


def _positions(net: WalkNetwork, idx: SegmentIndex, x: np.ndarray, y: np.ndarray,
               edge: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset along the edge and snapped coordinates of the points with an edge (0 and NaN elsewhere)."""
    n = len(edge)
    ok = edge >= 0
    # usually every point snaps: then whole arrays, no boolean-index copies
    sel: Any = slice(None) if ok.all() else np.flatnonzero(ok)
    e = edge[sel]
    # fraction along the edge, as in SegmentIndex.project (same operations, so the same bits),
    # in place: 1M points would otherwise need ~15 fresh 8 MB temporaries
    ax, ay, dx, dy, inv = idx.edge_vectors(e)
    t = np.subtract(x[sel], ax)
    t *= dx
    q = np.subtract(y[sel], ay)
    q *= dy
    t += q
    del q
    t *= inv
    del inv
    np.clip(t, 0.0, 1.0, out=t)
    offset = np.zeros(n)
    length = net.edge_length[e]
    length *= t
    offset[sel] = length
    del length
    snapped = np.full((n, 2), np.nan)
    dx *= t
    dx += ax
    snapped[sel, 0] = dx
    dy *= t
    dy += ay
    snapped[sel, 1] = dy
    return offset, snapped


def points_xy(gdf: gpd.GeoDataFrame, crs: Any, what: str = "points") -> np.ndarray:
    """Coordinates of a point layer in ``crs``; non-point geometries give their representative point.

    Null or empty geometries give NaN coordinates (they never snap).
    """
    require_crs(gdf, what)
    g = gdf.geometry
    if CRS.from_user_input(gdf.crs) != CRS.from_user_input(crs):
        g = g.to_crs(crs)
    geoms = np.asarray(g.values, dtype=object)
    out = np.empty((len(geoms), 2))
    # usually all are points: two passes; get_x/get_y give NaN for other geometries and nulls
    # and raise (GEOS >= 3.12) or give NaN for empty points, so no NaN means every one is a point
    try:
        shapely.get_x(geoms, out=out[:, 0])
        shapely.get_y(geoms, out=out[:, 1])
        if not np.isnan(out).any():
            return out
    except shapely.errors.GEOSException:
        pass
    # one pass each: type (-1 for null), emptiness; no object-array copies when all are points
    tid = shapely.get_type_id(geoms)
    missing = (tid < 0) | shapely.is_empty(geoms)
    not_point = ~missing & (tid != 0)
    if not_point.any():
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    out.fill(np.nan)
    if not missing.any():
        shapely.get_x(geoms, out=out[:, 0])
        shapely.get_y(geoms, out=out[:, 1])
    elif not missing.all():
        out[~missing, 0] = shapely.get_x(geoms[~missing])
        out[~missing, 1] = shapely.get_y(geoms[~missing])
    return out
