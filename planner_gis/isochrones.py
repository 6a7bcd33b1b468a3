"""Walking isochrones: the street area reachable from a point within a distance.

An isochrone is built from the *reachable parts of the edges* under the
distance contract of :mod:`planner_gis.reach`: every edge is cut at the
remaining walking distance from each of its ends (so partial edges at the
frontier count by their length), the start edge is walked in both directions
from the snapped point, and the walk from the point to the street is included.
The parts are buffered by ``buffer_m``. This follows the street pattern; it is
not a convex hull of reached nodes, which would swallow blocks the network
does not reach.

Isochrones of one point are nested: the part set for a larger threshold
contains the part set for a smaller one.

Examples
--------
From the middle of a 2 km straight street, 300 m reach 600 m of street:

>>> from planner_gis.network import WalkNetwork
>>> net = WalkNetwork(32650, np.array([[0.0, 0], [2000, 0]]), [0], [1])
>>> iso = isochrones(net, np.array([[1000.0, 0]]), thresholds=(300,), buffer_m=10)
>>> iso[["threshold_m"]].values.ravel().tolist(), iso.geometry.bounds.values.round(1).tolist()
([300.0], [[690.0, -10.0, 1310.0, 10.0]])
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from ._progress import ProgressCallback, report
from .errors import InputError
from .network import WalkNetwork, points_xy, snap_points
from .reach.engine import source_graph


def reachable_parts(
    net: WalkNetwork,
    node_dist: np.ndarray,
    threshold: float,
    start: tuple[int, float, float] | None = None,
) -> np.ndarray:
    """Segments (m, 2, 2) of the edges walkable within ``threshold``.

    Parameters
    ----------
    net : WalkNetwork
    node_dist : ndarray, shape (n_nodes,)
        Walking distance from the start to each node (``inf`` if not reached).
    threshold : float
        Walking distance budget (m).
    start : (edge, offset, snap_distance), optional
        The start point's edge, offset from ``u`` and snap distance: that edge
        is also walked directly from the snapped point.

    Returns
    -------
    ndarray, shape (m, 2, 2)
        Start and end coordinates of each reachable part.

    Examples
    --------
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0]]), [0], [1])
    >>> reachable_parts(net, np.array([30.0, np.inf]), 50.0).tolist()
    [[[0.0, 0.0], [20.0, 0.0]]]
    """
    L = net.edge_length
    du = node_dist[net.edge_u]
    dv = node_dist[net.edge_v]
    with np.errstate(invalid="ignore"):
        lu = np.clip(threshold - du, 0.0, L)
        lv = np.clip(threshold - dv, 0.0, L)
    lu = np.where(np.isfinite(du) & (du <= threshold), lu, 0.0)
    lv = np.where(np.isfinite(dv) & (dv <= threshold), lv, 0.0)
    full = lu + lv >= L
    s0 = [np.zeros(int(full.sum())), np.zeros(0), np.zeros(0)]
    s1 = [L[full], np.zeros(0), np.zeros(0)]
    ed = [np.flatnonzero(full)]
    a = ~full & (lu > 0)
    ed.append(np.flatnonzero(a))
    s0[1], s1[1] = np.zeros(int(a.sum())), lu[a]
    b = ~full & (lv > 0)
    ed.append(np.flatnonzero(b))
    s0[2], s1[2] = L[b] - lv[b], L[b]
    e_all = np.concatenate(ed).astype(np.int64)
    f0, f1 = np.concatenate(s0), np.concatenate(s1)
    keep = f1 > f0
    if start is not None:
        # the start edge is also walked directly from the snapped point: merge
        # its intervals so that no stretch is counted twice
        e, t, snap = start
        r = threshold - snap
        on = e_all == e
        iv = list(zip(f0[on & keep], f1[on & keep]))
        if r >= 0:
            iv.append((max(0.0, t - r), min(float(L[e]), t + r)))
        merged: list[list[float]] = []
        for lo, hi in sorted(iv):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        keep &= ~on
        e_all = np.concatenate([e_all, np.full(len(merged), e, dtype=np.int64)])
        f0 = np.concatenate([f0, [m[0] for m in merged]])
        f1 = np.concatenate([f1, [m[1] for m in merged]])
        keep = np.concatenate([keep, [m[1] > m[0] for m in merged]]).astype(bool)
    e_all, f0, f1 = e_all[keep], f0[keep], f1[keep]
    pu = net.node_xy[net.edge_u[e_all]]
    pv = net.node_xy[net.edge_v[e_all]]
    with np.errstate(invalid="ignore", divide="ignore"):
        k0 = np.where(L[e_all] > 0, f0 / L[e_all], 0.0)[:, None]
        k1 = np.where(L[e_all] > 0, f1 / L[e_all], 0.0)[:, None]
    return np.stack([pu + (pv - pu) * k0, pu + (pv - pu) * k1], axis=1)


def isochrones(
    net: WalkNetwork,
    points: gpd.GeoDataFrame | np.ndarray,
    thresholds: Iterable[float] = (300, 500, 1000),
    max_snap: float = 200.0,
    buffer_m: float = 25.0,
    id_column: str | None = None,
    progress: ProgressCallback | None = None,
) -> gpd.GeoDataFrame:
    """Nested walking isochrones per point and threshold.

    Parameters
    ----------
    net : WalkNetwork
    points : GeoDataFrame or ndarray (n, 2)
        Start points (any CRS for a GeoDataFrame; arrays are in the network
        CRS). Non-point geometries start from their representative point.
    thresholds : iterable of float
        Walking distances in metres.
    max_snap : float
        Points farther than this from every edge get no isochrone; their ids
        are listed in ``result.attrs["unreachable"]``.
    buffer_m : float
        Half-width of the band drawn around reachable street parts.
    id_column : str, optional
        Column of ``points`` identifying each point (default: the index).
    progress : callable, optional

    Returns
    -------
    GeoDataFrame
        Columns ``point_id``, ``threshold_m``, ``snap_distance``,
        ``street_length_m`` (reachable street length) and polygon
        ``geometry`` in the network CRS; rows by point, thresholds ascending.
    """
    thr = sorted({float(t) for t in thresholds})
    if not thr or thr[0] <= 0:
        raise InputError(f"isochrone thresholds {list(thresholds)!r} must be positive distances in metres",
                         fix="e.g. --distances 300,500,1000 (Python: thresholds=(300, 500, 1000))")
    if buffer_m <= 0:
        raise InputError(f"buffer_m={buffer_m} must be positive", fix="e.g. --buffer 25 (Python: buffer_m=25)")
    if isinstance(points, gpd.GeoDataFrame):
        if id_column is not None and id_column not in points.columns:
            raise InputError(f"points layer has no column {id_column!r} (columns: "
                             f"{', '.join(str(c) for c in points.columns if c != points.geometry.name)})",
                             fix="name an existing id column with --id-column (Python: id_column=)")
        ids = points[id_column].tolist() if id_column else points.index.tolist()
        xy = points_xy(points, net.crs, "isochrone points")
    else:
        xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        ids = list(range(len(xy)))
    snap = snap_points(net, xy, max_snap)
    graph = source_graph(net, snap)
    n = net.n_nodes
    rows = []
    for i in range(len(snap)):
        if snap.edge[i] < 0:
            continue
        nd = dijkstra(graph, directed=True, indices=n + i, limit=thr[-1])[:n]
        start = (int(snap.edge[i]), float(snap.offset[i]), float(snap.distance[i]))
        for t in thr:
            segs = reachable_parts(net, nd, t, start)
            if snap.distance[i] > 0 and snap.distance[i] <= t:
                segs = np.concatenate([segs, np.stack([xy[i], snap.xy[i]])[None]], axis=0)
            length = float(np.hypot(*(segs[:, 1] - segs[:, 0]).T).sum()) if len(segs) else 0.0
            geom = shapely.buffer(shapely.multilinestrings(shapely.linestrings(segs)), buffer_m) \
                if len(segs) else shapely.buffer(shapely.Point(snap.xy[i]), buffer_m)
            rows.append({"point_id": ids[i], "threshold_m": t, "snap_distance": float(snap.distance[i]),
                         "street_length_m": length, "geometry": geom})
        report(progress, (i + 1) / len(snap), "isochrones")
    out = gpd.GeoDataFrame(
        rows or {"point_id": [], "threshold_m": [], "snap_distance": [], "street_length_m": [],
                 "geometry": []}, geometry="geometry", crs=net.crs)
    out.attrs["unreachable"] = [ids[i] for i in np.flatnonzero(snap.edge < 0)]
    return out


__all__ = ["isochrones", "reachable_parts"]
