"""The checks of the rules on plain tables: one function per ``check`` of a rule file.

Each check takes a rule (:class:`~planner_gis.evaluation.rules.Rule`) and the
:class:`Context` of one year (contract periods, counted records, people,
ratings) and returns compliance rows: ``team_id, unit_id, person_id, year,
rule_id, value, required, passed, message``. Nothing here reads files or
geometry, so every rule is tested on hand-made tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..registry import UNIT_LEVEL_ROLES
from .periods import Period, add_years, day_mask, days_in_year, day_text

COMPLIANCE_COLUMNS = ["team_id", "unit_id", "person_id", "year", "rule_id", "value", "required", "passed",
                      "message"]


@dataclasses.dataclass
class Context:
    """Everything the checks of one year read.

    Attributes
    ----------
    year : int
    periods : list of Period
        The team x unit contracts of the year.
    records : DataFrame
        Counted records of the year: ``team_id``, ``unit_id`` (``""`` when in no
        unit), ``person_id``, ``kind``, ``notes`` and ``day`` (0-based day of the year).
    registry : DataFrame
    people, ratings : DataFrame or None
    unit_types : dict or None
        Unit id -> canonical unit type; None: every unit of the registry, of any type.
    """

    year: int
    periods: list
    records: pd.DataFrame
    registry: pd.DataFrame
    people: pd.DataFrame | None = None
    ratings: pd.DataFrame | None = None
    unit_types: dict | None = None
    rules: Any = None

    def days(self, period: Period, kinds: list) -> np.ndarray:
        """Day indices of the counted records of ``kinds`` by the period's team in its unit."""
        r = self.records
        sel = (r["team_id"] == period.team_id) & (r["unit_id"] == period.unit_id) & r["kind"].isin(kinds)
        return r.loc[sel, "day"].to_numpy(dtype=np.int64)

    def teams(self) -> list:
        """The teams with a contract in the year."""
        return sorted({p.team_id for p in self.periods})

    def team_units(self, team: str) -> list:
        """The units a team served under contract in the year."""
        return sorted({p.unit_id for p in self.periods if p.team_id == team})


def row(rule, year: int, value, required, passed: bool, message: str, team: str = "", unit: str = "",
        person: str = "") -> dict:
    """One compliance row."""
    return {"team_id": team, "unit_id": unit, "person_id": person, "year": year, "rule_id": rule.id,
            "value": value, "required": required, "passed": bool(passed), "message": message}


# ----------------------------------------------------------------------------- per team and unit


def visit_months(period: Period, days: np.ndarray, min_per_month: int) -> tuple[list, list]:
    """Months wholly under contract, and those of them without ``min_per_month`` records on ``days``."""
    from .periods import month_bounds

    bounds = month_bounds(period.year)
    required = period.months
    missing = [m for m in required
               if np.count_nonzero((days >= bounds[m - 1][0]) & (days < bounds[m - 1][1])) < min_per_month]
    return required, missing


def service_days_required(period: Period, days: float, prorate: bool) -> int:
    """``ceil(days x contract days / days in the year)``, or ``days`` unprorated (0 without contract days)."""
    if period.days == 0:
        return 0
    if not prorate:
        return int(math.ceil(days))
    return int(math.ceil(Fraction(str(days)) * period.days / days_in_year(period.year)))


def monthly_visits(rule, ctx: Context) -> list:
    """Every month wholly under contract needs ``min_per_month`` counted records of the kinds in the unit."""
    out = []
    for p in ctx.periods:
        required, missing = visit_months(p, ctx.days(p, rule.params["kinds"]), rule.params["min_per_month"])
        value = len(required) - len(missing)
        if not required:
            msg = "no calendar month lies wholly inside the contract"
        elif missing:
            msg = f"no {'/'.join(rule.params['kinds'])} in " + ", ".join(f"{p.year}-{m:02d}" for m in missing) \
                + f" ({value} of {len(required)} months)"
        else:
            msg = f"{'/'.join(rule.params['kinds'])} in each of the {len(required)} months under contract"
        out.append(row(rule, p.year, value, len(required), not missing, msg, p.team_id, p.unit_id))
    return out


def service_days(rule, ctx: Context) -> list:
    """Distinct dates with a counted record of the kinds in the unit, against the (prorated) days."""
    out = []
    for p in ctx.periods:
        required = service_days_required(p, rule.params["days"], rule.params["prorate"])
        value = int(len(np.unique(ctx.days(p, rule.params["kinds"]))))
        basis = (f"{rule.params['days']:g} x {p.days}/{days_in_year(p.year)} contract days"
                 if rule.params["prorate"] and p.days < days_in_year(p.year) else f"{rule.params['days']:g} a year")
        msg = f"{value} service days of {required} required ({basis})"
        out.append(row(rule, p.year, value, required, value >= required, msg, p.team_id, p.unit_id))
    return out


