"""The annual evaluation end to end: files in, records placed in units, rules applied.

:func:`evaluate` reads the work records, the team registry, the unit polygons,
the rule set (and the people and ratings tables the rules need), places every
record in a unit (:func:`planner_gis.records.place_records`), applies the rules
to the counted records (:func:`~planner_gis.evaluation.core.assess`) and, given
a living-circle reach, counts the records inside the underserved areas of
their unit. It is what ``planner-gis evaluate``, the QGIS plugin and the
notebooks run.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from .._progress import ProgressCallback, report
from ..constants import PathLike
from ..errors import InputError
from ..people import read_people, read_ratings
from ..records import place_records, read_records
from ..registry import read_registry
from ..zones import read_zones
from .core import assess, check_year
from .gaps import read_underserved, records_in_gaps, select_gaps
from .result import EvaluationResult, unit_status
from .rules import RuleSet, load_rules


def _needs(rules: RuleSet, people, ratings) -> None:
    """Refuse a run whose rules need the people or ratings table when it is missing."""
    who = [r for r in rules.rules if r.check in ("professions", "base_points")]
    if who and people is None:
        raise InputError(f"the {rules.id} rules ({', '.join(r.id for r in who)}) need the team members",
                         fix="give a people table (person_id, team_id, profession, title) with --people "
                             "(Python: people=)")
    rated = [r for r in rules.rules if r.check in ("satisfaction", "resident_satisfaction", "base_points")]
    if rated and ratings is None:
        raise InputError(f"the {rules.id} rules ({', '.join(r.id for r in rated)}) need the yearly ratings",
                         fix="give a ratings table (person_id, year, satisfaction, previous_points, special_points) "
                             "with --ratings (Python: ratings=)")


def _known_people(records: pd.DataFrame, people: pd.DataFrame) -> None:
    """Every person named by a record is in the people table (their points need a title)."""
    named = records[(records["person_id"] != "") & ~records["person_id"].isin(set(people["person_id"]))]
    if len(named):
        first = named.iloc[0]
        where = records.attrs.get("where", "row")
        raise InputError(f"{records.attrs.get('source', 'records')}, {where} {first['row']}: person_id "
                         f"{first['person_id']} is not in the people table ({len(named)} record(s))",
                         fix="add the person to the people table, or correct the record's person_id")


def _read_inputs(records, teams, zones, people, ratings, read: Mapping) -> tuple:
    """The inputs as validated frames (frames already read are used as they are)."""
    units = zones if isinstance(zones, gpd.GeoDataFrame) and "level" in zones.columns else read_zones(
        zones, zone_id=read.get("zone_id", "unit_id"), coords=read.get("zone_coords"))
    registry = teams if isinstance(teams, pd.DataFrame) and "row" in teams.columns else read_registry(
        teams, columns=read.get("registry_columns"))
    recs = records if isinstance(records, gpd.GeoDataFrame) and "row" in records.columns else read_records(
        records, records_crs=read.get("records_crs"), coords=read.get("coords"), columns=read.get("record_columns"))
    if people is not None and not (isinstance(people, pd.DataFrame) and "row" in people.columns):
        people = read_people(people)
    if ratings is not None and not (isinstance(ratings, pd.DataFrame) and "special_items" in ratings.columns):
        ratings = read_ratings(ratings)
    return units, registry, recs, people, ratings


def evaluate(
    records: PathLike | pd.DataFrame,
    teams: PathLike | pd.DataFrame,
    zones: PathLike | gpd.GeoDataFrame,
    rules: str | PathLike | RuleSet,
    year: int,
    people: PathLike | pd.DataFrame | None = None,
    ratings: PathLike | pd.DataFrame | None = None,
    coords: str | None = None,
    tolerance: float = 100.0,
    records_crs=None,
    metric_crs=None,
    reach: PathLike | gpd.GeoDataFrame | None = None,
    gap_category: str | None = None,
    read: Mapping | None = None,
    progress: ProgressCallback | None = None,
) -> EvaluationResult:
    """Evaluate a year of planner work records against a city's rules.

    Parameters
    ----------
    records : path or (Geo)DataFrame
        Work records (:func:`planner_gis.records.read_records`): ``record_id``,
        ``team_id``, ``date``, ``kind`` and ``lon,lat`` (or ``x,y`` with
        ``records_crs``), or a point layer.
    teams : path or DataFrame
        The team registry (:func:`planner_gis.registry.read_registry`); its
        optional ``annual_fee`` feeds the fee rules.
    zones : path or GeoDataFrame
        Unit polygons (:func:`planner_gis.zones.read_zones`).
    rules : str, path or RuleSet
        ``liaocheng``, ``chongqing``, ``guangxi``, ``hunan``, ``beijing`` or a rules file.
    year : int
        The calendar year evaluated; records of other years are ignored (counted in the summary).
    people, ratings : path or DataFrame, optional
        Team members and their yearly ratings (:mod:`planner_gis.people`), for the
        rules that need them (points, professions, satisfaction).
    coords : {None, "wgs84", "gcj02", "bd09"}
        Lon/lat convention of the records (a ``coords`` column overrides it per record).
    tolerance : float
        Metres a record may lie outside its unit and still count.
    records_crs, metric_crs : optional
        CRS of a records table's coordinates; CRS for distances (default by the CRS policy).
    reach : path or GeoDataFrame, optional
        A reach result (folder, ``reach.gpkg`` or its underserved areas): count the
        records inside the underserved areas of their unit.
    gap_category : str, optional
        Only the underserved areas of this category, or of a tier's categories
        (``tier_15``); default all categories.
    read : mapping, optional
        Reading options: ``zone_id``, ``zone_coords``, ``records_crs``,
        ``record_columns``, ``registry_columns``.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    EvaluationResult

    Raises
    ------
    PlannerGisError
        Bad input, naming the file, the record and the fix.
    """
    read = {"records_crs": records_crs, "coords": coords, **dict(read or {})}
    rules = load_rules(rules)
    report(progress, 0.0, "reading the inputs")
    units, registry, recs, people, ratings = _read_inputs(records, teams, zones, people, ratings, read)
    _needs(rules, people, ratings)
    year_assessed = check_year(year)
    in_year = np.array([d.year == year_assessed for d in recs["date"]], dtype=bool)
    other_years = int((~in_year).sum())
    recs = recs[in_year]
    if rules.has_points:
        _known_people(recs, people)
    report(progress, 0.3, f"placing {len(recs)} records in their units")
    placed = place_records(recs, units, registry, tolerance=tolerance, metric_crs=metric_crs)
    report(progress, 0.6, f"applying the {rules.id} rules")
    counted = pd.DataFrame(placed.records.loc[placed.records["counted"].to_numpy(dtype=bool)]).drop(columns="geometry")
    result = assess(counted, registry, rules, year_assessed, people, ratings,
                    unit_types=dict(zip(units["unit_id"].astype(str), units["unit_type"])))
    units_m = units.to_crs(placed.crs)
    gaps = None
    if reach is not None:
        report(progress, 0.9, "records in underserved areas")
        gaps = records_in_gaps(placed.records, select_gaps(read_underserved(reach), gap_category), units_m)
        gaps.attrs["category"] = gap_category or "all categories"
    layer = _units_layer(units_m, placed.records, result, gaps)
    report(progress, 1.0, "done")
    return EvaluationResult(result.compliance, result.fees, result.points, placed.findings, placed.records, layer,
                            gaps, rules, result.year, placed.crs, float(tolerance), other_years)


def _units_layer(units: gpd.GeoDataFrame, records: gpd.GeoDataFrame, result, gaps) -> gpd.GeoDataFrame:
    """The units with their teams, work counts, rule results and (with a reach) gap counts."""
    counted = records[records["counted"] & (records["unit_id"] != "")]
    by_unit = counted.groupby("unit_id")
    service = result.rules.of("service_days")
    kinds = service[0].params["kinds"] if service else None
    in_service = counted if kinds is None else counted[counted["kind"].isin(kinds)]
    teams: dict = {}
    for p in result.periods:
        teams.setdefault(p.unit_id, []).append(p.team_id)
    keep = [c for c in ("unit_id", "name", "unit_type", "level", "geometry_quality") if c in units.columns]
    out = units[keep].copy()
    uid = out["unit_id"].astype(str)
    out["team_ids"] = uid.map(lambda u: ";".join(sorted(set(teams.get(u, []))))).fillna("")
    out["records"] = uid.map(by_unit.size()).fillna(0).astype(int)
    out["visits"] = uid.map(counted[counted["kind"] == "visit"].groupby("unit_id").size()).fillna(0).astype(int)
    out["service_days"] = uid.map(in_service.groupby("unit_id")["date"].nunique()).fillna(0).astype(int)
    status = unit_status(result.compliance, units, result.rules).set_index("unit_id")
    for col in status.columns:
        out[col] = uid.map(status[col]).to_numpy()
    if result.fees is not None:
        out["deduction"] = uid.map(result.fees.groupby("unit_id")["deduction"].sum(min_count=1))
    if gaps is not None:
        g = gaps.set_index("unit_id")
        for col in ("records_in_gaps", "share_in_gaps", "underserved_km2", "area_share"):
            out[col] = uid.map(g[col])
    out["year"] = result.year
    return gpd.GeoDataFrame(out, geometry=units.geometry.to_numpy(), crs=units.crs)


__all__ = ["evaluate", "EvaluationResult"]
