"""The numeric reach engine: walking distances on plain arrays (bounded searches, nearest distance, counts).

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

from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .. import _jit
from .._progress import ProgressCallback, report
from ..errors import InputError
from ..network import Snapped, WalkNetwork, snap_points


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
    """The points ``idx`` of ``s``."""
    return Snapped(s.edge[idx], s.offset[idx], s.distance[idx], s.xy[idx])


def _same_edge_pairs(dest: Snapped, src: Snapped, n_edges: int | None = None) -> tuple[np.ndarray, np.ndarray]:
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
                     tmp: np.ndarray | None = None) -> np.ndarray:
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
    graph: csr_matrix | None = None,
    sources: np.ndarray | None = None,
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
    return nearest_into(net, dest, src, limit, graph, sources, np.empty(len(dest)))


def nearest_into(net: WalkNetwork, dest: Snapped, src: Snapped, limit: float,
                  graph: csr_matrix | None, sources: np.ndarray | None,
                  out: np.ndarray, tmp: np.ndarray | None = None) -> np.ndarray:
    """:func:`nearest_from_snapped` written into ``out`` (e.g. a row of a preallocated block)."""
    sources = np.arange(len(src)) if sources is None or graph is None else np.asarray(sources, dtype=np.int64)
    sources = sources[src.edge[sources] >= 0]
    if len(sources) == 0:
        out.fill(np.inf)
        return out
    if _jit.worth(len(dest)):
        return _nearest_compiled(net, dest, src, [sources], np.array([float(limit)]), out[None, :])[0]
    if graph is None:
        graph = source_graph(net, src)
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


def _nearest_compiled(net: WalkNetwork, dest: Snapped, src: Snapped, groups: list, limits: np.ndarray,
                      out: np.ndarray) -> np.ndarray:
    """Rows of :func:`nearest_per_group` with the compiled kernels (groups: reachable source rows), bit for bit.

    One bounded search per group; the distances of the nodes it reached are
    kept in a small table, then one pass over the origins fills all groups.
    """
    from . import _kernels as K

    indptr, indices, weights = net.csr_arrays
    dist = np.full(net.n_nodes, np.inf)
    settled = np.zeros(net.n_nodes, dtype=bool)
    touched = np.empty(net.n_nodes, dtype=np.int64)
    # one heap slot per possible improvement; untouched memory costs nothing
    hv = np.empty(len(indices) + 2 * max(len(g) for g in groups))
    hn = np.empty(len(hv), dtype=np.int64)
    reached = []
    for j, g in enumerate(groups):
        e = src.edge[g]
        seed_node = np.concatenate([net.edge_u[e], net.edge_v[e]])
        # the weights of the virtual source arcs of source_graph
        seed_val = np.concatenate([src.distance[g] + src.offset[g],
                                   src.distance[g] + (net.edge_length[e] - src.offset[g])])
        n_touched = K.bounded_search(indptr, indices, weights, seed_node, seed_val, float(limits[j]),
                                     dist, settled, touched, hv, hn)
        nodes = touched[:n_touched].copy()
        reached.append((nodes, dist[nodes]))
        K.reset_search(dist, settled, touched, n_touched)
    row_of, table = K.compact_table(net.n_nodes, np.concatenate([r[0] for r in reached]),
                                    np.repeat(np.arange(len(groups)), [len(r[0]) for r in reached]),
                                    np.concatenate([r[1] for r in reached]), len(groups))
    rows = np.concatenate(groups)
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    by_edge = np.argsort(src.edge[rows], kind="stable")
    rows, group_of = rows[by_edge], group_of[by_edge]
    has = np.zeros(net.n_edges, dtype=bool)
    has[src.edge[rows]] = True
    same = (src.edge[rows], group_of, src.offset[rows], src.distance[rows])
    K.origin_block(row_of, table, dest.edge, dest.offset, dest.distance, net.edge_u, net.edge_v,
                   net.edge_length, same, has, np.asarray(limits, dtype=np.float64), out)
    return out


def nearest_per_group(net: WalkNetwork, dest: Snapped, src: Snapped, groups: list, limits: np.ndarray,
                      out: np.ndarray | None = None,
                      progress: ProgressCallback | None = None) -> np.ndarray:
    """Distance from every ``dest`` point to the nearest ``src`` point of each group, one row per group.

    Row ``j`` equals ``nearest_from_snapped(net, dest, src, limits[j],
    graph, groups[j])``: the searches share one source graph (numpy path)
    or one set of working arrays (compiled path).

    Parameters
    ----------
    net : WalkNetwork
    dest, src : Snapped
        Snapped origins and facilities.
    groups : list of ndarray of int
        Rows of ``src`` in each group (e.g. the facilities of a category).
    limits : ndarray of float
        Search radius of each group; farther distances are ``inf``.
    out : ndarray, optional
        ``(len(groups), len(dest))`` float64 array to write into.
    progress : callable, optional
        ``progress(fraction, message)`` after each group.

    Returns
    -------
    ndarray of float64, shape (len(groups), len(dest))

    Examples
    --------
    >>> from planner_gis.network import WalkNetwork
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [300, 0]]), [0, 1], [1, 2])
    >>> o = snap_points(net, np.array([[0.0, 10], [100, 10]]))
    >>> f = snap_points(net, np.array([[250.0, 0], [50.0, 0]]))
    >>> nearest_per_group(net, o, f, [np.array([0]), np.array([1])], np.array([200.0, 500.0])).tolist()
    [[inf, 160.0], [60.0, 60.0]]
    """
    out = np.empty((len(groups), len(dest))) if out is None else out
    groups = [np.asarray(g, dtype=np.int64) for g in groups]
    groups = [g[src.edge[g] >= 0] for g in groups]
    live = [j for j, g in enumerate(groups) if len(g)]
    for j in range(len(groups)):
        if not len(groups[j]):
            out[j].fill(np.inf)
    if live and _jit.worth(len(dest) * len(live)):
        block = out if len(live) == len(groups) else np.empty((len(live), len(dest)))
        _nearest_compiled(net, dest, src, [groups[j] for j in live], np.asarray(limits)[live], block)
        if block is not out:
            out[live] = block
        report(progress, 1.0, "distances")
        return out
    graph = source_graph(net, src) if live else None
    scratch = np.empty(len(dest))
    for k, j in enumerate(live):
        nearest_into(net, dest, src, float(limits[j]), graph, groups[j], out[j], scratch)
        report(progress, (k + 1) / len(live), "distances")
    return out


def _as_xy(a: Any, name: str) -> np.ndarray:
    """``a`` as a float (n, 2) array, or an :class:`InputError` naming ``name``."""
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
    cutoff: float | None = None,
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
    progress: ProgressCallback | None = None,
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
    progress: ProgressCallback | None = None,
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