def fee_shares(rule, ctx: Context) -> list:
    """``(period, share, deduction, text)`` of a fee rule for every period."""
    visits = ctx_rule(ctx, rule.params["visits_rule"])
    days = ctx_rule(ctx, rule.params["days_rule"])
    out = []
    for p in ctx.periods:
        months, missing = visit_months(p, ctx.days(p, visits.params["kinds"]), visits.params["min_per_month"])
        need = service_days_required(p, days.params["days"], days.params["prorate"])
        have = int(len(np.unique(ctx.days(p, days.params["kinds"]))))
        short_days = Fraction(max(0, need - have), need) if need else Fraction(0)
        short_months = Fraction(len(missing), len(months)) if months else Fraction(0)
        share = min(Fraction(1), max(short_days, short_months))
        fee = p.annual_fee
        deduction = float("nan")
        if math.isfinite(fee):
            # the fee as written (60.06), not its binary float (60.0599...)
            exact = Fraction(repr(fee)) * p.days / days_in_year(p.year) * share
            deduction = round_half_up(exact, rule.params["decimals"])
        text = (f"{len(missing)} of {len(months)} months without a visit, {max(0, need - have)} of {need} "
                f"service days missing")
        out.append((p, share, deduction, text))
    return out


def round_half_up(value: Fraction, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places, halves away from zero (as money is rounded).

    >>> round_half_up(Fraction(1, 8), 2), round_half_up(Fraction(5, 1000), 2)
    (0.13, 0.01)
    """
    scale = 10 ** decimals
    return math.floor(value * scale + Fraction(1, 2)) / scale


def fee_deduction(rule, ctx: Context) -> list:
    """A compliance row per period: the deduction share (passed when nothing is deducted)."""
    out = []
    for p, share, deduction, text in fee_shares(rule, ctx):
        money = (f"; deduction {deduction:,.2f} of {p.annual_fee * p.days / days_in_year(p.year):,.2f} yuan"
                 if math.isfinite(deduction) else "; no annual_fee in the registry")
        msg = f"fee cut {float(share):.2%}: {text}{money}"
        out.append(row(rule, p.year, round(float(share), 6), 0, share == 0, msg, p.team_id, p.unit_id))
    return out


def contract_term(rule, ctx: Context) -> list:
    """Every contract row overlapping the year lasts at most ``max_years``."""
    years = rule.params["max_years"]
    out = []
    for p in ctx.periods:
        longest, worst = None, None
        for start, end in p.terms:
            limit = (add_years(start, int(years)) if float(years).is_integer()
                     else start + dt.timedelta(days=round(365.25 * years)))
            days = (end - start).days + 1
            allowed = (limit - start).days
            if longest is None or days - allowed > longest[0] - longest[1]:
                longest, worst = (days, allowed), (start, end)
        days, allowed = longest
        msg = f"term {worst[0]} to {worst[1]}: {days} days, " + (
            f"within {years:g} year(s)" if days <= allowed else f"longer than {years:g} year(s) ({allowed} days)")
        out.append(row(rule, p.year, days, allowed, days <= allowed, msg, p.team_id, p.unit_id))
    return out


def professions(rule, ctx: Context) -> list:
    """Each team x unit has people of every required profession (Chongqing's 三师 pairing)."""
    need_people(ctx, rule)
    out = []
    for p in ctx.periods:
        have = set(ctx.people.loc[ctx.people["team_id"] == p.team_id, "profession"])
        missing = [x for x in rule.params["required"] if x not in have]
        present = len(rule.params["required"]) - len(missing)
        msg = ("missing " + ", ".join(missing)) if missing else ("has " + ", ".join(rule.params["required"]))
        out.append(row(rule, p.year, present, len(rule.params["required"]), not missing, msg, p.team_id, p.unit_id))
    return out


# ----------------------------------------------------------------------------- per team or unit


def _typed(ctx: Context, unit: str, types: list) -> bool:
    if not types or ctx.unit_types is None:
        return True
    return ctx.unit_types.get(unit) in types


def max_units(rule, ctx: Context) -> list:
    """A team serves at most ``max`` units (of the types) at the same time."""
    out = []
    for team in ctx.teams():
        periods = [p for p in ctx.periods if p.team_id == team and _typed(ctx, p.unit_id, rule.params["unit_types"])]
        if not periods:
            continue
        counts = np.sum([p.mask for p in periods], axis=0)
        most = int(counts.max())
        day = int(np.argmax(counts))
        units = [p.unit_id for p in periods if p.mask[day]]
        kind = "/".join(rule.params["unit_types"]) + " units" if rule.params["unit_types"] else "units"
        msg = f"at most {most} {kind} at a time ({', '.join(units)} on {day_text(day, ctx.year)})"
        out.append(row(rule, ctx.year, most, rule.params["max"], most <= rule.params["max"], msg, team,
                       ";".join(sorted(p.unit_id for p in periods))))
    return out


def _runs(values: np.ndarray, year: int) -> list:
    """``(value, first day, last day)`` of each run of equal values."""
    cut = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(values)]]) - 1
    return [(int(values[a]), day_text(a, year), day_text(b, year)) for a, b in zip(starts, ends)]


