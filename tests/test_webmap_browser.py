"""The saved web maps in a real browser: headless Chromium, network blocked.

Checks what a person would see: the page loads offline without console errors,
Leaflet is there, every polygon is drawn, a popup opened by a click shows a
hostile unit name as literal text (and no alert fires), the legend and layer
names are text too, and a screenshot is not blank (saved under
``test-artifacts/``).
"""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import browser
from planner_gis import webmap
from test_webmap import EVIL, EVIL_IMG, METRIC, X0, Y0, _coverage, grid_units, make_units, wiggly_coverage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser.CHROMIUM.exists(),
                       reason="/usr/bin/chromium is not installed (Debian: apt-get install chromium "
                              "chromium-driver); CI installs it"),
]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def driver():
    with browser.chromium(width=1200, height=800) as d:
        yield d


def load(driver, path: Path, m) -> str:
    """Open a saved map; return the JS name of its Leaflet map once it exists."""
    driver.get_log("browser")  # flush earlier entries
    driver.get(path.resolve().as_uri())
    name = m.get_name()
    for _ in range(100):
        if driver.execute_script(f"return typeof window.{name} === 'object' && window.{name} !== null"):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the map {name} never appeared in {path}")
    time.sleep(0.3)
    return name


def n_polygons(driver, name: str) -> int:
    return driver.execute_script(
        f"var n = 0; window.{name}.eachLayer(function (l) {{ if (l instanceof L.Polygon) n++; }}); return n;")


def screen_xy(driver, name: str, lon: float, lat: float) -> tuple:
    """Viewport pixel of a lon/lat point on the map."""
    return tuple(driver.execute_script(
        f"var p = window.{name}.latLngToContainerPoint([arguments[1], arguments[0]]);"
        f"var r = window.{name}.getContainer().getBoundingClientRect();"
        "return [r.left + p.x, r.top + p.y];", lon, lat))


def lonlat(x: float, y: float) -> tuple:
    pt = gpd.GeoSeries([shapely.Point(x, y)], crs=METRIC).to_crs(4326).iloc[0]
    return pt.x, pt.y


def common_checks(driver, name: str) -> None:
    assert browser.console_errors(driver) == []
    assert driver.execute_script("return typeof L") == "object"
    assert driver.execute_script("return document.characterSet") == "UTF-8"
    # nothing was fetched: no script, stylesheet, image or tile from anywhere
    assert driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })") == []
    assert driver.execute_script("return window.__pgAlerts") == []


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert browser.png_pixel_std(path) > 10.0, f"{path} looks blank"
    return path


def test_audit_map_offline_polygons_popup_tooltip_legend(driver, tmp_path):
    units, findings = grid_units()
    outline = gpd.GeoDataFrame({"source": ["OpenStreetMap (ODbL)"]},
                               geometry=[shapely.box(X0 - 200, Y0 - 200, X0 + 3200, Y0 + 2200)], crs=METRIC)
    m = webmap.audit_map(units, findings, outline=outline, title="丰台区责任规划师覆盖 (测试)")
    path = webmap.save_map(m, tmp_path / "audit.html")
    name = load(driver, path, m)
    common_checks(driver, name)
    # 6 units + 1 management area + 1 gap + 1 overlap + 1 outline
    assert n_polygons(driver, name) == 10
    assert driver.execute_script("return document.querySelectorAll('.leaflet-overlay-pane svg path, "
                                 ".leaflet-pgfills-pane svg path').length") == 10
    assert driver.execute_script("return document.querySelector('.pg-title').textContent") == \
        "丰台区责任规划师覆盖 (测试)"
    legend = driver.execute_script("return document.querySelector('.pg-legend').textContent")
    assert "已覆盖 covered" in legend and "未覆盖 unassigned" in legend
    assert "审图号" in driver.execute_script("return document.querySelector('.pg-note').textContent")
    assert "OpenStreetMap" in driver.execute_script(
        "return document.querySelector('.leaflet-control-attribution').textContent")
    assert driver.execute_script("return document.querySelectorAll('.leaflet-control-scale-line').length") == 1

    # the hostile unit (index 4: x 1000-2000 m, y 1000-2000 m; away from the overlay's outline)
    x, y = screen_xy(driver, name, *lonlat(X0 + 1750, Y0 + 1750))
    browser.hover_at(driver, x, y)
    time.sleep(0.3)
    tip = driver.execute_script("var t = document.querySelector('.leaflet-tooltip'); return t && t.textContent")
    assert tip is not None and EVIL in tip
    browser.click_at(driver, x, y)
    time.sleep(0.3)
    content = driver.execute_script(
        "var c = document.querySelector('.leaflet-popup-content'); return c && c.textContent")
    assert content is not None, "no popup opened"
    assert EVIL in content and EVIL_IMG in content  # shown as literal text
    assert driver.execute_script(
        "return document.querySelectorAll('.leaflet-popup-content script, .leaflet-popup-content img').length") == 0
    assert driver.execute_script("return window.__pgAlerts") == []
    assert browser.console_errors(driver) == []
    shot = screenshot(driver, "webmap_audit")
    assert shot.stat().st_size > 10_000


