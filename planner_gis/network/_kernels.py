"""Compiled loops of the snap index (numba; see :mod:`planner_gis._jit`).

Each kernel repeats the numpy code of :mod:`~planner_gis.network.index` and
:mod:`~planner_gis.network.snap` operation by operation (same formulas, same
order of floating-point operations, no fused multiply-add), so both give the
same bits: the numpy code is the reference and the fallback. The kernels only
avoid its temporaries and sorts: pieces are filed with a counting sort (the
same order as a stable argsort) and points are searched one at a time, in the
order of coarse grid buckets so that neighbouring points share cached pieces.

Examples
--------
Without numba the kernels are plain Python functions (slow, but the same):

>>> import numpy as np
>>> xy = np.array([[0.0, 0], [10, 0]])
>>> edge_vector(xy, np.array([0]), np.array([1]), 0)
(0.0, 0.0, 10.0, 0.0, 0.01)
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import njit


@njit
def edge_vector(node_xy, eu, ev, e):
    """Start point, vector and inverse squared length of edge ``e`` (as ``SegmentIndex.edge_vectors``)."""
    ax = node_xy[eu[e], 0]
    ay = node_xy[eu[e], 1]
    dx = node_xy[ev[e], 0] - ax
    dy = node_xy[ev[e], 1] - ay
    inv = dx * dx + dy * dy
    inv = 1.0 / inv if inv > 0 else 0.0
    return ax, ay, dx, dy, inv


@njit
def n_pieces_of(length, sp):
    """Number of pieces an edge of ``length`` is cut into (``sp``: longest piece)."""
    q = math.ceil(length / sp)
    return 1 if q <= 1 else int(q)


@njit
def piece_mid(ax, ay, dx, dy, p, k):
    """Midpoint of piece ``p`` of ``k`` of an edge (the formulas of ``index.cut_pieces``)."""
    if k == 1:
        return dx * 0.5 + ax, dy * 0.5 + ay
    frac = (p + 0.5) / k
    return ax + frac * dx, ay + frac * dy


@njit
def piece_extent(node_xy, eu, ev, length, sp):
    """Number of pieces, bounds of their midpoints and the half length of the longest piece."""
    n = 0
    x0 = y0 = np.inf
    x1 = y1 = -np.inf
    h = 0.0
    for e in range(len(eu)):
        ax, ay, dx, dy, _ = edge_vector(node_xy, eu, ev, e)
        k = n_pieces_of(length[e], sp)
        piece_len = length[e] if k == 1 else length[e] / k
        if piece_len > h:
            h = piece_len
        for p in range(k):
            mx, my = piece_mid(ax, ay, dx, dy, p, k)
            x0, x1 = min(x0, mx), max(x1, mx)
            y0, y1 = min(y0, my), max(y1, my)
        n += k
    return n, x0, y0, x1, y1, h / 2.0


@njit
def _piece_key(mx, my, x0, y0, s, ncx):
    """Cell number of a piece midpoint (truncation of non-negative cell coordinates)."""
    return int((my - y0) / s) * ncx + int((mx - x0) / s)


@njit
def _each_piece_key(node_xy, eu, ev, length, sp, x0, y0, s, ncx, out):
    """Cell numbers of all pieces in the index's piece order (first pieces, then the rest of cut edges)."""
    m = len(eu)
    j = m
    for e in range(m):
        ax, ay, dx, dy, _ = edge_vector(node_xy, eu, ev, e)
        k = n_pieces_of(length[e], sp)
        mx, my = piece_mid(ax, ay, dx, dy, 0, k)
        out[e] = _piece_key(mx, my, x0, y0, s, ncx)
        for p in range(1, k):
            mx, my = piece_mid(ax, ay, dx, dy, p, k)
            out[j] = _piece_key(mx, my, x0, y0, s, ncx)
            j += 1


@njit
def _place(e, v, key, cursor, piece_edge, vec):
    """Put a piece of edge ``e`` (edge vector ``v``) at the next free slot of cell ``key``."""
    pos = cursor[key]
    cursor[key] += 1
    piece_edge[pos] = e
    for c in range(6):
        vec[pos, c] = v[c]


