"""Choosing sites on a :class:`~planner_gis.suggest.CoverageProblem`: maximal covering and set covering to a target.

Models
------
MCLP (:func:`maximal_covering`)
    choose at most ``k`` candidates maximising the residents they newly cover.
LSCP to a target (:func:`covering_to_target`)
    the fewest candidates so that ``base + newly covered >= target * total``,
    or the report that even all candidates cannot reach the target.

Methods
-------
``method="auto"`` (default) first runs the greedy algorithm (which also gives
the rank order and a bound), then, when HiGHS (``highspy``) is installed and
the problem is small enough, solves the integer program exactly with the
greedy sites as the starting solution and a time limit. Whatever the method,
the :class:`Solution` states it, the bound it proved, the optimality gap and
the solve time:

* ``exact``: the optimum is proven (gap 0 up to HiGHS's tolerance);
* ``MIP (time limit)``: HiGHS's best solution (or the greedy one if better)
  with its dual bound;
* ``greedy``: the greedy solution with the tightest bound at hand: for MCLP
  the online submodularity bound ``f(S_i) + sum of the k largest gains at
  step i`` (never weaker than the classic ``1 - 1/e`` guarantee) or the LP
  relaxation; for LSCP the LP relaxation or the top-gain count bound.

Origins covered by exactly the same candidates are merged into one
variable before the integer program is built, so its size follows the
distinct coverage patterns, not the residents.

Examples
--------
>>> import numpy as np
>>> from planner_gis.suggest import from_cost_matrix
>>> cost = np.array([[100.0, 900, 900, 900],
...                  [900, 100, 100, 900],
...                  [900, 900, 100, 100]])
>>> p = from_cost_matrix(cost, [10, 20, 30, 40], threshold=300)
>>> s = maximal_covering(p, 2)
>>> sorted(s.selected.tolist()), s.newly_covered, s.gap
([1, 2], 90.0, 0.0)
>>> covering_to_target(p, 0.95).selected.size
3
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import InputError
from .problem import CoverageProblem

#: Largest integer program (variables, non-zeros) tried exactly by ``method="auto"``.
MIP_MAX_VARIABLES = 400_000
MIP_MAX_NONZEROS = 4_000_000
#: Default time limit of the integer program (seconds).
TIME_LIMIT = 10.0
#: Relative optimality tolerance of the integer program.
MIP_REL_GAP = 1e-6
METHODS = ("auto", "exact", "greedy")


@dataclass
class Solution:
    """The chosen sites and how good they are proven to be.

    Attributes
    ----------
    model : str
        ``"mclp"`` (``k`` sites, most residents) or ``"lscp"`` (fewest sites to a target).
    selected : ndarray of int64
        Chosen candidate rows in rank order (each adds the most of those left).
    gains : ndarray of float64
        Residents each site adds in that order.
    newly_covered : float
        Residents the chosen sites cover that were not covered before.
    base, total : float
        Residents covered before, and all residents (as in the problem).
    bound : float
        MCLP: an upper bound on the newly covered residents of any ``k``
        sites. LSCP: a lower bound on the number of sites.
    gap : float
        MCLP ``(bound - newly_covered) / bound``; LSCP ``(sites - bound) / sites``
        (0 = proven optimal).
    method : str
        ``exact``, ``MIP (time limit)`` or ``greedy``.
    solver : str
        E.g. ``"HiGHS 1.16.0 MIP"`` or ``"greedy"``.
    bound_source : str
        Where ``bound`` comes from.
    seconds : float
        Solve time (greedy and integer program), excluding building the matrix.
    status : str
        ``optimal``, ``time limit``, ``bound``, ``target reached``,
        ``target already reached`` or ``target unreachable``.
    target : float or None
        LSCP target share.
    """

    model: str
    selected: np.ndarray
    gains: np.ndarray
    newly_covered: float
    base: float
    total: float
    bound: float
    gap: float
    method: str
    solver: str
    bound_source: str
    seconds: float
    status: str
    target: float | None = None
    details: dict = field(default_factory=dict)

    @property
    def cumulative(self) -> np.ndarray:
        """Residents covered after each site (base included)."""
        return self.base + np.cumsum(self.gains)

    @property
    def share(self) -> float:
        """Covered share of all residents after all sites (NaN without residents)."""
        return (self.base + self.newly_covered) / self.total if self.total > 0 else float("nan")

    def summary(self) -> dict:
        """JSON-ready description: model, method, solver, gap, time, status."""
        return {"model": self.model, "method": self.method, "solver": self.solver, "status": self.status,
                "sites": int(len(self.selected)), "newly_covered": round(self.newly_covered, 3),
                "covered_before": round(self.base, 3), "population": round(self.total, 3),
                "share_before": _ratio(self.base, self.total), "share_after": _ratio(
                    self.base + self.newly_covered, self.total),
                "bound": round(self.bound, 3), "bound_source": self.bound_source, "gap": round(self.gap, 6),
                "seconds": round(self.seconds, 4), "target": self.target, **self.details}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 6) if b > 0 else None


# ---------------------------------------------------------------- greedy


def _tol(p: CoverageProblem) -> float:
    return 1e-9 * max(1.0, p.total)


def greedy(p: CoverageProblem, k: int | None = None, need: float | None = None) -> tuple[list, list, float]:
    """Greedy picks until ``k`` sites or ``need`` residents: ``(rows, gains, online bound)``.

    The bound (for ``k``) is the smallest ``covered + sum of the k largest
    gains`` seen before any pick and at the end: by submodularity no ``k``
    sites cover more.
    """
    a = p.matrix.astype(np.float64)
    at = a.tocsc()
    gains = np.asarray(a @ p.weights).ravel()
    covered = np.zeros(p.n_origins, dtype=bool)
    rows: list = []
    marg: list = []
    value, bound, tol = 0.0, np.inf, _tol(p)

    def top(kk: int) -> float:
        if kk <= 0 or len(gains) == 0:
            return 0.0
        kk = min(kk, len(gains))
        return float(np.partition(gains, len(gains) - kk)[len(gains) - kk:].sum())

    while True:
        if k is not None:
            bound = min(bound, value + top(k))
            if len(rows) >= k:
                break
        if need is not None and value >= need - tol:
            break
        if len(gains) == 0:
            break
        j = int(np.argmax(gains))
        g = float(gains[j])
        if g <= tol:
            break
        new = p.matrix.indices[p.matrix.indptr[j]:p.matrix.indptr[j + 1]]
        new = new[~covered[new]]
        covered[new] = True
        gains -= np.asarray(at[:, new] @ p.weights[new]).ravel()
        gains[j] = 0.0
        rows.append(j)
        marg.append(g)
        value += g
    return rows, marg, float(bound)


def rank_order(p: CoverageProblem, chosen: Any) -> tuple[np.ndarray, np.ndarray]:
    """The chosen rows ordered greedily (largest addition first) and what each adds.

    >>> from planner_gis.suggest import from_coverage_matrix
    >>> p = from_coverage_matrix([[1, 0, 0], [1, 1, 1]], [1, 1, 1])
    >>> [r.tolist() for r in rank_order(p, [0, 1])]
    [[1, 0], [3.0, 0.0]]
    """
    chosen = np.asarray(list(chosen), dtype=np.int64)
    if len(chosen) == 0:
        return chosen, np.zeros(0)
    sub = CoverageProblem(p.matrix[chosen], p.weights, 0.0, p.total)
    rows, marg, _ = greedy(sub, k=len(chosen))
    left = [j for j in range(len(chosen)) if j not in set(rows)]
    order = np.asarray(rows + left, dtype=np.int64)
    return chosen[order], np.asarray(marg + [0.0] * len(left))


# ---------------------------------------------------------------- HiGHS


def highs_available() -> bool:
    """Whether the HiGHS solver (``highspy``) can be imported."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def _quiet_stdout():
    """Silence file descriptor 1 (HiGHS prints its banner from C++ when first created)."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        sys.stdout.flush()
    fd = 1
    try:
        saved = os.dup(fd)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _groups(p: CoverageProblem) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Origins merged by identical covering candidates: (groups x candidates matrix, group weights)."""
    at = sparse.csr_matrix(p.matrix.T)
    at.sort_indices()
    key: dict = {}
    gid = np.empty(p.n_origins, dtype=np.int64)
    for i in range(p.n_origins):
        gid[i] = key.setdefault(at.indices[at.indptr[i]:at.indptr[i + 1]].tobytes(), len(key))
    w = np.bincount(gid, weights=p.weights, minlength=len(key))
    first = np.full(len(key), -1, dtype=np.int64)
    first[gid[::-1]] = np.arange(p.n_origins)[::-1]
    return at[first], w


