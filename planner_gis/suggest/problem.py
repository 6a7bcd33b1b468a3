"""The covering problem on plain arrays: which candidate would newly cover which resident.

A :class:`CoverageProblem` holds a sparse boolean matrix ``A`` (candidates x
origins, ``A[j, i]`` true when candidate ``j`` would bring origin ``i`` within
the threshold), the residents of each origin, and the residents already
covered. It is built from a cost matrix (:func:`from_cost_matrix`, as spopt's
``from_cost_matrix``), from a ready coverage matrix
(:func:`from_coverage_matrix`), or from layers on the walking network
(:func:`planner_gis.suggest.suggest_sites`, which calls
:func:`planner_gis.suggest.coverage_matrix`).

Memory is proportional to the covering pairs: the matrix is stored as CSR
and origins no candidate covers are dropped.

Examples
--------
Three candidates, four origins of 10, 20, 30 and 40 residents; 100 residents
live in the area, none covered yet:

>>> import numpy as np
>>> cost = np.array([[100.0, 900, 900, 900],
...                  [900, 100, 100, 900],
...                  [900, 900, 100, 100]])
>>> p = from_cost_matrix(cost, [10, 20, 30, 40], threshold=300)
>>> p.n_candidates, p.n_origins, p.total
(3, 4, 100.0)
>>> p.gains().tolist()
[10.0, 50.0, 70.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import InputError


@dataclass
class CoverageProblem:
    """A covering problem: candidates, the origins each would newly cover, and residents.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of bool, shape (candidates, origins)
        ``matrix[j, i]``: candidate ``j`` would cover origin ``i``.
    weights : ndarray of float64, shape (origins,)
        Residents of each origin (only origins some candidate covers).
    base : float
        Residents already covered (counted in every share).
    total : float
        All residents of the area the shares refer to.
    candidate_ids : ndarray
        Id of each candidate (row), e.g. the candidate layer's id column.
    origin_index : ndarray of int64
        Index of each column in the caller's origin array.
    """

    matrix: sparse.csr_matrix
    weights: np.ndarray
    base: float = 0.0
    total: float = 0.0
    candidate_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    origin_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        """Check shapes; fill ``candidate_ids``, ``origin_index`` and ``total`` when not given."""
        m = sparse.csr_matrix(self.matrix, dtype=bool)
        m.sum_duplicates()
        m.eliminate_zeros()
        self.matrix = m
        self.weights = np.asarray(self.weights, dtype=np.float64).ravel()
        if m.shape[1] != len(self.weights):
            raise InputError(f"coverage matrix has {m.shape[1]} origin columns but {len(self.weights)} weights",
                             fix="give one weight per origin column")
        if (self.weights < 0).any() or not np.isfinite(self.weights).all():
            raise InputError("origin weights must be finite and not negative", fix="check the population values")
        if len(self.candidate_ids) == 0:
            self.candidate_ids = np.arange(m.shape[0])
        self.candidate_ids = np.asarray(self.candidate_ids)
        if len(self.candidate_ids) != m.shape[0]:
            raise InputError(f"{len(self.candidate_ids)} candidate ids for {m.shape[0]} candidate rows",
                             fix="give one id per candidate")
        if len(self.origin_index) == 0:
            self.origin_index = np.arange(m.shape[1], dtype=np.int64)
        if not self.total:
            self.total = float(self.base + self.weights.sum())

    @property
    def n_candidates(self) -> int:
        """Number of candidates (rows)."""
        return int(self.matrix.shape[0])

    @property
    def n_origins(self) -> int:
        """Number of origins (columns)."""
        return int(self.matrix.shape[1])

    @property
    def coverable(self) -> float:
        """Residents that some candidate covers (the most any choice can add)."""
        hit = np.zeros(self.n_origins, dtype=bool)
        hit[self.matrix.indices] = True
        return float(self.weights[hit].sum())

    def gains(self) -> np.ndarray:
        """Residents each candidate would cover on its own."""
        return np.asarray(self.matrix.astype(np.float64) @ self.weights).ravel()

    def covered_by(self, chosen: Sequence[int]) -> float:
        """Residents newly covered by the candidates ``chosen`` together.

        >>> p = from_cost_matrix([[0.0, 1], [1, 0]], [5, 7], threshold=0.5)
        >>> p.covered_by([0]), p.covered_by([0, 1])
        (5.0, 12.0)
        """
        hit = np.zeros(self.n_origins, dtype=bool)
        rows = self.matrix[np.asarray(list(chosen), dtype=np.int64)]
        hit[rows.indices] = True
        return float(self.weights[hit].sum())

    def subset(self, candidates: np.ndarray | None = None, origins: np.ndarray | None = None,
               base: float | None = None, total: float | None = None) -> CoverageProblem:
        """The problem restricted to some candidates (rows) and origins (columns)."""
        rows = np.arange(self.n_candidates) if candidates is None else np.asarray(candidates, dtype=np.int64)
        cols = np.arange(self.n_origins) if origins is None else np.asarray(origins, dtype=np.int64)
        m = self.matrix[rows][:, cols]
        w = self.weights[cols]
        return CoverageProblem(m, w, self.base if base is None else base,
                               float((self.base if base is None else base) + w.sum()) if total is None else total,
                               self.candidate_ids[rows], self.origin_index[cols])


def from_coverage_matrix(matrix: Any, weights: Sequence[float], base: float = 0.0, total: float | None = None,
                         candidate_ids: Sequence | None = None) -> CoverageProblem:
    """A problem from a (sparse or dense) candidates x origins coverage matrix.

    Origins no candidate covers are dropped (they are part of ``total`` only).

    >>> p = from_coverage_matrix([[1, 0, 0], [0, 1, 0]], [1, 2, 3], base=4)
    >>> p.n_origins, p.total
    (2, 10.0)
    """
    m = sparse.csr_matrix(matrix, dtype=bool)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if m.shape[1] != len(w):
        raise InputError(f"coverage matrix has {m.shape[1]} origin columns but {len(w)} weights",
                         fix="give one weight per origin column")
    tot = float(base + w.sum()) if total is None else float(total)
    keep = np.flatnonzero(np.bincount(m.indices, minlength=m.shape[1]) > 0)
    ids = np.arange(m.shape[0]) if candidate_ids is None else np.asarray(candidate_ids)
    return CoverageProblem(m[:, keep], w[keep], float(base), tot, ids, keep.astype(np.int64))


def from_cost_matrix(cost: Any, weights: Sequence[float], threshold: float, base: float = 0.0,
                     total: float | None = None, candidate_ids: Sequence | None = None) -> CoverageProblem:
    """A problem from a candidates x origins cost (distance) matrix: covered when ``cost <= threshold``.

    ``cost`` may be dense (``inf`` for no path) or a scipy sparse matrix
    whose stored entries are the distances (absent entries: beyond reach).

    >>> p = from_cost_matrix([[300.0, 301]], [1, 1], threshold=300)
    >>> p.gains().tolist()
    [1.0]
    """
    if sparse.issparse(cost):
        c = sparse.coo_matrix(cost)
        ok = c.data <= threshold
        m = sparse.csr_matrix((np.ones(int(ok.sum()), dtype=bool), (c.row[ok], c.col[ok])), shape=c.shape)
    else:
        arr = np.asarray(cost, dtype=np.float64)
        if arr.ndim != 2:
            raise InputError(f"cost matrix must be 2-D (candidates x origins), got shape {arr.shape}",
                             fix="pass one row per candidate and one column per origin")
        m = sparse.csr_matrix(arr <= threshold)
    return from_coverage_matrix(m, weights, base, total, candidate_ids)


__all__ = ["CoverageProblem", "from_cost_matrix", "from_coverage_matrix"]
