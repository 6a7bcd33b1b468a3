"""``planner-gis evaluate`` as a user runs it (subprocess), on small hand-made files and on the demo."""

from __future__ import annotations

import csv
import json
import re
import shlex

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import box

from planner_gis import datasets
from planner_gis.crs import wgs84_to_gcj02
from test_cli_audit import run_cli

X0, Y0 = 500000.0, 4400000.0
TO_LONLAT = Transformer.from_crs(4548, 4326, always_xy=True)
HEADERS = {
    "compliance.csv": "team_id,unit_id,person_id,year,rule_id,value,required,passed,message",
    "fees.csv": "team_id,unit_id,year,annual_fee,deduction_share,deduction",
    "points.csv": "person_id,team_id,year,base_points,satisfaction,sat_coef,carry_points,special_points,points,stars",
    "record_findings.csv": "kind,record_id,team_id,unit_id,message",
}


def lonlat(x, y):
    return TO_LONLAT.transform(X0 + x, Y0 + y)


@pytest.fixture
def town(tmp_path):
    """Units A and B (1 km squares); T1 serves A all of 2024 and 2025 (fee 120000), T2 serves B from 2025-07-15."""
    d = tmp_path / "in"
    d.mkdir()
    gpd.GeoDataFrame({"unit_id": ["A", "B"], "name": ["甲街道", "乙街道"], "unit_type": ["street", "street"]},
                     geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
                     crs=4548).to_file(d / "units.gpkg")
    (d / "teams.csv").write_text(
        "团队编号,单元编码,角色,开始日期,结束日期,年度服务费\n"
        "T1,A,unit,2024-01-01,2025-12-31,120000\n"
        "T2,B,unit,2025-07-15,2026-07-14,100000\n", encoding="utf-8")
    rows = []
    for m in range(1, 13):  # T1: a visit (走访) on the 10th of each month of 2025 but May
        if m != 5:
            rows.append(("T1", f"2025年{m}月10日", "走访", 500, 500, ""))
    rows += [("T1", "2025/3/11", "调研", 500, 1050, ""),   # 50 m outside A: counted
             ("T1", "2025/3/12", "调研", 500, 1500, ""),   # 500 m outside A: outside_unit
             ("T9", "2025-03-12", "visit", 500, 500, ""),  # unknown team
             ("T2", "2025-08-05", "座谈", None, None, "B")]  # no location, counted in B
    out = []
    for i, (team, date, kind, x, y, unit) in enumerate(rows, start=1):
        lon, lat = lonlat(x, y) if x is not None else ("", "")
        out.append({"记录编号": f"R{i:02d}", "团队编号": team, "日期": date, "类型": kind, "经度": lon, "纬度": lat,
                    "单元编码": unit, "coords": ""})
    glon, glat = wgs84_to_gcj02(*lonlat(980, 500))  # an Amap point 20 m inside A's east edge
    out.append({"记录编号": "R99", "团队编号": "T1", "日期": "2025-05-20", "类型": "survey", "经度": f"{glon:.7f}",
                "纬度": f"{glat:.7f}", "单元编码": "", "coords": "gcj02"})
    pd.DataFrame(out).to_csv(d / "records.csv", index=False, encoding="utf-8")
    return d


def args(town, out, *extra, records=None):
    return ["evaluate", "--records", records or town / "records.csv", "--teams", town / "teams.csv",
            "--zones", town / "units.gpkg", "--out", out, "--progress", "none", *extra]


