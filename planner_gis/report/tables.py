"""The numbers of a report, on plain tables, before any layout.

:func:`indicator_table` and :func:`gap_table` work on the reach's coverage table
(``coverage.csv``: ``unit_id, category, tier_min, threshold_m, population,
covered_population, share``) and a :class:`~planner_gis.report.profiles.Profile`;
they are checked by hand in the tests. :func:`district_indicators` sums
residents over units (the district share is covered / residents, not a mean of
shares).

>>> import pandas as pd
>>> from planner_gis.report.profiles import load_profile
>>> cov = pd.DataFrame({"unit_id": ["a", "b"], "category": "kindergarten", "tier_min": 5,
...                     "threshold_m": 300.0, "population": [100.0, 0.0], "covered_population": [40.0, 0.0]})
>>> t = indicator_table(cov, load_profile("checkup"), 2026)
>>> t[t.key == "kindergarten"][["unit_id", "share", "status"]].to_dict("records")
[{'unit_id': 'a', 'share': 0.4, 'status': 'ok'}, {'unit_id': 'b', 'share': nan, 'status': 'no_residents'}]
>>> district_indicators(t).loc[lambda d: d.key == "kindergarten", "share"].item()
0.4
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profiles import Profile

#: Columns of :func:`indicator_table`.
INDICATOR_COLUMNS = ["unit_id", "indicator_id", "name", "name_en", "key", "distance_m", "population",
                     "covered_population", "share", "target_year", "target", "meets_target", "status", "reason"]
#: Columns of :func:`gap_table`.
GAP_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "residents_beyond", "share"]


def _status(row: pd.Series | None, distance: float | None) -> tuple:
    """(status, reason) of one unit's indicator row."""
    if row is None:
        return "not_assessed", "not in the reach's coverage table"
    if distance is not None and not np.isclose(float(row["threshold_m"]), distance):
        return "not_assessed", f"the reach used {float(row['threshold_m']):g} m, the profile {distance:g} m"
    if not float(row["population"]) > 0:
        return "no_residents", "no residents in the unit"
    return "ok", ""


def indicator_table(coverage: pd.DataFrame, profile: Profile, year: int) -> pd.DataFrame:
    """One row per unit and indicator: residents, covered residents, share and the target of ``year`` or later.

    ``status`` is ``ok``, ``no_residents`` (share NaN) or ``not_assessed`` (the
    category is missing from the reach or was reached over another distance;
    ``reason`` says which). ``meets_target`` is True/False, or None without a
    target or a share.
    """
    cov = coverage.assign(unit_id=coverage["unit_id"].astype(str)).set_index(["unit_id", "category"])
    rows = []
    for unit in pd.unique(coverage["unit_id"].astype(str)):
        for ind in profile.indicators:
            row = cov.loc[(unit, ind.key)] if (unit, ind.key) in cov.index else None
            status, reason = _status(row, ind.distance_m)
            pop = float(row["population"]) if row is not None else np.nan
            covered = float(row["covered_population"]) if row is not None else np.nan
            share = covered / pop if status == "ok" else np.nan
            target = ind.target_for(year)
            meets = None if target is None or status != "ok" else bool(share >= target[1] - 1e-12)
            rows.append([unit, ind.id, ind.name, ind.name_en, ind.key, ind.distance_m, pop, covered, share,
                         target[0] if target else None, target[1] if target else np.nan, meets, status, reason])
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def district_indicators(table: pd.DataFrame, district_share: dict | None = None,
                        population: float | None = None) -> pd.DataFrame:
    """The indicators over all units: residents, covered residents, share = covered / residents.

    With the reach's ``district_share`` (``reach.json``; by category, every
    resident counted once even where units overlap, as management areas overlay
    streets) and its total ``population``, those are used; otherwise residents
    are summed over the units. Units whose indicator was not assessed are left
    out; an indicator assessed nowhere gets status ``not_assessed``.
    """
    rows = []
    for ind_id, part in table.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        ok = part[part["status"].isin(["ok", "no_residents"])]
        pop, covered = float(ok["population"].sum()), float(ok["covered_population"].sum())
        if district_share and population and first["key"] in district_share and not ok.empty:
            pop, covered = float(population), float(population) * float(district_share[first["key"]])
        status = "not_assessed" if ok.empty else ("ok" if pop > 0 else "no_residents")
        share = covered / pop if status == "ok" else np.nan
        target = first["target"]
        meets = None if pd.isna(target) or status != "ok" else bool(share >= target - 1e-12)
        reason = first["reason"] if ok.empty else ""
        rows.append(["district", ind_id, first["name"], first["name_en"], first["key"], first["distance_m"], pop,
                     covered, share, first["target_year"], target, meets, status, reason])
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def gap_table(coverage: pd.DataFrame) -> pd.DataFrame:
    """Per unit, the catalogue categories some residents cannot reach, most residents beyond first.

    ``residents_beyond`` = residents - covered residents (beyond the category's
    walking distance); tier rows are left out (they are not one category).

    >>> cov = pd.DataFrame({"unit_id": ["a", "a", "a"], "category": ["kg", "park", "tier_5"], "tier_min": 5,
    ...                     "threshold_m": [300.0, 300.0, np.nan], "population": 100.0,
    ...                     "covered_population": [70.0, 100.0, 60.0]})
    >>> gap_table(cov)[["category", "residents_beyond"]].to_dict("records")
    [{'category': 'kg', 'residents_beyond': 30.0}]
    """
    cov = coverage[~coverage["category"].astype(str).str.startswith("tier_")].copy()
    cov["unit_id"] = cov["unit_id"].astype(str)
    cov["residents_beyond"] = cov["population"].astype(float) - cov["covered_population"].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov["share"] = cov["covered_population"] / cov["population"].where(cov["population"] > 0)
    gaps = cov[cov["residents_beyond"] > 0.5]
    gaps = gaps.sort_values(["unit_id", "residents_beyond"], ascending=[True, False], kind="stable")
    return gaps[GAP_COLUMNS].reset_index(drop=True)


def unit_evaluation(compliance: pd.DataFrame | None, unit_id: str) -> pd.DataFrame:
    """The team rules of one unit from ``compliance.csv`` (person rows without a unit are left out).

    >>> c = pd.DataFrame({"team_id": ["T"], "unit_id": ["a"], "person_id": [""], "year": [2025],
    ...                   "rule_id": ["LC-days"], "value": ["28"], "required": ["30"], "passed": ["False"],
    ...                   "message": ["28 of 30 days"]})
    >>> unit_evaluation(c, "a")[["rule_id", "passed"]].to_dict("records")
    [{'rule_id': 'LC-days', 'passed': False}]
    """
    if compliance is None or compliance.empty:
        return pd.DataFrame(columns=["team_id", "rule_id", "value", "required", "passed", "message"])
    rows = compliance[compliance["unit_id"].astype(str) == str(unit_id)].copy()
    rows["passed"] = rows["passed"].astype(str).str.lower().isin(["true", "1", "yes"])
    for col in ("value", "required"):
        rows[col] = [_number_text(v) for v in rows[col]]
    return rows[["team_id", "rule_id", "value", "required", "passed", "message"]].reset_index(drop=True)


def _number_text(value) -> str:
    """A rule's value as written: whole numbers without decimals, others as given.

    >>> [_number_text(v) for v in (12.0, "0.5", "", float("nan"), "3 of 4")]
    ['12', '0.5', '', '', '3 of 4']
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:
        return ""
    return str(int(number)) if number.is_integer() else f"{number:g}"