def _mip_size(p: CoverageProblem) -> tuple[int, int]:
    return p.n_candidates + p.n_origins, 2 * int(p.matrix.nnz) + p.n_candidates + p.n_origins


def _solve_highs(p: CoverageProblem, k: int | None, need: float | None, time_limit: float,
                 start: list | None, relax: bool = False) -> dict:
    """Solve the MCLP (``k``) or LSCP (``need``) integer program, or its LP relaxation, with HiGHS."""
    import highspy

    g, w = _groups(p)
    nc, ng = p.n_candidates, g.shape[0]
    # rows: y_g - sum_{j covers g} x_j <= 0, then the budget (MCLP) or the target (LSCP)
    top = sparse.hstack([-g.astype(np.float64), sparse.identity(ng, format="csr")])
    last = (sparse.hstack([np.ones((1, nc)), sparse.csr_matrix((1, ng))]) if k is not None
            else sparse.hstack([sparse.csr_matrix((1, nc)), w.reshape(1, -1)]))
    a = sparse.vstack([top, last]).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nc + ng, ng + 1
    lp.col_cost_ = np.r_[np.zeros(nc), w] if k is not None else np.r_[np.ones(nc), np.zeros(ng)]
    lp.sense_ = highspy.ObjSense.kMaximize if k is not None else highspy.ObjSense.kMinimize
    lp.col_lower_ = np.zeros(nc + ng)
    lp.col_upper_ = np.ones(nc + ng)
    lp.row_lower_ = np.r_[np.full(ng, -highspy.kHighsInf), -highspy.kHighsInf if k is not None else need - _tol(p)]
    lp.row_upper_ = np.r_[np.zeros(ng), float(k) if k is not None else highspy.kHighsInf]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * nc + [highspy.HighsVarType.kContinuous] * ng
    with _quiet_stdout():
        h = highspy.Highs()
    for name, value in (("output_flag", False), ("time_limit", float(time_limit)),
                        ("mip_rel_gap", MIP_REL_GAP), ("threads", 1)):
        h.setOptionValue(name, value)
    h.passModel(lp)
    if start and not relax:
        sol = highspy.HighsSolution()
        x = np.zeros(nc + ng)
        x[start] = 1.0
        sol.col_value = list(x)
        with contextlib.suppress(Exception):
            h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value[:nc]) if h.getSolution().value_valid else np.zeros(nc)
    version = f"HiGHS {h.version()}" if hasattr(h, "version") else "HiGHS"
    return {"status": h.modelStatusToString(status), "optimal": status == highspy.HighsModelStatus.kOptimal,
            "objective": float(info.objective_function_value),
            "dual_bound": float(info.mip_dual_bound) if not relax else float(info.objective_function_value),
            "chosen": np.flatnonzero(x > 0.5), "solver": f"{version} {'LP' if relax else 'MIP'}",
            "variables": nc + ng, "groups": ng}