def read(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_liaocheng_through_the_cli(town, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(*args(town, out, "--rules", "liaocheng", "--year", "2025"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["compliance.csv", "evaluation.gpkg", "evaluation.json",
                                                     "fees.csv", "record_findings.csv"]
    for name, header in HEADERS.items():
        if (out / name).exists():
            assert (out / name).read_text(encoding="utf-8").splitlines()[0] == header
    rows = {(r["team_id"], r["rule_id"]): r for r in read(out / "compliance.csv")}
    # T1: 11 of 12 months with a visit (May missing, the GCJ-02 survey of May is not a visit)
    assert (rows[("T1", "LC-visits")]["value"], rows[("T1", "LC-visits")]["required"]) == ("11", "12")
    # T1 service days: 11 visits + the survey 50 m outside + the GCJ-02 survey = 13 of 30
    assert (rows[("T1", "LC-days")]["value"], rows[("T1", "LC-days")]["required"]) == ("13", "30")
    # T2 from 2025-07-15: 170 days, whole months Aug-Dec, ceil(30 x 170/365) = 14 days; one meeting without place
    assert (rows[("T2", "LC-visits")]["required"], rows[("T2", "LC-days")]["value"],
            rows[("T2", "LC-days")]["required"]) == ("5", "1", "14")
    fees = {r["team_id"]: r for r in read(out / "fees.csv")}
    # T1: share max(17/30, 1/12) = 17/30 -> 120000 x 17/30 = 68000; T2: max(13/14, 5/5) = 1 -> 100000 x 170/365
    assert float(fees["T1"]["deduction"]) == 68000.0
    assert float(fees["T2"]["deduction"]) == round(100000 * 170 / 365, 2) == 46575.34
    found = {r["record_id"]: r["kind"] for r in read(out / "record_findings.csv")}
    assert found == {"R13": "outside_unit", "R14": "unknown_team", "R15": "no_location"}
    summary = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert summary["findings"] == {"outside_unit": 1, "outside_contract": 0, "unknown_team": 1, "no_location": 1}
    assert summary["rule_set"]["rules"][0]["quote"].startswith("责任规划师小组每月")
    layers = set(pyogrio.list_layers(out / "evaluation.gpkg")[:, 0])
    assert layers == {"units", "records", "compliance"}
    units = gpd.read_file(out / "evaluation.gpkg", layer="units").set_index("unit_id")
    assert units.loc["A", "LC-visits"] == "failed" and units.loc["A", "compliance"] == "partial"
    assert units.loc["A", "visits"] == 11 and units.crs.to_epsg() == 4548
    recs = gpd.read_file(out / "evaluation.gpkg", layer="records").set_index("record_id")
    assert recs.loc["R12", "distance_m"] == pytest.approx(50.0, abs=0.2) and recs.loc["R12", "unit_id"] == "A"
    assert "2025 rules" not in proc.stdout and "LC-fee" in proc.stdout and "(assumption)" in proc.stdout


def test_gcj02_points_need_converting(town, tmp_path):
    """Without its coords column the Amap point (shifted ~500 m east) falls outside A."""
    df = pd.read_csv(town / "records.csv", dtype=str, keep_default_na=False).drop(columns="coords")
    plain = town / "records_plain.csv"
    df.to_csv(plain, index=False)
    out = tmp_path / "plain"
    assert run_cli(*args(town, out, "--rules", "liaocheng", "--year", "2025", records=plain)).returncode == 0
    assert {r["record_id"]: r["kind"] for r in read(out / "record_findings.csv")}["R99"] == "outside_unit"
    # declaring the whole file GCJ-02 would shift the WGS84 points instead: two conventions need the column
    out2 = tmp_path / "all_gcj"
    assert run_cli(*args(town, out2, "--rules", "liaocheng", "--year", "2025", "--coords", "gcj02",
                         records=plain)).returncode == 0
    assert "R99" not in {r["record_id"] for r in read(out2 / "record_findings.csv")}


def test_leap_year_through_the_cli(town, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(*args(town, out, "--rules", "liaocheng", "--year", "2024"))
    assert proc.returncode == 0, proc.stderr
    rows = {(r["team_id"], r["rule_id"]): r for r in read(out / "compliance.csv")}
    assert set(t for t, _ in rows) == {"T1"}  # T2 had no contract in 2024
    assert rows[("T1", "LC-visits")]["message"].startswith("no visit in 2024-01, 2024-02")
    assert json.loads((out / "evaluation.json").read_text())["records"]["other_years_ignored"] == 16


def test_chongqing_needs_people_and_ratings_and_writes_points(town, tmp_path):
    proc = run_cli(*args(town, tmp_path / "x", "--rules", "chongqing", "--year", "2025"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "need the team members. Fix: give a people table" in proc.stderr
    (town / "people.csv").write_text("person_id,team_id,profession,title\nP1,T1,规划师,副高级\n", encoding="utf-8")
    (town / "ratings.csv").write_text("person_id,year,satisfaction,previous_points,special_points\n"
                                      "P1,2025,60%,100,15;5\n", encoding="utf-8")
    out = tmp_path / "cq"
    proc = run_cli(*args(town, out, "--rules", "chongqing", "--year", "2025", "--people", town / "people.csv",
                         "--ratings", town / "ratings.csv"))
    assert proc.returncode == 0, proc.stderr
    assert (out / "points.csv").read_text(encoding="utf-8").splitlines()[0] == HEADERS["points.csv"]
    p1 = read(out / "points.csv")[0]
    # no record names a person: base 0; 0 x 0.6 + 10% x 100 + min(10, 15) + 5 = 25 points, one star
    assert (float(p1["points"]), p1["stars"], float(p1["sat_coef"])) == (25.0, "1", 0.6)
    assert not (out / "fees.csv").exists()


@pytest.mark.parametrize("column, value, message", [
    ("日期", "2025-13-01", r"records.csv, row 2: date '2025-13-01' is not a date. Fix: write dates as 2025-03-05"),
    ("类型", "午餐", r"records.csv, row 2: unknown kind '午餐'. Fix: use visit \(走访\)"),
])
def test_bad_records_exit_2_with_one_line(town, tmp_path, column, value, message):
    df = pd.read_csv(town / "records.csv", dtype=str, keep_default_na=False)
    df.loc[0, column] = value
    df.to_csv(town / "records.csv", index=False)
    out = tmp_path / "out"
    proc = run_cli(*args(town, out, "--rules", "liaocheng", "--year", "2025"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and re.search(message, proc.stderr)
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("extra, message", [
    (["--rules", "shanghai", "--year", "2025"], "unknown rules 'shanghai'"),
    (["--rules", "liaocheng", "--year", "last"], "year 'last' is not a year"),
    (["--rules", "liaocheng", "--year", "2025", "--tolerance", "-5"], "tolerance -5.0 is not a distance"),
])
def test_bad_options_exit_2(town, tmp_path, extra, message):
    proc = run_cli(*args(town, tmp_path / "out", *extra))
    assert proc.returncode == 2 and message in proc.stderr and "Fix:" in proc.stderr


def test_never_writes_over_an_input(town, tmp_path):
    (town / "compliance.csv").write_bytes((town / "records.csv").read_bytes())
    proc = run_cli(*args(town, town, "--rules", "liaocheng", "--year", "2025", records=town / "compliance.csv"))
    assert proc.returncode == 2 and "would overwrite the input" in proc.stderr
    assert (town / "compliance.csv").read_bytes() == (town / "records.csv").read_bytes()


def test_help_lists_the_columns_and_its_example_runs(tmp_path):
    proc = run_cli("evaluate", "--help")
    assert proc.returncode == 0
    for text in ("record_id, team_id, date, kind", "annual_fee", "profession", "satisfaction",
                 "example (on the demo data"):
        assert text in proc.stdout
    example = proc.stdout[proc.stdout.index("planner-gis evaluate --records"):].replace("\\\n", " ")
    argv = shlex.split(example.split("\n")[0])[1:]
    argv[argv.index("--out") + 1] = str(tmp_path / "example")
    root = datasets.demo_registry_path().parents[3]
    done = run_cli(*argv, "--progress", "jsonl", cwd=root)
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stderr.strip().splitlines()[-1])
    assert event["event"] == "done" and event["summary"].startswith("2025, liaocheng rules:")


def test_the_demo_stories_are_found():
    """The planted shortfalls of the demo records, checked against the raw CSV read with plain pandas."""
    from planner_gis.evaluation import evaluate

    raw = pd.read_csv(datasets.demo_records_path(), dtype=str, keep_default_na=False)
    raw["month"] = raw["date"].str.extract(r"^\d{4}\D(\d{1,2})\D")[0].astype(int)
    is_visit = raw["kind"].isin(["visit", "走访", "现场服务"])
    months = raw[is_visit & (raw["team_id"] == "FT-U05")]["month"].unique()
    assert sorted(set(range(1, 13)) - set(months)) == [7, 8]
    result = evaluate(datasets.demo_records_path(), datasets.demo_registry_path(), datasets.demo_units_path(),
                      "liaocheng", datasets.DEMO_EVALUATION_YEAR)
    c = result.compliance.set_index(["team_id", "rule_id"])
    assert c.loc[("FT-U05", "LC-visits"), "value"] == 10
    assert not c.loc[("FT-U12", "LC-days"), "passed"] and not c.loc[("FT-U18", "LC-visits"), "passed"]
    found = result.findings
    assert set(found.loc[found["kind"] == "outside_contract", "team_id"]) == {"FT-U21"}
    assert set(found.loc[found["kind"] == "unknown_team", "team_id"]) == {"FT-U99"}
    assert set(found.loc[found["kind"] == "outside_unit", "team_id"]) == {"FT-U07", "FT-U14"}
    # the GCJ-02 records are all counted once converted
    gcj = set(raw.loc[raw["coords"] == "gcj02", "record_id"])
    assert len(gcj) > 20 and not gcj & set(found["record_id"])
    near = result.records[result.records["team_id"] == "FT-U09"]
    assert ((near["distance_m"] > 40) & (near["distance_m"] < 60)).sum() == 4
