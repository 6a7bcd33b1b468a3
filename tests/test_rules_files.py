"""The rule sets are data: the built-in files are complete and cited, a user's file is checked with clear errors."""

from __future__ import annotations

import re
import tomllib

import pytest

from planner_gis.errors import InputError
from planner_gis.evaluation import BUILTIN_RULES, load_rules, rules_path

LIAOCHENG = rules_path("liaocheng").read_text(encoding="utf-8")


def test_every_built_in_rule_has_an_id_a_source_a_quote_and_its_numbers():
    ids = set()
    for name in BUILTIN_RULES:
        rules = load_rules(name)
        assert rules.id == name and rules.source
        for r in rules.rules:
            assert r.id not in ids
            ids.add(r.id)
            assert r.source and r.quote and r.title and r.title_zh, r.id
            assert isinstance(r.assumption, bool)
    assert {"LC-visits", "LC-days", "LC-fee", "CQ-base", "CQ-stars", "CQ-pairing", "GX-townships", "GX-days",
            "HN-one-planner", "HN-one-township", "BJ-reports", "BJ-satisfaction", "BJ-term"} <= ids


def test_the_contract_defaults():
    lc = load_rules("liaocheng")
    assert lc.rule("LC-visits").params == {"kinds": ["visit"], "min_per_month": 1}
    assert lc.rule("LC-days").params == {"kinds": ["visit", "survey", "meeting", "review"], "days": 30,
                                         "prorate": True}
    cq = load_rules("chongqing")
    assert cq.rule("CQ-base").params["points"] == {"visit": 2, "survey": 3, "meeting": 2, "review": 5,
                                                   "publicity": 1, "training": 1, "event": 3, "report": 2}
    assert cq.rule("CQ-ability").params["coefficients"] == {"junior": 1.0, "intermediate": 1.2, "senior": 1.5,
                                                            "professor": 2.0}
    assert cq.rule("CQ-satisfaction").params["minimum"] == 0.60
    assert cq.rule("CQ-carry").params["share"] == 0.10 and cq.rule("CQ-special").params["cap"] == 10
    assert cq.rule("CQ-stars").params["thresholds"] == [20, 50, 100, 200, 400] and cq.rule("CQ-stars").assumption
    assert load_rules("guangxi").rule("GX-townships").params["max"] == 3
    gx_days = load_rules("guangxi").rule("GX-days")
    assert gx_days.params["days"] == 7 and gx_days.assumption
    assert load_rules("beijing").rule("BJ-term").params["max_years"] == 1


def test_chinese_quotes_are_chinese_text():
    for name in ("liaocheng", "chongqing", "beijing"):
        for r in load_rules(name).rules:
            assert re.search(r"[\u4e00-\u9fff]", r.quote), r.id


def edited(tmp_path, old, new, text=LIAOCHENG):
    assert old in text, old
    path = tmp_path / "mycity.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    ('check = "monthly_visits"', 'check = "monthly_visit"', r"rule LC-visits: unknown check 'monthly_visit'. Fix: use "
                                                            r"one of monthly_visits, service_days"),
    ("min_per_month = 1", "min_per_month = 0", r"rule LC-visits: min_per_month = 0 is not a whole number above 0"),
    ("days = 30", 'days = "30"', r"rule LC-days: days = '30' is not a number above 0. Fix: .*without quotes"),
    ("days = 30", "dayz = 30", r"rule LC-days: unknown key\(s\) dayz for check service_days. Fix: use kinds, days, "
                               r"prorate"),
    ('kinds = ["visit"]', 'kinds = ["vist"]', r"rule LC-visits: kinds = \['vist'\] names unknown kinds vist"),
    ('visits_rule = "LC-visits"', 'visits_rule = "LC-visit"', r"rule LC-fee: visits_rule = 'LC-visit' is not a "
                                                             r"monthly_visits rule"),
    ('id = "LC-days"', 'id = "LC-visits"', r"rule id LC-visits is used twice"),
    ("prorate = true", "prorate = yes", r"not a valid TOML file \(Invalid value \(at line 31, column 11\)\)"),
    ("[ruleset]", "[rulesets]", r"no \[ruleset\] table"),
])
def test_a_users_rules_file_is_checked_with_file_rule_problem_and_fix(tmp_path, old, new, message):
    path = edited(tmp_path, old, new)
    with pytest.raises(InputError, match=message) as err:
        load_rules(path)
    assert str(path) in str(err.value) and "Fix:" in str(err.value)


def test_incomplete_points_formula_and_missing_sources(tmp_path):
    cq = rules_path("chongqing").read_text(encoding="utf-8")
    block = cq[cq.index("[[rules]]\nid = \"CQ-carry\""):cq.index("[[rules]]\nid = \"CQ-special\"")]
    path = tmp_path / "cq.toml"
    path.write_text(cq.replace(block, ""), encoding="utf-8")
    with pytest.raises(InputError, match="service points need rules with check carry_over"):
        load_rules(path)
    path = edited(tmp_path, 'quote = "全年服务责任片区时间不少于30天"\n', "")
    with pytest.raises(InputError, match="rule LC-days: no source and quote"):
        load_rules(path)
    # an assumption needs no quote, but still says where it would come from
    assert load_rules(edited(tmp_path, 'quote = "全年服务责任片区时间不少于30天"\nassumption = false',
                             "assumption = true")).rule("LC-days").assumption


def test_unknown_names_and_files():
    with pytest.raises(InputError, match="unknown rules 'shanghai'. Fix: use liaocheng, chongqing, guangxi, hunan or "
                                         "beijing, or the path of a rules .toml file"):
        load_rules("shanghai")
    with pytest.raises(InputError, match="nowhere.toml: rules file not found"):
        load_rules("nowhere.toml")


def test_built_in_files_parse_without_the_library():
    for name in BUILTIN_RULES:
        data = tomllib.loads(rules_path(name).read_text(encoding="utf-8"))
        assert data["ruleset"]["id"] == name and data["rules"]
