"""The four algorithms through processing.run, on a hand-checkable toy town, against the library.

The algorithms run the planner-gis command of the library's environment in a
subprocess; QGIS's own Python never imports the library or its GEOS/PROJ/GDAL
wheels (checked at the end).
"""

from __future__ import annotations

import sys

import pytest
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

from conftest import CRS, library


def features(uri: str) -> list:
    layer = QgsVectorLayer(uri, "out", "ogr")
    assert layer.isValid(), uri
    names = [f.name() for f in layer.fields()]
    rows = []
    for feature in layer.getFeatures():
        row = {n: (None if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
               for n, v in zip(names, feature.attributes())}
        row["_area"] = None if feature.geometry().isNull() else feature.geometry().area()
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def reach_run(town, qgis_processing):
    import processing

    from conftest import ensure_provider

    ensure_provider()
    out = town["dir"]
    return processing.run("planner_gis:reach", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "CATEGORY_FIELD": "category",
        "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "residents",
        "ZONES": town["zones"], "ZONE_ID": "unit_id", "MAX_SNAP": 200.0, "REGISTRY": town["registry"],
        "AS_OF": "2026-06-30",
        "COVERAGE": str(out / "coverage.gpkg"), "UNDERSERVED": str(out / "underserved.gpkg"),
        "UNREACHABLE": str(out / "unreachable.gpkg"), "OUTPUT_FOLDER": str(out / "reach_files")})


def test_reach_coverage_hand_checked(reach_run, town):
    rows = {(r["unit_id"], r["category"]): r for r in features(reach_run["COVERAGE"])}
    a = rows[("A", "kindergarten")]
    # A holds residents at 300 m (10), 350 m (5) and 900 m (20) along the street; the kindergarten
    # at 100 m serves 300 m of walk: 10 + 5 of 35 are covered.
    assert (a["population"], a["covered_population"]) == (pytest.approx(35.0), pytest.approx(15.0))
    assert a["share"] == pytest.approx(15.0 / 35.0) and a["name"] == "西街道"
    assert a["_area"] == pytest.approx(1000 * 200)  # the unit's polygon is attached
    b = rows[("B", "kindergarten")]
    assert (b["population"], b["covered_population"], b["share"]) == (pytest.approx(7.0), 0.0, 0.0)
    unreachable = features(reach_run["UNREACHABLE"])
    assert [(u["kind"], u["category"]) for u in unreachable] == [("facility", "kindergarten")]
    # the Chinese registry headers were recognised: unit A's gaps name team T1, B has no team
    teams = {(u["unit_id"], u["category"]): u["team_id"] for u in features(reach_run["UNDERSERVED"])}
    assert teams[("A", "kindergarten")] == "T1" and teams[("B", "kindergarten")] in (None, "")
    assert reach_run["SUMMARY"].endswith("of 42 residents reach every facility of the tier")
    # the command's own files were moved into the output folder
    assert sorted(p.name for p in (town["dir"] / "reach_files").iterdir()) == ["coverage.csv", "reach.gpkg",
                                                                                "reach.json"]


def test_reach_equals_the_library(reach_run, town):
    lib = library("""
from planner_gis import catalogue, network, reach
from planner_gis.io import read_vector
net = network.build_network(read_vector(street))
cat = catalogue.load_catalogue()
access = catalogue.facility_access_points(read_vector(facilities), cat, "category")
pop = reach.population_from_points(read_vector(population), "residents")
r = reach.compute_coverage(net, access, pop, read_vector(zones), cat, max_snap=200.0)
result = {"coverage": r.coverage.astype(object).where(r.coverage.notna(), None).to_dict("records"),
          "underserved": [[u.unit_id, u.category, u.population, u.geometry.area] for u in r.underserved.itertuples()]}
""", **{k: town[k] for k in ("street", "facilities", "population", "zones")})
    got = {(r["unit_id"], r["category"]): r for r in features(reach_run["COVERAGE"])}
    assert len(got) == len(lib["coverage"])
    for rec in lib["coverage"]:
        r = got[(rec["unit_id"], rec["category"])]
        for column in ("tier_min", "threshold_m", "population", "covered_population", "share"):
            assert r[column] == (None if rec[column] is None else pytest.approx(rec[column])), column
    under = {(u["unit_id"], u["category"]): u for u in features(reach_run["UNDERSERVED"])}
    assert len(under) == len(lib["underserved"]) > 0
    for unit, category, population, area in lib["underserved"]:
        assert under[(unit, category)]["population"] == pytest.approx(population)
        assert under[(unit, category)]["_area"] == pytest.approx(area, rel=1e-9)


