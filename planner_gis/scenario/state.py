"""What-if on a reach result: add, remove or move facilities and gates; coverage updated incrementally.

A :class:`Scenario` holds the walking network, the snapped residents, the
facility access points and, per category, every resident's distance to the
nearest access point (``inf`` beyond the category's threshold), exactly as
:func:`planner_gis.compute_coverage` computes them.

Incremental and exact
---------------------
A change moves access points of some categories. Walking distance is never
shorter than the straight line between the snapped points plus both snap
legs, so only residents within ``threshold`` (straight line) of a changed
point can change; for each of them, any access point within the threshold
lies within ``2 x threshold`` of the changed point. The scenario re-runs one
bounded search (:func:`~planner_gis.reach.engine.nearest_from_snapped`,
``limit = threshold``) from those access points for those residents only,
and updates the covered population of their units. The result equals a
full recompute (:meth:`Scenario.recompute`, checked by the tests).

The search graph (:func:`~planner_gis.reach.engine.source_graph`) is built
once with spare virtual source nodes; an added point takes a spare node
whose two arcs are set in place, so a change never copies the network.

Examples
--------
A 1 km street with 11 homes of 10 residents, one unit, a kindergarten at
the west end (300 m threshold):

>>> import numpy as np
>>> import pandas as pd
>>> from planner_gis.network import WalkNetwork
>>> net = WalkNetwork(32650, np.array([[0.0, 0], [1000, 0]]), [0], [1])
>>> cat = pd.DataFrame({"category": ["kindergarten"], "tier_min": [5], "threshold_m": [300.0]})
>>> sc = Scenario(net, np.c_[np.arange(0, 1001, 100.0), np.zeros(11)], np.full(11, 10.0),
...               (np.arange(11), np.zeros(11, int)), ["U1"], cat,
...               np.array([[0.0, 0]]), ["K1"], ["kindergarten"])
>>> float(sc.coverage().query("category == 'kindergarten'")["covered_population"].iloc[0])
40.0
>>> step = sc.add(650, 0, "kindergarten")
>>> step.facility_id, step.changes[["category", "change"]].values.tolist()
('new-1', [['kindergarten', 60.0], ['tier_5', 60.0]])
>>> sc.undo().changes["change"].tolist()
[-60.0, -60.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from ..constants import TIERS
from ..errors import InputError
from ..network import Snapped, WalkNetwork, snap_points
from ..reach.engine import nearest_from_snapped, source_graph

#: Columns of the coverage difference (``planner-gis whatif``'s ``coverage_diff.csv``).
DIFF_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "covered_before",
                "covered_after", "change", "share_before", "share_after"]
#: Spare virtual source nodes kept for added points (doubled when used up).
SPARE = 1024


@dataclass
class Step:
    """One applied change: what it did and how coverage moved.

    Attributes
    ----------
    op : str
        ``add``, ``remove``, ``move``, ``add_gate``, ``remove_gate``, ``move_gate`` or ``undo``.
    facility_id : str
        The facility concerned (a new id for ``add``).
    removed, added : ndarray of int
        Access point slots switched off and on.
    changes : DataFrame
        :data:`DIFF_COLUMNS` rows of the units and categories (and tiers)
        whose covered population this step changed; ``covered_before`` is
        the state before the step.
    origins : int
        Residents' origins searched again.
    """

    op: str
    facility_id: str
    removed: np.ndarray
    added: np.ndarray
    changes: pd.DataFrame
    origins: int = 0


def _as_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    need = {"category", "tier_min", "threshold_m"}
    if not need <= set(catalogue.columns):
        raise InputError(f"catalogue lacks {sorted(need - set(catalogue.columns))}",
                         fix="use planner_gis.load_catalogue()")
    cat = catalogue.reset_index(drop=True)
    return pd.DataFrame({"category": cat["category"].astype(str), "tier_min": cat["tier_min"].astype(int),
                         "threshold_m": cat["threshold_m"].astype(float),
                         "name_zh": cat["name_zh"] if "name_zh" in cat else cat["category"]})


class Scenario:
    """A reach result that can be changed: facilities and gates added, removed or moved.

    Parameters
    ----------
    net : WalkNetwork
    origin_xy : ndarray, shape (n, 2)
        Residents' origins in the network CRS.
    weights : ndarray
        Residents per origin.
    membership : (ndarray, ndarray)
        Origin and unit indices of each (origin, unit) pair
        (:func:`planner_gis.reach.zone_membership`).
    unit_ids : sequence of str
    catalogue : DataFrame
        ``category, tier_min, threshold_m``.
    point_xy : ndarray, shape (m, 2)
        Facility access points (one per facility point, park gate or
        boundary point, repeated for each category served).
    point_facility, point_category : sequence of str
        Facility id and served category of each access point.
    point_facility_category : sequence of str, optional
        The facility's own category (default ``point_category``).
    max_snap : float
    """

    def __init__(self, net: WalkNetwork, origin_xy: np.ndarray, weights: np.ndarray,
                 membership: tuple[np.ndarray, np.ndarray], unit_ids: Sequence[str], catalogue: pd.DataFrame,
                 point_xy: np.ndarray, point_facility: Sequence[str], point_category: Sequence[str],
                 point_facility_category: Sequence[str] | None = None, max_snap: float = 200.0):
        self.net = net
        self.max_snap = float(max_snap)
        self.catalogue = _as_catalogue(catalogue)
        self.thresholds = self.catalogue["threshold_m"].to_numpy()
        self._cat_index = {c: i for i, c in enumerate(self.catalogue["category"])}
        self.weights = np.asarray(weights, dtype=np.float64)
        self.origin_xy = np.asarray(origin_xy, dtype=np.float64).reshape(-1, 2)
        self.origins = snap_points(net, self.origin_xy, self.max_snap)
        self.unit_ids = np.asarray([str(u) for u in unit_ids], dtype=object)
        p_idx, z_idx = (np.asarray(a, dtype=np.int64) for a in membership)
        self._units_of = sparse.csr_matrix((np.ones(len(p_idx)), (p_idx, z_idx)),
                                           shape=(len(self.weights), len(self.unit_ids)))
        self._unit_pop = np.bincount(z_idx, weights=self.weights[p_idx], minlength=len(self.unit_ids))
        ok = np.flatnonzero(self.origins.edge >= 0)
        self._tree_ids = ok
        self._tree = cKDTree(self.origins.xy[ok]) if len(ok) else None
        self._init_points(np.asarray(point_xy, dtype=np.float64).reshape(-1, 2), point_facility, point_category,
                          point_facility_category)
        self.dist = self._full_distances()
        self._covered = self._unit_covered(np.arange(len(self.weights)))
        self.baseline = self._covered.copy()
        self.history: list[Step] = []
        self._new = 0

    # ------------------------------------------------------------ points and graph
    def _init_points(self, xy: np.ndarray, fac: Sequence[str], cat: Sequence[str],
                     fcat: Sequence[str] | None) -> None:
        cats = [str(c) for c in cat]
        unknown = sorted(set(cats) - set(self._cat_index))
        if unknown:
            raise InputError(f"access points of categories {unknown} are not in the catalogue",
                             fix="drop them or add the categories to the catalogue")
        n = len(xy)
        cap = n + SPARE
        snap = snap_points(self.net, xy, self.max_snap)
        self.p_fac = np.empty(cap, dtype=object)
        self.p_fac[:n] = [str(f) for f in fac]
        self.p_fcat = np.empty(cap, dtype=object)
        self.p_fcat[:n] = cats if fcat is None else [str(c) for c in fcat]
        self.p_cat = np.full(cap, -1, dtype=np.int64)
        self.p_cat[:n] = [self._cat_index[c] for c in cats]
        self.p_xy = np.full((cap, 2), np.nan)
        self.p_xy[:n] = xy
        self.active = np.zeros(cap, dtype=bool)
        self.active[:n] = True
        self.n_points = n
        self._build_graph(snap, cap)

    def _build_graph(self, snap: Snapped, cap: int) -> None:
        """The search graph with ``cap`` virtual sources: the first ``len(snap)`` are points, the rest spare."""
        n, spare = len(snap), cap - len(snap)
        # spare nodes sit on edge 0 (two arcs each) until a point takes them; nothing leads into them
        self.pts = Snapped(np.r_[snap.edge, np.full(spare, -1)], np.r_[snap.offset, np.zeros(spare)],
                           np.r_[snap.distance, np.full(spare, np.inf)], np.r_[snap.xy, np.full((spare, 2), np.nan)])
        dummy = Snapped(np.r_[snap.edge, np.zeros(spare, np.int64)], self.pts.offset.copy(),
                        np.r_[snap.distance, np.zeros(spare)], self.pts.xy)
        self.graph = source_graph(self.net, dummy)
        self._capacity = cap
        self.pts.edge[n:] = -1

    def _grow(self) -> None:
        """Double the spare sources (rebuilds the graph once)."""
        old = self._capacity
        cap = old * 2
        for name in ("p_fac", "p_fcat"):
            a = np.empty(cap, dtype=object)
            a[:old] = getattr(self, name)
            setattr(self, name, a)
        self.p_cat = np.r_[self.p_cat, np.full(cap - old, -1)]
        self.p_xy = np.r_[self.p_xy, np.full((cap - old, 2), np.nan)]
        self.active = np.r_[self.active, np.zeros(cap - old, dtype=bool)]
        used = Snapped(self.pts.edge[:self.n_points], self.pts.offset[:self.n_points],
                       self.pts.distance[:self.n_points], self.pts.xy[:self.n_points])
        self._build_graph(used, cap)

    def _place(self, xy: np.ndarray, fac: str, cat: str, fcat: str) -> int:
        """Put a new access point into the next free slot; returns the slot."""
        if self.n_points >= self._capacity:
            self._grow()
        s = self.n_points
        self.n_points += 1
        snap = snap_points(self.net, xy.reshape(1, 2), self.max_snap)
        e = int(snap.edge[0])
        self.pts.edge[s], self.pts.offset[s], self.pts.distance[s] = e, snap.offset[0], snap.distance[0]
        self.pts.xy[s] = snap.xy[0]
        if e >= 0:
            a = self.graph.indptr[self.net.n_nodes + s]
            length = self.net.edge_length[e]
            self.graph.indices[a:a + 2] = (self.net.edge_u[e], self.net.edge_v[e])
            # the arcs source_graph gives a virtual source, in the same floating-point operations
            # (the tests compare with a fresh graph bit for bit)
            self.graph.data[a:a + 2] = (snap.distance[0] + snap.offset[0], snap.distance[0] + (length - snap.offset[0]))
        self.p_fac[s], self.p_cat[s], self.p_fcat[s] = fac, self._cat_index[cat], fcat
        self.p_xy[s] = xy
        self.active[s] = True
        return s

    # ------------------------------------------------------------ distances
    def _sources(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.active & (self.p_cat == c) & (self.pts.edge >= 0))

    def _full_distances(self) -> np.ndarray:
        dist = np.full((len(self.catalogue), len(self.weights)), np.inf)
        for c, thr in enumerate(self.thresholds):
            src = self._sources(c)
            if len(src):
                dist[c] = nearest_from_snapped(self.net, self.origins, self.pts, limit=thr, graph=self.graph,
                                               sources=src)
        return dist

    def recompute(self) -> np.ndarray:
        """Distances from scratch for the current points (a fresh graph): the reference for the incremental ones."""
        n = self.n_points
        pts = Snapped(self.pts.edge[:n], self.pts.offset[:n], self.pts.distance[:n], self.pts.xy[:n])
        graph = source_graph(self.net, pts)
        dist = np.full((len(self.catalogue), len(self.weights)), np.inf)
        for c, thr in enumerate(self.thresholds):
            src = np.flatnonzero(self.active[:n] & (self.p_cat[:n] == c) & (pts.edge >= 0))
            if len(src):
                dist[c] = nearest_from_snapped(self.net, self.origins, pts, limit=thr, graph=graph, sources=src)
        return dist

    def _region(self, slots: np.ndarray, thr: float) -> np.ndarray:
        """Origins whose straight-line lower bound to one of ``slots`` is within ``thr``."""
        slots = slots[self.pts.edge[slots] >= 0]
        if self._tree is None or len(slots) == 0:
            return np.zeros(0, np.int64)
        slack = thr * 1e-9 + 1e-6
        found = self._tree.query_ball_point(self.pts.xy[slots], r=np.maximum(thr - self.pts.distance[slots], 0) + slack)
        idx = np.unique(np.concatenate([np.asarray(h, dtype=np.int64) for h in found]))
        return self._tree_ids[idx]

    def _near_sources(self, c: int, slots: np.ndarray, thr: float) -> np.ndarray:
        """Active points of category ``c`` within ``2 thr`` (straight line, snapped) of a changed point."""
        src = self._sources(c)
        slots = slots[self.pts.edge[slots] >= 0]
        if len(src) == 0 or len(slots) == 0:
            return src[:0]
        d = np.min(np.hypot(self.pts.xy[src, None, 0] - self.pts.xy[None, slots, 0],
                            self.pts.xy[src, None, 1] - self.pts.xy[None, slots, 1]), axis=1)
        return src[d <= 2 * thr + thr * 1e-9 + 1e-6]

    def _update(self, changed: np.ndarray) -> tuple[dict, np.ndarray]:
        """Search again around the changed slots; returns ``{category: origins}`` and all touched origins."""
        touched: dict = {}
        for c in np.unique(self.p_cat[changed]):
            c = int(c)
            thr = self.thresholds[c]
            slots = changed[self.p_cat[changed] == c]
            region = self._region(slots, thr)
            if len(region) == 0:
                continue
            src = self._near_sources(c, slots, thr)
            sub = Snapped(self.origins.edge[region], self.origins.offset[region], self.origins.distance[region],
                          self.origins.xy[region])
            new = (nearest_from_snapped(self.net, sub, self.pts, limit=thr, graph=self.graph, sources=src)
                   if len(src) else np.full(len(region), np.inf))
            touched[c] = (region, new)
        allr = np.unique(np.concatenate([r for r, _ in touched.values()])) if touched else np.zeros(0, np.int64)
        return touched, allr

    # ------------------------------------------------------------ coverage
    def _rows(self) -> pd.DataFrame:
        """Category rows then tier rows (the order of :meth:`coverage`)."""
        cat = self.catalogue
        rows = [(c, int(t), float(h)) for c, t, h in zip(cat["category"], cat["tier_min"], cat["threshold_m"])]
        rows += [(f"tier_{t}", t, np.nan) for t in TIERS if (cat["tier_min"] == t).any()]
        return pd.DataFrame(rows, columns=["category", "tier_min", "threshold_m"])

    def _covered_matrix(self, origins: np.ndarray) -> np.ndarray:
        """(rows of :meth:`_rows`) x origins: covered per category, then all categories of each tier."""
        cov = self.dist[:, origins] <= self.thresholds[:, None]
        tiers = self.catalogue["tier_min"].to_numpy()
        extra = [cov[tiers == t].all(axis=0) for t in TIERS if (tiers == t).any()]
        return np.vstack([cov, *extra]) if extra else cov

    def _unit_covered(self, origins: np.ndarray) -> np.ndarray:
        """Covered residents per row and unit from ``origins`` only."""
        cov = self._covered_matrix(origins).astype(np.float64) * self.weights[origins]
        return np.asarray((self._units_of[origins].T @ cov.T).T)

    def coverage(self) -> pd.DataFrame:
        """The current coverage table (as ``coverage.csv``): one row per unit and category, then tier rows."""
        rows = self._rows()
        nz = len(self.unit_ids)
        out = pd.DataFrame({"unit_id": np.tile(self.unit_ids, len(rows)),
                            "category": np.repeat(rows["category"].to_numpy(), nz),
                            "tier_min": np.repeat(rows["tier_min"].to_numpy(), nz),
                            "threshold_m": np.repeat(rows["threshold_m"].to_numpy(), nz),
                            "population": np.tile(self._unit_pop, len(rows)),
                            "covered_population": self._covered.ravel()})
        with np.errstate(invalid="ignore", divide="ignore"):
            out["share"] = np.where(out["population"] > 0, out["covered_population"] / out["population"], np.nan)
        return out

    def difference(self, only_changed: bool = False) -> pd.DataFrame:
        """Coverage now against the reach result: :data:`DIFF_COLUMNS` for every unit and category."""
        return self._diff(self.baseline, self._covered, only_changed)

    def _diff(self, before: np.ndarray, after: np.ndarray, only_changed: bool) -> pd.DataFrame:
        cov = self.coverage()
        out = cov[["unit_id", "category", "tier_min", "threshold_m", "population"]].copy()
        out["covered_before"] = before.ravel()
        out["covered_after"] = after.ravel()
        out["change"] = out["covered_after"] - out["covered_before"]
        with np.errstate(invalid="ignore", divide="ignore"):
            pop = out["population"].where(out["population"] > 0)
            out["share_before"] = out["covered_before"] / pop
            out["share_after"] = out["covered_after"] / pop
        if only_changed:
            out = out[out["change"].abs() > 1e-9]
        return out.reset_index(drop=True)[DIFF_COLUMNS]

    # ------------------------------------------------------------ changes
    def _apply(self, op: str, fac: str, removed: Sequence[int], added: Sequence[int]) -> Step:
        removed = np.asarray(removed, dtype=np.int64)
        added = np.asarray(added, dtype=np.int64)
        changed = np.r_[removed, added]
        touched, allr = self._update(changed)
        before_units = self._unit_covered(allr) if len(allr) else None
        for c, (region, new) in touched.items():
            self.dist[c, region] = new
        before = self._covered.copy()
        if len(allr):
            self._covered += self._unit_covered(allr) - before_units
        step = Step(op, fac, removed, added, self._diff(before, self._covered, True), int(len(allr)))
        return step

    def _facility_slots(self, facility_id: Any) -> np.ndarray:
        slots = np.flatnonzero(self.active[:self.n_points] & (self.p_fac[:self.n_points] == str(facility_id)))
        if len(slots) == 0:
            raise InputError(f"facility {facility_id!r} is not in the scenario (or removed already)",
                             fix="use a facility id of the reach's facilities (reach.gpkg) or of an added one")
        return slots

    def add(self, x: float, y: float, category: str, facility_id: str | None = None) -> Step:
        """Add a point facility of ``category`` at ``(x, y)`` (network CRS); returns the :class:`Step`."""
        if category not in self._cat_index:
            raise InputError(f"category {category!r} is not in the catalogue",
                             fix=f"choose one of {', '.join(self.catalogue['category'])}")
        if facility_id is None:
            self._new += 1
            facility_id = f"new-{self._new}"
        s = self._place(np.array([float(x), float(y)]), str(facility_id), category, category)
        self.active[s] = False  # switched on by _record, so that undo and redo share one path
        return self._record("add", str(facility_id), [], [s])

    def remove(self, facility_id: Any) -> Step:
        """Remove a facility (all its access points, for every category it serves)."""
        return self._record("remove", str(facility_id), self._facility_slots(facility_id), [])

    def move(self, facility_id: Any, x: float, y: float) -> Step:
        """Move a facility reached at one place (a point facility) to ``(x, y)``."""
        slots = self._facility_slots(facility_id)
        places = np.unique(self.p_xy[slots], axis=0)
        if len(places) > 1:
            raise InputError(f"facility {facility_id!r} is reached at {len(places)} places (gates or boundary "
                             "points)", fix="move one gate with move_gate, or remove it and add a new one")
        new = [self._place(np.array([float(x), float(y)]), str(facility_id), self.catalogue["category"][
            int(self.p_cat[s])], self.p_fcat[s]) for s in slots]
        self.active[new] = False
        return self._record("move", str(facility_id), slots, new)

    def gates(self, facility_id: Any) -> np.ndarray:
        """The distinct access places (x, y) of a facility, in slot order; gate ``k`` is row ``k``."""
        slots = self._facility_slots(facility_id)
        _, first = np.unique(self.p_xy[slots], axis=0, return_index=True)
        return self.p_xy[slots[np.sort(first)]]

    def _gate_slots(self, facility_id: Any, gate: int) -> np.ndarray:
        places = self.gates(facility_id)
        if not 0 <= int(gate) < len(places):
            raise InputError(f"facility {facility_id!r} has gates 0..{len(places) - 1}, not {gate}",
                             fix="list them with Scenario.gates(facility_id)")
        slots = self._facility_slots(facility_id)
        return slots[(self.p_xy[slots] == places[int(gate)]).all(axis=1)]

    def add_gate(self, facility_id: Any, x: float, y: float) -> Step:
        """Add a gate (an access point for every category the facility serves) at ``(x, y)``."""
        slots = self._facility_slots(facility_id)
        served = {int(self.p_cat[s]): self.p_fcat[s] for s in slots}
        new = [self._place(np.array([float(x), float(y)]), str(facility_id), self.catalogue["category"][c], f)
               for c, f in served.items()]
        self.active[new] = False
        return self._record("add_gate", str(facility_id), [], new)

    def remove_gate(self, facility_id: Any, gate: int) -> Step:
        """Remove gate ``gate`` (see :meth:`gates`) of a facility."""
        return self._record("remove_gate", str(facility_id), self._gate_slots(facility_id, gate), [])

    def move_gate(self, facility_id: Any, gate: int, x: float, y: float) -> Step:
        """Move gate ``gate`` of a facility to ``(x, y)``."""
        old = self._gate_slots(facility_id, gate)
        new = [self._place(np.array([float(x), float(y)]), str(facility_id),
                           self.catalogue["category"][int(self.p_cat[s])], self.p_fcat[s]) for s in old]
        self.active[new] = False
        return self._record("move_gate", str(facility_id), old, new)

    def _record(self, op: str, fac: str, removed: Sequence[int], added: Sequence[int]) -> Step:
        self.active[np.asarray(removed, dtype=np.int64)] = False
        self.active[np.asarray(added, dtype=np.int64)] = True
        step = self._apply(op, fac, removed, added)
        self.history.append(step)
        return step

    def undo(self) -> Step:
        """Take back the last change; returns the :class:`Step` of the undo."""
        if not self.history:
            raise InputError("nothing to undo", fix="make a change first")
        last = self.history.pop()
        self.active[last.added] = False
        self.active[last.removed] = True
        return self._apply("undo", last.facility_id, last.added, last.removed)

    def reset(self) -> None:
        """Undo every change."""
        while self.history:
            self.undo()

    def nearest_facility(self, x: float, y: float, category: str | None = None,
                         radius: float = np.inf) -> str | None:
        """Id of the active facility with an access point nearest to ``(x, y)`` (straight line), within ``radius``.

        ``category`` limits the search to facilities of that own category.
        """
        s = np.flatnonzero(self.active[:self.n_points])
        if category is not None:
            s = s[self.p_fcat[s] == category]
        if len(s) == 0:
            return None
        d = np.hypot(self.p_xy[s, 0] - float(x), self.p_xy[s, 1] - float(y))
        k = int(np.argmin(d))
        return str(self.p_fac[s[k]]) if d[k] <= radius else None

    def facilities(self) -> pd.DataFrame:
        """The active access points: ``facility_id, category, facility_category, x, y, snap_distance``."""
        s = np.flatnonzero(self.active[:self.n_points])
        return pd.DataFrame({"facility_id": self.p_fac[s], "category": self.catalogue["category"].to_numpy()[
            self.p_cat[s]], "facility_category": self.p_fcat[s], "x": self.p_xy[s, 0], "y": self.p_xy[s, 1],
            "snap_distance": self.pts.distance[s]})


__all__ = ["Scenario", "Step", "DIFF_COLUMNS"]
