"""Compiled loops of the reach engine (numba; see :mod:`planner_gis._jit`).

The reference is the numpy/scipy code of :mod:`~planner_gis.reach.engine`
and :mod:`~planner_gis.reach.membership`; each kernel gives the same bits:

* :func:`bounded_search` is the bounded multi-source Dijkstra of
  ``scipy.sparse.csgraph.dijkstra(min_only=True, limit=...)`` on the source
  graph, with the virtual source nodes replaced by their two arcs (the
  facility's edge ends, seeded with the same sums). A node's distance is the
  same minimum of the same left-to-right sums along its paths, so the same
  float, whatever the order the heap settles nodes in. It touches only the
  nodes it reaches (no fresh array per search, no copy of the arc list).
* :func:`origin_distances` is ``_from_nodes_into`` plus the same-edge
  shortcuts and the limit of ``nearest_into`` for one category.
* :func:`bucket_sort` is a stable counting sort (``argsort(kind="stable")``
  of small integer keys).
* :func:`coverage_sums` adds the population and covered population per unit
  in the order of the (origin, unit) pairs, as ``np.bincount`` does.

Examples
--------
Without numba the kernels are plain Python functions (slow, but the same):

>>> import numpy as np
>>> bucket_sort(np.array([2, 0, 2, 1]), 3).tolist()
[1, 3, 0, 2]
"""

from __future__ import annotations

import numpy as np

from .._jit import njit


@njit
def _sift_up(hv, hn, i):
    """Restore the heap order upwards from slot ``i``."""
    val, node = hv[i], hn[i]
    while i > 0:
        parent = (i - 1) >> 1
        if hv[parent] <= val:
            break
        hv[i], hn[i] = hv[parent], hn[parent]
        i = parent
    hv[i], hn[i] = val, node


@njit
def _pop(hv, hn, size):
    """Remove the smallest entry of a heap of ``size``; return it."""
    val, node = hv[0], hn[0]
    size -= 1
    last_v, last_n = hv[size], hn[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and hv[child + 1] < hv[child]:
            child += 1
        if hv[child] >= last_v:
            break
        hv[i], hn[i] = hv[child], hn[child]
        i = child
    if size > 0:
        hv[i], hn[i] = last_v, last_n
    return val, node


@njit
def _improve(node, val, dist, touched, n_touched, hv, hn, size):
    """Lower ``dist[node]`` to ``val`` and push it; returns the new counts."""
    if dist[node] == np.inf:
        touched[n_touched] = node
        n_touched += 1
    dist[node] = val
    hv[size], hn[size] = val, node
    _sift_up(hv, hn, size)
    return n_touched, size + 1


@njit
def bounded_search(indptr, indices, weights, seed_node, seed_val, limit, dist, settled, touched, hv, hn):
    """Multi-source Dijkstra up to ``limit`` from seeds ``(node, value)``; returns the number of reached nodes.

    ``dist`` must be all ``inf`` and ``settled`` all False on entry; the
    reached nodes are listed in ``touched`` (reset them with
    :func:`reset_search`). ``hv``/``hn`` hold the heap (at least
    ``len(indices) + len(seed_node)`` slots: one per possible improvement).
    """
    n_touched = 0
    size = 0
    for j in range(len(seed_node)):
        node, val = seed_node[j], seed_val[j]
        if val <= limit and val < dist[node]:
            n_touched, size = _improve(node, val, dist, touched, n_touched, hv, hn, size)
    while size > 0:
        d, u = _pop(hv, hn, size)
        size -= 1
        if settled[u] or d > dist[u]:
            continue
        settled[u] = True
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            if settled[v]:
                continue
            nd = d + weights[a]
            if nd <= limit and nd < dist[v]:
                n_touched, size = _improve(v, nd, dist, touched, n_touched, hv, hn, size)
    return n_touched


@njit
def reset_search(dist, settled, touched, n_touched):
    """Undo a search: ``dist`` back to ``inf`` and ``settled`` to False on the reached nodes."""
    for k in range(n_touched):
        dist[touched[k]] = np.inf
        settled[touched[k]] = False


@njit
def origin_distances(dist, u, v, cu, cv, edge, offset, snap_d, same, limit, out):
    """Distance of each origin to the nearest source, from node distances ``dist`` (one category).

    ``min(dist[u] + cu, dist[v] + cv)``, then the direct walks along a shared
    edge: ``same`` is ``(edges, offsets, snap distances)`` of the category's
    sources sorted by edge (the first array also marks, via the flag
    array ``same[3]`` per edge, which edges hold one); finally ``inf`` beyond
    ``limit``.
    """
    s_edge, s_off, s_dist, has = same
    for i in range(len(out)):
        a = dist[u[i]] + cu[i]
        b = dist[v[i]] + cv[i]
        best = a if a <= b else b
        e = edge[i]
        if e >= 0 and has[e]:
            k = np.searchsorted(s_edge, e)
            while k < len(s_edge) and s_edge[k] == e:
                direct = snap_d[i] + abs(offset[i] - s_off[k]) + s_dist[k]
                if direct < best:
                    best = direct
                k += 1
        out[i] = np.inf if best > limit else best


@njit
def bucket_sort(key, n_keys):
    """Indices that sort ``key`` (ints in ``[0, n_keys)``) stably: ``np.argsort(key, kind="stable")``."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(len(key)):
        start[key[i] + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    order = np.empty(len(key), dtype=np.int64)
    for i in range(len(key)):
        order[start[key[i]]] = i
        start[key[i]] += 1
    return order


@njit
def coverage_sums(p_idx, z_idx, weights, covered, tier_cols, n_zones):
    """Population, and covered population per category and per tier, per unit (``np.bincount`` sums).

    ``covered`` is (categories x origins); ``tier_cols`` is (tiers x
    categories), True for the categories of each tier. Sums run over the
    pairs in their order, adding ``w * covered`` (0.0 when not covered), so
    they equal ``np.bincount(z_idx, weights=w_pair * mask[p_idx])``.
    """
    n_cat = covered.shape[0]
    n_tier = tier_cols.shape[0]
    pop = np.zeros(n_zones)
    cov = np.zeros((n_cat + n_tier, n_zones))
    for k in range(len(p_idx)):
        p, z = p_idx[k], z_idx[k]
        w = weights[p]
        pop[z] += w
        for j in range(n_cat):
            cov[j, z] += w * covered[j, p]
        for t in range(n_tier):
            all_in = True
            for j in range(n_cat):
                if tier_cols[t, j] and not covered[j, p]:
                    all_in = False
            cov[n_cat + t, z] += w * all_in
    return pop, cov
