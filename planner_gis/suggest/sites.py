"""Suggesting facility sites from layers: the GeoDataFrame adapter over the covering models.

:func:`suggest_sites` snaps residents, existing facilities and candidates
onto the walking network, finds the residents not yet within the category's
threshold of an existing facility, builds the sparse coverage matrix of the
candidates (:func:`~planner_gis.suggest.coverage_matrix`) and solves MCLP
(``sites=K``) or set covering to a target (``target=SHARE``), for the
district or for each unit (``per_unit=True``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._progress import ProgressCallback, report, scaled
from ..crs import crs_label
from ..errors import InputError
from ..facilities import facility_access_points, load_catalogue
from ..network import WalkNetwork, points_xy, snap_points
from ..reach.engine import nearest_from_snapped
from ..reach.membership import zone_membership
from ..reach.population import population_weights
from ..reach.underserved import cell_drawer
from ..zones import read_zones
from .candidates import Candidates, every_candidates, layer_candidates, parse_every
from .matrix import coverage_matrix
from .problem import CoverageProblem, from_coverage_matrix
from .solve import TIME_LIMIT, covering_to_target, maximal_covering

#: Columns of ``sites.csv`` (a contract).
SITES_COLUMNS = ["rank", "candidate_id", "unit_id", "team_id", "x", "y", "gain_population", "cumulative_covered",
                 "cumulative_share"]
#: Columns of the ``newly_covered`` layer.
NEWLY_COVERED_COLUMNS = ["rank", "candidate_id", "unit_id", "population", "geometry"]


@dataclass
class SiteSuggestion:
    """What :func:`suggest_sites` returns.

    Attributes
    ----------
    sites : DataFrame
        Exactly :data:`SITES_COLUMNS`: the chosen sites in rank order
        (per unit with ``per_unit``: rank and cumulative columns restart in
        each unit and refer to its residents).
    sites_layer : GeoDataFrame
        The same rows as points, with ``category`` and ``threshold_m``.
    newly_covered : GeoDataFrame
        The cells of the residents each site brings within reach (first in
        rank order): ``rank, candidate_id, unit_id, population``.
    skipped : DataFrame
        Candidates farther than ``max_snap`` from every walking edge:
        ``candidate_id, x, y, snap_distance``.
    solutions : dict
        The :class:`~planner_gis.suggest.Solution` of the district (key
        ``None``) or of each unit.
    summary : dict
        JSON-ready: metric CRS, category, threshold, model, method, solver,
        gap, time, counts.
    crs : pyproj.CRS
    """

    sites: pd.DataFrame
    sites_layer: gpd.GeoDataFrame
    newly_covered: gpd.GeoDataFrame
    skipped: pd.DataFrame
    solutions: dict
    summary: dict
    crs: CRS
    problems: dict = field(default_factory=dict)

    def layers(self) -> dict:
        """The layers of ``suggest.gpkg``: ``sites`` and ``newly_covered``."""
        return {"sites": self.sites_layer, "newly_covered": self.newly_covered}


def from_geodataframe(net: WalkNetwork, population: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame,
                      threshold: float, population_column: str = "population", candidate_id: str | None = None,
                      covered: np.ndarray | None = None, max_snap: float = 200.0) -> CoverageProblem:
    """A :class:`CoverageProblem` from layers on the walking network (as spopt's ``from_geodataframe``, but walked).

    Candidates are points (other geometries count by a point on their surface;
    :func:`suggest_sites` reaches polygons at their gates or boundary). Origins
    already ``covered`` (a boolean array) count in ``base`` only.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    >>> pop = gpd.GeoDataFrame({"population": [5, 7, 9]}, geometry=[Point(0, 10), Point(500, 10), Point(990, 10)],
    ...                        crs=32650)
    >>> cands = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(100, 0), Point(800, 0)], crs=32650)
    >>> p = from_geodataframe(net, pop, cands, 300, candidate_id="id")
    >>> dict(zip(p.candidate_ids.tolist(), p.gains().tolist()))  # 500 m: 300 m + 10 m snap from b
    {'a': 5.0, 'b': 9.0}
    """
    w = population_weights(population, population_column)
    o = snap_points(net, points_xy(population, net.crs, "population layer"), max_snap)
    c = snap_points(net, points_xy(candidates, net.crs, "candidates"), max_snap)
    ids = (candidates[candidate_id].astype(str).to_numpy() if candidate_id
           else np.array([str(i + 1) for i in range(len(candidates))], dtype=object))
    cov = np.zeros(len(w), dtype=bool) if covered is None else np.asarray(covered, dtype=bool)
    m = coverage_matrix(net, o, c, threshold, origins_mask=~cov & (w > 0))
    return from_coverage_matrix(m, w, float(w[cov].sum()), float(w.sum()), ids)


def _category_row(catalogue: pd.DataFrame, category: str) -> pd.Series:
    hit = catalogue[catalogue["category"] == category]
    if len(hit) == 0:
        raise InputError(f"category {category!r} is not in the facility catalogue",
                         fix=f"choose one of {', '.join(catalogue['category'])}")
    return hit.iloc[0]


def _chosen_units(zones: gpd.GeoDataFrame, units: Sequence[str] | None) -> np.ndarray:
    """Row positions of the chosen units (all when ``units`` is None)."""
    if not units:
        return np.arange(len(zones))
    ids = zones["unit_id"].astype(str).to_numpy()
    missing = [u for u in units if str(u) not in set(ids)]
    if missing:
        raise InputError(f"unit(s) {', '.join(map(str, missing))} are not in the zones layer",
                         fix=f"choose among {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}")
    return np.flatnonzero(np.isin(ids, [str(u) for u in units]))


def _teams_of(teams: pd.DataFrame | None) -> dict:
    """``{unit_id: "team; team"}`` of the active unit teams."""
    if teams is None or len(teams) == 0:
        return {}
    t = teams.astype({"unit_id": str, "team_id": str})
    return {u: "; ".join(sorted(set(g["team_id"]))) for u, g in t.groupby("unit_id")}


@dataclass
class _Inputs:
    """Everything snapped and measured once for all models."""

    net: WalkNetwork
    weights: np.ndarray
    oxy: np.ndarray
    o_snap: Any
    covered: np.ndarray
    p_idx: np.ndarray
    z_idx: np.ndarray
    unit_ids: np.ndarray
    cands: Candidates
    c_snap: Any
    cand_unit: np.ndarray
    ok: np.ndarray


def _existing_covered(net: WalkNetwork, facilities: gpd.GeoDataFrame | None, o_snap: Any, catalogue: pd.DataFrame,
                      row: pd.Series, category_column: str, entrances: Any, max_snap: float) -> np.ndarray:
    """Origins within the threshold of an existing facility of the category (parks serve lower rungs)."""
    if facilities is None or len(facilities) == 0:
        return np.zeros(len(o_snap), dtype=bool)
    access = facility_access_points(facilities, catalogue, category_column=category_column, entrances=entrances,
                                    metric_crs=net.crs, unknown="ignore")
    access = access[access["category"] == row["category"]]
    if len(access) == 0:
        return np.zeros(len(o_snap), dtype=bool)
    f_snap = snap_points(net, shapely.get_coordinates(access.geometry.to_numpy()), max_snap)
    thr = float(row["threshold_m"])
    return nearest_from_snapped(net, o_snap, f_snap, limit=thr) <= thr


def _candidates(net: WalkNetwork, candidates: Any, zones_m: np.ndarray, chosen: np.ndarray, catalogue: pd.DataFrame,
                category: str, entrances: Any, candidate_id: str | None) -> Candidates:
    spacing = parse_every(candidates)
    if spacing is not None:
        return every_candidates(net, spacing, shapely.union_all(zones_m[chosen]))
    if isinstance(candidates, (str, bytes)) or not isinstance(candidates, gpd.GeoDataFrame):
        raise InputError(f"candidates {candidates!r} is neither a GeoDataFrame nor 'every:M'",
                         fix="read the layer with planner_gis.read_vector, or pass e.g. 'every:200'")
    return layer_candidates(candidates, net.crs, catalogue, category, entrances, candidate_id)


def _prepare(net, facilities, population, zones, row, catalogue, candidates, category_column, entrances,
             candidate_entrances, candidate_id, units, max_snap, progress) -> _Inputs:
    """Snap everything, find who is covered already, which unit holds each origin and candidate."""
    zones_m = np.asarray(zones.to_crs(net.crs).geometry.values, dtype=object)
    chosen = _chosen_units(zones, units)
    weights = population_weights(population, "population")
    oxy = points_xy(population, net.crs, "population layer")
    report(progress, 0.05, "snapping residents")
    o_snap = snap_points(net, oxy, max_snap)
    report(progress, 0.2, "existing facilities")
    covered = _existing_covered(net, facilities, o_snap, catalogue, row, category_column, entrances, max_snap)
    p_idx, z_idx = zone_membership(oxy, gpd.GeoSeries(zones_m[chosen]))
    z_idx = chosen[z_idx]
    report(progress, 0.35, "candidates")
    cands = _candidates(net, candidates, zones_m, chosen, catalogue, row["category"], candidate_entrances,
                        candidate_id)
    c_snap = snap_points(net, cands.point_xy, max_snap)
    ok = np.zeros(len(cands), dtype=bool)
    ok[cands.point_candidate[c_snap.edge >= 0]] = True
    cp, cz = zone_membership(cands.xy, gpd.GeoSeries(zones_m[chosen]))
    cand_unit = np.full(len(cands), -1, dtype=np.int64)
    cand_unit[cp[::-1]] = chosen[cz[::-1]]  # the first unit (in layer order) holding the candidate
    return _Inputs(net, weights, oxy, o_snap, covered, p_idx, z_idx, zones["unit_id"].astype(str).to_numpy(),
                   cands, c_snap, cand_unit, ok)


def suggest_sites(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame | None,
    population: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    category: str,
    candidates: gpd.GeoDataFrame | str,
    *,
    sites: int | None = None,
    target: float | None = None,
    per_unit: bool = False,
    units: Sequence[str] | None = None,
    catalogue: pd.DataFrame | None = None,
    teams: pd.DataFrame | None = None,
    category_column: str = "category",
    entrances: gpd.GeoDataFrame | None = None,
    candidate_entrances: gpd.GeoDataFrame | None = None,
    candidate_id: str | None = None,
    max_snap: float = 200.0,
    method: str = "auto",
    time_limit: float = TIME_LIMIT,
    progress: ProgressCallback | None = None,
) -> SiteSuggestion:
    """Where ``sites`` new facilities of ``category`` cover the most underserved residents (or reach ``target``).

    Parameters
    ----------
    net : WalkNetwork
    facilities : GeoDataFrame or None
        Existing facilities with ``category_column`` (residents within the
        threshold of one of ``category`` are covered already).
    population : GeoDataFrame
        Origins with a ``population`` column (:func:`planner_gis.read_population`).
    zones : GeoDataFrame
        Unit polygons (``unit_id``); residents outside the chosen units do not count.
    category : str
        Catalogue category whose threshold applies (e.g. ``"kindergarten"``).
    candidates : GeoDataFrame or str
        Candidate points or polygons, or ``"every:M"`` (points every M m of
        network inside the chosen units).
    sites : int, optional
        MCLP: the number of sites (per unit with ``per_unit``).
    target : float, optional
        Set covering: the covered share to reach (in each unit with ``per_unit``).
    per_unit : bool
        Solve each unit on its own, with its residents and the candidates inside it.
    units : sequence of str, optional
        Only these units (default all).
    catalogue : DataFrame, optional
        Default the shipped GB 50180-2018 catalogue.
    teams : DataFrame, optional
        ``unit_id, team_id`` (:func:`planner_gis.active_unit_teams`): ``team_id`` of each site's unit.
    category_column : str
        Category column of ``facilities``.
    entrances, candidate_entrances : GeoDataFrame, optional
        Gates of polygon facilities and of polygon candidates.
    candidate_id : str, optional
        Candidate id column (default ``candidate_id``, ``site_id``, ``id``, ``fac_id``, else the row number).
    max_snap : float
        Candidates (and residents) farther than this from every walking edge are skipped and reported.
    method : {"auto", "exact", "greedy"}
        See :mod:`planner_gis.suggest.solve`.
    time_limit : float
        Seconds for each integer program.
    progress : callable, optional

    Returns
    -------
    SiteSuggestion
    """
    if (sites is None) == (target is None):
        raise InputError("give either a number of sites or a target share, not both or neither",
                         fix="e.g. --sites 5, or --target 0.9")
    if max_snap <= 0:
        raise InputError(f"max_snap {max_snap:g} must be a positive distance in metres", fix="e.g. --max-snap 200")
    catalogue = load_catalogue() if catalogue is None else catalogue
    row = _category_row(catalogue, category)
    if not {"unit_id", "name", "level"} <= set(zones.columns):
        zones = read_zones(zones, type_column=None, default_type="area")
    zones = zones.reset_index(drop=True)
    inp = _prepare(net, facilities, population, zones, row, catalogue, candidates, category_column, entrances,
                   candidate_entrances, None if parse_every(candidates) else candidate_id, units, max_snap,
                   scaled(progress, 0.0, 0.4))
    thr = float(row["threshold_m"])
    in_scope = np.zeros(len(inp.weights), dtype=bool)
    in_scope[inp.p_idx] = True
    mask = in_scope & ~inp.covered & (inp.weights > 0)
    matrix = coverage_matrix(net, inp.o_snap, inp.c_snap, thr, inp.cands.point_candidate, len(inp.cands), mask,
                             scaled(progress, 0.4, 0.85))
    report(progress, 0.85, "choosing sites")
    problems = _problems(inp, matrix, in_scope, per_unit)
    solutions = {key: (maximal_covering(p, sites, method, time_limit) if sites is not None
                       else covering_to_target(p, target, method, time_limit)) for key, p in problems.items()}
    report(progress, 0.95, "newly covered areas")
    table = _sites_table(inp, problems, solutions, _teams_of(teams))
    layer = gpd.GeoDataFrame(table.assign(category=category, threshold_m=thr),
                             geometry=gpd.points_from_xy(table["x"], table["y"]), crs=net.crs)
    newly = _newly_covered(inp, population, problems, solutions, matrix)
    skipped = _skipped(inp)
    summary = _summary(inp, row, solutions, skipped, sites, target, per_unit, units, max_snap, net.crs)
    report(progress, 1.0, "done")
    return SiteSuggestion(table, layer, newly, skipped, solutions, summary, net.crs, problems)


def _problems(inp: _Inputs, matrix: Any, in_scope: np.ndarray, per_unit: bool) -> dict:
    """The district's problem (key None) or one per unit (candidates inside it, its residents)."""
    cand_rows = np.flatnonzero(inp.ok)
    w = inp.weights
    if not per_unit:
        base = float(w[in_scope & inp.covered].sum())
        total = float(w[in_scope].sum())
        return {None: from_coverage_matrix(matrix[cand_rows], w, base, total, inp.cands.ids[cand_rows])}
    out = {}
    for z in np.unique(inp.z_idx):
        members = inp.p_idx[inp.z_idx == z]
        rows = cand_rows[inp.cand_unit[cand_rows] == z]
        base = float(w[members][inp.covered[members]].sum())
        total = float(w[members].sum())
        sub = matrix[rows][:, members]
        p = from_coverage_matrix(sub, w[members], base, total, inp.cands.ids[rows])
        p.origin_index = members[p.origin_index]
        out[inp.unit_ids[z]] = p
    return out


