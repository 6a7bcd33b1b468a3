"""The evaluation web map: layers, escaping, popups with the rule results; the CLI; in headless Chromium."""

from __future__ import annotations

import json
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import browser
from planner_gis import webmap
from planner_gis.errors import InputError
from test_cli_audit import run_cli
from test_webmap import EVIL, EVIL_IMG, METRIC, X0, Y0


def evaluation_frames():
    """Two units (the second with a hostile name), four records (one not counted), three rule rows."""
    units = gpd.GeoDataFrame({
        "unit_id": ["U1", "U2"], "name": ["甲街道", EVIL], "level": ["base", "base"], "team_ids": ["T1", "T2"],
        "records": [3, 0], "visits": [2, 0], "service_days": [3, 0], "compliance": ["partial", "failed"],
        "LC-visits": ["passed", "failed"], "LC-days": ["failed", "failed"]},
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=METRIC)
    records = gpd.GeoDataFrame({
        "record_id": ["R1", "R2", "R3", "R4"], "team_id": ["T1", "T1", "T2", "T2"], "person_id": ["", "", "", ""],
        "date": ["2025-03-01"] * 4, "kind": ["visit", "survey", "visit", "meeting"], "unit_id": ["U1", "U1", "U2", ""],
        "distance_m": [0.0, 0.0, 0.0, 900.0], "finding": ["", "", "", "outside_unit"],
        "counted": [True, True, True, False], "notes": ["", "", "", EVIL_IMG]},
        geometry=[shapely.Point(X0 + 300, Y0 + 300), shapely.Point(X0 + 600, Y0 + 600),
                  shapely.Point(X0 + 1500, Y0 + 500), shapely.Point(X0 + 1100, Y0 + 300)], crs=METRIC)
    compliance = pd.DataFrame({
        "team_id": ["T1", "T2", "T2"], "unit_id": ["U1", "U2", "U2"], "person_id": ["", "", ""],
        "year": [2025] * 3, "rule_id": ["LC-visits", "LC-visits", "LC-days"], "value": [12, 3, 1],
        "required": [12, 12, 30], "passed": [True, False, False],
        "message": ["visit in each of the 12 months", f"no visit in {EVIL}", "1 service days of 30 required"]})
    return units, records, compliance


def test_layers_legend_and_escaping():
    units, records, compliance = evaluation_frames()
    m = webmap.evaluation_map(units, records, compliance, rules={"LC-visits": "每月走访 monthly visit"},
                              rule="LC-visits")
    assert webmap.layer_names(m) == ["全部规则 All rules", "LC-visits 每月走访 monthly visit", "LC-days",
                                     "团队 Team T1", "团队 Team T2", "未计入 Not counted"]
    html = webmap.map_html(m)
    assert EVIL not in html and EVIL_IMG not in html and "<script src=" not in html
    assert "pgRadius" in html and json.dumps("全部达标 every rule passed")[1:-1] in html
    with pytest.raises(InputError, match="rule 'LC-fee' is not in the evaluation"):
        webmap.evaluation_map(units, records, compliance, rule="LC-fee")
    with pytest.raises(InputError, match="missing column.*compliance"):
        webmap.evaluation_map(units.drop(columns="compliance"))


def test_unit_popups_list_the_rule_results_of_the_unit():
    from planner_gis.webmap.evaluation import _unit_popups

    units, _records, compliance = evaluation_frames()
    pops = _unit_popups(units, compliance, {})
    assert pops["U2"].count("LC-") == 2 and "✗ 3 / 12" in pops["U2"] and "&lt;script&gt;" in pops["U2"]
    assert pops["U1"].count("LC-") == 1 and "✓ 12 / 12" in pops["U1"]


def test_added_to_an_audit_map_with_m():
    units, records, compliance = evaluation_frames()
    audit_units = units.assign(status=["covered", "unassigned"])
    m = webmap.audit_map(audit_units)
    m = webmap.evaluation_map(units, records, compliance, m=m)
    assert webmap.layer_names(m)[0] == "街乡 Units by status" and "团队 Team T2" in webmap.layer_names(m)


