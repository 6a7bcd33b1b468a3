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

The index is built and searched by numpy code or, when numba is available, by
the compiled kernels of :mod:`planner_gis.network._kernels`: the same index
(same cell side, pieces and order) and the same bits either way.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial import cKDTree

from .. import _jit

if TYPE_CHECKING:
    from .model import WalkNetwork

#: Cell side relative to the median edge length.
CELL_FACTOR = 1.0
#: Longest piece relative to the cell side.
PIECE_FACTOR = 1.5


def cell_side(length: np.ndarray) -> float:
    """Grid cell side: about one typical edge, never below half the mean edge length (nor 1 m).

    The median of an evenly strided sample of at most ~64k edges: the side
    only tunes speed, results are exact for any side. Not below half the mean
    length, so that cutting edges into pieces at most doubles their number.

    >>> cell_side(np.array([90.0, 100.0, 120.0]))  # the median
    100.0
    >>> cell_side(np.array([10.0, 20.0, 30.0, 400.0]))  # half the mean: a long edge among short ones
    57.5
    """
    if len(length) == 0:
        return 1.0
    sample = length[::max(1, len(length) >> 16)]
    return max(float(np.median(sample)) * CELL_FACTOR, float(length.mean()) / 2.0, 1.0)


def dense_table(n_cells: int, n_pieces: int) -> bool:
    """Whether the grid gets one pointer per cell (else sorted occupied cells and their pointers)."""
    return n_cells <= max(4 * n_pieces, 1 << 20)