def one_team_per_unit(rule, ctx: Context) -> list:
    """Every unit (of the types) has exactly one unit-level team on every day of the year."""
    reg = ctx.registry[ctx.registry["role"].isin(UNIT_LEVEL_ROLES)]
    units = sorted(ctx.unit_types) if ctx.unit_types is not None else sorted(set(reg["unit_id"]) - {"*"})
    out = []
    n = days_in_year(ctx.year)
    for unit in units:
        if not _typed(ctx, unit, rule.params["unit_types"]):
            continue
        rows = reg[reg["unit_id"] == unit]
        counts = np.zeros(n, dtype=np.int64)
        for _team, grp in rows.groupby("team_id"):
            counts += day_mask(zip(grp["start_date"], grp["end_date"]), ctx.year)
        good = int((counts == 1).sum())
        bad = [f"{'no planner' if v == 0 else f'{v} planners'} {a} to {b}" for v, a, b in _runs(counts, ctx.year)
               if v != 1]
        msg = "one planner on every day" if not bad else "; ".join(bad[:3]) + (" ..." if len(bad) > 3 else "")
        inside = (rows["start_date"] <= dt.date(ctx.year, 12, 31)) & (rows["end_date"] >= dt.date(ctx.year, 1, 1))
        teams = ";".join(sorted(set(rows.loc[inside, "team_id"])))
        out.append(row(rule, ctx.year, good, n, good == n, msg, teams, unit))
    return out


def reports(rule, ctx: Context) -> list:
    """Each team handed in a record of ``kind`` of every required sub-kind (keywords in its notes)."""
    out = []
    r = ctx.records
    for team in ctx.teams():
        notes = r.loc[(r["team_id"] == team) & (r["kind"] == rule.params["kind"]), "notes"].astype(str).str.lower()
        found = [name for name, words in rule.params["required"].items()
                 if any(notes.str.contains(w.lower(), regex=False).any() for w in words)]
        missing = [name for name in rule.params["required"] if name not in found]
        msg = ("missing " + ", ".join(missing)) if missing else "has " + ", ".join(found)
        out.append(row(rule, ctx.year, len(found), len(rule.params["required"]), not missing, msg, team,
                       ";".join(ctx.team_units(team))))
    return out


def resident_satisfaction(rule, ctx: Context) -> list:
    """A satisfaction figure for the team (a rating of the team id or of a member), at least ``minimum``."""
    out = []
    for team in ctx.teams():
        members = set()
        if ctx.people is not None:
            members = set(ctx.people.loc[ctx.people["team_id"] == team, "person_id"])
        values = pd.Series(dtype=float)
        if ctx.ratings is not None:
            rt = ctx.ratings[(ctx.ratings["year"] == ctx.year)
                             & ctx.ratings["person_id"].isin(members | {team})]
            values = rt["satisfaction"].dropna()
        value = float(values.mean()) if len(values) else float("nan")
        ok = bool(len(values)) and value >= rule.params["minimum"]
        msg = (f"resident satisfaction {value:.0%} ({len(values)} rating(s))" if len(values)
               else f"no resident-satisfaction figure for {ctx.year}")
        out.append(row(rule, ctx.year, value, rule.params["minimum"], ok, msg, team, ";".join(ctx.team_units(team))))
    return out


def need_people(ctx: Context, rule) -> None:
    """Refuse a rule that needs the people table when none was given."""
    if ctx.people is None:
        raise InputError(f"rule {rule.id} ({rule.check}) needs the team members",
                         fix="give a people table (person_id, team_id, profession, title) with --people "
                             "(Python: people=)")


def ctx_rule(ctx: Context, rule_id: str):
    """The rule ``rule_id`` of the rule set being assessed (set by :func:`assess`)."""
    return ctx.rules.rule(rule_id)


#: The function of each check that yields compliance rows (points checks are in points.py).
DISPATCH = {
    "monthly_visits": monthly_visits,
    "service_days": service_days,
    "fee_deduction": fee_deduction,
    "contract_term": contract_term,
    "professions": professions,
    "max_units": max_units,
    "one_team_per_unit": one_team_per_unit,
    "reports": reports,
    "resident_satisfaction": resident_satisfaction,
}
