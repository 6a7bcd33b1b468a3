"""Placing work records in units: the unit a team served on the day, whose polygon holds the point.

A record by team T on day D is *placed* in the unit that T served on D (an
active registry row of T covering D; ``*`` rows cover every unit) and whose
polygon contains the record's point or lies within ``tolerance`` metres of it
(the nearest such unit; on a tie the smaller unit). A record that names its
``unit_id`` must lie within the tolerance of that unit. Distances are measured
in the metric CRS of the units (:func:`planner_gis.crs.choose_metric_crs`).

Findings (one per record at most):

================= =============================================================== =========
kind              meaning                                                          counted
================= =============================================================== =========
unknown_team      the team is not in the registry                                  no
outside_contract  no registry row of the team covers the day                       no
outside_unit      the point lies in none of the team's units of the day (beyond    no
                  the tolerance), or the record names a unit the team did not
                  serve that day
no_location       no coordinates: counted in its ``unit_id`` (not checked); with   yes
                  no ``unit_id`` either it counts for its team and person only
================= =============================================================== =========

Records with ``outside_unit``, ``outside_contract`` or ``unknown_team`` are
counted by no rule.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..crs import choose_metric_crs
from ..errors import InputError
from ..registry import DISTRICT_WIDE

FINDING_KINDS = ("outside_unit", "outside_contract", "unknown_team", "no_location")
#: Finding kinds whose records no rule counts.
NOT_COUNTED = ("outside_unit", "outside_contract", "unknown_team")
FINDING_COLUMNS = ["kind", "record_id", "team_id", "unit_id", "message"]
#: Columns of the placed records (and ``geometry``).
PLACED_COLUMNS = ["record_id", "team_id", "person_id", "date", "kind", "unit_id", "given_unit_id", "distance_m",
                  "finding", "counted", "hours", "with_unit_head", "notes", "row"]


def choose_units(
    record: np.ndarray,
    unit: np.ndarray,
    distance: np.ndarray,
    n_records: int,
    tolerance: float,
    area: np.ndarray | None = None,
    named: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The unit of each record, from its candidate (record, unit, distance) pairs.

    Parameters
    ----------
    record, unit : int arrays
        One entry per candidate pair: a record and a unit its team served on the
        record's day.
    distance : float array
        Distance of the record's point to the unit's polygon (0 inside), metres.
    n_records : int
        Number of records (indices ``0 .. n_records - 1``).
    tolerance : float
        Largest distance at which a record still counts in a unit.
    area : float array, optional
        Area of each pair's unit: on equal distances the smaller unit wins.
    named : int array, optional
        Per record, the unit it names (``-1`` if none): only that unit is a candidate.

    Returns
    -------
    chosen : int array
        Per record, the unit it is placed in, or ``-1``.
    nearest : float array
        Per record, the distance to the chosen unit, or (when none is chosen) to
        the nearest candidate; NaN without candidates.

    Examples
    --------
    Record 0 lies in unit 1 and 40 m from unit 0; record 1 lies 500 m from its
    only unit; record 2 has no candidate; record 3 names unit 0, 60 m away:

    >>> chosen, dist = choose_units(np.array([0, 0, 1, 3, 3]), np.array([0, 1, 0, 0, 1]),
    ...                             np.array([40.0, 0.0, 500.0, 60.0, 0.0]), 4, 100.0,
    ...                             named=np.array([-1, -1, -1, 0]))
    >>> chosen.tolist(), dist.tolist()
    ([1, -1, -1, 0], [0.0, 500.0, nan, 60.0])
    """
    record = np.asarray(record, dtype=np.int64)
    unit = np.asarray(unit, dtype=np.int64)
    distance = np.asarray(distance, dtype=float)
    keep = np.ones(len(record), dtype=bool)
    if named is not None:
        named = np.asarray(named, dtype=np.int64)
        want = named[record]
        keep = (want < 0) | (unit == want)
    r, u, d = record[keep], unit[keep], distance[keep]
    a = np.zeros(len(r)) if area is None else np.asarray(area, dtype=float)[keep]
    chosen = np.full(n_records, -1, dtype=np.int64)
    nearest = np.full(n_records, np.nan)
    if len(r) == 0:
        return chosen, nearest
    order = np.lexsort((u, a, d, r))
    first = order[np.unique(r[order], return_index=True)[1]]
    nearest[r[first]] = d[first]
    ok = d[first] <= tolerance
    chosen[r[first][ok]] = u[first][ok]
    return chosen, nearest