def test_reach_needs_exactly_one_network(town, provider):
    import processing

    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:reach", {
            "FACILITIES": town["facilities"], "POPULATION_POINTS": town["population"],
            "POPULATION_FIELD": "residents", "ZONES": town["zones"], "COVERAGE": "TEMPORARY_OUTPUT"})
    assert "either a walking-network line layer or a network file" in str(err.value)


def test_audit_of_memory_layers_with_chinese_headers(town, provider, tmp_path):
    """A memory units layer is written to a GeoPackage for the command; 单元编码 etc. are recognised."""
    import processing

    layer = QgsVectorLayer(f"Polygon?crs={CRS}&field=单元编码:string&field=名称:string&field=类型:string",
                           "units", "memory")
    source = QgsVectorLayer(town["zones"], "zones", "ogr")
    from qgis.core import QgsFeature

    feats = []
    for f in source.getFeatures():
        g = QgsFeature(layer.fields())
        g.setAttributes([f["unit_id"], f["name"], "街道"])
        g.setGeometry(f.geometry())
        feats.append(g)
    layer.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(layer)
    try:
        result = processing.run("planner_gis:audit", {
            "ZONES": layer.id(), "ZONE_ID": "单元编码", "REGISTRY": town["registry"], "AS_OF": "2026-06-30",
            "UNITS": str(tmp_path / "units.gpkg"), "FINDINGS": str(tmp_path / "findings.gpkg"),
            "WORKLOAD": str(tmp_path / "workload.csv")})
    finally:
        QgsProject.instance().removeMapLayer(layer.id())
    status = {r["unit_id"]: r["status"] for r in features(result["UNITS"])}
    assert status == {"A": "covered", "B": "unassigned"}
    kinds = sorted(r["kind"] for r in features(result["FINDINGS"]))
    assert kinds == ["unassigned"] and result["ERRORS"] == 1 and result["WARNINGS"] == 0
    assert result["SUMMARY"] == "1 finding on 2026-06-30: 1 unassigned"
    assert (tmp_path / "workload.csv").read_text(encoding="utf-8").startswith("team_id,")


def test_audit_error_is_the_command_message_with_its_fix(town, provider, tmp_path):
    import processing

    bad = tmp_path / "teams.csv"
    bad.write_text("team_id,unit_id,role,start_date,end_date\nT1,A,unit,30.11.2019,2020-01-01\n", encoding="utf-8")
    feedback = QgsProcessingFeedback()
    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:audit", {"ZONES": town["zones"], "REGISTRY": str(bad),
                                             "UNITS": str(tmp_path / "u.gpkg")}, feedback=feedback)
    assert str(err.value) == (f"{bad}, row 2: start_date '30.11.2019' is not a date. Fix: write dates as "
                              "2019-11-30, 2019/11/30 or 2019年11月30日")
    assert "Traceback" not in str(err.value)
    assert not (tmp_path / "u.gpkg").exists()


def test_isochrones_of_selected_points_only(town, provider, tmp_path):
    import processing

    points = QgsVectorLayer(town["population"], "residents", "ogr")
    QgsProject.instance().addMapLayer(points)
    try:
        points.selectByExpression('"residents" = 10')
        result = processing.run("planner_gis:isochrones", {
            "NETWORK": town["street"], "POINTS": QgsProcessingFeatureSourceDefinition(points.id(), True),
            "THRESHOLDS": "300, 500", "OUTPUT": str(tmp_path / "iso.gpkg")})
    finally:
        QgsProject.instance().removeMapLayer(points.id())
    rows = features(result["OUTPUT"])
    # one selected point 300 m from the street's west end: 300 m reach 0..600 m of street, 500 m reach 0..800 m
    assert [(r["threshold_m"], round(r["street_length_m"], 6)) for r in rows] == [(300.0, 600.0), (500.0, 800.0)]


def test_isochrones_bad_distances_get_the_fix(town, provider):
    import processing

    with pytest.raises(QgsProcessingException, match="Fix: give distances separated by commas"):
        processing.run("planner_gis:isochrones", {"NETWORK": town["street"], "POINTS": town["population"],
                                                  "THRESHOLDS": "-300", "OUTPUT": "TEMPORARY_OUTPUT"})


