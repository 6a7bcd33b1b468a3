"""Coverage per unit: the living-circle result of the reach engine.

:func:`compute_coverage` chains the engine (:mod:`~planner_gis.reach.engine`)
with zone membership, aggregation per unit and tier, underserved areas and
unreachable records, and returns a :class:`ReachResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .. import _jit
from .._memory import small_pages
from .._progress import ProgressCallback, report, scaled
from ..constants import COVERAGE_COLUMNS, TIERS
from ..crs import crs_label, require_crs
from ..errors import InputError
from ..network import Snapped, WalkNetwork, points_xy, snap_points
from .engine import nearest_per_group
from .membership import zone_membership
from .population import population_weights
from .underserved import underserved_areas

#: Columns of the underserved layer.
UNDERSERVED_LAYER_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "team_id",
                             "team_name", "geometry"]


@dataclass
class ReachResult:
    """Result of :func:`compute_coverage`.

    Attributes
    ----------
    coverage : DataFrame
        Columns exactly ``unit_id, category, tier_min, threshold_m,
        population, covered_population, share``: one row per unit and
        category, plus rows ``category="tier_5"``, ``"tier_10"``, ``"tier_15"``
        (population covered for *all* categories of that tier; ``threshold_m``
        NaN). ``share`` is NaN where a unit has no population.
    underserved : GeoDataFrame
        Uncovered population cells dissolved per unit and category: columns
        ``unit_id, category, tier_min, threshold_m, population, team_id,
        team_name``.
    unreachable : GeoDataFrame
        Origins and facilities farther than ``max_snap`` from the network:
        columns ``kind`` (origin/facility), ``record``, ``category``,
        ``snap_distance``, ``reason``.
    origin_distance : DataFrame
        Walking distance (m) per origin (index of the population layer) and
        category; ``inf`` beyond the search limit or when unreachable.
    crs : pyproj.CRS
        Metric CRS of all geometries.
    summary : dict
        Counts: origins, facilities, unreachable, ignored categories, ...
    """

    coverage: pd.DataFrame
    underserved: gpd.GeoDataFrame
    unreachable: gpd.GeoDataFrame
    origin_distance: pd.DataFrame
    crs: CRS
    summary: dict = field(default_factory=dict)


def _validate_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's ``category``, ``tier_min``, ``threshold_m`` checked and typed (a copy)."""
    need = ["category", "tier_min", "threshold_m"]
    missing = [c for c in need if c not in catalogue.columns]
    if missing:
        raise InputError(f"facility catalogue lacks column(s) {missing} (has {list(catalogue.columns)})",
                         fix="the catalogue needs category, name_zh, tier_min (5/10/15) and threshold_m")
    cat = catalogue.copy()
    cat["category"] = cat["category"].astype(str).str.strip()
    for col in ("tier_min", "threshold_m"):
        vals = pd.to_numeric(cat[col], errors="coerce")
        bad = vals.isna() | (vals <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"facility catalogue row {i + 1} ({cat['category'].iloc[i]}): "
                             f"{col}={catalogue[col].iloc[i]} is not a positive number",
                             fix=f"set {col} (tier_min one of 5/10/15, threshold_m in metres)")
        cat[col] = vals.astype(float)
    bad_tier = ~cat["tier_min"].isin(TIERS)
    if bad_tier.any():
        i = int(np.flatnonzero(bad_tier.to_numpy())[0])
        raise InputError(f"facility catalogue row {i + 1} ({cat['category'].iloc[i]}): "
                         f"tier_min={catalogue['tier_min'].iloc[i]} is not 5, 10 or 15",
                         fix="use the GB 50180-2018 living-circle tiers 5, 10 or 15 (minutes)")
    cat["tier_min"] = cat["tier_min"].astype(int)
    dup = cat["category"].duplicated()
    if dup.any():
        raise InputError(f"facility catalogue lists category {cat['category'][dup].iloc[0]!r} twice",
                         fix="keep one row per category")
    return cat.reset_index(drop=True)