@njit
def file_pieces(node_xy, eu, ev, length, sp, x0, y0, s, ncx, n_cells, n_pieces):
    """Pieces sorted by cell (stable counting sort): cell pointers, edge, and edge vectors and length per piece."""
    key = np.empty(n_pieces, dtype=np.int64)
    _each_piece_key(node_xy, eu, ev, length, sp, x0, y0, s, ncx, key)
    ptr = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n_pieces):
        ptr[key[i] + 1] += 1
    for c in range(n_cells):
        ptr[c + 1] += ptr[c]
    cursor = ptr[:-1].copy()
    piece_edge = np.empty(n_pieces, dtype=np.int64)
    vec = np.empty((n_pieces, 6))
    # in piece order, as a stable sort: the first pieces of all edges, then the other pieces of cut edges
    for e in range(len(eu)):
        _place(e, edge_vector(node_xy, eu, ev, e) + (length[e],), key[e], cursor, piece_edge, vec)
    j = len(eu)
    for e in range(len(eu)):
        k = n_pieces_of(length[e], sp)
        if k > 1:
            v = edge_vector(node_xy, eu, ev, e) + (length[e],)
            for _ in range(1, k):
                _place(e, v, key[j], cursor, piece_edge, vec)
                j += 1
    return ptr, piece_edge, vec


@njit
def bucket_order(x, y, x0, y0, side, nbx, nby):
    """Indices of the finite points, grouped by coarse bucket (counting sort)."""
    n = len(x)
    key = np.full(n, -1, dtype=np.int64)
    count = np.zeros(nbx * nby + 1, dtype=np.int64)
    for i in range(n):
        if np.isfinite(x[i]) and np.isfinite(y[i]):
            # clamped before the conversion: points far outside stay in the edge buckets
            bx = int(min(max((x[i] - x0) / side, 0.0), nbx - 1.0))
            by = int(min(max((y[i] - y0) / side, 0.0), nby - 1.0))
            key[i] = by * nbx + bx
            count[key[i] + 1] += 1
    for b in range(nbx * nby):
        count[b + 1] += count[b]
    order = np.empty(count[-1], dtype=np.int64)
    for i in range(n):
        if key[i] >= 0:
            order[count[key[i]]] = i
            count[key[i]] += 1
    return order


@njit
def _scan(px, py, lo, hi, vec, piece_edge, best, best_i, best_d2):
    """Fold pieces ``lo:hi`` into the nearest so far (ties: lowest edge); ``d2`` as ``grid_query``."""
    for i in range(lo, hi):
        dx = vec[i, 2]
        dy = vec[i, 3]
        qx = px - vec[i, 0]
        qy = py - vec[i, 1]
        t = qx * dx + qy * dy
        t = t * vec[i, 4]
        t = min(max(t, 0.0), 1.0)
        qx = qx - dx * t
        qy = qy - dy * t
        d2 = qx * qx + qy * qy
        e = piece_edge[i]
        if d2 < best_d2 or (d2 == best_d2 and e < best):
            best, best_i, best_d2 = e, i, d2
    return best, best_i, best_d2


@njit
def _ring(px, py, cx, cy, r, ncx, ncy, ptr, vec, piece_edge, best, best_i, best_d2):
    """Fold the pieces of the cells at Chebyshev distance ``r`` from cell (cx, cy); all cells up to r for r=1.

    With the 3 x 3 block already searched, the 5 x 5 block is its ring at r=2
    (the numpy code searches all 25 cells: the same minimum and tie-break).
    """
    c0 = min(max(cx - r, 0), ncx - 1)
    c1 = min(max(cx + r, 0), ncx - 1)
    for row in range(max(cy - r, 0), min(cy + r + 1, ncy)):
        base = row * ncx
        if r == 1 or row == cy - r or row == cy + r:
            best, best_i, best_d2 = _scan(px, py, ptr[base + c0], ptr[base + c1 + 1], vec, piece_edge,
                                          best, best_i, best_d2)
        else:
            if cx - r >= 0:
                best, best_i, best_d2 = _scan(px, py, ptr[base + cx - r], ptr[base + cx - r + 1], vec,
                                              piece_edge, best, best_i, best_d2)
            if cx + r < ncx:
                best, best_i, best_d2 = _scan(px, py, ptr[base + cx + r], ptr[base + cx + r + 1], vec,
                                              piece_edge, best, best_i, best_d2)
    return best, best_i, best_d2


