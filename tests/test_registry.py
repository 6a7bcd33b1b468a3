"""Team registries: date formats, bad rows, organisational models."""

import datetime as dt

import pandas as pd
import pytest

from planner_gis import datasets
from planner_gis.errors import RegistryError
from planner_gis.registry import active_on, active_unit_teams, read_registry


def _reg(**cols):
    base = {"team_id": ["T1"], "unit_id": ["U1"], "role": ["unit"], "start_date": ["2020-01-01"],
            "end_date": ["2020-12-31"]}
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize("text", ["2019-11-30", "2019/11/30", "2019年11月30日", "2019-11-30 00:00:00"])
def test_accepted_date_formats(text):
    r = read_registry(_reg(start_date=[text]))
    assert r["start_date"].iloc[0] == dt.date(2019, 11, 30)


@pytest.mark.parametrize("text", ["30/11/2019", "2019.11.30", "2019-13-01", "2019-02-30", "", "next year"])
def test_rejected_dates_name_the_row(text, tmp_path):
    df = pd.concat([_reg(), _reg(start_date=[text])], ignore_index=True)
    p = tmp_path / "teams.csv"
    df.to_csv(p, index=False)
    with pytest.raises(RegistryError) as exc:
        read_registry(p)
    msg = str(exc.value)
    assert "teams.csv, row 3" in msg and "start_date" in msg and "2019-11-30" in msg  # row 3: header is row 1


def test_end_before_start():
    with pytest.raises(RegistryError, match="row 2: end_date 2019-12-31 is before start_date 2020-01-01"):
        read_registry(_reg(end_date=["2019-12-31"]))


def test_unknown_role_and_org_type():
    with pytest.raises(RegistryError, match="unknown role 'boss'"):
        read_registry(_reg(role=["boss"]))
    with pytest.raises(RegistryError, match="unknown org_type 'ngo'"):
        read_registry(_reg(org_type=["ngo"]))


def test_missing_required_column():
    with pytest.raises(RegistryError, match="end_date"):
        read_registry(_reg().drop(columns="end_date"))


def test_district_wide_only_for_chief():
    assert read_registry(_reg(unit_id=["*"], role=["总规划师"]))["role"].iloc[0] == "chief"
    with pytest.raises(RegistryError, match="only for the chief"):
        read_registry(_reg(unit_id=["*"], role=["unit"]))


def test_excel_and_gbk_csv(tmp_path):
    df = pd.concat([_reg(team_name=["规划院团队"]), _reg(team_id=["T2"], start_date=["2020年1月1日"],
                                                       team_name=["高校团队"])], ignore_index=True)
    df.to_excel(tmp_path / "r.xlsx", index=False)
    df.to_csv(tmp_path / "r.csv", index=False, encoding="gbk")
    for name in ("r.xlsx", "r.csv"):
        r = read_registry(tmp_path / name)
        assert r["team_name"].tolist() == ["规划院团队", "高校团队"], name
        assert r["start_date"].tolist() == [dt.date(2020, 1, 1)] * 2


def test_one_planner_over_three_townships_guangxi():
    r = read_registry(_reg(unit_id=["X1;X2；X3"]))
    assert r["unit_id"].tolist() == ["X1", "X2", "X3"]
    assert set(r["team_id"]) == {"T1"}


def test_liaocheng_one_team_in_groups():
    rows = pd.DataFrame({
        "team_id": [f"LC-G{i:02d}" for i in range(1, 11)],
        "parent_team_id": ["LC"] * 10,
        "unit_id": [f"S{i}" for i in range(1, 11)],
        "role": ["group"] * 10, "start_date": ["2021-01-01"] * 10, "end_date": ["2021-12-31"] * 10})
    r = read_registry(rows)
    act = active_unit_teams(r, "2021-06-01")
    assert len(act) == 10 and set(act["role"]) == {"group"}
    assert set(r["parent_team_id"]) == {"LC"}