def compute_coverage(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    catalogue: pd.DataFrame,
    category_column: str = "category",
    population_column: str = "population",
    zone_id: str = "unit_id",
    max_snap: float = 200.0,
    teams: pd.DataFrame | None = None,
    progress: ProgressCallback | None = None,
    underserved: bool = True,
    cell_size: float | None = None,
    distance_limit: float | None = None,
) -> ReachResult:
    """Population covered by each facility category, per unit and living-circle tier.

    Parameters
    ----------
    net : WalkNetwork
    facilities : GeoDataFrame
        Facility points with ``category_column``; other geometries count by
        their representative point. Categories not in the catalogue are
        ignored and listed in ``summary["ignored_categories"]``.
    population : GeoDataFrame
        Population points (e.g. :func:`population_from_raster`) or polygons
        with ``population_column``.
    zones : GeoDataFrame
        Unit polygons with ``zone_id``; they may overlap (an origin counts in
        every unit containing it).
    catalogue : DataFrame
        Columns ``category``, ``tier_min`` (5/10/15), ``threshold_m`` (and
        ``name_zh``).
    category_column, population_column, zone_id : str
        Column names in facilities, population and zones.
    max_snap : float
        Snapping limit in metres for origins and facilities.
    teams : DataFrame, optional
        ``unit_id, team_id`` (and ``team_name``): the responsible team per
        unit, copied onto the underserved areas.
    progress : callable, optional
        ``progress(fraction, message)``.
    underserved : bool
        Build the underserved polygons (the slowest step on big inputs).
    cell_size : float, optional
        Side in metres of the square drawn for point origins in
        ``underserved`` (default: ``population.attrs["cell_size"]`` from
        :func:`population_from_raster`, else 100 m). Without it, origins of
        a raster in another CRS (e.g. WorldPop in EPSG:4326) are drawn as
        their true cells: traced in the raster's grid
        (``population.attrs["raster_grid"]``, columns ``row``/``col``) and
        reprojected (:func:`grid_union`).
    distance_limit : float, optional
        Search radius for ``origin_distance``; default the category's
        ``threshold_m`` (farther distances are ``inf``). Coverage is the same
        either way.

    Returns
    -------
    ReachResult
    """
    # the big arrays below are written once: no huge pages (see planner_gis._memory)
    with small_pages():
        return _coverage(net, facilities, population, zones, catalogue, category_column, population_column,
                         zone_id, max_snap, teams, progress, underserved, cell_size, distance_limit)


def _coverage(net: WalkNetwork, facilities: gpd.GeoDataFrame, population: gpd.GeoDataFrame,
              zones: gpd.GeoDataFrame, catalogue: pd.DataFrame, category_column: str, population_column: str,
              zone_id: str, max_snap: float, teams: pd.DataFrame | None, progress: ProgressCallback | None,
              underserved: bool, cell_size: float | None, distance_limit: float | None) -> ReachResult:
    """:func:`compute_coverage` (same parameters)."""
    cat = _validate_catalogue(catalogue)
    crs = net.crs
    _check_layers(facilities, population, zones, category_column, population_column, zone_id)
    # validated in place: the population layer is not copied (it may hold millions of points)
    weights = population_weights(population, population_column)
    pop = population
    report(progress, 0.0, "snapping origins and facilities")
    oxy = points_xy(pop, crs, "population layer")
    fac, fcat, ignored = _known_facilities(facilities, category_column, cat)
    fxy = points_xy(fac, crs, "facilities layer")
    o_snap = snap_points(net, oxy, max_snap)
    f_snap = snap_points(net, fxy, max_snap)
    report(progress, 0.2, "walking distances")
    dist = _distances(net, o_snap, f_snap, fcat, cat, distance_limit, scaled(progress, 0.2, 0.7))
    thresholds = cat["threshold_m"].to_numpy(dtype=np.float64)
    covered = dist <= thresholds[:, None]
    report(progress, 0.7, "aggregating per unit")
    zm = _zones_in(zones, crs)
    p_idx, z_idx = zone_membership(oxy, zm)
    unit_ids = zones[zone_id].to_numpy()
    coverage = _coverage_table(cat, covered, weights, (p_idx, z_idx), unit_ids)
    team_of = _teams_per_unit(teams)
    report(progress, 0.75, "underserved areas")
    under = underserved_areas(pop, oxy, np.asarray(zm.values, dtype=object), unit_ids, cat, covered, weights,
                              (p_idx, z_idx) if underserved else (p_idx[:0], z_idx[:0]), crs, cell_size,
                              scaled(progress, 0.75, 0.95))
    under = _with_teams(under, team_of)
    unreachable = _unreachable_table(o_snap, f_snap, pop, fac, oxy, fxy, fcat, max_snap, crs)
    origin_distance = pd.DataFrame(dist.T, index=pop.index, columns=cat["category"].tolist(), copy=False)
    in_any = np.zeros(len(pop), dtype=bool)
    in_any[p_idx] = True
    summary = {
        "crs": crs_label(crs),
        "origins": int(len(pop)),
        "population_total": float(weights.sum()),
        "origins_outside_units": int((~in_any).sum()),
        "population_outside_units": float(weights[~in_any].sum()),
        "facilities": int(len(fac)),
        "unreachable_origins": int((o_snap.edge < 0).sum()),
        "unreachable_facilities": int((f_snap.edge < 0).sum()),
        "ignored_categories": {str(k): int(v) for k, v in ignored.items()},
        "categories_without_facilities": [c for c in cat["category"] if not (fcat == c).any()],
        "max_snap": float(max_snap),
    }
    report(progress, 1.0)  # no "done" line: this may be one stage of a longer job
    return ReachResult(coverage, under, unreachable, origin_distance, crs, summary)