# ---------------------------------------------------------------- models


def _check(p: CoverageProblem, method: str) -> None:
    if not isinstance(p, CoverageProblem):
        raise InputError("expected a CoverageProblem", fix="build one with from_cost_matrix or coverage_matrix")
    if method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}", fix="use method='auto'")
    if method == "exact" and not highs_available():
        raise InputError("method='exact' needs the HiGHS solver", fix="pip install highspy, or use method='auto'")


def _try_exact(p: CoverageProblem, method: str) -> bool:
    nvar, nnz = _mip_size(p)
    return method == "exact" or (method == "auto" and highs_available()
                                 and nvar <= MIP_MAX_VARIABLES and nnz <= MIP_MAX_NONZEROS)


def maximal_covering(p: CoverageProblem, k: int, method: str = "auto", time_limit: float = TIME_LIMIT) -> Solution:
    """Choose at most ``k`` candidates covering the most residents not covered before (MCLP).

    Parameters
    ----------
    p : CoverageProblem
    k : int
        Number of sites.
    method : {"auto", "exact", "greedy"}
        See the module notes.
    time_limit : float
        Seconds allowed to the integer program.

    Returns
    -------
    Solution
        Fewer than ``k`` sites when the others would add nobody.
    """
    _check(p, method)
    if int(k) < 1:
        raise InputError(f"number of sites {k} must be at least 1", fix="e.g. --sites 5")
    k = int(k)
    t0 = time.perf_counter()
    rows, marg, bound = greedy(p, k=k)
    value = float(sum(marg))
    solver, bound_source, status, meth = "greedy", "greedy online bound (submodularity)", "bound", "greedy"
    details: dict = {}
    if value >= bound - _tol(p):
        meth, status, bound_source = "exact", "optimal", "greedy online bound (submodularity) met"
    elif _try_exact(p, method):
        r = _solve_highs(p, k, None, max(1.0, time_limit - (time.perf_counter() - t0)), rows)
        details = {"variables": r["variables"], "origin_groups": r["groups"], "solver_status": r["status"]}
        mip_value = p.covered_by(r["chosen"]) if len(r["chosen"]) else 0.0
        if mip_value > value:
            rows, value = list(r["chosen"]), mip_value
        bound = min(bound, r["dual_bound"]) if np.isfinite(r["dual_bound"]) else bound
        solver = r["solver"] + " (greedy start)"
        if r["optimal"]:
            meth, status, bound_source = "exact", "optimal", "MIP proven optimal"
        else:
            meth, status, bound_source = "MIP (time limit)", "time limit", "MIP dual bound"
    elif highs_available() and _mip_size(p)[0] <= 4 * MIP_MAX_VARIABLES:
        r = _solve_highs(p, k, None, time_limit, None, relax=True)
        if r["optimal"] and r["objective"] < bound:
            bound, bound_source = r["objective"], "LP relaxation"
    sel, gains = rank_order(p, rows)
    value = float(gains.sum())
    bound = max(bound, value)
    gap = (bound - value) / bound if bound > 0 else 0.0
    gap = 0.0 if meth == "exact" and gap <= MIP_REL_GAP else gap
    return Solution("mclp", sel, gains, value, p.base, p.total, float(bound), float(gap), meth, solver,
                    bound_source, time.perf_counter() - t0, status, None, details)