def _sites_table(inp: _Inputs, problems: dict, solutions: dict, team_of: dict) -> pd.DataFrame:
    """The rows of sites.csv (rank within the district or within each unit)."""
    pos = {c: i for i, c in enumerate(inp.cands.ids.tolist())}
    frames = []
    for key, sol in solutions.items():
        p: CoverageProblem = problems[key]
        ids = p.candidate_ids[sol.selected]
        idx = np.array([pos[c] for c in ids], dtype=np.int64)
        unit = np.array([inp.unit_ids[u] if u >= 0 else "" for u in inp.cand_unit[idx]], dtype=object)
        cum = sol.cumulative
        frames.append(pd.DataFrame({
            "rank": np.arange(1, len(ids) + 1), "candidate_id": ids.astype(str), "unit_id": unit,
            "team_id": [team_of.get(u, "") for u in unit], "x": inp.cands.xy[idx, 0].round(2),
            "y": inp.cands.xy[idx, 1].round(2), "gain_population": sol.gains.round(3),
            "cumulative_covered": cum.round(3),
            "cumulative_share": (cum / p.total).round(6) if p.total > 0 else np.full(len(cum), np.nan)}))
    if not frames:
        return pd.DataFrame({c: [] for c in SITES_COLUMNS})
    return pd.concat(frames, ignore_index=True)[SITES_COLUMNS]