@dataclasses.dataclass
class PlacedRecords:
    """What :func:`place_records` returns.

    Attributes
    ----------
    records : GeoDataFrame
        :data:`PLACED_COLUMNS` in the metric CRS: ``unit_id`` is the unit the
        record is counted in (``""`` if none), ``given_unit_id`` the unit it
        named, ``distance_m`` the distance to its unit (or to the nearest unit
        of its team that day), ``finding`` its finding kind (``""`` if none),
        ``counted`` whether rules count it (rules per unit count it only when
        ``unit_id`` is set).
    findings : DataFrame
        :data:`FINDING_COLUMNS`, one row per record with a finding.
    crs : pyproj.CRS
        The metric CRS of the distances.
    tolerance : float
    """

    records: gpd.GeoDataFrame
    findings: pd.DataFrame
    crs: CRS
    tolerance: float


def _candidates(records: pd.DataFrame, registry: pd.DataFrame, unit_ids: list) -> pd.DataFrame:
    """(record position, unit_id) pairs: units the record's team served on the record's day."""
    rows = registry[["team_id", "unit_id", "start_date", "end_date"]]
    wide = rows[rows["unit_id"] == DISTRICT_WIDE]
    if len(wide):
        expanded = wide.drop(columns="unit_id").merge(pd.DataFrame({"unit_id": unit_ids}), how="cross")
        rows = pd.concat([rows[rows["unit_id"] != DISTRICT_WIDE], expanded], ignore_index=True)
    rec = pd.DataFrame({"pos": np.arange(len(records)), "team_id": records["team_id"].to_numpy(),
                        "date": records["date"].to_numpy()})
    pairs = rec.merge(rows, on="team_id")
    pairs = pairs[(pairs["start_date"] <= pairs["date"]) & (pairs["end_date"] >= pairs["date"])]
    return pairs[["pos", "unit_id"]].drop_duplicates()


def place_records(
    records: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    registry: pd.DataFrame,
    tolerance: float = 100.0,
    metric_crs=None,
) -> PlacedRecords:
    """Place each record in a unit of its team and find the records no rule may count.

    Parameters
    ----------
    records : GeoDataFrame
        From :func:`~planner_gis.records.read_records`.
    units : GeoDataFrame
        From :func:`planner_gis.zones.read_zones`.
    registry : DataFrame
        From :func:`planner_gis.registry.read_registry`.
    tolerance : float
        Metres a point may lie outside its unit and still count (GPS error, a
        meeting in the hall across the boundary street).
    metric_crs : optional
        CRS for distances (default by the CRS policy, from the units).

    Returns
    -------
    PlacedRecords

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point, box
    >>> from planner_gis.registry import read_registry
    >>> units = gpd.GeoDataFrame({"unit_id": ["A", "B"]}, geometry=[box(0, 0, 1000, 1000),
    ...                          box(1000, 0, 2000, 1000)], crs=4548)
    >>> reg = read_registry(pd.DataFrame({"team_id": ["T1"], "unit_id": ["A"], "role": ["unit"],
    ...                                   "start_date": ["2025-01-01"], "end_date": ["2025-12-31"]}))
    >>> rec = gpd.GeoDataFrame({"record_id": ["in", "near", "far", "late", "who"],
    ...     "team_id": ["T1", "T1", "T1", "T1", "T9"], "unit_id": [""] * 5,
    ...     "date": [pd.Timestamp("2025-03-01").date()] * 3 + [pd.Timestamp("2026-01-05").date()] * 2},
    ...     geometry=[Point(500, 500), Point(500, 1050), Point(500, 1500), Point(500, 500), Point(1, 1)],
    ...     crs=4548)
    >>> placed = place_records(rec, units, reg)
    >>> for row in placed.records[["record_id", "unit_id", "distance_m", "finding"]].values.tolist():
    ...     print(row)
    ['in', 'A', 0.0, '']
    ['near', 'A', 50.0, '']
    ['far', '', 500.0, 'outside_unit']
    ['late', '', nan, 'outside_contract']
    ['who', '', nan, 'unknown_team']
    """
    if not tolerance >= 0:
        raise InputError(f"tolerance {tolerance} is not a distance", fix="give the tolerance in metres, 0 or more")
    crs = choose_metric_crs(units, metric_crs, units.attrs.get("source", "zones layer"))
    units_m = units.to_crs(crs)
    rec = records.to_crs(crs) if records.crs is not None else records.set_crs(crs)
    rec = rec.reset_index(drop=True)
    unit_ids = [str(u) for u in units_m["unit_id"]]
    index = {u: i for i, u in enumerate(unit_ids)}
    pairs = _candidates(rec, registry, unit_ids)
    pairs = pairs[pairs["unit_id"].isin(index)]
    r = pairs["pos"].to_numpy(dtype=np.int64)
    u = pairs["unit_id"].map(index).to_numpy(dtype=np.int64)
    points = rec.geometry.to_numpy()
    polys = units_m.geometry.to_numpy()
    located = ~(shapely.is_missing(points) | shapely.is_empty(points))
    dist = np.where(located[r], shapely.distance(points[r], polys[u]), np.nan) if len(r) else np.zeros(0)
    named = np.array([index.get(str(g).strip(), -2) if str(g).strip() else -1 for g in rec["unit_id"]],
                     dtype=np.int64)
    loc_pair = located[r]
    chosen, nearest = choose_units(r[loc_pair], u[loc_pair], dist[loc_pair], len(rec), tolerance,
                                   area=shapely.area(polys[u[loc_pair]]), named=np.where(named >= 0, named, -1))
    status = _Status(rec, registry, unit_ids, pairs, named, located, chosen, nearest, tolerance)
    return status.result(crs)