class SegmentIndex:
    """Spatial index of the edges of ``net`` (see the module docs).

    Parameters
    ----------
    net : WalkNetwork
        The network. The index keeps references to its (read-only) arrays,
        not to the network itself, which caches its index: no reference cycle.
    """

    def __init__(self, net: WalkNetwork):
        self.node_xy, self.edge_u, self.edge_v = net.node_xy, net.edge_u, net.edge_v
        self.edge_length = net.edge_length
        self.s = cell_side(self.edge_length)
        self.keys: np.ndarray | None = None
        if not (_jit.worth(len(self.edge_length)) and self._build_compiled()):
            self._build_numpy()

    # -- building ---------------------------------------------------------------
    def edge_vectors(self, e: Any = slice(None)) -> tuple[np.ndarray, ...]:
        """Start points ``ax, ay``, vectors ``dx, dy`` and inverse squared lengths of edges ``e``."""
        nx_, ny_ = self.node_xy[:, 0], self.node_xy[:, 1]
        eu, ev = self.edge_u[e], self.edge_v[e]
        ax, ay = nx_[eu], ny_[eu]
        # in place where possible: at 2M edges every temporary is 16 MB of fresh pages
        dx = nx_[ev]
        dx -= ax
        dy = ny_[ev]
        dy -= ay
        inv = dx * dx
        inv += np.square(dy)
        pos = inv > 0
        np.divide(1.0, inv, out=inv, where=pos)
        inv[~pos] = 0.0
        return ax, ay, dx, dy, inv

    def _cut_pieces(self, vectors: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Cut long edges into pieces: piece midpoints, their edges and the longest half piece.

        The midpoint of an uncut edge, or of the first piece of a cut edge, is
        at the edge's slot; the other pieces of cut edges are appended after all
        edges (usually few edges are cut).
        """
        ax, ay, dx, dy, _ = vectors
        L = self.edge_length
        q = L / (self.s * PIECE_FACTOR)
        np.ceil(q, out=q)
        one = q <= 1
        long = np.flatnonzero(~one)
        k = q[long].astype(np.int64)
        del q
        mx = dx * 0.5
        mx += ax
        my = dy * 0.5
        my += ay
        edge_of = np.arange(len(L))
        if len(long):
            mx[long] = ax[long] + (0.5 / k) * dx[long]
            my[long] = ay[long] + (0.5 / k) * dy[long]
            extra_edge = np.repeat(long, k - 1)
            first = np.cumsum(k - 1) - (k - 1)
            piece = np.arange(len(extra_edge)) - np.repeat(first, k - 1) + 1
            frac = (piece + 0.5) / np.repeat(k, k - 1)
            mx = np.concatenate([mx, ax[extra_edge] + frac * dx[extra_edge]])
            my = np.concatenate([my, ay[extra_edge] + frac * dy[extra_edge]])
            edge_of = np.concatenate([edge_of, extra_edge])
        half = (max(float(np.max(L, where=one, initial=0.0)),
                    float((L[long] / k).max()) if len(long) else 0.0) / 2.0) if len(L) else 0.0
        return mx, my, edge_of, half

    def _build_numpy(self) -> None:
        """Build the index with numpy (the reference)."""
        vectors = self.edge_vectors()
        mx, my, edge_of, self.half = self._cut_pieces(vectors)
        self.n_pieces = len(edge_of)
        if self.n_pieces == 0:
            self.x0 = self.y0 = 0.0
            self.ncx = self.ncy = 1
            self.ptr = np.zeros(2, dtype=np.int64)
            self.piece_edge = np.zeros(0, dtype=np.int64)
            self.vec = np.zeros((0, 6))
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
        # one record per piece (start x, y, vector x, y, inverse squared length, length of its edge)
        self.vec = np.empty((self.n_pieces, 6))
        for c, a in enumerate((*vectors, self.edge_length)):
            self.vec[:, c] = a[self.piece_edge]
        if dense_table(n_cells, len(key)):
            self.ptr = np.zeros(n_cells + 1, dtype=np.int64)
            np.cumsum(np.bincount(key, minlength=n_cells), out=self.ptr[1:])
        else:
            self.keys, counts = np.unique(key, return_counts=True)
            self.ptr = np.zeros(len(self.keys) + 1, dtype=np.int64)
            np.cumsum(counts, out=self.ptr[1:])

    def _build_compiled(self) -> bool:
        """Build the same index with the compiled kernels (dense tables only); False if it needs numpy."""
        from . import _kernels as K

        s, sp = self.s, self.s * PIECE_FACTOR
        arrays = (self.node_xy, self.edge_u, self.edge_v, self.edge_length)
        n, x0, y0, x1, y1, half = K.piece_extent(*arrays, sp)
        if not (np.isfinite([x0, y0, x1, y1]).all()):
            return False
        ncx, ncy = int((x1 - x0) / s) + 1, int((y1 - y0) / s) + 1
        if not dense_table(ncx * ncy, n):
            return False
        self.ptr, self.piece_edge, self.vec = K.file_pieces(*arrays, sp, x0, y0, s, ncx, ncx * ncy, n)
        self.x0, self.y0, self.ncx, self.ncy, self.half, self.n_pieces = x0, y0, ncx, ncy, half, n
        return True

    # -- the sorted pieces ---------------------------------------------------------
    @property
    def c_ax(self) -> np.ndarray:
        """Start x of the edge of each sorted piece."""
        return self.vec[:, 0]

    @property
    def c_ay(self) -> np.ndarray:
        """Start y of the edge of each sorted piece."""
        return self.vec[:, 1]

    @property
    def c_dx(self) -> np.ndarray:
        """Extent in x of the edge of each sorted piece."""
        return self.vec[:, 2]

    @property
    def c_dy(self) -> np.ndarray:
        """Extent in y of the edge of each sorted piece."""
        return self.vec[:, 3]

    @property
    def c_inv(self) -> np.ndarray:
        """Inverse squared length of the edge of each sorted piece (0 for zero-length edges)."""
        return self.vec[:, 4]

    @property
    def c_len(self) -> np.ndarray:
        """Length of the edge of each sorted piece."""
        return self.vec[:, 5]

    @property
    def grid(self) -> np.ndarray:
        """``[s, x0, y0, half, ncx, ncy]`` as floats (for the kernels)."""
        return np.array([self.s, self.x0, self.y0, self.half, self.ncx, self.ncy], dtype=np.float64)

    @property
    def key_table(self) -> np.ndarray:
        """Sorted occupied cell keys of a sparse table; empty for a dense table."""
        return np.zeros(0, np.int64) if self.keys is None else self.keys

    @cached_property
    def _mid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Piece midpoints and edges in piece order (computed on first use, for the KD-tree)."""
        mx, my, edge_of, _ = self._cut_pieces(self.edge_vectors())
        return mx, my, edge_of

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
        ax, ay, dx, dy, inv = self.edge_vectors(edges)
        qx = px - ax
        qy = py - ay
        t = (qx * dx + qy * dy) * inv
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
