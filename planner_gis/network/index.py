"""Spatial index of a network's edges for exact nearest-edge queries (the numeric core of snapping).

The index is a uniform grid: edges are cut into *pieces* no longer than the
cell side ``s`` and each piece is filed under the cell holding its midpoint
(one sort of the pieces, no per-cell lists in Python). A point p is compared
with every piece filed in the (2r+1) x (2r+1) cells around its own cell. Every
point of a piece lies within ``h`` (the largest half piece length) of its
midpoint, and the searched block reaches at least ``r*s + b`` from p (``b``:
distance from p to the sides of its own cell), so no piece outside the block
is nearer than ``r*s + b - h``: the best candidate is certified exact when it
is no farther than that. The few uncertified points (far from every street)
fall back to a KD-tree on piece midpoints with the same kind of bound
(:meth:`SegmentIndex.tree_query`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from .model import WalkNetwork

#: Cell side relative to the median edge length.
CELL_FACTOR = 1.0
#: Longest piece relative to the cell side.
PIECE_FACTOR = 1.5


class SegmentIndex:
    """Spatial index of the edges of ``net`` (see the module docs).

    Parameters
    ----------
    net : WalkNetwork
        The network. The index keeps only arrays derived from it, no reference to
        it: the network caches its index, and a reference back would make a cycle
        that only the garbage collector frees (hundreds of MB for a city).
    """

    def __init__(self, net: WalkNetwork):
        self._edge_vectors(net)
        mx, my, edge_of = self._cut_pieces(net.edge_length)
        self.n_pieces = len(edge_of)
        self._mid = (mx, my, edge_of)
        self._file_pieces(mx, my, edge_of)

    def _edge_vectors(self, net: WalkNetwork) -> None:
        """Start points ``ax, ay``, vectors ``dx, dy`` and inverse squared lengths of the edges."""
        nx_, ny_ = net.node_xy[:, 0], net.node_xy[:, 1]
        eu, ev = net.edge_u, net.edge_v
        self.ax, self.ay = nx_[eu], ny_[eu]
        # in place where possible: at 2M edges every temporary is 16 MB of fresh pages
        self.dx = nx_[ev]
        self.dx -= self.ax
        self.dy = ny_[ev]
        self.dy -= self.ay
        inv = self.dx * self.dx
        inv += np.square(self.dy)
        pos = inv > 0
        np.divide(1.0, inv, out=inv, where=pos)
        inv[~pos] = 0.0
        del pos
        self.inv_len2 = inv

    def _cut_pieces(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Choose the cell side and cut long edges into pieces; return piece midpoints and edges."""
        # cell side: about one typical edge; never below half the mean edge
        # length, so that cutting edges into pieces at most doubles their number
        # (median of an evenly strided sample of at most ~64k edges: the side only tunes
        # speed, results are exact for any side)
        sample = L[::max(1, len(L) >> 16)]
        s = max(float(np.median(sample)) * CELL_FACTOR, float(L.mean()) / 2.0, 1.0) if len(L) else 1.0
        self.s = s
        q = L / (s * PIECE_FACTOR)
        np.ceil(q, out=q)
        one = q <= 1
        long = np.flatnonzero(~one)
        k = q[long].astype(np.int64)  # pieces of the edges that are cut (usually few)
        del q
        # midpoints: the whole edge for an uncut edge, the first piece of a cut edge
        # at the edge's slot, the other pieces of cut edges appended after all edges
        mx = self.dx * 0.5
        mx += self.ax
        my = self.dy * 0.5
        my += self.ay
        edge_of = np.arange(len(L))
        if len(long):
            mx[long] = self.ax[long] + (0.5 / k) * self.dx[long]
            my[long] = self.ay[long] + (0.5 / k) * self.dy[long]
            extra_edge = np.repeat(long, k - 1)
            first = np.cumsum(k - 1) - (k - 1)
            piece = np.arange(len(extra_edge)) - np.repeat(first, k - 1) + 1
            frac = (piece + 0.5) / np.repeat(k, k - 1)
            mx = np.concatenate([mx, self.ax[extra_edge] + frac * self.dx[extra_edge]])
            my = np.concatenate([my, self.ay[extra_edge] + frac * self.dy[extra_edge]])
            edge_of = np.concatenate([edge_of, extra_edge])
        self.half = (max(float(np.max(L, where=one, initial=0.0)),
                         float((L[long] / k).max()) if len(long) else 0.0) / 2.0) if len(L) else 0.0
        return mx, my, edge_of

    def _file_pieces(self, mx: np.ndarray, my: np.ndarray, edge_of: np.ndarray) -> None:
        """File the pieces by grid cell: sorted piece arrays and per-cell pointers (dense or sparse)."""
        if len(edge_of) == 0:
            self.x0 = self.y0 = 0.0
            self.ncx = self.ncy = 1
            self.ptr = np.zeros(2, dtype=np.int64)
            self.keys = None
            self.piece_edge = np.zeros(0, dtype=np.int64)
            return
        s = self.s
        self.x0, self.y0 = float(mx.min()), float(my.min())
        # cell numbers in int32 where they fit (fewer fresh pages, ~3x faster sort)
        f = np.subtract(mx, self.x0)
        f /= s
        self.ncx = int(f.max()) + 1
        cx = f.astype(np.int64 if self.ncx >= 2**31 - 1 else np.int32)
        np.subtract(my, self.y0, out=f)
        f /= s
        self.ncy = int(f.max()) + 1
        n_cells = self.ncx * self.ncy
        key = f.astype(np.int32 if n_cells < 2**31 - 1 else np.int64)
        del f
        key *= self.ncx
        key += cx
        del cx
        order = np.argsort(key, kind="stable")
        self.piece_edge = edge_of[order]
        pe = self.piece_edge
        self.c_ax, self.c_ay, self.c_dx, self.c_dy, self.c_inv = (
            self.ax[pe], self.ay[pe], self.dx[pe], self.dy[pe], self.inv_len2[pe])
        if n_cells <= max(4 * len(key), 1 << 20):
            # dense table: pointer per cell
            self.keys = None
            self.ptr = np.zeros(n_cells + 1, dtype=np.int64)
            np.cumsum(np.bincount(key, minlength=n_cells), out=self.ptr[1:])
        else:
            # sparse: sorted occupied cell keys and their pointers
            self.keys, counts = np.unique(key, return_counts=True)
            self.ptr = np.zeros(len(self.keys) + 1, dtype=np.int64)
            np.cumsum(counts, out=self.ptr[1:])

    @cached_property
    def tree(self) -> cKDTree:
        """KD-tree on piece midpoints (built on first use, for the far points)."""
        mx, my, _ = self._mid
        return cKDTree(np.column_stack([mx, my]), balanced_tree=False)

    @property
    def piece_edge_tree(self) -> np.ndarray:
        """Edge of each piece in the KD-tree's order."""
        return self._mid[2]

    def _cells(self, cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first piece, piece count) of cells (cx, cy); 0 pieces outside the grid."""
        inside = (cx >= 0) & (cx < self.ncx) & (cy >= 0) & (cy < self.ncy)
        key = np.where(inside, cy * self.ncx + cx, 0)
        if self.keys is None:
            lo, hi = self.ptr[key], self.ptr[key + 1]
        else:
            pos = np.searchsorted(self.keys, key)
            pos_c = np.minimum(pos, len(self.keys) - 1)
            inside &= self.keys[pos_c] == key
            lo, hi = self.ptr[pos_c], self.ptr[pos_c + 1]
        return lo, np.where(inside, hi - lo, 0)

    def _block(self, cx: np.ndarray, cy: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
        """Ranges of sorted pieces (first piece, count) in the (2r+1)^2 cells around cells (cx, cy).

        One row of ranges per point: 2r+1 ranges with the dense table (a block
        row is one range), (2r+1)^2 with the sparse one.
        """
        n = len(cx)
        off = np.arange(-r, r + 1)
        w = len(off)
        if self.keys is None:
            # dense table: the 2r+1 cells of a block row are consecutive in the sorted
            # pieces, so each row is one range (same candidates, same order)
            rows = cy[:, None] + off[None, :]
            c0 = np.clip(cx - r, 0, self.ncx - 1)[:, None]
            c1 = np.clip(cx + r, 0, self.ncx - 1)[:, None]
            ok = (rows >= 0) & (rows < self.ncy) & (cx[:, None] + r >= 0) & (cx[:, None] - r < self.ncx)
            base = np.where(ok, rows, 0) * self.ncx
            lo = self.ptr[base + c0].ravel()
            cnt = np.where(ok, self.ptr[base + c1 + 1] - self.ptr[base + c0], 0).ravel()
        else:
            ccx = np.broadcast_to(cx[:, None, None] + off[None, None, :], (n, w, w)).reshape(n, -1)
            ccy = np.broadcast_to(cy[:, None, None] + off[None, :, None], (n, w, w)).reshape(n, -1)
            lo, cnt = self._cells(ccx.ravel(), ccy.ravel())
        return lo, cnt

    def grid_query(self, px: np.ndarray, py: np.ndarray,
                   r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best edge, its squared distance and the certified radius for points (px, py).

        Searches the (2r+1)^2 cells around each point's cell; an edge is
        exact when its distance is within the returned radius. Points with
        no candidate get edge -1 and distance inf.
        """
        n = len(px)
        s = self.s
        fx = (px - self.x0) / s
        fy = (py - self.y0) / s
        cx = np.floor(fx).astype(np.int64)
        cy = np.floor(fy).astype(np.int64)
        # distance from p to the sides of its own cell
        bx = np.minimum(fx - cx, cx + 1 - fx)
        by = np.minimum(fy - cy, cy + 1 - fy)
        radius = (r + np.minimum(bx, by)) * s - self.half
        lo, cnt = self._block(cx, cy, r)
        per_point = cnt.reshape(n, -1).sum(axis=1)
        total = int(per_point.sum())
        best = np.full(n, -1, dtype=np.int64)
        best_d2 = np.full(n, np.inf)
        if total == 0:
            return best, best_d2, radius
        # ragged expansion: all (point, piece) pairs, grouped by point
        excl = np.cumsum(cnt) - cnt
        pos = np.repeat(lo - excl, cnt) + np.arange(total)
        dx, dy = self.c_dx[pos], self.c_dy[pos]
        qx = np.repeat(px, per_point)
        qx -= self.c_ax[pos]
        qy = np.repeat(py, per_point)
        qy -= self.c_ay[pos]
        t = qx * dx
        t += qy * dy
        t *= self.c_inv[pos]
        np.clip(t, 0.0, 1.0, out=t)
        dx *= t
        dy *= t
        qx -= dx
        qy -= dy
        qx *= qx
        qy *= qy
        d2 = qx
        d2 += qy
        has = np.flatnonzero(per_point > 0)
        starts = (np.cumsum(per_point) - per_point)[has]
        m = np.minimum.reduceat(d2, starts)
        best_d2[has] = m
        # ties go to the lowest edge id (independent of the index layout); only the
        # candidates at the minimum (about one per point) are looked up
        hit = np.flatnonzero(d2 == np.repeat(best_d2, per_point))
        owner = np.searchsorted(np.cumsum(per_point), hit, side="right")
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        best[owner[first]] = np.minimum.reduceat(self.piece_edge[pos[hit]], first)
        return best, best_d2, radius


    def project(self, px: np.ndarray, py: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact squared distance and fraction along the edge of points (px, py) onto ``edges``.

        ``px``, ``py`` broadcast against ``edges``; x and y are kept in separate
        arrays (reductions over a length-2 axis are slow in numpy).
        """
        ax, ay = self.ax[edges], self.ay[edges]
        dx, dy = self.dx[edges], self.dy[edges]
        qx = px - ax
        qy = py - ay
        t = (qx * dx + qy * dy) * self.inv_len2[edges]
        np.clip(t, 0.0, 1.0, out=t)
        qx -= dx * t
        qy -= dy * t
        return qx * qx + qy * qy, t

    def tree_query(self, px: np.ndarray, py: np.ndarray, k: int,
                   max_snap: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact nearest edge by KD-tree on piece midpoints (for points the grid did not settle).

        If the k-th midpoint is at ``dk`` and every piece has half-length at most
        ``h``, every other piece is at least ``dk - h`` away; uncertified points
        are re-queried with a larger k.
        """
        n = len(px)
        edge = np.full(n, -1, dtype=np.int64)
        dist2 = np.full(n, np.inf)
        todo = np.arange(n)
        kk = min(k, self.n_pieces)
        piece_edge = self.piece_edge_tree
        while len(todo):
            p = np.column_stack([px[todo], py[todo]])
            dk, ip = self.tree.query(p, k=kk, workers=-1)
            if kk == 1:
                dk, ip = dk[:, None], ip[:, None]
            cand = piece_edge[ip]
            d2, _ = self.project(p[:, :1], p[:, 1:], cand)
            bd2 = d2.min(axis=1)
            edge[todo] = np.where(d2 == bd2[:, None], cand, np.iinfo(np.int64).max).min(axis=1)
            dist2[todo] = bd2
            if kk >= self.n_pieces:
                break
            bound = dk[:, -1] - self.half
            certified = (bd2 == 0) | ((bound > 0) & (bound * bound >= bd2)) | (bound > max_snap)
            todo = todo[~certified]
            kk = min(kk * 2, self.n_pieces)
        return edge, dist2
