"""What an evaluation returns: its tables, its layers and a summary (``evaluation.json``)."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..crs import crs_label
from ..records.place import FINDING_KINDS
from .rules import RuleSet

#: Overall compliance of a unit, best first.
COMPLIANCE_CLASSES = ("passed", "partial", "failed", "not_evaluated")


@dataclasses.dataclass
class EvaluationResult:
    """The annual evaluation of :func:`~planner_gis.evaluation.evaluate`.

    Attributes
    ----------
    compliance : DataFrame
        ``team_id, unit_id, person_id, year, rule_id, value, required, passed, message``
        (``compliance.csv``).
    fees : DataFrame or None
        ``team_id, unit_id, year, annual_fee, deduction_share, deduction`` (``fees.csv``).
    points : DataFrame or None
        ``person_id, team_id, year, base_points, satisfaction, sat_coef, carry_points,
        special_points, points, stars`` (``points.csv``).
    findings : DataFrame
        ``kind, record_id, team_id, unit_id, message`` (``record_findings.csv``).
    records : GeoDataFrame
        The records of the year with their unit, distance, finding and ``counted`` flag (metric CRS).
    units : GeoDataFrame
        Units with ``team_ids``, ``records``, ``visits``, ``service_days``, one
        column per rule (``passed``/``failed``/empty), ``rules_passed``,
        ``rules_failed``, ``compliance`` (:data:`COMPLIANCE_CLASSES`) and, with a
        reach, the gap columns (metric CRS).
    gaps : DataFrame or None
        Records inside underserved areas per unit (``gaps.csv``), when a reach was given.
    rules : RuleSet
    year : int
    crs : pyproj.CRS
    tolerance : float
    other_years : int
        Records of other years in the input (ignored).
    """

    compliance: pd.DataFrame
    fees: pd.DataFrame | None
    points: pd.DataFrame | None
    findings: pd.DataFrame
    records: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    gaps: pd.DataFrame | None
    rules: RuleSet
    year: int
    crs: CRS
    tolerance: float
    other_years: int = 0

    def rule_summary(self) -> pd.DataFrame:
        """Per rule: rows, passed, failed, with the rule's title and whether it is an assumption."""
        c = self.compliance
        rows = []
        for r in self.rules.rules:
            sel = c[c["rule_id"] == r.id]
            if not len(sel):
                continue
            rows.append({"rule_id": r.id, "title": r.title, "rows": len(sel), "passed": int(sel["passed"].sum()),
                         "failed": int((~sel["passed"].astype(bool)).sum()), "assumption": r.assumption})
        return pd.DataFrame(rows, columns=["rule_id", "title", "rows", "passed", "failed", "assumption"])

    def summary(self) -> dict:
        """Counts for people and programs (``evaluation.json``)."""
        rec = self.records
        kinds = self.findings["kind"].value_counts()
        out = {
            "year": self.year, "rules": self.rules.id, "rules_name": self.rules.name, "rules_path": self.rules.path,
            "crs": crs_label(self.crs), "tolerance_m": self.tolerance,
            "records": {"total": int(len(rec)), "counted": int(rec["counted"].sum()),
                        "in_a_unit": int((rec["counted"] & (rec["unit_id"] != "")).sum()),
                        "other_years_ignored": int(self.other_years)},
            "findings": {k: int(kinds.get(k, 0)) for k in FINDING_KINDS},
            "compliance": {r["rule_id"]: {"passed": r["passed"], "failed": r["failed"]}
                           for r in self.rule_summary().to_dict("records")},
            "units": {k: int((self.units["compliance"] == k).sum()) for k in COMPLIANCE_CLASSES},
        }
        if self.fees is not None:
            cut = self.fees[self.fees["deduction_share"] > 0]
            out["fees"] = {"teams_with_deduction": int(len(cut)),
                           "deduction_total": round(float(np.nansum(self.fees["deduction"])), 2)}
        if self.points is not None:
            stars = self.points["stars"].value_counts()
            out["points"] = {"people": int(len(self.points)),
                             "stars": {str(s): int(stars.get(s, 0)) for s in range(0, int(stars.index.max()) + 1)}
                             if len(stars) else {}}
        if self.gaps is not None:
            g = self.gaps
            area = float(self.units.geometry.area.sum()) / 1e6
            out["gaps"] = {"category": g.attrs.get("category", "all categories"), "records": int(g["records"].sum()),
                           "records_in_gaps": int(g["records_in_gaps"].sum()),
                           "area_share": round(float(g["underserved_km2"].sum()) / area, 4) if area else None}
        return out


def unit_status(compliance: pd.DataFrame, units: gpd.GeoDataFrame, rules: RuleSet) -> pd.DataFrame:
    """Per unit: one column per rule (passed/failed/""), counts, and the overall class.

    A row naming several units (``A;B``: a team's or a person's rule) counts for each of them.
    """
    c = compliance.assign(unit_id=compliance["unit_id"].astype(str).str.split(";")).explode("unit_id")
    c = c[c["unit_id"].astype(str) != ""]
    out = pd.DataFrame({"unit_id": units["unit_id"].astype(str).to_numpy()})
    for r in rules.rules:
        sel = c[c["rule_id"] == r.id].groupby("unit_id")["passed"].agg(lambda s: bool(s.astype(bool).all()))
        out[r.id] = out["unit_id"].map(sel).map({True: "passed", False: "failed"}).fillna("")
    per = c.groupby("unit_id")["passed"]
    out["rules_passed"] = out["unit_id"].map(per.agg(lambda s: int(s.astype(bool).sum()))).fillna(0).astype(int)
    out["rules_failed"] = out["unit_id"].map(per.agg(lambda s: int((~s.astype(bool)).sum()))).fillna(0).astype(int)
    total = out["rules_passed"] + out["rules_failed"]
    out["compliance"] = np.select([total == 0, out["rules_failed"] == 0, out["rules_passed"] == 0],
                                  ["not_evaluated", "passed", "failed"], "partial")
    return out