def test_reach_map_offline_layers_and_legend(driver, tmp_path):
    units, _ = grid_units()
    cov = _coverage(units)
    evil = cov[cov.category == "park"].copy()
    evil["category"] = EVIL
    cov = gpd.GeoDataFrame(pd.concat([cov, evil], ignore_index=True), crs=METRIC)
    und = gpd.GeoDataFrame({"unit_id": ["U001"], "category": ["park"], "population": [1500.0]},
                           geometry=[shapely.box(X0 + 1100, Y0 + 100, X0 + 1400, Y0 + 400)], crs=METRIC)
    iso = gpd.GeoDataFrame({"category": ["park", "clinic"]},
                           geometry=[shapely.Point(X0 + 500, Y0 + 500).buffer(300)] * 2, crs=METRIC)
    m = webmap.reach_map(cov, und, iso, category="park", title="15分钟生活圈")
    path = webmap.save_map(m, tmp_path / "reach.html")
    name = load(driver, path, m)
    common_checks(driver, name)
    # the shown choropleth (6 units) + 1 underserved (isochrones are off until switched on)
    assert n_polygons(driver, name) == 7
    labels = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers label'))"
        ".map(function (l) { return l.textContent.trim(); })")
    assert EVIL in labels and "服务不足 Underserved" in labels
    assert driver.execute_script("return document.querySelectorAll('.leaflet-control-layers label script').length") == 0
    assert "park" in driver.execute_script("return document.querySelector('.pg-legend-layer').textContent")
    # switch the choropleth to the hostile category: the legend follows, as text
    radio = [el for el in driver.find_elements("css selector", ".leaflet-control-layers-base label")
             if el.text.strip() == EVIL][0]
    radio.click()
    time.sleep(0.3)
    assert driver.execute_script("return document.querySelector('.pg-legend-layer').textContent") == EVIL
    assert n_polygons(driver, name) == 6  # no underserved area or isochrone of that category
    radio = [el for el in driver.find_elements("css selector", ".leaflet-control-layers-base label")
             if el.text.strip() == "clinic"][0]
    radio.click()
    time.sleep(0.3)
    assert n_polygons(driver, name) == 6  # the clinic isochrone is off
    assert driver.execute_script("return window.__pgAlerts") == []
    assert browser.console_errors(driver) == []
    screenshot(driver, "webmap_reach")


def test_318_units_draw_in_browser(driver, tmp_path):
    units = make_units(wiggly_coverage(n=318), evil_index=100)
    m = webmap.audit_map(units)
    path = webmap.save_map(m, tmp_path / "big.html")
    assert path.stat().st_size <= 3_000_000
    name = load(driver, path, m)
    common_checks(driver, name)
    assert n_polygons(driver, name) == 318
    screenshot(driver, "webmap_318_units")