@pytest.mark.slow
def test_webmap_evaluation_cli_on_the_demo(tmp_path):
    from planner_gis import datasets

    out = tmp_path / "ev"
    proc = run_cli("evaluate", "--records", datasets.demo_records_path(), "--teams", datasets.demo_registry_path(),
                   "--zones", datasets.demo_units_path(), "--rules", "liaocheng", "--year", "2025", "--out", out,
                   "--progress", "none")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("webmap", "evaluation", out, "--out", tmp_path / "map.html", "--rule", "LC-days")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert 200_000 < len(html.encode()) < 5_000_000 and "LC-days 全年服务责任片区时间不少于30天" in html
    assert json.dumps("示意数据")[1:-1] in html  # the demo note: schematic units
    bad = run_cli("webmap", "evaluation", out, "--out", tmp_path / "map2.html", "--rule", "LC-nothing")
    assert bad.returncode == 2 and "rule 'LC-nothing' is not in the evaluation" in bad.stderr
    missing = run_cli("webmap", "evaluation", tmp_path, "--out", tmp_path / "map3.html")
    assert missing.returncode == 2 and "planner-gis evaluate" in missing.stderr


@pytest.mark.browser
@pytest.mark.skipif(not browser.CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")
def test_evaluation_map_in_chromium(tmp_path):
    from test_webmap_browser import common_checks, load, lonlat, screen_xy, screenshot

    units, records, compliance = evaluation_frames()
    m = webmap.evaluation_map(units, records, compliance, title="履职评估（测试）")
    path = webmap.save_map(m, tmp_path / "evaluation.html")
    with browser.chromium(width=1200, height=800) as driver:
        name = load(driver, path, m)
        common_checks(driver, name)
        counts = driver.execute_script(
            f"var p = 0, c = 0; window.{name}.eachLayer(function (l) {{ if (l instanceof L.CircleMarker) c++; "
            "else if (l instanceof L.Polygon) p++; }); return [p, c];")
        assert counts == [2, 4]
        fills = driver.execute_script("return Array.from(document.querySelectorAll('.leaflet-pgfills-pane path'))"
                                      ".map(function (p) { return p.getAttribute('fill'); })")
        assert sorted(fills) == ["#d7191c", "#fdae61"]  # U2 failed, U1 partial
        # the hostile unit's popup: its rule results, the hostile texts as literal text
        browser.click_at(driver, *screen_xy(driver, name, *lonlat(X0 + 1200, Y0 + 800)))
        time.sleep(0.3)
        content = driver.execute_script("var c = document.querySelector('.leaflet-popup-content'); "
                                        "return c && c.textContent")
        assert content is not None and EVIL in content and "LC-visits" in content and "LC-days" in content
        assert "✗ 3 / 12" in content
        # the record not counted: its popup shows its finding and the hostile note as text
        driver.execute_script(f"window.{name}.closePopup();")
        time.sleep(0.6)  # the first popup's auto-pan has ended
        xy = screen_xy(driver, name, *lonlat(X0 + 1100, Y0 + 300))
        hit = driver.execute_script("var e = document.elementFromPoint(arguments[0], arguments[1]);"
                                    "return e && e.closest('.leaflet-overlay-pane') !== null;", *xy)
        assert hit, "the record's marker is not on top at its place"
        browser.click_at(driver, *xy)
        time.sleep(0.3)
        content = driver.execute_script("var c = document.querySelector('.leaflet-popup-content'); "
                                        "return c && c.textContent")
        assert "outside_unit" in content and EVIL_IMG in content
        assert driver.execute_script("return document.querySelectorAll('.leaflet-popup-content img').length") == 0
        # another rule's layer: the fills follow (U1 failed LC-days)
        radio = [el for el in driver.find_elements("css selector", ".leaflet-control-layers-base label")
                 if el.text.strip() == "LC-days"][0]
        radio.click()
        time.sleep(0.3)
        fills = driver.execute_script("return Array.from(document.querySelectorAll('.leaflet-pgfills-pane path'))"
                                      ".map(function (p) { return p.getAttribute('fill'); })")
        assert fills == ["#d7191c", "#d7191c"]
        assert driver.execute_script("return window.__pgAlerts") == []
        assert browser.console_errors(driver) == []
        screenshot(driver, "webmap_evaluation")
