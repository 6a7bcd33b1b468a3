"""The responsibility-zone audit: which team covers which unit, and where are the gaps.

:func:`audit` crosses a zone layer with a team registry on a date and reports,
per unit, its status, and a table of findings. Finding kinds:

=================== ======== ==========================================================
kind                severity meaning
=================== ======== ==========================================================
unassigned          error    no active unit-level team (role ``unit`` or ``group``)
contract_expired    error    a unit-level contract ended before the date, none replaced it
unknown_unit        error    the registry names a unit that is not in the zone layer
boundary_overlap    error    two units of the same level overlap by more than ``min_area``
multiple_teams      warning  more than one active unit-level team on a unit
contract_expiring   warning  an active unit-level contract ends within ``expiring_days``
boundary_gap        warning  area inside the outline, or enclosed between units, that no
                             unit covers, at least ``sliver_width`` across and larger than
                             ``min_area``
boundary_sliver     warning  strips narrower than ``sliver_width`` that no unit covers, one
                             finding per boundary (the units they lie along, the outline):
                             count, total area (at least ``min_area``), widest width
team_overloaded     warning  a team is active on more units than ``max_units``
=================== ======== ==========================================================

Findings that involve several units list their ids separated by ``;`` in ``unit_id``.
Areas are measured in the metric CRS chosen by :func:`planner_gis.crs.choose_metric_crs`.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> zones = gpd.GeoDataFrame({"unit_id": ["A", "B"], "unit_type": ["street", "street"]},
...                          geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs=4548)
>>> teams = pd.DataFrame({"team_id": ["T1"], "unit_id": ["A"], "role": ["unit"],
...                       "start_date": ["2025-01-01"], "end_date": ["2025-12-31"]})
>>> result = audit(zones, teams, as_of="2025-06-30")
>>> result.units[["unit_id", "status"]].values.tolist()
[['A', 'covered'], ['B', 'unassigned']]
>>> result.findings["kind"].tolist()
['unassigned']
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .boundaries import SLIVER_WIDTH, group_slivers, label_point, split_gaps
from .constants import PathLike
from .crs import choose_metric_crs, crs_label, require_crs
from .errors import InputError
from .io import read_vector
from .registry import DISTRICT_WIDE, UNIT_LEVEL_ROLES, active_on, as_date, read_registry
from .zones import read_zones

FINDING_KINDS = (
    "unassigned",
    "multiple_teams",
    "contract_expired",
    "contract_expiring",
    "unknown_unit",
    "boundary_gap",
    "boundary_sliver",
    "boundary_overlap",
    "team_overloaded",
)
SEVERITY = {
    "unassigned": "error",
    "contract_expired": "error",
    "unknown_unit": "error",
    "boundary_overlap": "error",
    "multiple_teams": "warning",
    "contract_expiring": "warning",
    "boundary_gap": "warning",
    "boundary_sliver": "warning",
    "team_overloaded": "warning",
}
#: Unit statuses, from best to worst.
STATUSES = ("covered", "expiring", "multiple_teams", "unassigned")
FINDING_COLUMNS = ["kind", "severity", "unit_id", "team_id", "message"]


@dataclasses.dataclass
class AuditResult:
    """What :func:`audit` returns.

    Attributes
    ----------
    units : GeoDataFrame
        One row per unit (metric CRS) with ``status``, ``team_ids``, ``team_names``,
        ``roles``, ``org_types``, ``contract_end``, ``volunteers``, ``area_km2``.
    findings : GeoDataFrame
        ``kind, severity, unit_id, team_id, message`` and a geometry for gaps and
        overlaps (``None`` otherwise).
    workload : DataFrame
        One row per team active on ``as_of``.
    crs : pyproj.CRS
        The metric CRS used for areas.
    as_of : datetime.date
    """

    units: gpd.GeoDataFrame
    findings: gpd.GeoDataFrame
    workload: pd.DataFrame
    crs: CRS
    as_of: dt.date

    def repaired_units(self) -> list[str]:
        """Ids of units whose invalid geometry was repaired on reading (``make_valid=True``)."""
        if "repaired" not in self.units.columns:
            return []
        return [str(u) for u in self.units.loc[self.units["repaired"].astype(bool), "unit_id"]]

    def summary(self) -> dict:
        """Counts of findings by kind (all kinds, zeros included) and of units by status."""
        kinds = self.findings["kind"].value_counts()
        status = self.units["status"].value_counts()
        return {
            "as_of": self.as_of.isoformat(),
            "crs": crs_label(self.crs),
            "units": int(len(self.units)),
            "repaired_units": self.repaired_units(),
            "findings": {k: int(kinds.get(k, 0)) for k in FINDING_KINDS},
            "status": {s: int(status.get(s, 0)) for s in STATUSES},
        }


def _finding(kind, unit_id="", team_id="", message="", geometry=None) -> dict:
    return {"kind": kind, "severity": SEVERITY[kind], "unit_id": unit_id, "team_id": team_id,
            "message": message, "geometry": geometry}


def _join(values) -> str:
    return "; ".join(str(v) for v in values if str(v) != "")


def audit(
    zones: PathLike | gpd.GeoDataFrame,
    registry: PathLike | pd.DataFrame,
    as_of: str | dt.date | None = None,
    outline: PathLike | gpd.GeoDataFrame | None = None,
    expiring_days: int = 90,
    max_units: int = 3,
    min_area: float = 100.0,
    metric_crs=None,
    zone_id: str = "unit_id",
    sliver_width: float = SLIVER_WIDTH,
) -> AuditResult:
    """Audit responsibility zones against a team registry on a date.

    Parameters
    ----------
    zones : path or GeoDataFrame
        Unit polygons; read and validated with :func:`planner_gis.zones.read_zones`.
    registry : path or DataFrame
        Team registry; read and validated with :func:`planner_gis.registry.read_registry`.
    as_of : date or str, optional
        The audit date (``YYYY-MM-DD``); default today.
    outline : path or GeoDataFrame, optional
        The district outline. Without it, gaps are only the holes enclosed by units.
    expiring_days : int
        Contracts ending within this many days of ``as_of`` are ``contract_expiring``.
    max_units : int
        A team active on more units than this is ``team_overloaded``.
    min_area : float
        Gaps and overlaps smaller than this many square metres are ignored.
    metric_crs : optional
        CRS for areas; default per the CRS policy (:mod:`planner_gis.crs`).
    zone_id : str
        Id column of the zone layer.
    sliver_width : float
        Uncovered strips narrower than this many metres are slivers (two sources'
        boundaries disagreeing), summarised per boundary as ``boundary_sliver``;
        wider places are ``boundary_gap`` (see :mod:`planner_gis.boundaries`).
        ``0`` reports every uncovered piece as a gap.

    Returns
    -------
    AuditResult
    """
    if expiring_days < 0 or max_units < 1 or min_area < 0 or sliver_width < 0:
        raise InputError(
            f"expiring_days={expiring_days}, max_units={max_units}, min_area={min_area}, "
            f"sliver_width={sliver_width}",
            fix="use --expiring-days >= 0, --max-units >= 1, --min-area >= 0 and --sliver-width >= 0 "
                "(Python: expiring_days=, max_units=, min_area=, sliver_width=)",
        )
    day = as_date(as_of)
    units = zones if _is_validated(zones) else read_zones(zones, zone_id=zone_id)
    reg = registry if _is_validated_registry(registry) else read_registry(registry)
    crs = choose_metric_crs(units, metric_crs, units.attrs.get("source", "zones layer"))
    outline_m = None
    if outline is not None:
        og = outline if isinstance(outline, gpd.GeoDataFrame) else read_vector(outline)
        require_crs(og, "outline" if isinstance(outline, gpd.GeoDataFrame) else str(outline))
        outline_m = shapely.union_all(og.to_crs(crs).geometry.make_valid().to_numpy())
        _check_offset_datum(units, outline_m, crs)
    units = units.to_crs(crs)

    findings: list[dict] = []
    known = set(units["unit_id"])
    ulevel = reg[reg["role"].isin(UNIT_LEVEL_ROLES)]
    active = active_on(reg, day)
    active_ul = active[active["role"].isin(UNIT_LEVEL_ROLES)]

    findings += _unknown_unit_findings(reg, known)

    # per-unit status
    horizon = day + dt.timedelta(days=expiring_days)
    status, team_ids, team_names, roles, orgs, ends, vols = [], [], [], [], [], [], []
    vol_active = active[active["role"] == "volunteer"].groupby("unit_id")["members"].sum()
    for unit, name in zip(units["unit_id"], units["name"]):
        st, cur_teams = _unit_status(unit, name, active_ul, ulevel, day, horizon, findings)
        n = len(cur_teams)
        status.append(st)
        team_ids.append(_join(cur_teams["team_id"]))
        team_names.append(_join(cur_teams["team_name"]))
        roles.append(_join(pd.unique(cur_teams["role"])))
        orgs.append(_join(pd.unique(cur_teams["org_type"])))
        ends.append(cur_teams["end_date"].min().isoformat() if n else "")
        vols.append(int(vol_active.get(unit, 0)))

    out_units = units.copy()
    out_units["status"] = status
    out_units["team_ids"] = team_ids
    out_units["team_names"] = team_names
    out_units["roles"] = roles
    out_units["org_types"] = orgs
    out_units["contract_end"] = ends
    out_units["volunteers"] = np.asarray(vols, dtype="int64")
    out_units["area_km2"] = out_units.geometry.area / 1e6
    out_units["as_of"] = day.isoformat()
    out_units["crs"] = crs_label(crs)

    findings += _gap_findings(units, outline_m, min_area, sliver_width)
    findings += _overlap_findings(units, min_area)

    # overloaded teams: distinct units per team (groups count per group id)
    per_team = active_ul[active_ul["unit_id"].isin(known)].groupby("team_id")["unit_id"].nunique()
    for team, n in per_team.items():
        if n > max_units:
            ids = sorted(active_ul.loc[active_ul["team_id"] == team, "unit_id"].unique())
            findings.append(_finding(
                "team_overloaded", ";".join(ids), team,
                f"team {team} is active on {n} units on {day} (limit {max_units}): {', '.join(ids)}",
            ))

    fgdf = gpd.GeoDataFrame(findings or None, columns=FINDING_COLUMNS + ["geometry"], geometry="geometry", crs=crs)
    order = {k: i for i, k in enumerate(FINDING_KINDS)}
    fgdf = (fgdf.assign(_o=fgdf["kind"].map(order)).sort_values(["_o", "unit_id", "team_id"], kind="stable")
                .drop(columns="_o").reset_index(drop=True))
    return AuditResult(out_units.reset_index(drop=True), fgdf, _workload(out_units, active), crs, day)


def _check_offset_datum(units: gpd.GeoDataFrame, outline_m, crs: CRS) -> None:
    """Warn when lon/lat units sit off the outline and reading them as GCJ-02 / BD-09 brings them onto it."""
    if not CRS.from_user_input(units.crs).is_geographic or outline_m is None or outline_m.is_empty:
        return
    from pyproj import Transformer

    from .crs import warn_offset_datum

    edge = shapely.union_all(units.geometry.make_valid().to_numpy()).boundary
    if not edge.length:
        return
    xy = shapely.get_coordinates(shapely.segmentize(edge, edge.length / 1000))  # points along the outer edge
    xy = xy[np.linspace(0, len(xy) - 1, min(len(xy), 1000)).astype(int)]
    rim = outline_m.boundary
    to_metric = Transformer.from_crs(units.crs, crs, always_xy=True)

    def distance(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        x, y = to_metric.transform(lon, lat)
        return shapely.distance(shapely.points(x, y), rim)

    source = units.attrs.get("source", "zones layer")
    warn_offset_datum(xy[:, 0], xy[:, 1], distance, f"the units of {source}",
                      "the district outline", "--coords")


def _unknown_unit_findings(reg: pd.DataFrame, known: set) -> list:
    """Registry rows naming units that are not in the layer (every row, active or not)."""
    out = []
    named = reg[reg["unit_id"] != DISTRICT_WIDE]
    for (unit, team), grp in named.groupby(["unit_id", "team_id"], sort=True):
        if unit not in known:
            rows = ", ".join(str(r) for r in grp["row"].tolist()[:5])
            out.append(_finding(
                "unknown_unit", unit, team,
                f"registry row(s) {rows}: team {team} names unit {unit}, which is not in the zone layer; "
                "check the id, or the vintage of the boundary layer",
            ))
    return out


def _unit_status(unit, name, active_ul: pd.DataFrame, ulevel: pd.DataFrame, day: dt.date, horizon: dt.date,
                 findings: list) -> tuple:
    """Status of one unit on ``day`` and its active unit-level teams; its findings appended to ``findings``."""
    cur = active_ul[active_ul["unit_id"] == unit].sort_values("end_date")
    cur_teams = cur.drop_duplicates("team_id", keep="last")
    n = len(cur_teams)
    if n == 0:
        past = ulevel[(ulevel["unit_id"] == unit) & (ulevel["end_date"] < day)]
        future = ulevel[(ulevel["unit_id"] == unit) & (ulevel["start_date"] > day)]
        hint = ""
        if len(future):
            nxt = future.sort_values("start_date").iloc[0]
            hint = f"; team {nxt['team_id']} starts on {nxt['start_date']}"
        findings.append(_finding("unassigned", unit, "",
                                 f"{name} ({unit}) has no active unit planner team on {day}{hint}"))
        if len(past):
            last = past.sort_values("end_date").iloc[-1]
            findings.append(_finding(
                "contract_expired", unit, last["team_id"],
                f"{name} ({unit}): the contract of {last['team_name']} ({last['team_id']}) ended on "
                f"{last['end_date']} and no team replaced it",
            ))
        return "unassigned", cur_teams
    st = "covered"
    if n > 1:
        st = "multiple_teams"
        findings.append(_finding(
            "multiple_teams", unit, ";".join(cur_teams["team_id"]),
            f"{name} ({unit}) has {n} active unit planner teams on {day}: "
            + ", ".join(f"{t} (until {e})" for t, e in zip(cur_teams["team_id"], cur_teams["end_date"])),
        ))
    for _, r in cur_teams.iterrows():
        if r["end_date"] <= horizon:
            later = ulevel[(ulevel["unit_id"] == unit) & (ulevel["start_date"] > r["end_date"])]
            if len(later) == 0:
                findings.append(_finding(
                    "contract_expiring", unit, r["team_id"],
                    f"{name} ({unit}): the contract of {r['team_name']} ({r['team_id']}) ends on "
                    f"{r['end_date']}, in {(r['end_date'] - day).days} days, with no successor registered",
                ))
                if st == "covered":
                    st = "expiring"
    return st, cur_teams


def _is_validated(zones) -> bool:
    return isinstance(zones, gpd.GeoDataFrame) and {"unit_id", "unit_type", "level"} <= set(zones.columns)


def _is_validated_registry(reg) -> bool:
    return isinstance(reg, pd.DataFrame) and "row" in reg.columns and len(reg) and isinstance(
        reg["start_date"].iloc[0], dt.date)


def _gap_findings(units: gpd.GeoDataFrame, outline, min_area: float, sliver_width: float) -> list[dict]:
    """Uncovered area of the base level (inside the outline, or holes enclosed by units): gaps and slivers."""
    base = units[units["level"] == "base"]
    if len(base) == 0:
        return []
    cover = shapely.union_all(base.geometry.to_numpy())
    holes = [shapely.Polygon(r) for poly in shapely.get_parts(cover) for r in poly.interiors]
    pieces = list(holes)
    if outline is not None:
        pieces += list(shapely.get_parts(shapely.difference(outline, cover)))
    if not pieces:
        return []
    gaps, slivers = split_gaps(shapely.union_all(pieces), sliver_width)
    tree = shapely.STRtree(base.geometry.to_numpy())
    out = []
    for part in sorted(gaps, key=lambda g: -g.area):
        if part.area < min_area:
            continue
        near = tree.query(part, predicate="dwithin", distance=1.0)
        ids = sorted(base["unit_id"].iloc[near]) if len(near) else []
        c = label_point(part)
        out.append(_finding(
            "boundary_gap", ";".join(ids), "",
            f"gap of {part.area:,.0f} m2 covered by no unit at ({c.x:.0f}, {c.y:.0f})"
            + (f", between {', '.join(ids)}" if ids else "")
            + "; assign the area to a unit or correct the boundaries",
            part,
        ))
    groups = group_slivers(slivers, base["unit_id"].tolist(), base.geometry.tolist(), outline)
    return out + [_sliver_finding(g, sliver_width) for g in groups if g["area"] >= min_area]


def _metres(value: float) -> str:
    """A width for a message: ``2.0``, ``0.31``, ``0.004``."""
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def _sliver_finding(group: dict, sliver_width: float) -> dict:
    """One ``boundary_sliver`` finding summarising the slivers along one boundary."""
    ids = group["units"]
    if group["outline"]:
        where = f"between the outline and unit{'s' if len(ids) > 1 else ''} {', '.join(ids)}" if ids \
            else "along the outline"
    else:
        where = f"between units {', '.join(ids)}" if len(ids) > 1 else f"along unit {''.join(ids)}"
    n = group["count"]
    return _finding(
        "boundary_sliver", ";".join(ids), "",
        f"{n} sliver{'s' if n != 1 else ''} narrower than {sliver_width:g} m {where}: "
        f"{group['area']:,.0f} m2 in total, the widest {_metres(group['max_width'])} m; the boundaries of two "
        "sources differ slightly: align them (QGIS: Snap geometries to layer) unless the strips are real "
        "(--sliver-width sets the width)",
        group["geometry"],
    )


def _overlap_findings(units: gpd.GeoDataFrame, min_area: float) -> list[dict]:
    """Pairwise overlaps of units of the same level (management areas overlay streets by design)."""
    out = []
    for level, grp in units.groupby("level", sort=True):
        geoms = grp.geometry.to_numpy()
        ids = grp["unit_id"].to_numpy()
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        keep = left < right
        for i, j in zip(left[keep], right[keep]):
            inter = shapely.intersection(geoms[i], geoms[j])
            parts = [p for p in shapely.get_parts(inter) if p.geom_type in ("Polygon", "MultiPolygon")]
            if not parts:
                continue
            poly = shapely.union_all(parts)
            if poly.area < min_area:
                continue
            a, b = sorted((ids[i], ids[j]))
            out.append(_finding(
                "boundary_overlap", f"{a};{b}", "",
                f"{level} units {a} and {b} overlap by {poly.area:,.0f} m2; "
                "correct the shared boundary so each place belongs to one unit",
                poly,
            ))
    return out


def _workload(units: gpd.GeoDataFrame, active: pd.DataFrame) -> pd.DataFrame:
    """One row per team active on the audit date."""
    area = dict(zip(units["unit_id"], units["area_km2"]))
    utype = dict(zip(units["unit_id"], units["unit_type"]))
    base_area = float(units.loc[units["level"] == "base", "area_km2"].sum())
    rows = []
    for team, grp in active.groupby("team_id", sort=True):
        unit_ids = sorted(pd.unique(grp["unit_id"]))
        district = DISTRICT_WIDE in unit_ids
        rows.append({
            "team_id": team,
            "team_name": grp["team_name"].iloc[0],
            "role": _join(sorted(pd.unique(grp["role"]))),
            "org_type": _join(sorted(pd.unique(grp["org_type"]))),
            "n_units": int((units["level"] == "base").sum()) if district else len(unit_ids),
            "unit_ids": ";".join(unit_ids),
            "area_km2": round(base_area if district else sum(area.get(u, 0.0) for u in unit_ids), 4),
            "unit_types": "district" if district else _join(sorted({utype.get(u, "unknown") for u in unit_ids})),
            "members": int(grp.drop_duplicates("unit_id")["members"].max()),
            "contract_end": grp["end_date"].min().isoformat(),
        })
    cols = ["team_id", "team_name", "role", "org_type", "n_units", "unit_ids", "area_km2", "unit_types",
            "members", "contract_end"]
    return pd.DataFrame(rows, columns=cols)
