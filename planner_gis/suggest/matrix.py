"""The coverage matrix on the walking network: which residents each candidate site would bring within reach.

Distances follow the reach engine's contract exactly (snap leg + path along
the edges + snap leg, see :mod:`planner_gis.reach.engine`): each candidate
runs one bounded search (``limit = threshold``) through
:func:`~planner_gis.reach.engine.nearest_from_snapped` on a
:func:`~planner_gis.reach.engine.source_graph` built once for all candidate
points. A candidate with several access points (a plot reached at its
gates) covers a resident when any of its points is within the threshold.

Only the origins a candidate could possibly reach are evaluated: walking
distance is never shorter than the straight line between the snapped points
plus both snap legs (edges are straight segments), so a KD-tree query of
radius ``threshold - snap distance`` around each candidate point bounds the
work and the memory to the pairs within reach.

Examples
--------
A 1 km street; residents every 100 m, 10 m off it; candidates at 0 m and
at 600 m; threshold 300 m:

>>> import numpy as np
>>> from planner_gis.network import WalkNetwork, snap_points
>>> net = WalkNetwork(32650, np.array([[0.0, 0], [1000, 0]]), [0], [1])
>>> homes = snap_points(net, np.c_[np.arange(0, 1001, 100.0), np.full(11, 10.0)])
>>> sites = snap_points(net, np.array([[0.0, 0], [600, 0]]))
>>> m = coverage_matrix(net, homes, sites, 300)
>>> [np.flatnonzero(r).tolist() for r in m.toarray()]
[[0, 1, 2], [4, 5, 6, 7, 8]]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from .._progress import ProgressCallback, report
from ..network import Snapped, WalkNetwork
from ..reach.engine import nearest_from_snapped, source_graph


def straight_edges(net: WalkNetwork) -> bool:
    """Whether no edge is shorter than the straight line between its nodes (the pre-filter's premise)."""
    if net.n_edges == 0:
        return True
    d = np.hypot(*(net.node_xy[net.edge_u] - net.node_xy[net.edge_v]).T)
    return bool((net.edge_length >= d * (1 - 1e-9) - 1e-9).all())


def subset_snapped(s: Snapped, idx: np.ndarray) -> Snapped:
    """The points ``idx`` of ``s`` as a new :class:`~planner_gis.network.Snapped`."""
    return Snapped(s.edge[idx], s.offset[idx], s.distance[idx], s.xy[idx])


def coverage_matrix(
    net: WalkNetwork,
    origins: Snapped,
    candidates: Snapped,
    threshold: float,
    candidate_of_point: np.ndarray | None = None,
    n_candidates: int | None = None,
    origins_mask: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
) -> sparse.csr_matrix:
    """Boolean CSR matrix (candidates x origins): candidate ``j`` within ``threshold`` of origin ``i``.

    Parameters
    ----------
    net : WalkNetwork
    origins : Snapped
        All origins (columns keep their order).
    candidates : Snapped
        Candidate access points.
    threshold : float
        Walking distance in metres (inclusive).
    candidate_of_point : ndarray of int, optional
        Candidate row of each access point (default: one row per point).
    n_candidates : int, optional
        Number of rows (default ``max(candidate_of_point) + 1``).
    origins_mask : ndarray of bool, optional
        Only these origins are evaluated (e.g. those not yet covered).
    progress : callable, optional

    Returns
    -------
    scipy.sparse.csr_matrix of bool
    """
    thr = float(threshold)
    cop = np.arange(len(candidates)) if candidate_of_point is None else np.asarray(candidate_of_point, np.int64)
    nrow = int(cop.max() + 1 if len(cop) else 0) if n_candidates is None else int(n_candidates)
    pool = np.flatnonzero(origins.edge >= 0) if origins_mask is None else \
        np.flatnonzero(np.asarray(origins_mask, bool) & (origins.edge >= 0))
    reach_pts = np.flatnonzero((candidates.edge >= 0) & (candidates.distance <= thr))
    rows: list = []
    cols: list = []
    if len(pool) and len(reach_pts):
        graph = source_graph(net, candidates)
        near = _near(net, origins, candidates, pool, reach_pts, thr)
        order = reach_pts[np.argsort(cop[reach_pts], kind="stable")]
        bounds = np.flatnonzero(np.diff(cop[order])) + 1
        groups = np.split(order, bounds)
        for n, pts in enumerate(groups):
            idx = np.unique(np.concatenate([near[p] for p in pts])) if near is not None else pool
            if len(idx) == 0:
                continue
            d = nearest_from_snapped(net, subset_snapped(origins, idx), candidates, limit=thr, graph=graph,
                                     sources=pts)
            hit = idx[d <= thr]
            rows.append(np.full(len(hit), cop[pts[0]], dtype=np.int64))
            cols.append(hit)
            if progress is not None and n % 32 == 0:
                report(progress, (n + 1) / len(groups), "coverage of the candidates")
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    report(progress, 1.0, "coverage of the candidates")
    return sparse.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(nrow, len(origins)))


def _near(net: WalkNetwork, origins: Snapped, candidates: Snapped, pool: np.ndarray, pts: np.ndarray,
          thr: float) -> dict | None:
    """Per candidate point, the pool origins whose straight-line lower bound is within ``thr`` (None: all)."""
    if not straight_edges(net):
        return None
    tree = cKDTree(origins.xy[pool])
    slack = thr * 1e-9 + 1e-6  # the bound in floating point may exceed the engine's sum by rounding
    radius = np.maximum(thr - candidates.distance[pts], 0.0) + slack
    hits = tree.query_ball_point(candidates.xy[pts], r=radius)
    out = {}
    for p, h in zip(pts.tolist(), hits):
        h = pool[np.asarray(h, dtype=np.int64)]
        # snap leg of the origin + straight line between snapped points + snap leg of the candidate
        lb = origins.distance[h] + np.hypot(*(origins.xy[h] - candidates.xy[p]).T) + candidates.distance[p]
        out[p] = h[lb <= thr + slack]
    return out


__all__ = ["coverage_matrix", "straight_edges", "subset_snapped"]