def test_webmap_of_the_reach(reach_run, provider, tmp_path):
    import processing

    target = tmp_path / "map.html"
    result = processing.run("planner_gis:webmap", {"COVERAGE": reach_run["COVERAGE"],
                                                   "UNDERSERVED": reach_run["UNDERSERVED"], "OUTPUT": str(target)})
    html = target.read_text(encoding="utf-8")
    assert result["OUTPUT"] == str(target) and "西街道" in html and "leaflet" in html.lower()


def test_cancel_leaves_no_output(town, provider, tmp_path):
    """Cancel during the run: the subprocess stops, no output file is written."""
    import processing

    from planner_gis_qgis.algorithms.base import FeedbackCallbacks

    feedback = QgsProcessingFeedback()
    original = FeedbackCallbacks.progress

    def cancel_on_progress(self, fraction, stage):
        original(self, fraction, stage)
        self.feedback.cancel()

    FeedbackCallbacks.progress = cancel_on_progress
    try:
        with pytest.raises(QgsProcessingException, match="cancelled by the user"):
            processing.run("planner_gis:reach", {
                "NETWORK": town["street"], "FACILITIES": town["facilities"], "POPULATION_POINTS": town["population"],
                "POPULATION_FIELD": "residents", "ZONES": town["zones"],
                "COVERAGE": str(tmp_path / "c.gpkg"), "OUTPUT_FOLDER": str(tmp_path / "files")},
                feedback=feedback, context=QgsProcessingContext())
    finally:
        FeedbackCallbacks.progress = original
    assert not (tmp_path / "c.gpkg").exists() and not (tmp_path / "files").exists()


def test_the_qgis_process_never_loads_the_library_or_its_wheels(reach_run):
    loaded = sorted(m for m in sys.modules
                    if m.split(".")[0] in ("planner_gis", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio"))
    assert loaded == []


def test_algorithms_run_in_background_threads(provider):
    from qgis.core import QgsProcessingAlgorithm

    for alg in provider.algorithms():
        assert not alg.flags() & QgsProcessingAlgorithm.FlagNoThreading, alg.id()
        assert alg.flags() & QgsProcessingAlgorithm.FlagCanCancel, alg.id()



def test_suggest_sites_hand_checked_and_equal_to_the_library(town, provider):
    import processing

    out = town["dir"]
    result = processing.run("planner_gis:suggest", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "CATEGORY": "kindergarten",
        "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "residents", "ZONES": town["zones"],
        "SPACING": 100.0, "SITES": 2, "SITES_OUTPUT": str(out / "sites.gpkg"),
        "NEWLY_COVERED": str(out / "newly.gpkg"), "OUTPUT_FOLDER": str(out / "suggest_files")})
    sites = features(result["SITES_OUTPUT"])
    # the kindergarten at 100 m covers the residents at 300 and 350 m; the 900 m (20) and 1500 m (7) ones are not
    assert [s["gain_population"] for s in sites] == [pytest.approx(20.0), pytest.approx(7.0)]
    assert sites[-1]["cumulative_share"] == pytest.approx(1.0)
    assert sorted(p.name for p in (out / "suggest_files").iterdir()) == ["sites.csv", "suggest.gpkg", "suggest.json"]
    assert "kindergarten" in result["SUMMARY"]
    lib = library("""
from planner_gis import network, reach, suggest_sites
from planner_gis.io import read_vector
net = network.build_network(read_vector(street))
r = suggest_sites(net, read_vector(facilities), reach.population_from_points(read_vector(population), "residents"),
                  read_vector(zones), "kindergarten", "every:100", sites=2)
result = r.sites[["candidate_id", "gain_population", "x", "y"]].to_dict("records")
""", **{k: town[k] for k in ("street", "facilities", "population", "zones")})
    assert [(s["candidate_id"], s["gain_population"], s["x"], s["y"]) for s in sites] == [
        (r["candidate_id"], pytest.approx(r["gain_population"]), pytest.approx(r["x"]), pytest.approx(r["y"]))
        for r in lib]


def test_suggest_needs_sites_or_target(town, provider):
    import processing

    with pytest.raises(QgsProcessingException, match="Fix:"):
        processing.run("planner_gis:suggest", {
            "NETWORK": town["street"], "FACILITIES": town["facilities"], "CATEGORY": "kindergarten",
            "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "residents", "ZONES": town["zones"],
            "SITES": 0, "TARGET": 0.0, "SITES_OUTPUT": "TEMPORARY_OUTPUT"})
