"""Service points per person and year (Chongqing's 三师进社区), on plain tables.

``points = Σ(base points × ability coefficient) × satisfaction coefficient
+ carry-over share × last year's points + Σ min(cap, special item)``, where the
base points come from the person's counted records by kind, the ability
coefficient from their title, and the satisfaction coefficient is the
residents' satisfaction when it reaches the minimum (else 0). The points give
a star rating: one star per threshold reached.

>>> stars_for(152.4, [20, 50, 100, 200, 400]), stars_for(19.99, [20, 50])
(3, 0)
>>> satisfaction_coefficient(0.59, 0.60), satisfaction_coefficient(0.60, 0.60)
(0.0, 0.6)
"""

from __future__ import annotations

import math

import pandas as pd

from .checks import Context, need_people, row

POINTS_COLUMNS = ["person_id", "team_id", "year", "base_points", "satisfaction", "sat_coef", "carry_points",
                  "special_points", "points", "stars"]


def satisfaction_coefficient(satisfaction: float, minimum: float) -> float:
    """The satisfaction (fraction) when it is at least ``minimum``; 0 below it or when unknown."""
    if satisfaction is None or not math.isfinite(satisfaction) or satisfaction < minimum:
        return 0.0
    return float(satisfaction)


def stars_for(points: float, thresholds: list) -> int:
    """Number of star thresholds ``points`` reaches."""
    return int(sum(points >= t for t in thresholds))


def _rating(ctx: Context, person: str) -> tuple[float, float, list]:
    """Satisfaction, last year's points and special items of a person in the context's year."""
    if ctx.ratings is None:
        return float("nan"), 0.0, []
    r = ctx.ratings[(ctx.ratings["person_id"] == person) & (ctx.ratings["year"] == ctx.year)]
    if not len(r):
        return float("nan"), 0.0, []
    first = r.iloc[0]
    return float(first["satisfaction"]), float(first["previous_points"]), list(first["special_items"])


def service_points(ctx: Context) -> pd.DataFrame:
    """One row per person of the people table: the parts of the formula, the points and the stars.

    ``base_points`` is Σ(base points × ability coefficient), so that
    ``points = base_points × sat_coef + carry_points + special_points``.
    """
    rules = ctx.rules
    base = rules.of("base_points")[0].params["points"]
    ability = rules.of("ability_coefficient")[0].params["coefficients"]
    minimum = rules.of("satisfaction")[0].params["minimum"]
    share = rules.of("carry_over")[0].params["share"]
    cap = rules.of("special_points")[0].params["cap"]
    thresholds = rules.of("star_rating")[0].params["thresholds"]
    need_people(ctx, rules.of("base_points")[0])
    counts = ctx.records.groupby(["person_id", "kind"]).size()
    out = []
    for person in ctx.people.sort_values("person_id").itertuples(index=False):
        kinds = counts.loc[person.person_id] if person.person_id in counts.index.get_level_values(0) else {}
        raw = sum(base.get(kind, 0) * n for kind, n in dict(kinds).items())
        satisfaction, previous, items = _rating(ctx, person.person_id)
        weighted = raw * ability[person.title]
        coef = satisfaction_coefficient(satisfaction, minimum)
        carry = share * previous
        special = sum(min(cap, item) for item in items)
        points = weighted * coef + carry + special
        out.append({"person_id": person.person_id, "team_id": person.team_id, "year": ctx.year,
                    "base_points": round(weighted, 4), "satisfaction": satisfaction, "sat_coef": coef,
                    "carry_points": round(carry, 4), "special_points": round(special, 4),
                    "points": round(points, 2), "stars": stars_for(round(points, 2), thresholds)})
    return pd.DataFrame(out, columns=POINTS_COLUMNS)


def _units(ctx: Context, team: str) -> str:
    return ";".join(ctx.team_units(team))


def satisfaction_rows(rule, ctx: Context) -> list:
    """Per person of the people table: whether the residents' satisfaction reaches the minimum."""
    need_people(ctx, rule)
    out = []
    for person in ctx.people.sort_values("person_id").itertuples(index=False):
        satisfaction = _rating(ctx, person.person_id)[0]
        minimum = rule.params["minimum"]
        known = math.isfinite(satisfaction)
        if not known:
            msg = f"no satisfaction rating for {ctx.year}: coefficient 0"
        elif satisfaction < minimum:
            msg = f"satisfaction {satisfaction:.0%} is below {minimum:.0%}: coefficient 0"
        else:
            msg = f"satisfaction {satisfaction:.0%}: coefficient {satisfaction:g}"
        out.append(row(rule, ctx.year, satisfaction, minimum, known and satisfaction >= minimum, msg,
                       person.team_id, _units(ctx, person.team_id), person.person_id))
    return out


def star_rows(rule, ctx: Context, points: pd.DataFrame) -> list:
    """Per person: the stars of the points (passed with at least one star)."""
    first = rule.params["thresholds"][0]
    out = []
    for p in points.itertuples(index=False):
        msg = f"{p.stars} star(s): {p.points:.2f} points" + ("" if p.stars else f" (one star from {first:g})")
        out.append(row(rule, ctx.year, p.points, first, p.stars >= 1, msg, p.team_id, _units(ctx, p.team_id),
                       p.person_id))
    return out