def test_active_on_inclusive_bounds():
    r = read_registry(_reg())
    assert len(active_on(r, "2020-01-01")) == 1
    assert len(active_on(r, "2020-12-31")) == 1
    assert len(active_on(r, "2019-12-31")) == 0


def test_members_and_full_time():
    r = read_registry(_reg(members=["7"], full_time=["是"]))
    assert r["members"].iloc[0] == 7 and bool(r["full_time"].iloc[0]) is True
    with pytest.raises(RegistryError, match="members 'many'"):
        read_registry(_reg(members=["many"]))


def test_demo_registry_is_fengtai_1_24_n():
    from planner_gis import datasets

    r = datasets.load_demo_registry()
    first = r[r["start_date"] == dt.date(2019, 11, 30)].drop_duplicates("team_id")
    assert (first["role"] == "chief").sum() == 1
    unit = first[first["role"] == "unit"]
    assert len(unit) == 24 and unit["unit_id"].nunique() == 24
    assert unit["org_type"].value_counts().to_dict() == {
        "design_institute": 12, "individual": 7, "university": 4, "joint": 1}
    assert (unit["org_type"] == "individual").sum() == unit["full_time"].sum() == 7
    assert r.loc[r["role"] == "volunteer", "members"].sum() == 73


def test_chinese_headers_are_recognised():
    rows = pd.DataFrame({"团队编号": ["T1"], "单元编码": ["U1"], "角色": ["责任规划师"], "开始日期": ["2020年1月1日"],
                         "结束日期": ["2020-12-31"], "团队名称": ["某设计院"]})
    reg = read_registry(rows)
    assert reg[["team_id", "unit_id", "role", "team_name"]].values.tolist() == [["T1", "U1", "unit", "某设计院"]]


def test_other_headers_are_named_and_missing_ones_name_the_option():
    rows = pd.DataFrame({"编号": ["T1"], "unit_id": ["U1"], "role": ["unit"], "start_date": ["2020-01-01"],
                         "end_date": ["2020-12-31"]})
    with pytest.raises(RegistryError, match=r"missing column\(s\) 'team_id'.*编号.*Fix: .*--team-id-column"):
        read_registry(rows)
    assert read_registry(rows, columns={"team_id": "编号"})["team_id"].tolist() == ["T1"]
    with pytest.raises(RegistryError, match="no column '队号' for team_id"):
        read_registry(rows, columns={"team_id": "队号"})


def test_two_headers_for_one_field_are_refused():
    rows = pd.DataFrame({"团队编号": ["T1"], "团队代码": ["T9"], "unit_id": ["U1"], "role": ["unit"],
                         "start_date": ["2020-01-01"], "end_date": ["2020-12-31"]})
    with pytest.raises(RegistryError, match="several columns could be the team_id: 团队编号, 团队代码"):
        read_registry(rows)
    assert read_registry(rows, columns={"team_id": "团队代码"})["team_id"].tolist() == ["T9"]


def test_cli_registry_column_options(tmp_path):
    from planner_gis.cli import main

    reg = pd.read_csv(datasets.demo_registry_path(), dtype=str)
    reg = reg.rename(columns={"team_id": "队伍", "unit_id": "单元编码", "role": "角色"})
    path = tmp_path / "teams.csv"
    reg.to_csv(path, index=False, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(datasets.demo_units_path()), "--teams", str(path), "--out", str(out),
                 "--as-of", datasets.DEMO_AS_OF]) == 2
    assert main(["audit", str(datasets.demo_units_path()), "--teams", str(path), "--out", str(out),
                 "--as-of", datasets.DEMO_AS_OF, "--team-id-column", "队伍"]) == 0
    ref = tmp_path / "ref"
    assert main(["audit", str(datasets.demo_units_path()), "--teams", str(datasets.demo_registry_path()),
                 "--out", str(ref), "--as-of", datasets.DEMO_AS_OF]) == 0
    assert (out / "findings.csv").read_text(encoding="utf-8") == (ref / "findings.csv").read_text(encoding="utf-8")