def _check_layers(facilities: gpd.GeoDataFrame, population: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                  category_column: str, population_column: str, zone_id: str) -> None:
    """Refuse inputs that are not GeoDataFrames or lack their named column."""
    for name, gdf, col in (("facilities", facilities, category_column),
                           ("population", population, population_column),
                           ("zones", zones, zone_id)):
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InputError(f"{name} is not a GeoDataFrame", fix="read it with planner_gis.io.read_vector")
        if col not in gdf.columns:
            raise InputError(f"{name} layer has no column {col!r} (columns: {list(gdf.columns)})",
                             fix=f"name the right column with the {name} column option")


def _known_facilities(facilities: gpd.GeoDataFrame, category_column: str,
                      cat: pd.DataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray, dict]:
    """The facilities of catalogue categories, their categories and the counts of the others."""
    fcat = facilities[category_column].astype(str).str.strip().to_numpy()
    known = np.isin(fcat, cat["category"].to_numpy())
    ignored = pd.Series(fcat[~known]).value_counts().to_dict() if (~known).any() else {}
    return facilities[known], fcat[known], ignored


def _distances(net: WalkNetwork, o_snap: Snapped, f_snap: Snapped, fcat: np.ndarray, cat: pd.DataFrame,
               distance_limit: float | None, progress: ProgressCallback | None) -> np.ndarray:
    """Distance from every origin to the nearest facility of each category: (categories x origins)."""
    thresholds = cat["threshold_m"].to_numpy(dtype=np.float64)
    limits = thresholds if distance_limit is None else np.maximum(thresholds, float(distance_limit))
    names = cat["category"].tolist()
    groups = [np.flatnonzero((fcat == c) & (f_snap.edge >= 0)) for c in names]

    def step(fraction: float, message: str) -> None:
        j = min(int(round(fraction * len(names))), len(names)) - 1
        report(progress, fraction, f"distances: {names[max(j, 0)]}")

    # one column per category of an (origins x categories) block, written in place: the
    # distances of an origin lie side by side, and origin_distance wraps the block (no copy)
    block = np.empty((len(o_snap), len(names)))
    return nearest_per_group(net, o_snap, f_snap, groups, limits, out=block.T, progress=step if progress else None)


