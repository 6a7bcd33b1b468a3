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
* :func:`origin_block` is ``_from_nodes_into`` plus the same-edge
  shortcuts and the limit of ``nearest_into``, for all categories in one
  pass over the origins; node distances are kept for the reached nodes only
  (:func:`compact_table`: a few per cent of the nodes for walking
  thresholds), so most origins need no lookup at all.
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
    reached nodes are listed in ``touched`` (unmark them with
    :func:`reset_search` before the next search). ``hv``/``hn`` hold the heap (at least
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
    """Undo a search: ``dist`` back to ``inf`` and ``settled`` to False on the nodes it reached."""
    for k in range(n_touched):
        dist[touched[k]] = np.inf
        settled[touched[k]] = False


@njit
def _same_edge(i, e, offset_i, snap_i, same, out):
    """Fold the direct walks along edge ``e`` to the sources on it into ``out[:, i]``."""
    s_edge, s_group, s_off, s_dist = same
    k = np.searchsorted(s_edge, e)
    while k < len(s_edge) and s_edge[k] == e:
        direct = snap_i + abs(offset_i - s_off[k]) + s_dist[k]
        g = s_group[k]
        if direct < out[g, i]:
            out[g, i] = direct
        k += 1


@njit
def compact_table(n_nodes, nodes, groups, values, n_groups):
    """Node distances of the reached nodes only: ``(row of each node or -1, rows x groups table)``.

    ``nodes``, ``groups``, ``values`` list each (reached node, group,
    distance); nodes reached by no group have row -1 (all ``inf``).
    """
    row_of = np.full(n_nodes, -1, dtype=np.int64)
    n_rows = 0
    for node in nodes:
        if row_of[node] < 0:
            row_of[node] = n_rows
            n_rows += 1
    table = np.full((n_rows, n_groups), np.inf)
    for k in range(len(nodes)):
        table[row_of[nodes[k]], groups[k]] = values[k]
    return row_of, table


@njit
def live_edges(eu, ev, row_of, has):
    """Edges with a reached end node or a source on them (the others give ``inf`` for every group)."""
    live = np.zeros(len(eu), dtype=np.bool_)
    for e in range(len(eu)):
        live[e] = has[e] or row_of[eu[e]] >= 0 or row_of[ev[e]] >= 0
    return live


@njit
def _origin(i, e, row_of, table, offset, snap_d, eu, ev, length, same, has, limits, out):
    """The distances of origin ``i`` on edge ``e`` to all groups (see :func:`origin_block`)."""
    ru, rv = row_of[eu[e]], row_of[ev[e]]
    cu = snap_d[i] + offset[i]
    cv = snap_d[i] + (length[e] - offset[i])
    for j in range(table.shape[1]):
        a = table[ru, j] + cu if ru >= 0 else np.inf
        b = table[rv, j] + cv if rv >= 0 else np.inf
        out[j, i] = a if a <= b else b
    if has[e]:
        _same_edge(i, e, offset[i], snap_d[i], same, out)
    for j in range(table.shape[1]):
        if out[j, i] > limits[j]:
            out[j, i] = np.inf


@njit
def origin_block(row_of, table, edge, offset, snap_d, eu, ev, length, same, has, limits, out):
    """Distance of each origin to the nearest source of each group, from the reached nodes' distances.

    Per group (the numpy ``_from_nodes_into`` and ``nearest_into``):
    ``min(dist[u] + cu, dist[v] + cv)`` with the costs of ``_ends``
    (``dist`` is ``table[row_of[node]]``, ``inf`` for unreached nodes),
    then the direct walks to the group's sources on the origin's own edge
    (``same``: edges, groups, offsets and snap distances of the sources,
    sorted by edge; ``has`` flags the edges holding one), then ``inf``
    beyond the group's limit. Origins on edges that no search reached
    (:func:`live_edges`) get ``inf`` without any lookup.
    """
    live = live_edges(eu, ev, row_of, has)
    for i in range(len(edge)):
        e = edge[i]
        if e >= 0 and live[e]:
            _origin(i, e, row_of, table, offset, snap_d, eu, ev, length, same, has, limits, out)
        else:
            for j in range(table.shape[1]):
                out[j, i] = np.inf


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
def box_candidates(order, ptr, xy, nb, r0, r1, c0, c1, box):
    """Points of bucket rows ``r0..r1``, columns ``c0..c1`` inside ``box`` (``membership._box_candidates``)."""
    total = 0
    for r in range(r0, r1 + 1):
        total += ptr[r * nb + c1 + 1] - ptr[r * nb + c0]
    cand = np.empty(total, dtype=np.int64)
    cx = np.empty(total)
    cy = np.empty(total)
    n = 0
    for r in range(r0, r1 + 1):
        for k in range(ptr[r * nb + c0], ptr[r * nb + c1 + 1]):
            i = order[k]
            x, y = xy[i, 0], xy[i, 1]
            if x >= box[0] and x <= box[2] and y >= box[1] and y <= box[3]:
                cand[n], cx[n], cy[n] = i, x, y
                n += 1
    return cand[:n], cx[:n], cy[:n]


@njit
def _category_bits(covered):
    """Per origin, a bit per category it reaches (at most 64 categories)."""
    bits = np.zeros(covered.shape[1], dtype=np.uint64)
    for j in range(covered.shape[0]):
        for p in range(covered.shape[1]):
            if covered[j, p]:
                bits[p] |= np.uint64(1) << np.uint64(j)
    return bits


@njit
def coverage_sums(p_idx, z_idx, weights, covered, tier_cols, n_zones):
    """Population, and covered population per category and per tier, per unit (``np.bincount`` sums).

    ``covered`` is (categories x origins, at most 64 categories);
    ``tier_cols`` is (tiers x categories), True for the categories of each
    tier. Each unit's sums add ``w * covered`` (0.0 when not covered) in the
    order of the pairs, so they equal ``np.bincount(z_idx, weights=w_pair *
    mask[p_idx])``; a run of pairs of one unit adds into local sums (loaded
    from and stored back to the unit's, the same additions).
    """
    n_cat, n_tier = covered.shape[0], tier_cols.shape[0]
    bits = _category_bits(covered)
    tier_bits = np.zeros(n_tier, dtype=np.uint64)
    for t in range(n_tier):
        for j in range(n_cat):
            if tier_cols[t, j]:
                tier_bits[t] |= np.uint64(1) << np.uint64(j)
    sums = np.zeros((n_cat + n_tier + 1, n_zones))
    acc = np.zeros(n_cat + n_tier + 1)
    z_run = -1
    for k in range(len(p_idx)):
        p, z = p_idx[k], z_idx[k]
        if z != z_run:
            if z_run >= 0:
                sums[:, z_run] = acc
            acc[:] = sums[:, z]
            z_run = z
        w = weights[p]
        b = bits[p]
        acc[0] += w
        for j in range(n_cat):
            acc[1 + j] += w * ((b >> np.uint64(j)) & np.uint64(1) == np.uint64(1))
        for t in range(n_tier):
            acc[1 + n_cat + t] += w * ((b & tier_bits[t]) == tier_bits[t])
    if z_run >= 0:
        sums[:, z_run] = acc
    return sums[0].copy(), sums[1:].copy()
