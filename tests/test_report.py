"""`planner-gis report` on a hand-checkable town (from tests/test_cli_reach.py) and the profiles.

The town: units W (team T-W, residents A 100 and B 200), E (team T-E, residents
C 300, D 400 and E 50), N (no residents, no team). Coverage by hand (see
test_cli_reach.py): kg W 300/300, E 0/750; school W 0/300, E 300/750; park W
200/300, E 700/750; tiers equal their single category. The report's text is
compared with these hand figures and with the coverage table, independently of
the report's own code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from planner_gis.cli import main
from planner_gis.report import (build_report, district_indicators, indicator_table, load_profile, read_inputs,
                                write_report)

import browser
from test_cli_reach import args as reach_args
from test_cli_reach import town  # noqa: F401 - a fixture

PROFILE = """
[profile]
id = "town"
name = "测试指标"
name_en = "Town indicators"

[[indicators]]
id = "kg_5"
name = "幼儿园覆盖率"
name_en = "Kindergartens"
categories = ["kg"]
distance_m = 300
source = "hand-made for the test"

[[indicators]]
id = "school_10"
name = "小学覆盖率"
categories = ["school"]
distance_m = 500
source = "hand-made for the test"

[[indicators]]
id = "park_15"
name = "公园覆盖率"
categories = ["park"]
distance_m = 600
source = "hand-made for the test"
targets = [{ year = 2025, share = 0.8 }, { year = 2035, share = 0.95 }]
target_source = "hand-made"

