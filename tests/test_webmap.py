"""Tests of planner_gis.webmap and `planner-gis webmap` (no browser; see test_webmap_browser.py)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from planner_gis import webmap
from planner_gis.cli import main
from planner_gis.errors import InputError, OutputError
from planner_gis.io import write_layers

EVIL = "<script>alert(1)</script>"
EVIL_IMG = '<img src=x onerror="alert(2)">'
METRIC = "EPSG:4548"  # CGCS2000 GK CM 117E (Beijing)
X0, Y0 = 440000.0, 4405000.0  # south-west corner of the test area, in Fengtai


# ----------------------------------------------------------------------------- test data


def wiggly_coverage(n: int = 318, size_m: float = 17000.0, step_m: float = 5.0, seed: int = 0) -> list:
    """``n`` polygons tiling a square, with densely noded wiggly shared edges.

    A Voronoi tessellation of random seeds is noded into unique edges; every
    edge is densified and displaced by one smooth field *once*, then the edges
    are polygonized, so neighbours share identical vertices (a valid coverage).
    """
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform([X0, Y0], [X0 + size_m, Y0 + size_m], size=(n, 2)))
    frame = box(X0, Y0, X0 + size_m, Y0 + size_m)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts),
                                                                            extend_to=frame)), frame)
    edges = shapely.unary_union(shapely.boundary(cells))  # noded, each shared edge once
    edges = shapely.segmentize(edges, step_m)

    def displace(c: np.ndarray) -> np.ndarray:
        x, y = c[:, 0], c[:, 1]
        # smooth taper to zero at the frame, so the field is a small smooth
        # deformation (no two edges cross) and the outer square stays put
        edge = np.minimum.reduce([x - X0, X0 + size_m - x, y - Y0, Y0 + size_m - y])
        inner = np.clip(edge / 200.0, 0.0, 1.0)
        dx = 6.0 * np.sin((y - Y0) / 37.0) * inner
        dy = 6.0 * np.cos((x - X0) / 41.0) * inner
        return np.column_stack([x + dx, y + dy])

    edges = shapely.transform(edges, displace)
    polys = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(edges))))
    assert len(polys) == n
    return polys


def make_units(polys: list, evil_index: int | None = None) -> gpd.GeoDataFrame:
    statuses = ["covered", "expiring", "multiple_teams", "unassigned"]
    n = len(polys)
    df = gpd.GeoDataFrame({
        "unit_id": [f"U{i:03d}" for i in range(n)],
        "name": [f"测试街道{i}" for i in range(n)],
        "unit_type": ["street"] * n,
        "level": ["base"] * n,
        "status": [statuses[i % 4] for i in range(n)],
        "team_ids": [f"T{i}" for i in range(n)],
        "team_names": [f"团队{i}" for i in range(n)],
        "roles": ["unit"] * n,
        "org_types": ["university"] * n,
        "contract_end": ["2026-12-31"] * n,
        "volunteers": [i % 7 for i in range(n)],
    }, geometry=polys, crs=METRIC)
    if evil_index is not None:
        df.loc[evil_index, "name"] = EVIL
        df.loc[evil_index, "team_names"] = EVIL_IMG
    return df


def grid_units() -> tuple:
    """A 3x2 grid of 1 km units, one management area and two findings with geometry."""
    polys = [box(X0 + i * 1000, Y0 + j * 1000, X0 + (i + 1) * 1000, Y0 + (j + 1) * 1000)
             for j in range(2) for i in range(3)]
    units = make_units(polys, evil_index=4)
    area = gpd.GeoDataFrame({
        "unit_id": ["A1"], "name": ["管理区甲"], "unit_type": ["area"], "level": ["overlay"],
        "status": ["covered"], "team_ids": ["TA"], "team_names": ["区域团队"], "roles": ["area"],
        "org_types": ["design_institute"], "contract_end": ["2027-01-31"], "volunteers": [2],
    }, geometry=[box(X0 + 500, Y0 + 500, X0 + 1500, Y0 + 1500)], crs=METRIC)
    units = pd.concat([units, area], ignore_index=True)
    findings = gpd.GeoDataFrame({
        "kind": ["boundary_gap", "boundary_overlap", "unassigned"],
        "severity": ["error", "warning", "error"],
        "unit_id": ["", "U000", "U003"],
        "team_id": ["", "", ""],
        "message": [f"gap near {EVIL}", "overlap of 120 m2", "no team"],
    }, geometry=[box(X0 + 3000, Y0, X0 + 3100, Y0 + 100), box(X0 + 900, Y0, X0 + 1000, Y0 + 100), None],
        crs=METRIC)
    return units, findings


def geojson_layers(m) -> dict:
    """Layer name -> folium.GeoJson of a map."""
    import folium

    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.GeoJson)}


def panels(m) -> list:
    return [c.content for c in m._children.values() if type(c).__name__ in ("Panel", "Title")]


# ----------------------------------------------------------------------------- self-contained page


def test_leaflet_inlined_and_no_remote_script_or_stylesheet(tmp_path):
    import xstatic.pkg.leaflet as xl

    units, findings = grid_units()
    p = webmap.save_map(webmap.audit_map(units, findings), tmp_path / "m.html")
    page = p.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", page, re.I)
    assert "tileLayer(" not in page
    # Leaflet itself is inside the page (an independent read of the package's file)
    leaflet_js = (Path(xl.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    body = leaflet_js[: leaflet_js.rindex("//# sourceMappingURL")].strip()
    assert body in page
    assert '<meta charset="utf-8">' in page


def test_tiles_only_when_asked_and_validated():
    units, _ = grid_units()
    url = "http://tiles.intranet.local/vec/{z}/{x}/{y}.png"
    page = webmap.map_html(webmap.audit_map(units, tiles=url, tiles_attribution="内网底图 <b>x</b>"))
    assert "tileLayer(" in page and json.dumps(url)[1:-1] in page
    assert "<b>x</b>" not in page
    with pytest.raises(InputError, match=r"\{z\}, \{x\} and \{y\}"):
        webmap.audit_map(units, tiles="https://example.org/tiles.png")


# ----------------------------------------------------------------------------- escaping


def test_data_text_is_escaped_in_popups_tooltips_layers_legend_and_title():
    units, findings = grid_units()
    m = webmap.audit_map(units, findings, title=f"标题 {EVIL}", attribution=EVIL_IMG, note=EVIL)
    layers = geojson_layers(m)
    feats = layers["街乡 Units by status"].data["features"]
    evil = [f for f in feats if "alert(1)" in f["properties"]["_popup"]]
    assert len(evil) == 1
    popup, tip = evil[0]["properties"]["_popup"], evil[0]["properties"]["_tip"]
    for text in (popup, tip):
        assert "<script" not in text and "<img" not in text
    assert html.escape(EVIL) in popup and html.escape(EVIL) in tip
    assert html.escape(EVIL_IMG, quote=True) in popup
    gap = layers["边界缺口 Boundary gaps"].data["features"][0]["properties"]["_popup"]
    assert html.escape(EVIL) in gap and "<script" not in gap
    for content in panels(m):
        assert "<script" not in content and "<img" not in content
    assert any(html.escape(EVIL) in c for c in panels(m))  # the title and the note
    page = webmap.map_html(m)
    assert EVIL not in page and EVIL_IMG not in page
    assert "<script" not in page.split("<body>")[1].split("<script>")[0]  # body html before the map script


def test_reach_category_names_escaped_in_layer_names_and_legend():
    units, _ = grid_units()
    base = units[units.level == "base"]
    rows = []
    for cat in ("park", EVIL):
        d = base[["unit_id", "name", "geometry"]].copy()
        d["category"] = cat
        d["share"] = 0.5
        rows.append(d)
    cov = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=METRIC)
    m = webmap.reach_map(cov, category=EVIL)
    assert html.escape(EVIL) in webmap.layer_names(m)
    assert not any("<script" in n for n in webmap.layer_names(m))
    legend = [c for c in panels(m) if "Covered share" in c][0]
    assert html.escape(EVIL) in legend and "<script" not in legend


# ----------------------------------------------------------------------------- audit map content


def test_units_coloured_by_status_with_legend_and_popup_fields():
    units, findings = grid_units()
    m = webmap.audit_map(units, findings)
    layer = geojson_layers(m)["街乡 Units by status"]
    expected = dict(zip(units.unit_id, units.status))
    seen = Counter()
    for f in layer.data["features"]:
        popup = f["properties"]["_popup"]
        uid = re.search(r"Unit id</th><td>([^<]*)</td>", popup).group(1)
        status = expected[uid]
        style = layer.style_function(f)
        assert style["fillColor"] == webmap.STATUS_STYLES[status][0]
        seen[status] += 1
        row = units.set_index("unit_id").loc[uid]
        for value in (row.team_names, row.roles, row.org_types, row.contract_end,
                      str(row.volunteers)):
            assert html.escape(str(value)) in popup
    assert seen == Counter(units[units.level == "base"].status)
    legend = [c for c in panels(m) if "Coverage status" in c][0]
    for status in set(units.status):
        assert webmap.STATUS_STYLES[status][1] in legend
    # four distinct colours for four statuses
    assert len({v[0] for v in webmap.STATUS_STYLES.values()}) == 4


def test_overlay_areas_outlined_and_findings_with_geometry_drawn():
    units, findings = grid_units()
    m = webmap.audit_map(units, findings)
    layers = geojson_layers(m)
    assert set(layers) == {"街乡 Units by status", "管理区 Management areas (overlay)",
                           "边界缺口 Boundary gaps", "边界重叠 Boundary overlaps"}
    over = layers["管理区 Management areas (overlay)"]
    assert len(over.data["features"]) == 1
    assert over.style_function(over.data["features"][0])["fill"] is False
    assert "管理区甲" in over.data["features"][0]["properties"]["_popup"]
    assert len(layers["街乡 Units by status"].data["features"]) == 6
    # drawn where the finding is: the gap polygon's centroid in lon/lat
    gap = shapely.geometry.shape(layers["边界缺口 Boundary gaps"].data["features"][0]["geometry"])
    expected = gpd.GeoSeries([findings.geometry.iloc[0].centroid], crs=METRIC).to_crs(4326).iloc[0]
    assert gap.centroid.distance(expected) < 1e-5


def test_findings_without_geometry_or_crs_are_fine():
    units, findings = grid_units()
    no_geom = pd.DataFrame(findings.drop(columns="geometry"))
    no_geom = gpd.GeoDataFrame(no_geom, geometry=[None] * len(no_geom))  # no CRS, all null
    m = webmap.audit_map(units, no_geom)
    assert set(geojson_layers(m)) == {"街乡 Units by status", "管理区 Management areas (overlay)"}


def test_missing_columns_and_crs_are_reported():
    units, _ = grid_units()
    with pytest.raises(InputError, match="status"):
        webmap.audit_map(units.drop(columns="status"))
    from planner_gis.errors import CRSError

    with pytest.raises(CRSError, match="no coordinate reference system"):
        webmap.audit_map(units.set_crs(None, allow_override=True))


def test_notes_footnote_and_attribution():
    units, _ = grid_units()
    outline = gpd.GeoDataFrame({"source": ["OpenStreetMap (ODbL), boundary as of 2016-12"]},
                               geometry=[box(X0 - 100, Y0 - 100, X0 + 3100, Y0 + 2100)], crs=METRIC)
    m = webmap.audit_map(units, outline=outline)
    text = " ".join(panels(m))
    assert "审图号" in text and webmap.DEMO_NOTE not in text
    attribution = [c for c in m._children.values() if type(c).__name__ == "Attribution"][0]
    assert any("OpenStreetMap" in t and "ODbL" in t for t in attribution.texts)
    assert "区界 District outline" in webmap.layer_names(m)
    demo = units.assign(geometry_quality="schematic")
    text = " ".join(panels(webmap.audit_map(demo, review_number="京S(2026)001号")))
    assert webmap.DEMO_NOTE in text and "京S(2026)001号" in text


# ----------------------------------------------------------------------------- geometry


def _segments(polys) -> Counter:
    out = Counter()
    for p in polys:
        for ring in [p.exterior, *p.interiors]:
            c = np.round(np.asarray(ring.coords), 9)
            for a, b in zip(map(tuple, c[:-1]), map(tuple, c[1:])):
                out[(a, b) if a <= b else (b, a)] += 1
    return out


def _seg_length(seg) -> float:
    (x0, y0), (x1, y1) = seg
    return float(np.hypot(x1 - x0, y1 - y0))


def test_simplification_keeps_shared_edges_shared():
    polys = wiggly_coverage(n=60, size_m=6000.0)
    g = gpd.GeoDataFrame({"unit_id": range(60)}, geometry=polys, crs=METRIC)
    out = webmap.simplify_for_display(g, tolerance_m=10.0)
    back = out.to_crs(METRIC).geometry.values
    n_before = int(shapely.get_num_coordinates(np.asarray(polys)).sum())
    n_after = int(shapely.get_num_coordinates(back).sum())
    assert n_after < 0.25 * n_before  # it did simplify
    # Every segment of the simplified polygons (in lon/lat, as drawn) is used
    # once (outer edge) or twice (shared edge); the once-used segments add up to
    # the outer perimeter, so no shared edge was simplified differently on its two sides.
    segs = _segments(out.geometry.values)
    assert set(segs.values()) <= {1, 2}
    outer = sum(_seg_length(s) for s, k in segs.items() if k == 1)
    union = shapely.union_all(out.geometry.values)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert outer == pytest.approx(union.exterior.length, rel=1e-6)
    # every pair of neighbours still shares a boundary of about the same length
    adj_before = {(i, j): polys[i].intersection(polys[j]).length
                  for i in range(60) for j in range(i + 1, 60) if polys[i].touches(polys[j])}
    for (i, j), length in adj_before.items():
        if length < 50:
            continue
        shared = back[i].intersection(back[j])
        assert shared.area < 1e-3 and shared.length > 0.5 * length * 0.5
    # and the shapes stay close to the originals
    assert max(shapely.hausdorff_distance(np.asarray(polys), back)) < 30.0


def test_overlapping_units_fall_back_to_per_polygon_simplification():
    a = Polygon([(X0, Y0), (X0 + 500, Y0 + 0.5), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000)])
    b = box(X0 + 900, Y0, X0 + 2000, Y0 + 1000)  # overlaps a: not a coverage
    g = gpd.GeoDataFrame(geometry=[a, b], crs=METRIC)
    out = webmap.simplify_for_display(g, tolerance_m=10.0).to_crs(METRIC)
    assert len(out.geometry.iloc[0].exterior.coords) == 5  # the 0.5 m kink is gone
    assert out.geometry.iloc[0].intersection(out.geometry.iloc[1]).area == pytest.approx(100 * 1000, rel=1e-3)


def test_318_units_map_stays_under_3_mb(tmp_path):
    polys = wiggly_coverage(n=318)
    units = make_units(polys)
    raw_coords = int(shapely.get_num_coordinates(np.asarray(polys)).sum())
    assert raw_coords * 2 * 11 > 3_000_000  # unsimplified, the coordinates alone would not fit
    p = webmap.save_map(webmap.audit_map(units), tmp_path / "big.html")
    size = p.stat().st_size
    assert size <= 3_000_000, size
    layer = geojson_layers(webmap.audit_map(units, simplify_m=10.0))["街乡 Units by status"]
    assert len(layer.data["features"]) == 318


# ----------------------------------------------------------------------------- reach map


def _coverage(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    base = units[units.level == "base"].reset_index(drop=True)
    rows = []
    for cat, tier in (("park", 15), ("clinic", 15), ("kindergarten", 5)):
        d = base[["unit_id", "name", "geometry"]].copy()
        d["category"] = cat
        d["tier_min"] = tier
        d["threshold_m"] = tier * 80.0
        d["population"] = [1000, 2000, 0, 4000, 5000, 100][: len(d)]
        d["covered_population"] = [0, 500, 0, 3000, 5000, 19][: len(d)]
        rows.append(d)
    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=METRIC)


def test_reach_choropleth_colours_follow_share():
    units, _ = grid_units()
    cov = _coverage(units).drop(columns=[])  # share computed from the populations
    m = webmap.reach_map(cov, category="clinic")
    layers = geojson_layers(m)
    assert set(layers) == {"clinic", "kindergarten", "park", "5分钟生活圈 5-min tier: mean of 1 category",
                           "15分钟生活圈 15-min tier: mean of 2 categories"}
    assert layers["clinic"].show and not layers["park"].show
    assert all(not lay.overlay for lay in layers.values())  # radio buttons: one choropleth at a time
    # hand-computed classes (< 50 %, 50-75 %, 75-90 %, >= 90 %): 0/1000 -> 0 %, 500/2000 -> 25 %,
    # 0/0 -> no residents, 3000/4000 -> 75 %, 5000/5000 -> 100 %, 19/100 -> 19 %
    expected = ["#d7191c", "#d7191c", "#bdbdbd", "#a6d96a", "#1a9641", "#d7191c"]
    feats = layers["clinic"].data["features"]
    got = [layers["clinic"].style_function(f)["fillColor"] for f in feats]
    assert got == expected
    assert "25%" in feats[1]["properties"]["_popup"] and "2,000" in feats[1]["properties"]["_popup"]


def test_reach_category_selection_and_tier_rows():
    units, _ = grid_units()
    cov = _coverage(units)
    cov["share"] = cov.covered_population / cov.population.where(cov.population > 0)
    tier = cov[cov.category == "park"].copy()
    tier["category"] = "tier_15"
    tier["share"] = 0.3
    cov = gpd.GeoDataFrame(pd.concat([cov, tier], ignore_index=True), crs=METRIC)
    m = webmap.reach_map(cov, category="15min")
    shown = [name for name, lay in geojson_layers(m).items() if lay.show]
    assert shown == ["15分钟生活圈 15-min tier: all categories (tier_15)"]
    with pytest.raises(InputError, match="kindergarten"):
        webmap.reach_map(cov, category="library")


def test_reach_underserved_and_isochrones_layers():
    units, _ = grid_units()
    cov = _coverage(units)
    und = gpd.GeoDataFrame({"unit_id": ["U001"], "category": ["park"], "population": [1500.0],
                            "team_name": [EVIL]}, geometry=[box(X0 + 1100, Y0 + 100, X0 + 1400, Y0 + 400)],
                           crs=METRIC)
    iso = gpd.GeoDataFrame({"category": ["park", "clinic"]},
                           geometry=[shapely.Point(X0 + 500, Y0 + 500).buffer(300)] * 2, crs=METRIC)
    m = webmap.reach_map(cov, und, iso, category="park")
    names = webmap.layer_names(m)
    iso_name = "等时圈 Isochrones (walk): park 1200 m, clinic 1200 m"  # the categories and their distances
    assert "服务不足 Underserved" in names and iso_name in names
    groups = {c.layer_name: c for c in m._children.values() if type(c).__name__ == "FeatureGroup"}
    assert groups["服务不足 Underserved"].show and not groups[iso_name].show  # isochrones off until asked for
    und_layers = [c for c in groups["服务不足 Underserved"]._children.values()]
    iso_layers = [c for c in groups[iso_name]._children.values()]
    assert len(und_layers) == 1 and len(iso_layers) == 2  # one per category, swapped in by the page
    popup = und_layers[0].data["features"][0]["properties"]["_popup"]
    assert "1,500" in popup and html.escape(EVIL) in popup and "<script" not in popup
    follow = m._children["pg_follow"].code
    # the park choropleth shows park's underserved areas and isochrones; the
    # 15-min tier (park + clinic) shows both categories' isochrones
    u, ip, ic = und_layers[0].get_name(), iso_layers[1].get_name(), iso_layers[0].get_name()
    assert f'"park": [{ip}]' in follow and f'"park": [{u}]' in follow
    assert f'"clinic": [{ic}]' in follow
    tier = json.dumps("15分钟生活圈 15-min tier: mean of 2 categories")
    assert f"{tier}: [{ic},{ip}]" in follow


# ----------------------------------------------------------------------------- saving


def test_save_map_is_atomic_and_refuses_inputs(tmp_path):
    units, _ = grid_units()
    m = webmap.audit_map(units)
    src = tmp_path / "units.geojson"
    src.write_text("input", encoding="utf-8")
    with pytest.raises(OutputError, match="overwrite the input"):
        webmap.save_map(m, src.with_suffix(".html"), inputs=[src.with_suffix(".html")])
    with pytest.raises(OutputError, match=r"\.html"):
        webmap.save_map(m, src)
    assert src.read_text(encoding="utf-8") == "input"
    out = tmp_path / "map.html"
    out.write_text("old", encoding="utf-8")
    webmap.save_map(m, out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


# ----------------------------------------------------------------------------- CLI


def test_cli_audit_and_reach(tmp_path, capsys):
    units, findings = grid_units()
    audit_dir = tmp_path / "audit"
    audit_dir.mkdir()
    write_layers({"units": units, "findings": findings}, audit_dir / "audit.gpkg")
    out = tmp_path / "maps" / "audit.html"
    assert main(["webmap", "audit", str(audit_dir), "--out", str(out), "--title", "审查"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "审查" in page and "<script src" not in page
    assert "audit map of 7 units" in capsys.readouterr().out
    # the input may not be overwritten
    gpkg = audit_dir / "audit.gpkg"
    before = gpkg.read_bytes()
    assert main(["webmap", "audit", str(audit_dir), "--out", str(gpkg)]) == 2
    assert "overwrite the input" in capsys.readouterr().err
    assert gpkg.read_bytes() == before
    assert main(["webmap", "audit", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "planner-gis audit" in capsys.readouterr().err

    reach_dir = tmp_path / "reach"
    reach_dir.mkdir()
    cov = _coverage(units)
    write_layers({"coverage": cov}, reach_dir / "reach.gpkg")
    out2 = tmp_path / "reach.html"
    assert main(["webmap", "reach", str(reach_dir), "--out", str(out2), "--category", "park"]) == 0
    assert out2.exists()
    assert main(["webmap", "reach", str(reach_dir), "--out", str(out2), "--category", "nope"]) == 2
    assert "not in the reach coverage" in capsys.readouterr().err


def test_reach_isochrones_at_own_threshold_one_outline_per_category():
    units, _ = grid_units()
    cov = _coverage(units)  # park and clinic: 15-min tier, threshold 1200 m
    c1, c2 = shapely.Point(X0 + 500, Y0 + 500), shapely.Point(X0 + 1500, Y0 + 500)
    iso = gpd.GeoDataFrame({
        "facility_id": ["P1", "P2", "P1", "C1"],
        "category": ["park", "park", "park", "clinic"],
        "threshold_m": [1200.0, 1200.0, 300.0, 1200.0],
    }, geometry=[c1.buffer(400), c2.buffer(400), c1.buffer(100), c2.buffer(200)], crs=METRIC)
    m = webmap.reach_map(cov, isochrones=iso, category="park", simplify_m=0.0)
    group = [c for c in m._children.values() if type(c).__name__ == "FeatureGroup"][0]
    feats = {i: lay.data["features"] for i, lay in enumerate(group._children.values())}
    assert [len(f) for f in feats.values()] == [1, 1]  # clinic, park: one outline each
    park = gpd.GeoSeries([shapely.geometry.shape(feats[1][0]["geometry"])], crs=4326).to_crs(METRIC).iloc[0]
    expected = c1.buffer(400).union(c2.buffer(400))  # the 300 m isochrone is not drawn
    assert park.symmetric_difference(expected).area < 1e-3 * expected.area


# ----------------------------------------------------------------------------- page size (issue 4)


def _decode_polyline(text: str, scale: int = webmap.COORD_SCALE) -> list:
    """Independent decoder of the encoded-polyline format (as documented by Google)."""
    out, i, lat, lon = [], 0, 0, 0
    while i < len(text):
        vals = []
        for _ in range(2):
            shift = result = 0
            while True:
                b = ord(text[i]) - 63
                i += 1
                result |= (b & 31) << shift
                shift += 5
                if b < 32:
                    break
            vals.append(~(result >> 1) if result & 1 else result >> 1)
        lat, lon = lat + vals[0], lon + vals[1]
        out.append((lon / scale, lat / scale))
    return out


def test_encoded_geometry_round_trips_to_the_drawn_coordinates():
    a = Polygon([(116.2, 39.8), (116.21, 39.8), (116.21, 39.81), (116.2, 39.81)],
                [[(116.202, 39.802), (116.203, 39.802), (116.203, 39.803)]])
    b = box(116.3, 39.85, 116.3123456, 39.86)
    enc = webmap.encode_geometries([a, shapely.MultiPolygon([b, box(116.4, 39.9, 116.41, 39.91)])])
    assert enc[0].count(" ") == 1 and ";" not in enc[0]  # exterior + one hole
    assert enc[1].count(";") == 1  # two polygons
    # one delta stream over all rings: decode the concatenation, then cut by ring lengths
    rings = [r for g in enc for p in g.split(";") for r in p.split(" ")]
    pts = _decode_polyline("".join(rings))
    expected = []
    for g in (a, b, box(116.4, 39.9, 116.41, 39.91)):
        for ring in shapely.get_rings(g):
            expected += [(round(x, 5), round(y, 5)) for x, y in list(ring.coords)[:-1]]
    assert len(pts) == len(expected)
    assert np.allclose(pts, expected, atol=1e-9)


def test_reach_map_stores_each_unit_polygon_once():
    units, _ = grid_units()
    cov = _coverage(units)  # 6 units x 3 categories, 2 tiers: 5 choropleths
    m = webmap.reach_map(cov, category="park")
    store = m._children["pg_geometry"]
    assert len(store.geometries) == 6
    layers = geojson_layers(m)
    assert len(layers) == 5 and all(len(lay.data["features"]) == 6 for lay in layers.values())
    # every layer refers to the same six stored polygons, which are the units (as drawn, rounded to 1e-5 deg)
    refs = {tuple(lay.refs) for lay in layers.values()}
    assert len(refs) == 1 and sorted(next(iter(refs))) == list(range(6))
    wgs = units[units.level == "base"].to_crs(4326).geometry.values
    for g in store.geometries:
        assert min(shapely.hausdorff_distance(g, w) for w in wgs) < 2e-5
    # popup text: each layer's label row is written once, not once per unit
    texts = m._children["pg_text"].pieces
    assert sum("图层 Layer</th><td>park<" in t for t in texts) == 1
    page = webmap.map_html(m)
    # the unit's name: once in its popup name row and once in its tooltip, shared by all 5 layers
    assert page.count("测试街道0") == 2


def test_318_units_reach_map_with_18_categories_is_small():
    units = make_units(wiggly_coverage(n=318))
    rng = np.random.default_rng(3)
    rows = []
    for k in range(18):
        d = units[["unit_id", "name", "geometry"]].copy()
        d["category"] = f"cat{k:02d}"
        d["tier_min"] = (5, 10, 15)[k % 3]
        d["population"] = rng.integers(0, 20000, len(d)).astype(float)
        d["covered_population"] = np.round(d["population"] * rng.uniform(0, 1, len(d)))
        rows.append(d)
    cov = gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=METRIC)
    m = webmap.reach_map(cov, category=15)
    assert len(m._children["pg_geometry"].geometries) == 318
    size = len(webmap.map_html(m).encode("utf-8"))
    assert size < 2_000_000, size  # 14.7 MB when each category embedded its own copy


def _staircase_units_and_cells(cell: float = 100.0) -> tuple:
    """Two 2 km units and, per unit, a staircase of underserved cells (a union of grid cells)."""
    units = [box(X0, Y0, X0 + 2000, Y0 + 2000), box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000)]
    pieces = []
    for u in units:
        x0 = u.bounds[0]
        cells = [box(x0 + i * cell, Y0 + j * cell, x0 + (i + 1) * cell, Y0 + (j + 1) * cell)
                 for j in range(20) for i in range(20) if i <= j]  # a triangle traced by cells
        pieces.append(shapely.union_all(cells))
    return units, pieces


def test_infer_cell_size():
    units, pieces = _staircase_units_and_cells(100.0)
    und = gpd.GeoDataFrame({"category": ["park", "park"]}, geometry=pieces, crs=METRIC)
    assert webmap.infer_cell_size(und) == pytest.approx(100.0)
    assert webmap.infer_cell_size(und.to_crs(4326)) is None or webmap.infer_cell_size(und.to_crs(4326)) > 0
    und.attrs["cell_size"] = (250.0, 250.0)
    assert webmap.infer_cell_size(und) == 250.0
    iso = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0).buffer(500)], crs=METRIC)
    assert webmap.infer_cell_size(iso) is None


def test_underserved_cells_simplified_within_half_a_cell():
    units, pieces = _staircase_units_and_cells(100.0)
    cov = gpd.GeoDataFrame({"unit_id": ["A", "B"], "name": ["甲", "乙"], "category": ["park"] * 2,
                            "share": [0.5, 0.2]}, geometry=units, crs=METRIC)
    und = gpd.GeoDataFrame({"unit_id": ["A", "B"], "category": ["park"] * 2, "population": [10.0, 20.0]},
                           geometry=pieces, crs=METRIC)
    m = webmap.reach_map(cov, und, category="park")
    group = [c for c in m._children.values() if type(c).__name__ == "FeatureGroup"][0]
    feats = next(iter(group._children.values())).data["features"]
    drawn = gpd.GeoSeries([shapely.geometry.shape(f["geometry"]) for f in feats], crs=4326).to_crs(METRIC)
    for got, piece in zip(drawn.values, pieces):
        # the staircase's cell corners on the diagonal go (81 -> 41 vertices), never more than half a cell off
        assert shapely.get_num_coordinates(got) < 0.6 * shapely.get_num_coordinates(piece)
        assert shapely.hausdorff_distance(got, piece) <= 50.0 + 2.0
        assert got.area == pytest.approx(piece.area, rel=0.1)


def test_braces_in_data_are_not_evaluated_as_a_template():
    units, _ = grid_units()
    units.loc[0, "name"] = "{{ 1234*1000 }}{% if 1 %}"
    page = webmap.map_html(webmap.audit_map(units, title="{{ 4321*1000 }}"))
    assert "1234000" not in page and "4321000" not in page
    assert "{{ 1234" not in page and "{% if" not in page
    texts = "".join(webmap.audit_map(units)._children["pg_text"].pieces)
    assert "&#123;&#123; 1234*1000 &#125;&#125;&#123;% if 1 %&#125;" in texts


# ----------------------------------------------------------------------------- one page, shared options


def test_reach_layers_added_to_an_audit_map_share_one_page():
    units, findings = grid_units()
    m = webmap.audit_map(units, findings, review_number="京S(2024)001号")
    assert webmap.reach_map(_coverage(units), category="clinic", m=m, note="合成 synthetic") is m
    names = webmap.layer_names(m)
    assert {"街乡 Units by status", "边界缺口 Boundary gaps", "clinic", "park"} <= set(names)
    html = webmap.map_html(m)
    assert html.count("L.control.layers(") == 1  # one layer control, after every layer
    assert html.count("pgDecode(") == 2  # the helper's definition and the one geometry store
    text = " ".join(panels(m))
    assert "Coverage status" in text and "Covered share" in text  # both legends
    assert "京S(2024)001号" in text and "合成 synthetic" in text  # notes of both calls kept
    assert webmap.REVIEW_FOOTNOTE not in text
    # the unit squares are stored once although both layer sets draw them
    store = m._children["pg_geometry"]
    assert len(store.geometries) == len(units) + len(findings[findings.geometry.notna()])


def test_map_options_are_shared_and_keywords_override_them():
    units, _ = grid_units()
    opts = webmap.MapOptions(review_number="京S(2024)002号", simplify_m=0.0)
    text = " ".join(panels(webmap.audit_map(units, options=opts)))
    assert "京S(2024)002号" in text
    text = " ".join(panels(webmap.audit_map(units, options=opts, review_number="京S(2024)003号")))
    assert "京S(2024)003号" in text and "京S(2024)002号" not in text
    with pytest.raises(InputError, match="tile URL template"):
        webmap.reach_map(_coverage(units), options=webmap.MapOptions(tiles="not a template"))


# ----------------------------------------------------------------------------- issue 10, item 11


def test_reach_layers_listed_by_tier_in_catalogue_order():
    """The layer control lists the 5-minute tier and its categories first, then 10, then 15 (not A-Z)."""
    from planner_gis.facilities import load_catalogue

    units, _ = grid_units()
    base = units[units.level == "base"].reset_index(drop=True)
    cat = load_catalogue()
    rows = []
    for r in cat.iloc[::-1].itertuples():  # rows in reverse: the order must come from the tiers, then the table
        d = base[["unit_id", "name", "geometry"]].copy()
        d["category"], d["tier_min"], d["share"] = r.category, r.tier_min, 0.5
        rows.append(d)
    m = webmap.reach_map(gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), crs=METRIC))
    names = webmap.layer_names(m)
    expected = []
    for t in (5, 10, 15):
        expected.append(next(n for n in names if n.startswith(f"{t}分钟生活圈")))
        expected += cat.loc[cat.tier_min == t, "category"].tolist()[::-1]
    assert names == expected


def test_underserved_hatch_keeps_choropleth_readable():
    """The underserved overlay is a hatch of thin lines, not a 35 % red fill over the classes."""
    units, _ = grid_units()
    und = gpd.GeoDataFrame({"unit_id": ["U001"], "category": ["park"], "population": [1500.0]},
                           geometry=[box(X0 + 1100, Y0 + 100, X0 + 1400, Y0 + 400)], crs=METRIC)
    m = webmap.reach_map(_coverage(units), und, category="park")
    html_text = webmap.map_html(m)
    assert 'pgHatch("pg-hatch-underserved", "#e41a1c")' in html_text
    assert '"fillColor": "url(#pg-hatch-underserved)"' in html_text or "url(#pg-hatch-underserved)" in html_text
    legend = [c.content for c in m._children.values() if type(c).__name__ == "Panel" and "pg-legend-layer" in
              getattr(c, "content", "")][0]
    assert "repeating-linear-gradient" in legend and "data-pg-group" in legend


def test_audit_map_management_area_drawn_in_its_status_colour():
    units, findings = grid_units()
    units.loc[units.unit_id == "A1", "status"] = "expiring"
    m = webmap.audit_map(units, findings)
    layer = geojson_layers(m)["管理区 Management areas (overlay)"]
    feature = layer.data["features"][0]
    style = layer.style_function(feature)
    assert style["color"] == webmap.STATUS_STYLES["expiring"][0] and style["dashArray"]


def test_audit_map_draws_slivers_as_their_own_layer():
    units, findings = grid_units()
    sliver = gpd.GeoDataFrame({"kind": ["boundary_sliver"], "severity": ["warning"], "unit_id": ["U000"],
                               "team_id": [""], "message": ["1 sliver narrower than 5 m ..."]},
                              geometry=[box(X0 - 2, Y0, X0, Y0 + 1000)], crs=METRIC)
    m = webmap.audit_map(units, pd.concat([findings, sliver], ignore_index=True))
    assert "边界细缝 Boundary slivers" in webmap.layer_names(m)
