"""People, ratings and the registry's annual_fee: Chinese spellings and clear errors."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planner_gis.errors import InputError, RegistryError
from planner_gis.people import parse_share, read_people, read_ratings
from planner_gis.registry import read_registry


def test_people_aliases():
    df = pd.DataFrame({"人员编号": ["P1", "P2", "P3", "P4"], "团队编号": ["T1"] * 4,
                       "专业": ["规划师", "建筑师", "工程师", "注册城乡规划师"],
                       "职称": ["初级", "中级", "副高级", "正高级"], "姓名": ["甲", "乙", "丙", "丁"]})
    p = read_people(df)
    assert p["profession"].tolist() == ["planner", "architect", "engineer", "planner"]
    assert p["title"].tolist() == ["junior", "intermediate", "senior", "professor"]
    assert p["name"].tolist() == ["甲", "乙", "丙", "丁"]


@pytest.mark.parametrize("field, value, message", [
    ("profession", "lawyer", r"people.csv, row 3: unknown profession 'lawyer'. Fix: use planner, architect or "
                             r"engineer \(规划师, 建筑师, 工程师\)"),
    ("title", "大师", r"row 3: unknown title '大师'. Fix: use junior, intermediate, senior or professor"),
    ("person_id", "P1", r"duplicate person_id P1"),
    ("team_id", "", r"row 3: empty team_id"),
])
def test_bad_people(tmp_path, field, value, message):
    df = pd.DataFrame({"person_id": ["P1", "P2"], "team_id": ["T1", "T1"], "profession": ["planner"] * 2,
                       "title": ["junior"] * 2})
    df.loc[1, field] = value
    path = tmp_path / "people.csv"
    df.to_csv(path, index=False)
    with pytest.raises(InputError, match=message):
        read_people(path)


def test_ratings_shares_points_and_errors(tmp_path):
    assert (parse_share("59%"), parse_share("0.6"), parse_share(60), parse_share("60％")) == (0.59, 0.6, 0.6, 0.6)
    assert math.isnan(parse_share(""))
    r = read_ratings(pd.DataFrame({"人员编号": ["P1", "P2"], "年度": ["2025", "2025"], "满意度": ["", "85"],
                                   "上年积分": ["", "120"], "特别积分": ["15；5", ""]}))
    assert math.isnan(r["satisfaction"].iloc[0]) and r["satisfaction"].iloc[1] == 0.85
    assert r["previous_points"].tolist() == [0.0, 120.0] and r["special_items"].tolist() == [[15.0, 5.0], []]
    for column, value, message in (("satisfaction", "120", "satisfaction '120' is not a share"),
                                   ("year", "25", "year '25' is not a year"),
                                   ("special_points", "5;x", "are not numbers"),
                                   ("person_id", "P1", r"duplicate rating \(person_id and year\) P1 in 2025")):
        df = pd.DataFrame({"person_id": ["P1", "P2"], "year": ["2025", "2025"], "satisfaction": ["0.8", "0.8"],
                           "special_points": ["", ""]})
        df.loc[1, column] = value
        with pytest.raises(InputError, match=message):
            read_ratings(df)


def test_registry_annual_fee():
    reg = read_registry(pd.DataFrame({"team_id": ["T1", "T2", "T3"], "unit_id": ["A", "B", "C"], "role": ["unit"] * 3,
                                      "start_date": ["2025-01-01"] * 3, "end_date": ["2025-12-31"] * 3,
                                      "年度服务费": ["300,000", "30万", ""]}))
    assert reg["annual_fee"].tolist()[:2] == [300000.0, 300000.0] and math.isnan(reg["annual_fee"].iloc[2])
    with pytest.raises(RegistryError, match="row 2: annual_fee 'free' is not an amount of yuan"):
        read_registry(pd.DataFrame({"team_id": ["T1"], "unit_id": ["A"], "role": ["unit"],
                                    "start_date": ["2025-01-01"], "end_date": ["2025-12-31"], "annual_fee": ["free"]}))