class _Status:
    """The outcome of each record: its unit, finding and message."""

    def __init__(self, rec, registry, unit_ids, pairs, named, located, chosen, nearest, tolerance):
        self.rec, self.unit_ids, self.tolerance = rec, unit_ids, tolerance
        self.known_teams = set(registry["team_id"])
        self.served = pairs.groupby("pos")["unit_id"].agg(lambda s: sorted(set(s))).to_dict()
        self.active = set(_candidates(rec, registry, ["*"])["pos"]) | set(pairs["pos"])
        self.named, self.located, self.chosen, self.nearest = named, located, chosen, nearest
        self.source = rec.attrs.get("source", "records")
        self.where = rec.attrs.get("where", "row")

    def outcome(self, i: int) -> tuple:
        """``(unit_id, finding, message, distance)`` of record ``i``."""
        row = self.rec.iloc[i]
        given = str(row["unit_id"]).strip()
        who = f"record {row['record_id']} ({self.source}, {self.where} {row.get('row', i + 1)}) by team " \
              f"{row['team_id']} on {row['date']}"
        if row["team_id"] not in self.known_teams:
            return "", "unknown_team", f"{who}: team {row['team_id']} is not in the registry; not counted", np.nan
        if i not in self.active:
            return "", "outside_contract", f"{who}: no contract of the team covers that day; not counted", np.nan
        served = self.served.get(i, [])
        if given and given not in served:
            why = "is not in the zone layer" if self.named[i] == -2 else "is not a unit the team served that day"
            return "", "outside_unit", f"{who} names unit {given}, which {why}" \
                f" (served: {', '.join(served) or 'none in the zone layer'}); not counted", np.nan
        if not self.located[i]:
            if given:
                return given, "no_location", f"{who} has no coordinates: counted in its unit {given}, not checked", \
                    np.nan
            return "", "no_location", f"{who} has neither coordinates nor a unit_id: counted for the team and " \
                "person, in no unit", np.nan
        if self.chosen[i] >= 0:
            return self.unit_ids[self.chosen[i]], "", "", float(self.nearest[i])
        d = self.nearest[i]
        place = f"unit {given}" if given else f"the team's unit(s) that day ({', '.join(served)})"
        text = f"{who} lies {d:,.0f} m outside {place} (tolerance {self.tolerance:g} m); not counted" \
            if np.isfinite(d) else f"{who}: the team served no unit of the zone layer that day; not counted"
        return "", "outside_unit", text, float(d)

    def result(self, crs: CRS) -> PlacedRecords:
        rec = self.rec
        outcomes = [self.outcome(i) for i in range(len(rec))]
        unit, finding, message, dist = (list(x) for x in zip(*outcomes)) if outcomes else ([], [], [], [])
        out = pd.DataFrame({
            "record_id": rec["record_id"], "team_id": rec["team_id"], "person_id": rec.get("person_id", ""),
            "date": rec["date"], "kind": rec.get("kind", ""), "unit_id": np.array(unit, dtype=object),
            "given_unit_id": rec["unit_id"],
            "distance_m": np.round(np.asarray(dist, dtype=float), 1), "finding": finding,
            "counted": np.array([f not in NOT_COUNTED for f in finding], dtype=bool),
            "hours": rec.get("hours", np.nan), "with_unit_head": rec.get("with_unit_head"),
            "notes": rec.get("notes", ""), "row": rec.get("row", np.arange(len(rec)) + 1),
        })
        placed = gpd.GeoDataFrame(out[PLACED_COLUMNS], geometry=rec.geometry.to_numpy(), crs=crs)
        keep = [i for i, f in enumerate(finding) if f]
        findings = pd.DataFrame({
            "kind": [finding[i] for i in keep], "record_id": [rec["record_id"].iloc[i] for i in keep],
            "team_id": [rec["team_id"].iloc[i] for i in keep],
            "unit_id": [unit[i] or str(rec["unit_id"].iloc[i]) or self._nearest_unit(i) for i in keep],
            "message": [message[i] for i in keep]}, columns=FINDING_COLUMNS)
        return PlacedRecords(placed, findings, crs, self.tolerance)

    def _nearest_unit(self, i: int) -> str:
        served = self.served.get(i, [])
        return served[0] if len(served) == 1 else ";".join(served)