def test_reach_map_shared_polygons_restyled_per_category(driver, tmp_path):
    units, _ = grid_units()
    base = units[units.level == "base"].reset_index(drop=True)
    rows = []
    for cat, shares in (("park", [0.1, 0.3, 0.5, 0.7, 0.9, 1.0]), ("clinic", [0.9, 0.7, 0.5, 0.3, 0.1, 0.0])):
        d = base[["unit_id", "name", "geometry"]].copy()
        d["category"] = cat
        d["share"] = shares
        rows.append(d)
    cov = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=METRIC)
    m = webmap.reach_map(cov, category="park")
    path = webmap.save_map(m, tmp_path / "restyle.html")
    name = load(driver, path, m)
    common_checks(driver, name)
    fill_of = ("var out = {}; window.MAP.eachLayer(function (l) { if (l instanceof L.Polygon && l.feature)"
               " { out[l.feature.properties._tip.split(' · ')[0]] = l.options.fillColor; } }); return out;"
               ).replace("MAP", name)
    # unit U001 (测试街道1): park 30 % -> class < 50 %; clinic 70 % -> class 50-75 % (hand-computed)
    assert n_polygons(driver, name) == 6
    assert driver.execute_script(fill_of)["测试街道1"] == webmap.SHARE_COLORS[0]
    radio = [el for el in driver.find_elements("css selector", ".leaflet-control-layers-base label")
             if el.text.strip() == "clinic"][0]
    radio.click()
    time.sleep(0.3)
    assert n_polygons(driver, name) == 6
    fills = driver.execute_script(fill_of)
    assert fills["测试街道1"] == webmap.SHARE_COLORS[1] and fills["测试街道5"] == webmap.SHARE_COLORS[0]
    # the drawn outline of U001 is the unit's polygon (1 km square) in lon/lat, to about 1 m
    ring = driver.execute_script(
        ("var r = null; window.MAP.eachLayer(function (l) { if (l instanceof L.Polygon && l.feature &&"
         " l.feature.properties._tip.indexOf('测试街道1 ') === 0) { r = l.getLatLngs()[0].map(function (p)"
         " { return [p.lng, p.lat]; }); } }); return r;").replace("MAP", name))
    drawn = gpd.GeoSeries([shapely.Polygon(ring)], crs=4326).to_crs(METRIC).iloc[0]
    assert shapely.hausdorff_distance(drawn, base.geometry.iloc[1]) < 2.0
    assert browser.console_errors(driver) == []


# ----------------------------------------------------------------------------- issue 10, item 11


def _legend_items(driver) -> dict:
    """Text of each legend row -> whether it is displayed."""
    return driver.execute_script(
        "var out = {}; document.querySelectorAll('.pg-legend div').forEach(function (d) {"
        " out[d.textContent.trim()] = getComputedStyle(d).display !== 'none'; }); return out;")


def _pick_base(driver, label: str) -> None:
    [el for el in driver.find_elements("css selector", ".leaflet-control-layers-base label")
     if el.text.strip() == label][0].click()
    time.sleep(0.3)


