"""Every rule of the built-in rule sets on hand-made tables, against hand calculations.

The core (:func:`planner_gis.evaluation.assess`) gets counted records as a plain
table, so each case below is a few rows whose expected numbers are worked out
in the comments.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from planner_gis.errors import InputError
from planner_gis.evaluation import assess, load_rules
from planner_gis.people import read_people, read_ratings
from planner_gis.registry import read_registry

D = dt.date


def registry(*rows, fee=None):
    """Registry rows ``(team, unit, start, end[, role])``."""
    cols = {"team_id": [], "unit_id": [], "role": [], "start_date": [], "end_date": [], "annual_fee": []}
    for r in rows:
        team, unit, start, end = r[:4]
        cols["team_id"].append(team)
        cols["unit_id"].append(unit)
        cols["role"].append(r[4] if len(r) > 4 else "unit")
        cols["start_date"].append(start)
        cols["end_date"].append(end)
        cols["annual_fee"].append("" if fee is None else str(fee))
    return read_registry(pd.DataFrame(cols))


def records(*rows):
    """Counted records ``(team, unit, date, kind[, person[, notes]])``."""
    out = [{"team_id": r[0], "unit_id": r[1], "date": r[2], "kind": r[3],
            "person_id": r[4] if len(r) > 4 else "", "notes": r[5] if len(r) > 5 else ""} for r in rows]
    return pd.DataFrame(out, columns=["team_id", "unit_id", "person_id", "kind", "date", "notes"])


def rule_rows(result, rule_id):
    return result.compliance[result.compliance["rule_id"] == rule_id].reset_index(drop=True)


def one(result, rule_id):
    rows = rule_rows(result, rule_id)
    assert len(rows) == 1, rows
    return rows.iloc[0]


def visits_each_month(team, unit, year, months, day=10, kind="visit"):
    return [(team, unit, D(year, m, day), kind) for m in months]


# ----------------------------------------------------------------------------- Liaocheng


def test_liaocheng_a_year_with_a_missing_month():
    # all of 2025 under contract; a visit on the 10th of every month but May; 11 service days
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"), fee=120000)
    recs = records(*visits_each_month("T1", "U1", 2025, [m for m in range(1, 13) if m != 5]))
    r = assess(recs, reg, "liaocheng", 2025)
    visits = one(r, "LC-visits")
    assert (visits["value"], visits["required"], visits["passed"]) == (11, 12, False)
    assert "2025-05" in visits["message"]
    days = one(r, "LC-days")
    assert (days["value"], days["required"], days["passed"]) == (11, 30, False)
    # share = max(19/30 missing days, 1/12 missing months) = 19/30; deduction = 120000 x 365/365 x 19/30 = 76000
    fee = r.fees.iloc[0]
    assert fee["deduction_share"] == pytest.approx(19 / 30, abs=1e-6)
    assert fee["deduction"] == 76000.00


def test_liaocheng_every_month_and_30_days_pass():
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"), fee=120000)
    recs = [(("T1", "U1", D(2025, m, d), "visit")) for m in range(1, 13) for d in (5, 20)]  # 24 days
    recs += [("T1", "U1", D(2025, 3, d), "survey") for d in (1, 2, 3, 4, 6, 7)]  # 30 days
    recs += [("T1", "U1", D(2025, 3, 8), "publicity")]  # not a service kind: not a 31st day
    r = assess(records(*recs), reg, "liaocheng", 2025)
    assert one(r, "LC-days")["value"] == 30 and one(r, "LC-days")["passed"]
    assert one(r, "LC-visits")["passed"] and one(r, "LC-fee")["passed"]
    assert r.fees.iloc[0]["deduction"] == 0.0


def test_liaocheng_contract_starting_mid_year():
    # contract from 2025-07-15: 170 days of 2025; whole months Aug-Dec (5); days ceil(30 x 170/365) = 14
    reg = registry(("T1", "U1", "2025-07-15", "2026-07-14"), fee=100000)
    recs = visits_each_month("T1", "U1", 2025, [8, 9, 10, 12])  # no visit in November
    recs += [("T1", "U1", D(2025, 7, 20), "visit")]  # July is not a whole month: not required, not counted
    r = assess(records(*recs), reg, "liaocheng", 2025)
    visits, days = one(r, "LC-visits"), one(r, "LC-days")
    assert (visits["value"], visits["required"]) == (4, 5)
    assert (days["value"], days["required"]) == (5, 14)
    # share = max(9/14, 1/5) = 9/14; deduction = 100000 x 170/365 x 9/14 = 29941.291... -> 29941.29
    fee = r.fees.iloc[0]
    assert fee["deduction_share"] == pytest.approx(9 / 14, abs=1e-6)
    assert fee["deduction"] == 29941.29
    assert fee["annual_fee"] == 100000.0


def test_liaocheng_leap_year():
    # 2024 has 366 days; contract from 2024-03-01: 306 days; days = ceil(30 x 306/366) = ceil(25.08) = 26
    reg = registry(("T1", "U1", "2024-03-01", "2025-02-28"))
    r = assess(records(*visits_each_month("T1", "U1", 2024, range(3, 13))), reg, "liaocheng", 2024)
    assert (one(r, "LC-days")["required"], one(r, "LC-visits")["required"]) == (26, 10)
    # all of 2024: February has 29 days; a visit on 29 February is in February
    reg = registry(("T1", "U1", "2024-01-01", "2024-12-31"))
    recs = visits_each_month("T1", "U1", 2024, [m for m in range(1, 13) if m != 2]) + [("T1", "U1", D(2024, 2, 29),
                                                                                         "visit")]
    r = assess(records(*recs), reg, "liaocheng", 2024)
    assert one(r, "LC-visits")["passed"] and one(r, "LC-days")["required"] == 30
    # the same contract days in 2023 (365 days): 30 x 306/365 = 25.15 -> 26 as well, but 30 x 335/365 differs
    assert math.ceil(30 * 335 / 366) == 28 and math.ceil(30 * 335 / 365) == 28


def test_liaocheng_consecutive_terms_are_one_period_and_a_lapse_ends_it():
    # yearly terms 30 Nov - 29 Nov: all of 2025 under contract; a term ending 2025-11-29 without renewal:
    # 333 days (Jan 1 - Nov 29), whole months Jan-Oct, days ceil(30 x 333/365) = 28
    reg = registry(("T1", "U1", "2024-11-30", "2025-11-29"), ("T1", "U1", "2025-11-30", "2026-11-29"),
                   ("T2", "U2", "2024-11-30", "2025-11-29"))
    r = assess(records(), reg, "liaocheng", 2025)
    rows = rule_rows(r, "LC-days").set_index("team_id")
    assert rows.loc["T1", "required"] == 30 and rows.loc["T2", "required"] == 28
    assert rule_rows(r, "LC-visits").set_index("team_id").loc["T2", "required"] == 10


def test_records_of_other_teams_units_and_years_do_not_count():
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"), ("T2", "U2", "2025-01-01", "2025-12-31"))
    recs = records(("T2", "U1", D(2025, 1, 5), "visit"), ("T1", "U2", D(2025, 1, 6), "visit"),
                   ("T1", "U1", D(2024, 1, 7), "visit"), ("T1", "", D(2025, 1, 8), "visit"))
    r = assess(recs, reg, "liaocheng", 2025)
    assert rule_rows(r, "LC-days").set_index("team_id")["value"].to_dict() == {"T1": 0, "T2": 0}


def test_fee_without_annual_fee_is_unknown_and_rounding_is_half_up():
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"))
    r = assess(records(), reg, "liaocheng", 2025)
    assert math.isnan(r.fees.iloc[0]["deduction"]) and "no annual_fee" in one(r, "LC-fee")["message"]
    # 1 visit missing of 12 months, fee 60.06: 60.06 x 1/12 = 5.005 -> 5.01 (half up, not to even)
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"), fee="60.06")
    recs = [("T1", "U1", D(2025, m, d), "visit") for m in range(1, 12) for d in (1, 2, 3)]
    r = assess(records(*recs), reg, "liaocheng", 2025)
    assert one(r, "LC-days")["value"] == 33 and r.fees.iloc[0]["deduction"] == 5.01


def test_liaocheng_term_longer_than_three_years_fails():
    reg = registry(("T1", "U1", "2023-01-01", "2025-12-31"), ("T2", "U2", "2023-01-01", "2026-01-01"))
    rows = rule_rows(assess(records(), reg, "liaocheng", 2025), "LC-term").set_index("team_id")
    assert bool(rows.loc["T1", "passed"]) and not bool(rows.loc["T2", "passed"])
    assert rows.loc["T2", "value"] == 1097 and rows.loc["T2", "required"] == 1096


# ----------------------------------------------------------------------------- Chongqing

PEOPLE = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"], "team_id": ["T1", "T1", "T1", "T2"],
                       "profession": ["规划师", "architect", "engineer", "planner"],
                       "title": ["副高级", "junior", "正高级", "intermediate"]})


def ratings(*rows):
    return read_ratings(pd.DataFrame(rows, columns=["person_id", "year", "satisfaction", "previous_points",
                                                    "special_points"]))


def chongqing(recs, rates):
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"), ("T2", "U2", "2025-01-01", "2025-12-31"))
    return assess(records(*recs), reg, "chongqing", 2025, people=read_people(PEOPLE), ratings=rates)


def test_chongqing_points_satisfaction_59_and_60_percent_and_a_special_item_of_15():
    recs = [("T1", "U1", D(2025, 3, 1), "visit", "P1"), ("T1", "U1", D(2025, 3, 2), "visit", "P1"),
            ("T1", "U1", D(2025, 3, 3), "review", "P1"),  # P1: base 2 + 2 + 5 = 9
            ("T1", "U1", D(2025, 3, 1), "survey", "P2"), ("T1", "U1", D(2025, 3, 5), "event", "P2")]  # P2: 3 + 3
    r = chongqing(recs, ratings(("P1", 2025, "60%", "100", "15;5"), ("P2", 2025, "59", "40", ""),
                                ("P3", 2025, "0.9", "", "")))
    pts = r.points.set_index("person_id")
    # P1 senior (1.5): 9 x 1.5 = 13.5; x 0.60 = 8.1; carry 10% x 100 = 10; special min(10, 15) + 5 = 15 -> 33.1
    assert pts.loc["P1", "base_points"] == pytest.approx(13.5)
    assert pts.loc["P1", "sat_coef"] == pytest.approx(0.60)
    assert (pts.loc["P1", "carry_points"], pts.loc["P1", "special_points"]) == (10.0, 15.0)
    assert pts.loc["P1", "points"] == pytest.approx(33.1) and pts.loc["P1", "stars"] == 1
    # P2 junior (1.0): base 6; satisfaction 59% -> coefficient 0; carry 4 -> 4 points, no star
    assert pts.loc["P2", "sat_coef"] == 0.0 and pts.loc["P2", "points"] == pytest.approx(4.0)
    assert pts.loc["P2", "stars"] == 0
    # P3: no record, 90%, nothing carried: 0 points; P4: no rating at all: coefficient 0
    assert pts.loc["P3", "points"] == 0.0 and math.isnan(pts.loc["P4", "satisfaction"])
    sat = rule_rows(r, "CQ-satisfaction").set_index("person_id")
    assert bool(sat.loc["P1", "passed"]) and not bool(sat.loc["P2", "passed"])
    assert "59% is below 60%" in sat.loc["P2", "message"] and not bool(sat.loc["P4", "passed"])


def test_chongqing_stars_at_the_thresholds():
    # P1 professor... P3 is professor (2.0): 5 reviews = 25 base x 2.0 = 50 x 1.0 satisfaction = 50: two stars
    recs = [("T1", "U1", D(2025, 4, d), "review", "P3") for d in range(1, 6)]
    r = chongqing(recs, ratings(("P3", 2025, "100%", "", "")))
    pts = r.points.set_index("person_id")
    assert pts.loc["P3", "points"] == 50.0 and pts.loc["P3", "stars"] == 2
    stars = rule_rows(r, "CQ-stars").set_index("person_id")
    assert bool(stars.loc["P3", "passed"]) and not bool(stars.loc["P1", "passed"])


def test_chongqing_pairing_planner_architect_engineer():
    r = chongqing([], ratings())
    pairing = rule_rows(r, "CQ-pairing").set_index("team_id")
    assert bool(pairing.loc["T1", "passed"]) and pairing.loc["T1", "value"] == 3
    assert not bool(pairing.loc["T2", "passed"]) and pairing.loc["T2", "message"] == "missing architect, engineer"


def test_points_rules_need_the_people_table():
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"))
    with pytest.raises(InputError, match="CQ-base.*needs the team members.*Fix: .*--people"):
        assess(records(), reg, "chongqing", 2025)


# ----------------------------------------------------------------------------- Guangxi, Hunan, Beijing


def units_of(*ids, kind="township"):
    return {u: kind for u in ids}


def test_guangxi_at_most_three_townships_at_a_time_and_seven_days():
    reg = registry(*[("G1", u, "2025-01-01", "2025-12-31") for u in ("A", "B", "C")],
                   *[("G2", u, "2025-01-01", "2025-12-31") for u in ("D", "E", "F")],
                   ("G2", "H", "2025-06-01", "2025-12-31"),  # a 4th township from June
                   ("G3", "S", "2025-01-01", "2025-12-31"))  # a street: not counted
    types = {**units_of("A", "B", "C", "D", "E", "F", "H"), "S": "street"}
    recs = [("G1", "A", D(2025, 5, d), "meeting") for d in range(1, 8)]  # 7 days in A
    r = assess(records(*recs), reg, "guangxi", 2025, unit_types=types)
    towns = rule_rows(r, "GX-townships").set_index("team_id")
    assert list(towns.index) == ["G1", "G2"]
    assert (towns.loc["G1", "value"], bool(towns.loc["G1", "passed"])) == (3, True)
    assert (towns.loc["G2", "value"], bool(towns.loc["G2", "passed"])) == (4, False)
    assert "2025-06-01" in towns.loc["G2", "message"]
    days = rule_rows(r, "GX-days").set_index(["team_id", "unit_id"])
    assert bool(days.loc[("G1", "A"), "passed"]) and not bool(days.loc[("G1", "B"), "passed"])
    # H from June 1: 214 days -> ceil(7 x 214/365) = ceil(4.10) = 5 days required
    assert days.loc[("G2", "H"), "required"] == 5


def test_hunan_one_planner_per_township():
    reg = registry(("H1", "A", "2025-01-01", "2025-06-30"), ("H2", "A", "2025-07-01", "2025-12-31"),  # hand-over
                   ("H3", "B", "2025-01-01", "2025-12-31"), ("H4", "B", "2025-10-01", "2026-09-30"),  # overlap
                   ("H5", "C", "2025-01-01", "2025-09-30"),  # lapse from October
                   ("H6", "D", "2025-01-01", "2025-12-31"), ("H6", "E", "2025-01-01", "2025-12-31"))
    r = assess(records(), reg, "hunan", 2025, unit_types=units_of("A", "B", "C", "D", "E"))
    one_planner = rule_rows(r, "HN-one-planner").set_index("unit_id")
    assert bool(one_planner.loc["A", "passed"]) and one_planner.loc["A", "value"] == 365
    # B: two planners from 1 October (92 days); C: none from 1 October (92 days)
    assert one_planner.loc["B", "value"] == 365 - 92 and "2 planners 2025-10-01 to 2025-12-31" in \
        one_planner.loc["B", "message"]
    assert one_planner.loc["C", "value"] == 273 and "no planner 2025-10-01" in one_planner.loc["C", "message"]
    towns = rule_rows(r, "HN-one-township").set_index("team_id")
    assert not bool(towns.loc["H6", "passed"]) and towns.loc["H6", "value"] == 2
    assert bool(towns.loc["H1", "passed"])


def test_beijing_reports_satisfaction_and_one_year_terms():
    reg = registry(("B1", "U1", "2024-11-30", "2025-11-29"), ("B1", "U1", "2025-11-30", "2026-11-29"),
                   ("B2", "U2", "2025-01-01", "2026-01-01"))  # 366 days: longer than a year
    recs = records(("B1", "U1", D(2025, 12, 1), "report", "", "2025年度述职报告"),
                   ("B1", "", D(2025, 12, 2), "report", "", "对街道主管部门的绩效评价报告"),
                   ("B2", "U2", D(2025, 12, 1), "report", "", "年度述职"),
                   ("B2", "U2", D(2025, 12, 3), "meeting", "", "绩效评价"))  # a meeting is not a report
    people = read_people(pd.DataFrame({"person_id": ["X1"], "team_id": ["B2"], "profession": ["planner"],
                                       "title": ["中级"]}))
    r = assess(recs, reg, "beijing", 2025, people=people, ratings=ratings(("X1", 2025, "75%", "", "")))
    rep = rule_rows(r, "BJ-reports").set_index("team_id")
    assert (rep.loc["B1", "value"], bool(rep.loc["B1", "passed"])) == (2, True)
    assert (rep.loc["B2", "value"], rep.loc["B2", "message"]) == (1, "missing authority_rating")
    sat = rule_rows(r, "BJ-satisfaction").set_index("team_id")
    assert not bool(sat.loc["B1", "passed"]) and sat.loc["B2", "value"] == pytest.approx(0.75)
    term = rule_rows(r, "BJ-term").set_index("team_id")
    assert bool(term.loc["B1", "passed"]) and not bool(term.loc["B2", "passed"])
    assert (term.loc["B2", "value"], term.loc["B2", "required"]) == (366, 365)


def test_a_rules_file_with_other_numbers_changes_the_result(tmp_path):
    text = load_rules("liaocheng").path
    mine = tmp_path / "mycity.toml"
    mine.write_text(open(text, encoding="utf-8").read().replace("days = 30\n", "days = 10\n"), encoding="utf-8")
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"))
    recs = records(*visits_each_month("T1", "U1", 2025, range(1, 13)))
    assert not one(assess(recs, reg, "liaocheng", 2025), "LC-days")["passed"]
    assert one(assess(recs, reg, mine, 2025), "LC-days")["passed"]


def test_bad_years_are_refused():
    reg = registry(("T1", "U1", "2025-01-01", "2025-12-31"))
    for bad in ("25", "2025.5", "next year"):
        with pytest.raises(InputError, match="is not a year"):
            assess(records(), reg, "liaocheng", bad)