[[indicators]]
id = "all_15"
name = "全要素覆盖率"
tier = 15
source = "hand-made for the test"
"""
#: (unit, indicator) -> share in percent, by hand.
HAND = {("W", "kg_5"): "100.0%", ("E", "kg_5"): "0.0%", ("W", "school_10"): "0.0%", ("E", "school_10"): "40.0%",
        ("W", "park_15"): "66.7%", ("E", "park_15"): "93.3%"}


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and "Fix:" in err, err
    return err


@pytest.fixture()
def made(town, tmp_path):  # noqa: F811 - the town fixture
    """Reach (with teams) and audit of the town with a third unit N without residents or team."""
    zones = gpd.read_file(town / "zones.gpkg")
    extra = gpd.GeoDataFrame({"code": ["N"], "name": ["北"]}, geometry=[box(-100, 700, 1100, 900)], crs=zones.crs)
    pd.concat([zones, extra]).to_file(town / "zones.gpkg")
    (town / "teams.csv").write_text(
        "team_id,unit_id,role,start_date,end_date,team_name\n"
        "T-W,W,unit,2020-01-01,2030-12-31,西区团队\n"
        "T-E,E,unit,2020-01-01,2026-06-30,东区团队\n", encoding="utf-8")
    (town / "town.toml").write_text(PROFILE, encoding="utf-8")
    reach = tmp_path / "reach"
    assert main(reach_args(town, reach, "--teams", str(town / "teams.csv"), "--as-of", "2025-06-30")) == 0
    audit = tmp_path / "audit"
    assert main(["audit", str(town / "zones.gpkg"), "--teams", str(town / "teams.csv"), "--zone-id", "code",
                 "--default-type", "street", "--as-of", "2025-06-30", "--out", str(audit)]) == 0
    return {"town": town, "reach": reach, "audit": audit, "profile": town / "town.toml"}


def test_indicator_table_by_hand(made):
    inputs = read_inputs(made["reach"])
    table = indicator_table(inputs.coverage, load_profile(made["profile"]), 2026)
    got = {(r.unit_id, r.indicator_id): f"{r.share * 100:.1f}%" for r in table.itertuples() if r.status == "ok"}
    assert {k: v for k, v in got.items() if k[1] != "all_15"} == HAND
    n = table[table.unit_id == "N"]
    assert set(n.status) == {"no_residents"} and n.share.isna().all()
    park = table[(table.indicator_id == "park_15")].set_index("unit_id")
    # the target of 2026 is the 2035 one (the first of that year or later)
    assert park.loc["W", "target"] == 0.95 and park.loc["E", "meets_target"] is False
    assert park.loc["N", "meets_target"] is None
    district = district_indicators(table).set_index("indicator_id")
    assert district.loc["park_15", "share"] == pytest.approx(900 / 1050)


def test_report_pdf_and_html_by_hand(made, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", "--reach", str(made["reach"]), "--audit", str(made["audit"]), "--profile",
                 str(made["profile"]), "--out", str(out), "--format", "both", "--date", "2026-03-31"]) == 0
    assert "reports: district summary and 3 unit documents, 4 indicators (profile town)" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "units").iterdir()) == ["E.html", "E.pdf", "N.html", "N.pdf", "W.html",
                                                                  "W.pdf"]
    for unit, name in (("W", "西"), ("E", "东")):
        text = pdftext(out / "units" / f"{unit}.pdf")
        assert name in text and unit in text and "2026-03-31" in text
        for (u, ind), share in HAND.items():
            if u == unit:
                row = next(line for line in text.splitlines() if load_profile(made["profile"]).indicator(ind).name
                           in line)
                assert share in row, (unit, ind, row)
    w, e, n = (pdftext(out / "units" / f"{u}.pdf") for u in "WEN")
    assert "西区团队" in w and "2030-12-31" in w and "东区团队" in e and "2026-06-30" in e
    assert "No responsible team" in n and "No residents" in n
    assert "93.3%" in e and "未达标" in e  # park 93.3% < 95% (2035)
    district = pdftext(out / "district.pdf")
    assert all(name in district for name in ("西", "东", "北")) and "unassigned" in district
    assert "审图号" in district and "第 1 /" in district
    for pdf in [out / "district.pdf", *sorted((out / "units").glob("*.pdf"))]:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(r.split()[-5] == "yes" for r in rows), fonts  # the "emb" column


def test_pages_render_without_blank_pages(made, tmp_path):
    from PIL import Image

    out = tmp_path / "rep"
    assert main(["report", "--reach", str(made["reach"]), "--profile", str(made["profile"]), "--out", str(out),
                 "--units", "E"]) == 0
    assert sorted(p.name for p in (out / "units").iterdir()) == ["E.pdf"]
    for pdf in (out / "district.pdf", out / "units" / "E.pdf"):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / pdf.stem)], check=True)
        pages = sorted(tmp_path.glob(f"{pdf.stem}-*.png"))
        assert pages
        for page in pages:
            # the body (without the running header and footer, in the top and bottom 8%) has ink on every page
            img = Image.open(page).convert("L")
            body = img.crop((0, int(img.height * 0.08), img.width, int(img.height * 0.92)))
            ink = sum(body.histogram()[:160]) / (body.width * body.height)
            assert ink > 0.0005, f"{page} looks blank ({ink:.4f} of the body inked)"


def test_missing_optional_inputs_and_default_profile(made, tmp_path, capsys):
    """Without --audit the team comes from the reach's registry; the default profile's categories are not there."""
    out = tmp_path / "rep"
    assert main(["report", "--reach", str(made["reach"]), "--out", str(out), "--units", "W", "N"]) == 0
    stdout = capsys.readouterr().out
    assert "warning: indicator health_15 not assessed: not in the reach's coverage table" in stdout
    w = pdftext(out / "units" / "W.pdf")
    assert "西区团队" in w and "--audit" in w and "未评估" in w and "not in the reach" in w
    assert "No responsible team" in pdftext(out / "units" / "N.pdf")


@pytest.mark.parametrize("bad, message", [
    (["--reach", "nowhere"], "--reach nowhere: no such folder"),
    (["--units", "X"], "--units X: no such unit"),
    (["--profile", "nothere.toml"], "--profile nothere.toml: no such file or built-in profile"),
    (["--date", "31.03.2026"], "--date '31.03.2026' is not a date"),
])
def test_bad_inputs_one_line(made, tmp_path, capsys, bad, message):
    argv = ["report", "--reach", str(made["reach"]), "--profile", str(made["profile"]), "--out", str(tmp_path / "o")]
    for i in range(0, len(bad), 2):
        if bad[i] in argv:
            argv[argv.index(bad[i]) + 1] = bad[i + 1]
        else:
            argv += bad[i:i + 2]
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_broken_folders_and_profiles(made, tmp_path, capsys):
    reach = tmp_path / "reach2"
    shutil.copytree(made["reach"], reach)
    (reach / "coverage.csv").write_text("unit_id,category\nW,kg\n", encoding="utf-8")
    assert main(["report", "--reach", str(reach), "--out", str(tmp_path / "o")]) == 2
    assert "no column tier_min" in one_line_error(capsys)
    (reach / "coverage.csv").unlink()
    assert main(["report", "--reach", str(reach), "--out", str(tmp_path / "o")]) == 2
    assert "no coverage.csv" in one_line_error(capsys)
    assert main(["report", "--reach", str(made["reach"]), "--evaluation", str(made["audit"]), "--out",
                 str(tmp_path / "o")]) == 2
    assert "Fix: give the --out folder of planner-gis evaluate" in one_line_error(capsys)
    bad = tmp_path / "bad.toml"
    for text, message in (
        (PROFILE.replace('categories = ["kg"]', 'categories = ["kg", "school"]'), "categories = ['kg', 'school']"),
        (PROFILE.replace("distance_m = 300", "distance_m = -1"), "distance_m = -1"),
        (PROFILE.replace("tier = 15", "tier = 7"), "tier = 7"),
        (PROFILE.replace('target_source = "hand-made"', ""), "targets without target_source"),
        (PROFILE.replace("share = 0.8", "share = 80"), "target {'year': 2025, 'share': 80}"),
        ("[profile\n", "not a valid TOML profile"),
    ):
        bad.write_text(text, encoding="utf-8")
        assert main(["report", "--reach", str(made["reach"]), "--profile", str(bad), "--out", str(tmp_path / "o")]) == 2
        assert message in one_line_error(capsys)


def test_never_writes_over_an_input(made, capsys):
    # --out inside the reach folder is fine; an output that is an input is not: profile named district.pdf
    prof = made["reach"] / "district.pdf"
    shutil.copy(made["profile"], prof)
    assert main(["report", "--reach", str(made["reach"]), "--profile", str(prof), "--out", str(made["reach"])]) == 2
    assert "district.pdf" in one_line_error(capsys)


def test_names_from_the_data_are_escaped_in_html(made):
    inputs = read_inputs(made["reach"], audit=made["audit"])
    inputs.units.loc[inputs.units.unit_id == "W", "name"] = "<script>alert(1)</script>"
    rep = build_report(inputs, made["profile"], units=["W"], date="2026-03-31")
    for html in (rep.unit_html["W"], rep.district_html):
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_forked_workers_give_the_same_documents(made, tmp_path):
    inputs = read_inputs(made["reach"], audit=made["audit"])
    one = build_report(inputs, made["profile"], date="2026-03-31")
    two = build_report(inputs, made["profile"], date="2026-03-31", workers=2)
    assert one.unit_html == two.unit_html and list(two.unit_html) == ["W", "E", "N"]

    a = write_report(one, tmp_path / "a", ("pdf",))
    b = write_report(one, tmp_path / "b", ("pdf",), workers=2)
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert [pdftext(p) for p in a] == [pdftext(p) for p in b]


def test_distance_mismatch_is_not_assessed(made):
    profile = load_profile(made["profile"])
    inputs = read_inputs(made["reach"])
    text = (made["profile"]).read_text(encoding="utf-8").replace("distance_m = 500", "distance_m = 1000")
    other = made["profile"].with_name("other.toml")
    other.write_text(text, encoding="utf-8")
    table = indicator_table(inputs.coverage, load_profile(other), 2026)
    school = table[table.indicator_id == "school_10"]
    assert set(school.status) == {"not_assessed"} and school.share.isna().all()
    assert "the reach used 500 m, the profile 1000 m" in school.reason.iloc[0]
    assert len(indicator_table(inputs.coverage, profile, 2026)) == 3 * 4


def test_builtin_profile_sources_and_targets():
    profile = load_profile("checkup")
    catalogue = pd.read_csv(Path(__file__).resolve().parent.parent / "planner_gis" / "data" / "catalogue.csv")
    thresholds = dict(zip(catalogue["category"], catalogue["threshold_m"]))
    for ind in profile.indicators:
        assert ind.source and (ind.key.startswith("tier_") or thresholds[ind.key] == ind.distance_m), ind.id
    tier = profile.indicator("tier_15")
    assert tier.targets == ((2025, 0.85), (2035, 0.99)) and "Shanghai" in tier.target_source
    assert tier.target_for(2025) == (2025, 0.85) and tier.target_for(2040) == (2035, 0.99)


@pytest.mark.browser
@pytest.mark.skipif(not browser.available(), reason="needs Chromium and chromedriver")
def test_html_report_in_chromium(made, tmp_path):
    out = tmp_path / "rep"
    assert main(["report", "--reach", str(made["reach"]), "--audit", str(made["audit"]), "--profile",
                 str(made["profile"]), "--out", str(out), "--format", "html", "--date", "2026-03-31"]) == 0
    assert not list(out.rglob("*.pdf"))
    with browser.chromium() as driver:
        for unit in ("W", "E"):
            driver.get((out / "units" / f"{unit}.html").as_uri())
            assert driver.execute_script("return document.body.dataset.unit") == unit
            rows = driver.execute_script(
                "return [...document.querySelectorAll('table.indicators tr[data-indicator]')]"
                ".map(r => [r.dataset.indicator, r.querySelector('.share').textContent])")
            got = {(unit, ind): share for ind, share in rows if (unit, ind) in HAND}
            assert got == {k: v for k, v in HAND.items() if k[0] == unit}
            imgs = driver.execute_script("return [...document.images].map(i => [i.complete, i.naturalWidth])")
            assert len(imgs) == 2 and all(ok and w > 100 for ok, w in imgs)
            assert browser.console_errors(driver) == []
        driver.get((out / "district.html").as_uri())
        units = driver.execute_script("return [...document.querySelectorAll('#unit-table tr[data-unit]')]"
                                      ".map(r => r.dataset.unit)")
        assert units == ["W", "E", "N"]
        text = driver.execute_script("return document.body.innerText")
        assert "审图号" in text and "2026-03-31" in text


def _coverage_shares(reach: Path) -> dict:
    cov = pd.read_csv(reach / "coverage.csv", dtype={"unit_id": str})
    return {(r.unit_id, r.category): r.covered_population / r.population for r in cov.itertuples() if r.population}


def check_demo_reports(out: Path) -> None:
    """The demo's reports, checked after test_cli_audit's end-to-end demo run (the demo runs once).

    One document per unit, each unit's name and indicator values equal to coverage.csv; the district
    summary's tier share equal to reach.json; fonts embedded.
    """
    units = gpd.read_file(out / "reach" / "reach.gpkg", layer="coverage")
    names = dict(zip(units["unit_id"], units["name"]))
    pdfs = sorted((out / "report" / "units").glob("*.pdf"))
    assert [p.stem for p in pdfs] == sorted(names)
    assert sorted(p.stem for p in (out / "report" / "units").glob("*.html")) == sorted(names)
    shares = _coverage_shares(out / "reach")
    profile = load_profile("checkup")
    for pdf in pdfs:
        text = pdftext(pdf)
        assert names[pdf.stem] in text and "示意数据" in text and "审图号" in text
        for ind in profile.indicators:
            line = next(row for row in text.splitlines() if ind.name in row)
            want = f"{shares[(pdf.stem, ind.key)] * 100:.1f}%"
            assert re.search(rf"\s{re.escape(want)}\s", line + " "), (pdf.stem, ind.id, line, want)
    district = pdftext(out / "report" / "district.pdf")
    summary = json.loads((out / "reach" / "reach.json").read_text(encoding="utf-8"))
    assert f"{summary['district_share']['tier_15'] * 100:.1f}%" in district
    assert "Annual evaluation" in district and "Suggested sites" in district and "Audit findings" in district
    assert np.isfinite(list(shares.values())).all()
    # the evaluation section of each unit: its rule results and fee deduction from the evaluate output
    compliance = pd.read_csv(out / "evaluation" / "compliance.csv", dtype={"unit_id": str})
    fees = pd.read_csv(out / "evaluation" / "fees.csv", dtype={"unit_id": str}).set_index("unit_id")
    for unit, rows in compliance[compliance["unit_id"].isin(names)].groupby("unit_id"):
        text = pdftext(out / "report" / "units" / f"{unit}.pdf")
        failed = rows[rows["passed"].astype(str) == "False"]
        assert all(rule in text for rule in rows["rule_id"]), unit
        assert text.count("未通过 failed") == len(failed), unit
        if unit in fees.index and fees.loc[unit, "deduction"] > 0:
            assert f"{fees.loc[unit, 'deduction']:,.2f} yuan" in text, unit
    fonts = subprocess.run(["pdffonts", str(pdfs[0])], capture_output=True, text=True, check=True).stdout
    assert all(r.split()[-5] == "yes" for r in fonts.splitlines()[2:])