def test_reach_map_overlays_off_or_hatched_and_legend_follows(driver, tmp_path):
    from PIL import Image

    units, _ = grid_units()
    cov = _coverage(units)
    # an underserved place of the park category inside U004, whose park share is 100 % (dark green)
    und = gpd.GeoDataFrame({"unit_id": ["U004"], "category": ["park"], "population": [10.0]},
                           geometry=[shapely.box(X0 + 1200, Y0 + 1200, X0 + 1800, Y0 + 1800)], crs=METRIC)
    iso = gpd.GeoDataFrame({"category": ["park", "clinic"]},
                           geometry=[shapely.Point(X0 + 500, Y0 + 500).buffer(300)] * 2, crs=METRIC)
    m = webmap.reach_map(cov, und, iso, category="park", simplify_m=0)
    path = webmap.save_map(m, tmp_path / "reach.html")
    name = load(driver, path, m)
    common_checks(driver, name)
    # categories by tier: the 5-minute tier and its category first, then 15 minutes in the table's order
    base = driver.execute_script("return Array.from(document.querySelectorAll('.leaflet-control-layers-base "
                                 "label')).map(function (l) { return l.textContent.trim(); })")
    assert base == ["5分钟生活圈 5-min tier: mean of 1 category", "kindergarten",
                    "15分钟生活圈 15-min tier: mean of 2 categories", "park", "clinic"]
    # isochrones are off at first (6 units + the underserved place) and named by category and distance
    assert n_polygons(driver, name) == 7
    iso_name = "等时圈 Isochrones (walk): park 1200 m, clinic 1200 m"
    legend = _legend_items(driver)
    assert legend["服务不足 Underserved"] is True and legend[iso_name] is False
    # the hatch: thin lines, the park class of U004 stays the colour of its class between them
    fill = driver.execute_script("var f = null; window.MAP.eachLayer(function (l) { if (l instanceof L.Polygon"
                                 " && l.feature && l.feature.properties._tip.indexOf('服务不足') === 0)"
                                 " { f = l._path.getAttribute('fill'); } }); return f;".replace("MAP", name))
    assert fill == "url(#pg-hatch-underserved)"
    assert driver.execute_script("return !!document.getElementById('pg-hatch-underserved')")
    shot = screenshot(driver, "webmap_reach_underserved")
    x0, y1 = screen_xy(driver, name, *lonlat(X0 + 1300, Y0 + 1300))
    x1, y0 = screen_xy(driver, name, *lonlat(X0 + 1700, Y0 + 1700))
    ratio = driver.execute_script("return window.devicePixelRatio")
    with Image.open(shot) as img:
        px = np.asarray(img.convert("RGB"), dtype=float)[int(y0 * ratio):int(y1 * ratio),
                                                        int(x0 * ratio):int(x1 * ratio)].reshape(-1, 3)
    # the class colour at fill-opacity 0.75 over the page background #f4f4f0
    green = np.array([int(webmap.SHARE_COLORS[3][i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    expected = 0.75 * green + 0.25 * np.array([244, 244, 240])
    close = np.linalg.norm(px - expected, axis=1) < 20
    assert len(px) > 400 and close.mean() > 0.6, close.mean()
    # the clinic map: no underserved place of that category, so no legend entry for it
    _pick_base(driver, "clinic")
    assert n_polygons(driver, name) == 6
    assert _legend_items(driver)["服务不足 Underserved"] is False
    # switching the isochrones on shows the clinic's, and their legend entry
    [el for el in driver.find_elements("css selector", ".leaflet-control-layers-overlays label")
     if el.text.strip() == iso_name][0].click()
    time.sleep(0.3)
    assert n_polygons(driver, name) == 7
    assert _legend_items(driver)[iso_name] is True
    assert browser.console_errors(driver) == []


def test_audit_map_legend_statuses_match_what_is_drawn(driver, tmp_path):
    """A management area whose contract expires is drawn in the 'contract expiring' colour."""
    units, findings = grid_units()
    units["status"] = "covered"
    units.loc[units.unit_id == "A1", "status"] = "expiring"
    m = webmap.audit_map(units, findings)
    path = webmap.save_map(m, tmp_path / "audit.html")
    name = load(driver, path, m)
    common_checks(driver, name)
    drawn = driver.execute_script(
        "var out = []; window.MAP.eachLayer(function (l) { if (l instanceof L.Polygon && l._path) {"
        " out.push([l._path.getAttribute('fill') !== 'none' ? l._path.getAttribute('fill') : null,"
        " l._path.getAttribute('stroke'), l._path.getAttribute('stroke-dasharray')]); } }); return out;"
        .replace("MAP", name))
    colours = {c for f, s, _ in drawn for c in (f, s) if c}
    legend = driver.execute_script("return Array.from(document.querySelectorAll('.pg-legend div i'))"
                                   ".map(function (i) { return i.style.background || i.style.borderColor; })")
    status_colours = {c for c, _ in webmap.STATUS_STYLES.values()}
    legend_status = [c for c in legend if c.startswith("rgb") or c.startswith("#")]
    from matplotlib.colors import to_hex

    legend_hex = {to_hex(tuple(int(v) / 255 for v in c[4:-1].split(","))) if c.startswith("rgb") else c
                  for c in legend_status}
    assert webmap.STATUS_STYLES["expiring"][0] in legend_hex
    for colour in legend_hex & status_colours:
        assert colour in colours, f"legend colour {colour} matches nothing on the map"
    assert [webmap.STATUS_STYLES["expiring"][0], "8 4"] in [[s, d] for _, s, d in drawn]