def _zones_in(zones: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoSeries:
    """The zone polygons in ``crs``."""
    require_crs(zones, zones.attrs.get("source", "zones layer"))
    zm = zones.geometry
    if CRS.from_user_input(zones.crs) != crs:
        zm = zm.to_crs(crs)
    return zm


def _coverage_table(cat: pd.DataFrame, covered: np.ndarray, weights: np.ndarray,
                    membership: tuple[np.ndarray, np.ndarray], unit_ids: np.ndarray) -> pd.DataFrame:
    """Population and covered population per unit, per category and per tier (all its categories)."""
    tiers = [t for t in TIERS if (cat["tier_min"] == t).any()]
    tier_cols = np.array([cat["tier_min"].to_numpy() == t for t in tiers], dtype=bool).reshape(len(tiers), len(cat))
    pop_z, cov = _unit_sums(covered, weights, membership, tier_cols, len(unit_ids))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(pop_z > 0, cov / np.where(pop_z > 0, pop_z, 1), np.nan)
    labels = [(row["category"], int(row["tier_min"]), float(row["threshold_m"])) for _, row in cat.iterrows()]
    labels += [(f"tier_{t}", t, np.nan) for t in tiers]
    tables = [pd.DataFrame({"unit_id": unit_ids, "category": label, "tier_min": tier, "threshold_m": thr,
                            "population": pop_z, "covered_population": cov[k], "share": share[k]})
              for k, (label, tier, thr) in enumerate(labels)]
    coverage = pd.concat(tables, ignore_index=True)[COVERAGE_COLUMNS]
    coverage["tier_min"] = coverage["tier_min"].astype(int)
    coverage["threshold_m"] = coverage["threshold_m"].astype(float)
    return coverage


def _unit_sums(covered: np.ndarray, weights: np.ndarray, membership: tuple[np.ndarray, np.ndarray],
               tier_cols: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Population per unit, and covered population per unit for each category, then each tier.

    A tier covers an origin that reaches all of the tier's categories
    (``tier_cols``: tiers x categories). Sums run over the (origin, unit)
    pairs in their order (``np.bincount``; the compiled kernel adds in the
    same order).
    """
    p_idx, z_idx = membership
    if len(covered) <= 64 and _jit.worth(len(p_idx) * max(len(covered), 1)):
        from . import _kernels as K

        return K.coverage_sums(p_idx, z_idx, weights, covered, tier_cols, n_units)
    w_pair = weights[p_idx]
    masks = [covered[j] for j in range(len(covered))] + [covered[cols].all(axis=0) for cols in tier_cols]
    cov = np.array([np.bincount(z_idx, weights=w_pair * m[p_idx], minlength=n_units) for m in masks])
    return np.bincount(z_idx, weights=w_pair, minlength=n_units), cov.reshape(len(masks), n_units)


def _teams_per_unit(teams: pd.DataFrame | None) -> pd.DataFrame | None:
    """``team_id`` (and ``team_name``) per unit id, several teams joined by "; "; None without teams."""
    if teams is None:
        return None
    if "unit_id" not in teams.columns or "team_id" not in teams.columns:
        raise InputError(f"teams table needs columns unit_id and team_id (has {list(teams.columns)})",
                         fix="build it with planner_gis.registry.active_unit_teams")
    tcols = ["team_id"] + (["team_name"] if "team_name" in teams.columns else [])
    t = teams.copy()
    t["unit_id"] = t["unit_id"].astype(str)
    return t.groupby("unit_id")[tcols].agg(
        lambda s: "; ".join(sorted({str(x) for x in s if pd.notna(x) and str(x) != ""})))


def _with_teams(under: gpd.GeoDataFrame, team_of: pd.DataFrame | None) -> gpd.GeoDataFrame:
    """The underserved areas with the ``team_id`` and ``team_name`` of their unit."""
    if team_of is not None:
        key = under["unit_id"].astype(str)
        under["team_id"] = key.map(team_of["team_id"]).fillna("").to_numpy() if len(under) else []
        under["team_name"] = (key.map(team_of["team_name"]).fillna("").to_numpy()
                              if "team_name" in team_of.columns and len(under) else "")
    else:
        under["team_id"] = ""
        under["team_name"] = ""
    return under[UNDERSERVED_LAYER_COLUMNS]


def _unreachable_table(o_snap: Snapped, f_snap: Snapped, pop: gpd.GeoDataFrame, fac: gpd.GeoDataFrame,
                       oxy: np.ndarray, fxy: np.ndarray, fcat: np.ndarray, max_snap: float,
                       crs: CRS) -> gpd.GeoDataFrame:
    """Origins and facilities farther than ``max_snap`` from every edge (or without coordinates)."""
    un: dict = {"kind": [], "record": [], "category": [], "snap_distance": [], "reason": [],
                "geometry": []}
    for kind, snap, frame, xy, cats in (("origin", o_snap, pop, oxy, None),
                                        ("facility", f_snap, fac, fxy, fcat)):
        bad = np.flatnonzero(snap.edge < 0)
        if len(bad) == 0:
            continue
        fin = np.isfinite(xy[bad]).all(axis=1)
        geom = np.full(len(bad), None, dtype=object)
        geom[fin] = shapely.points(xy[bad][fin])
        far = f"farther than max_snap={max_snap:g} m from every walking edge"
        un["kind"] += [kind] * len(bad)
        un["record"] += [str(r) for r in frame.index[bad]]
        un["category"] += [None] * len(bad) if cats is None else cats[bad].tolist()
        un["snap_distance"] += snap.distance[bad].astype(float).tolist()
        un["reason"] += np.where(fin, far, "no coordinates").tolist()
        un["geometry"] += geom.tolist()
    return gpd.GeoDataFrame(un, geometry="geometry", crs=crs)