def covering_to_target(p: CoverageProblem, target: float, method: str = "auto",
                       time_limit: float = TIME_LIMIT) -> Solution:
    """The fewest candidates so that the covered share reaches ``target`` (LSCP to a target).

    When even every candidate together falls short, the solution holds the
    sites that reach the most (greedily, no bound claimed), with status
    ``"target unreachable"`` and ``details["reachable_share"]``.

    Parameters
    ----------
    p : CoverageProblem
    target : float
        Share of all residents (``p.total``) to cover, in (0, 1].
    method : {"auto", "exact", "greedy"}
    time_limit : float

    Returns
    -------
    Solution
    """
    _check(p, method)
    if not (0 < float(target) <= 1):
        raise InputError(f"target share {target} must be in (0, 1]", fix="e.g. --target 0.9 for 90%")
    t0 = time.perf_counter()
    need = float(target) * p.total - p.base
    reachable = (p.base + p.coverable) / p.total if p.total > 0 else float("nan")
    details = {"reachable_share": round(reachable, 6) if p.total > 0 else None}
    if need <= _tol(p):
        return Solution("lscp", np.zeros(0, np.int64), np.zeros(0), 0.0, p.base, p.total, 0.0, 0.0, "exact",
                        "none", "target already reached", time.perf_counter() - t0, "target already reached",
                        float(target), details)
    if p.coverable < need - _tol(p):
        rows, marg, _ = greedy(p, need=np.inf)
        sel, gains = rank_order(p, rows)
        return Solution("lscp", sel, gains, float(gains.sum()), p.base, p.total, float("nan"), float("nan"),
                        "greedy", "greedy", "none (target unreachable)", time.perf_counter() - t0,
                        "target unreachable", float(target), details)
    rows, marg, _ = greedy(p, need=need)
    bound, bound_source, solver, meth, status = _count_bound(p, need), "top gains", "greedy", "greedy", "bound"
    if len(rows) <= bound:
        meth, status, bound_source = "exact", "optimal", "top gains bound met"
    elif _try_exact(p, method):
        r = _solve_highs(p, None, need, max(1.0, time_limit - (time.perf_counter() - t0)), rows)
        details.update(variables=r["variables"], origin_groups=r["groups"], solver_status=r["status"])
        if len(r["chosen"]) and len(r["chosen"]) < len(rows) and p.covered_by(r["chosen"]) >= need - _tol(p):
            rows = list(r["chosen"])
        if np.isfinite(r["dual_bound"]):
            bound = max(bound, int(np.ceil(r["dual_bound"] - 1e-6)))
        solver = r["solver"] + " (greedy start)"
        meth, status, bound_source = (("exact", "optimal", "MIP proven optimal") if r["optimal"]
                                      else ("MIP (time limit)", "time limit", "MIP dual bound"))
    elif highs_available() and _mip_size(p)[0] <= 4 * MIP_MAX_VARIABLES:
        r = _solve_highs(p, None, need, time_limit, None, relax=True)
        if r["optimal"]:
            lp = int(np.ceil(r["objective"] - 1e-6))
            if lp > bound:
                bound, bound_source = lp, "LP relaxation"
    sel, gains = rank_order(p, rows)
    n = len(sel)
    gap = (n - bound) / n if n else 0.0
    return Solution("lscp", sel, gains, float(gains.sum()), p.base, p.total, float(bound), float(max(gap, 0.0)),
                    meth, solver, bound_source, time.perf_counter() - t0,
                    "target reached" if meth != "exact" else "optimal", float(target), details)


def _count_bound(p: CoverageProblem, need: float) -> int:
    """Fewest sites whose individual gains could add up to ``need`` (a lower bound on any cover)."""
    g = np.sort(p.gains())[::-1]
    reach = np.cumsum(g)
    return int(np.searchsorted(reach, need - _tol(p)) + 1)


__all__ = ["Solution", "maximal_covering", "covering_to_target", "greedy", "rank_order", "highs_available",
           "METHODS", "TIME_LIMIT"]