def _newly_covered(inp: _Inputs, population: gpd.GeoDataFrame, problems: dict, solutions: dict,
                   matrix: Any) -> gpd.GeoDataFrame:
    """Cells of the residents first brought within reach by each chosen site."""
    crs = inp.net.crs
    rows: list = []
    draw = None
    for key, sol in solutions.items():
        p: CoverageProblem = problems[key]
        taken = np.zeros(p.n_origins, dtype=bool)
        for r, j in enumerate(sol.selected.tolist()):
            cols = p.matrix.indices[p.matrix.indptr[j]:p.matrix.indptr[j + 1]]
            cols = cols[~taken[cols]]
            taken[cols] = True
            origins = p.origin_index[cols]
            origins = origins[inp.weights[origins] > 0]
            if len(origins) == 0:
                continue
            if draw is None:
                draw, _ = cell_drawer(population, inp.oxy, crs, None)
            cid = str(p.candidate_ids[j])
            unit = key if key is not None else ""
            rows.append({"rank": r + 1, "candidate_id": cid, "unit_id": unit,
                         "population": round(float(inp.weights[origins].sum()), 3), "geometry": draw(origins)})
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in NEWLY_COVERED_COLUMNS}, geometry="geometry", crs=crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)[NEWLY_COVERED_COLUMNS]


