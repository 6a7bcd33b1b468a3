"""The annual evaluation on plain tables: counted records x contracts x rules -> result tables.

:func:`assess` is the numeric core of :func:`~planner_gis.evaluation.evaluate`:
it takes the records already placed in units (no files, no geometry) and gives
the compliance, fee and points tables, so each rule is checked by hand on a
few rows.

Examples
--------
A team serving unit U all of 2025 visited it twice in every month but July, and met
there on three days of July: 11 of 12 months with a visit, 25 of 30 service days:

>>> import datetime as dt, pandas as pd
>>> from planner_gis.registry import read_registry
>>> reg = read_registry(pd.DataFrame({"team_id": ["T1"], "unit_id": ["U"], "role": ["unit"],
...     "start_date": ["2025-01-01"], "end_date": ["2025-12-31"], "annual_fee": ["120000"]}))
>>> days = [dt.date(2025, m, d) for m in range(1, 13) if m != 7 for d in (3, 17)]
>>> counted = pd.DataFrame({"team_id": "T1", "unit_id": "U", "person_id": "", "notes": "",
...     "kind": ["visit"] * 22 + ["meeting"] * 3, "date": days + [dt.date(2025, 7, d) for d in (10, 11, 12)]})
>>> result = assess(counted, reg, "liaocheng", 2025)
>>> result.compliance[["rule_id", "value", "required", "passed"]].values.tolist()
[['LC-visits', 11, 12, False], ['LC-days', 25, 30, False], ['LC-fee', 0.166667, 0, False], ['LC-term', 365, 1095, True]]
>>> result.fees[["annual_fee", "deduction_share", "deduction"]].values.tolist()
[[120000.0, 0.166667, 20000.0]]
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..errors import InputError
from .checks import COMPLIANCE_COLUMNS, DISPATCH, Context, fee_shares
from .periods import contract_periods, day_index
from .points import POINTS_COLUMNS, satisfaction_rows, service_points, star_rows
from .rules import RuleSet, load_rules

FEE_COLUMNS = ["team_id", "unit_id", "year", "annual_fee", "deduction_share", "deduction"]
#: Columns the counted records need.
COUNTED_COLUMNS = ["team_id", "unit_id", "person_id", "kind", "date", "notes"]


@dataclasses.dataclass
class Assessment:
    """The tables of one year's evaluation (see :func:`assess`).

    Attributes
    ----------
    compliance : DataFrame
        ``team_id, unit_id, person_id, year, rule_id, value, required, passed, message``.
    fees : DataFrame or None
        ``team_id, unit_id, year, annual_fee, deduction_share, deduction`` (rules with a fee rule).
    points : DataFrame or None
        ``person_id, team_id, year, base_points, satisfaction, sat_coef, carry_points,
        special_points, points, stars`` (rules with service points).
    periods : list of Period
        The team x unit contracts of the year.
    rules : RuleSet
    year : int
    """

    compliance: pd.DataFrame
    fees: pd.DataFrame | None
    points: pd.DataFrame | None
    periods: list
    rules: RuleSet
    year: int


def check_year(year) -> int:
    """``year`` as an int, refusing anything but a calendar year (InputError)."""
    try:
        y = int(year)
    except (TypeError, ValueError):
        y = -1
    if not 1900 <= y <= 2200 or str(year).strip() not in (str(y), f"{y}.0"):
        raise InputError(f"year '{year}' is not a year", fix="give the calendar year to evaluate, e.g. 2025")
    return y


def assess(
    counted: pd.DataFrame,
    registry: pd.DataFrame,
    rules: str | RuleSet,
    year: int,
    people: pd.DataFrame | None = None,
    ratings: pd.DataFrame | None = None,
    unit_types: dict | None = None,
) -> Assessment:
    """Evaluate one calendar year of counted work records against a city's rules.

    Parameters
    ----------
    counted : DataFrame
        The records rules may count (no ``outside_unit``, ``outside_contract`` or
        ``unknown_team`` finding): ``team_id``, ``unit_id`` (the unit it is
        counted in, ``""`` for none), ``person_id``, ``kind``, ``date``
        (``datetime.date``) and ``notes``. Records of other years are ignored.
    registry : DataFrame
        From :func:`planner_gis.registry.read_registry`.
    rules : str or RuleSet
        A built-in name or a rules file (:func:`load_rules`).
    year : int
    people, ratings : DataFrame, optional
        From :func:`planner_gis.people.read_people` and :func:`~planner_gis.people.read_ratings`.
    unit_types : dict, optional
        Unit id -> unit type, for rules limited to unit types (townships ...).

    Returns
    -------
    Assessment
    """
    rules = load_rules(rules)
    year = check_year(year)
    missing = [c for c in COUNTED_COLUMNS if c not in counted.columns]
    if missing:
        raise InputError(f"counted records lack column(s) {', '.join(missing)}",
                         fix=f"give {', '.join(COUNTED_COLUMNS)}")
    recs = counted[COUNTED_COLUMNS].copy()
    recs["day"] = day_index(recs["date"], year) if len(recs) else pd.Series(dtype="int64")
    recs = recs[recs["day"] >= 0].reset_index(drop=True)
    for col in ("team_id", "unit_id", "person_id", "notes"):
        recs[col] = recs[col].fillna("").astype(str)
    ctx = Context(year, contract_periods(registry, year), recs, registry, people, ratings, unit_types, rules)
    rows: list = []
    points = service_points(ctx) if rules.has_points else None
    for rule in rules.rules:
        if rule.check in DISPATCH:
            rows += DISPATCH[rule.check](rule, ctx)
        elif rule.check == "satisfaction":
            rows += satisfaction_rows(rule, ctx)
        elif rule.check == "star_rating":
            rows += star_rows(rule, ctx, points)
    compliance = pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)
    for col in ("value", "required"):  # counts stay whole numbers next to shares
        compliance[col] = pd.Series([r[col] for r in rows], index=compliance.index, dtype=object)
    fees = _fees(rules, ctx) if rules.has_fees else None
    return Assessment(compliance, fees, points if points is None else points[POINTS_COLUMNS], ctx.periods,
                      rules, year)


def _fees(rules: RuleSet, ctx: Context) -> pd.DataFrame:
    """``fees.csv``: one row per team and unit of the (first) fee rule."""
    rule = rules.of("fee_deduction")[0]
    rows = [{"team_id": p.team_id, "unit_id": p.unit_id, "year": ctx.year, "annual_fee": p.annual_fee,
             "deduction_share": round(float(share), 6), "deduction": deduction}
            for p, share, deduction, _text in fee_shares(rule, ctx)]
    return pd.DataFrame(rows, columns=FEE_COLUMNS)