@njit
def nearest_piece(px, py, s, x0, y0, half, ncx, ncy, ptr, vec, piece_edge, max_snap):
    """Nearest edge of one point by the 3 x 3, then 5 x 5 cells: (edge, piece, squared distance, certified).

    The certificate and its radius are those of ``grid_query`` and ``snap._settle``.
    """
    fx = (px - x0) / s
    fy = (py - y0) / s
    cx = int(math.floor(fx))
    cy = int(math.floor(fy))
    m = min(min(fx - float(cx), float(cx + 1) - fx), min(fy - float(cy), float(cy + 1) - fy))
    best, best_i, best_d2 = -1, -1, np.inf
    for r in range(1, 3):
        if cx + r >= 0 and cx - r < ncx:
            best, best_i, best_d2 = _ring(px, py, cx, cy, r, ncx, ncy, ptr, vec, piece_edge,
                                          best, best_i, best_d2)
        radius = (r + m) * s - half
        pos = radius if radius > 0.0 else 0.0
        if (best_d2 <= pos * pos and radius >= 0) or (radius >= max_snap and np.isfinite(best_d2)):
            return best, best_i, best_d2, True
    return best, best_i, best_d2, False


@njit
def _project(px, py, i, vec):
    """Offset along the edge and snapped point for piece row ``i`` (the operations of ``snap._positions``)."""
    ax, ay, dx, dy = vec[i, 0], vec[i, 1], vec[i, 2], vec[i, 3]
    t = (px - ax) * dx + (py - ay) * dy
    t = t * vec[i, 4]
    t = min(max(t, 0.0), 1.0)
    return vec[i, 5] * t, dx * t + ax, dy * t + ay


@njit
def _snap_chunk(xs, ys, grid, ptr, vec, piece_edge, max_snap, res):
    """Snap the points of one chunk; ``res`` rows: edge (-2: left for the KD-tree), distance, offset, x, y."""
    s, x0, y0, half, ncx, ncy = grid[0], grid[1], grid[2], grid[3], int(grid[4]), int(grid[5])
    for k in range(len(xs)):
        e, i, d2, ok = nearest_piece(xs[k], ys[k], s, x0, y0, half, ncx, ncy, ptr, vec, piece_edge, max_snap)
        d = math.sqrt(d2)
        off, sx, sy = 0.0, np.nan, np.nan
        if not ok:
            e = -2
        elif d > max_snap:
            e = -1
        else:
            off, sx, sy = _project(xs[k], ys[k], i, vec)
        res[0, k] = e
        res[1, k] = d
        res[2, k] = off
        res[3, k] = sx
        res[4, k] = sy


@njit
def grid_snap(x, y, order, max_snap, grid, ptr, vec, piece_edge, edge, dist, offset, snapped):
    """Snap points ``order`` (bucket order) into the outputs; return the points left for the KD-tree.

    Chunks of points are copied in bucket order first (tight gather loops
    overlap their cache misses), snapped, and their results put back.
    """
    chunk = 4096
    xs = np.empty(chunk)
    ys = np.empty(chunk)
    res = np.empty((5, chunk))
    left = np.empty(len(order), dtype=np.int64)
    n_left = 0
    for c0 in range(0, len(order), chunk):
        idx = order[c0:c0 + chunk]
        n = len(idx)
        for k in range(n):
            xs[k] = x[idx[k]]
            ys[k] = y[idx[k]]
        _snap_chunk(xs[:n], ys[:n], grid, ptr, vec, piece_edge, max_snap, res)
        for k in range(n):
            i = idx[k]
            if res[0, k] == -2.0:
                left[n_left] = i
                n_left += 1
                continue
            edge[i] = int(res[0, k])
            dist[i] = res[1, k]
            offset[i] = res[2, k]
            snapped[i, 0] = res[3, k]
            snapped[i, 1] = res[4, k]
    return left[:n_left]


@njit
def project_snapped(x, y, todo, t_edge, t_dist2, max_snap, node_xy, eu, ev, length, edge, dist, offset, snapped):
    """Outputs of points ``todo`` given their edge and squared distance (the operations of ``snap._positions``)."""
    for k in range(len(todo)):
        i = todo[k]
        d = math.sqrt(t_dist2[k])
        dist[i] = d
        e = -1 if d > max_snap else t_edge[k]
        edge[i] = e
        if e < 0:
            continue
        ax, ay, dx, dy, inv = edge_vector(node_xy, eu, ev, e)
        t = (x[i] - ax) * dx + (y[i] - ay) * dy
        t = t * inv
        t = min(max(t, 0.0), 1.0)
        offset[i] = length[e] * t
        snapped[i, 0] = dx * t + ax
        snapped[i, 1] = dy * t + ay