def _skipped(inp: _Inputs) -> pd.DataFrame:
    """Candidates with no access point within ``max_snap`` of the network."""
    bad = np.flatnonzero(~inp.ok)
    dist = np.full(len(inp.cands), np.inf)
    np.minimum.at(dist, inp.cands.point_candidate, inp.c_snap.distance)
    return pd.DataFrame({"candidate_id": inp.cands.ids[bad].astype(str), "x": inp.cands.xy[bad, 0].round(2),
                         "y": inp.cands.xy[bad, 1].round(2), "snap_distance": dist[bad].round(1)})


def _summary(inp: _Inputs, row: pd.Series, solutions: dict, skipped: pd.DataFrame, sites: int | None,
             target: float | None, per_unit: bool, units: Sequence[str] | None, max_snap: float,
             crs: CRS) -> dict:
    sols = list(solutions.values())
    gaps = [s.gap for s in sols if np.isfinite(s.gap)]
    methods = sorted({s.method for s in sols})
    return {
        "crs": crs_label(crs), "crs_wkt": crs.to_wkt(), "category": str(row["category"]),
        "threshold_m": float(row["threshold_m"]), "model": "mclp" if sites is not None else "lscp",
        "sites_requested": sites, "target": target, "per_unit": bool(per_unit),
        "units": list(units) if units else "all",
        "method": methods[0] if len(methods) == 1 else ", ".join(methods),
        "solver": ", ".join(sorted({s.solver for s in sols})) or "none",
        "gap": round(max(gaps), 6) if gaps else None,
        "seconds": round(sum(s.seconds for s in sols), 4),
        "sites": int(sum(len(s.selected) for s in sols)),
        "newly_covered": round(sum(s.newly_covered for s in sols), 3),
        "candidates": {"source": inp.cands.source, "total": int(len(inp.cands)), "usable": int(inp.ok.sum()),
                       "skipped_beyond_max_snap": int(len(skipped)), "max_snap_m": float(max_snap)},
        "skipped": skipped.head(50).to_dict(orient="records"),
        "solutions": {("district" if k is None else str(k)): s.summary() for k, s in solutions.items()},
    }


__all__ = ["SiteSuggestion", "suggest_sites", "from_geodataframe", "SITES_COLUMNS", "NEWLY_COVERED_COLUMNS"]
