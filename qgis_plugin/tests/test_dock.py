"""The dock: a Run button clicked with QTest runs the algorithm in the background and adds styled layers."""

from __future__ import annotations

import time

import pytest
from qgis.core import Qgis, QgsCategorizedSymbolRenderer, QgsFeatureRequest, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QDate, Qt
from qgis.PyQt.QtTest import QTest

AS_OF = "2026-06-30"


def _wait(run, timeout: float = 120.0) -> None:
    assert run is not None
    end = time.monotonic() + timeout
    while not run.done and time.monotonic() < end:
        QTest.qWait(50)
    assert run.done, "the background task did not finish"
    QTest.qWait(50)


@pytest.fixture
def dock(qgis_iface, qgis_new_project, provider, tmp_path):
    from planner_gis import datasets

    from planner_gis_qgis.dock import PlannerGisDock

    units = QgsVectorLayer(str(datasets.demo_units_path()), "demo units", "ogr")
    outline = QgsVectorLayer(str(datasets.demo_outline_path()), "outline", "ogr")
    QgsProject.instance().addMapLayers([units, outline])
    widget = PlannerGisDock(qgis_iface, qgis_iface.mainWindow())
    widget.show()
    widget.audit_zones.setLayer(units)
    widget.audit_registry.setFilePath(str(datasets.demo_registry_path()))
    widget.audit_date.setDate(QDate.fromString(AS_OF, "yyyy-MM-dd"))
    widget.output_dir.setFilePath(str(tmp_path / "results"))
    widget.open_webmap.setChecked(False)
    qgis_iface.messageBar().clear_messages()
    yield widget
    widget.close_tasks()
    widget.deleteLater()


def test_run_audit_button_adds_styled_layers(dock, qgis_iface, tmp_path):
    from planner_gis import datasets
    from planner_gis.audit import audit

    assert dock.audit_zone_id.currentField() == "unit_id"  # picked from the layer's fields
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.audit_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error

    added = [QgsProject.instance().mapLayer(i) for i in set(QgsProject.instance().mapLayers()) - before]
    by_name = {layer.name(): layer for layer in added}
    units = by_name[f"Units by status {AS_OF}"]
    findings = by_name["Findings"]
    assert "Workload per team" in by_name
    # outputs were written into a new run folder under the chosen output folder
    assert (tmp_path / "results") in __import__("pathlib").Path(units.source().split("|")[0]).parents

    lib = audit(datasets.demo_units_path(), datasets.demo_registry_path(), as_of=AS_OF,
                outline=datasets.demo_outline_path())
    assert units.featureCount() == len(lib.units)
    assert {f["unit_id"]: f["status"] for f in units.getFeatures()} == dict(zip(lib.units["unit_id"],
                                                                                lib.units["status"]))
    assert findings.featureCount() == len(lib.findings)

    renderer = units.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "status"
    assert {c.value() for c in renderer.categories()} == {"covered", "expiring", "multiple_teams", "unassigned"}
    assert findings.renderer().classAttribute() == "severity"
    success = qgis_iface.messageBar().get_messages(Qgis.Success)
    n_err = int((lib.findings["severity"] == "error").sum())
    assert any(f"{n_err} errors" in m for m in success)

    # "Export web map" writes the HTML of this audit
    target = tmp_path / "audit.html"
    dock.webmap_path.setFilePath(str(target))
    QTest.mouseClick(dock.export_button, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    assert dock.last_webmap == str(target)
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    name = lib.units["name"].iloc[0]
    assert name in html or name.encode("unicode_escape").decode() in html


def test_library_error_goes_to_the_message_bar(dock, qgis_iface, tmp_path):
    bad = tmp_path / "teams.csv"
    bad.write_text("team_id,unit_id\nT1,110106001\n", encoding="utf-8")
    dock.audit_registry.setFilePath(str(bad))
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.audit_run, Qt.LeftButton)
    _wait(dock.run)
    assert not dock.run.ok
    critical = qgis_iface.messageBar().get_messages(Qgis.Critical)
    assert len(critical) == 1
    assert str(bad) in critical[0] and "Fix:" in critical[0]
    assert "Traceback" not in critical[0]
    assert set(QgsProject.instance().mapLayers()) == before
    assert dock.audit_run.isEnabled()  # ready for the next try


def test_export_before_any_run_asks_to_run_first(dock, qgis_iface):
    assert dock.export_webmap() is None
    warnings = qgis_iface.messageBar().get_messages(Qgis.Warning)
    assert any("run the audit first" in m for m in warnings)


def test_run_reach_button_adds_graduated_coverage(dock, town, qgis_iface):
    from qgis.core import QgsGraduatedSymbolRenderer

    layers = {name: QgsVectorLayer(town[name], name, "ogr") for name in ("street", "facilities", "population", "zones")}
    QgsProject.instance().addMapLayers(list(layers.values()))
    dock.tabs.setCurrentIndex(1)
    dock.reach_network.setLayer(layers["street"])
    dock.reach_facilities.setLayer(layers["facilities"])
    dock.reach_population_points.setLayer(layers["population"])
    dock.reach_population_field.setField("residents")
    dock.reach_zones.setLayer(layers["zones"])
    assert dock.reach_category_field.currentField() == "category"
    assert dock.reach_zone_id.currentField() == "unit_id"
    dock.reach_category.setEditText("kindergarten")
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.reach_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    added = {QgsProject.instance().mapLayer(i).name(): QgsProject.instance().mapLayer(i)
             for i in set(QgsProject.instance().mapLayers()) - before}
    coverage = added["Covered share kindergarten"]
    renderer = coverage.renderer()
    assert isinstance(renderer, QgsGraduatedSymbolRenderer) and renderer.classAttribute() == "share"
    # only the chosen category is drawn: one feature per unit, with the hand-checked shares
    shares = {f["unit_id"]: f["share"] for f in coverage.getFeatures()}
    assert shares == {"A": pytest.approx(15 / 35), "B": 0.0}
    under = added["Underserved areas"]
    assert under.featureCount() > 0
    # the registry of the audit tab is the demo's, which knows no unit A or B: no team named
    assert {f["team_id"] for f in under.getFeatures()} == {""}

    target = dock.last_run_dir["reach"] / "reach_map.html"
    QTest.mouseClick(dock.export_button, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    assert dock.last_webmap == str(target) and target.exists()


@pytest.fixture
def iso_points(town, tmp_path):
    """Three points on the 2000 m street of the toy town, at 100, 700 and 1500 m."""
    import geopandas as gpd
    from shapely.geometry import Point

    from conftest import CRS, X0, Y0

    path = tmp_path / "entrances.gpkg"
    gpd.GeoDataFrame({"name": ["west", "middle", "east"]},
                     geometry=[Point(X0 + x, Y0) for x in (100, 700, 1500)], crs=CRS).to_file(path, driver="GPKG")
    street = QgsVectorLayer(town["street"], "street", "ogr")
    points = QgsVectorLayer(str(path), "entrances", "ogr")
    QgsProject.instance().addMapLayers([street, points])
    return street, points


def _added_since(before: set) -> dict:
    project = QgsProject.instance()
    return {project.mapLayer(i).name(): project.mapLayer(i) for i in set(project.mapLayers()) - before}


# street length reachable within each distance, by hand on the 0..2000 m street:
# from 100 m: 0..400, 0..600, 0..1100; from 700 m: 400..1000, 200..1200, 0..1700;
# from 1500 m: 1200..1800, 1000..2000, 500..2000
HAND = {300.0: [400.0, 600.0, 600.0], 500.0: [600.0, 1000.0, 1000.0], 1000.0: [1100.0, 1500.0, 1700.0]}


def test_run_isochrones_button_adds_nested_categorised_layer(dock, iso_points, qgis_iface):
    street, points = iso_points
    dock.tabs.setCurrentIndex(2)
    assert dock.current_kind() == "isochrones"
    dock.iso_network.setLayer(street)
    dock.iso_points.setLayer(points)
    assert dock.iso_thresholds.text() == "300, 500, 1000"  # the GB 50180 living circles by default
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.iso_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    added = _added_since(before)
    assert list(added) == ["Isochrones 300, 500, 1000 m"]
    layer = added["Isochrones 300, 500, 1000 m"]
    assert layer.featureCount() == 3 * 3  # points x distances
    lengths: dict = {}
    for f in layer.getFeatures():
        lengths.setdefault(f["threshold_m"], []).append(f["street_length_m"])
    assert {t: sorted(v) for t, v in lengths.items()} == {t: pytest.approx(v) for t, v in HAND.items()}

    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "threshold_m"
    categories = sorted(renderer.categories(), key=lambda c: c.value())
    assert [c.value() for c in categories] == [300.0, 500.0, 1000.0]
    # every feature falls in a category (the values match the field's type)
    assert all(renderer.categoryIndexForValue(f["threshold_m"]) >= 0 for f in layer.getFeatures())
    # semi-transparent, nearer distances darker
    assert all(0 < c.symbol().opacity() < 1 for c in categories)
    lightness = [c.symbol().color().lightness() for c in categories]
    assert lightness == sorted(lightness) and lightness[0] < lightness[-1]
    # nested: drawn from the largest distance down, so the smaller areas stay on top
    assert renderer.orderByEnabled()
    (clause,) = renderer.orderBy().list()
    assert not clause.ascending()
    drawn = [f["threshold_m"] for f in layer.getFeatures(QgsFeatureRequest().setOrderBy(renderer.orderBy()))]
    assert drawn == [1000.0] * 3 + [500.0] * 3 + [300.0] * 3
    success = qgis_iface.messageBar().get_messages(Qgis.Success)
    assert any("isochrones done: 9 areas" in m for m in success)


def test_isochrones_of_the_selected_points_only(dock, iso_points):
    street, points = iso_points
    dock.tabs.setCurrentIndex(2)
    dock.iso_network.setLayer(street)
    dock.iso_points.setLayer(points)
    dock.iso_thresholds.setText("300;500")
    dock.iso_selected_only.setChecked(True)
    ids = [f.id() for f in points.getFeatures() if f["name"] in ("west", "east")]
    points.selectByIds(ids)
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.iso_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    (layer,) = _added_since(before).values()
    assert layer.featureCount() == 2 * 2
    got = sorted((f["threshold_m"], f["street_length_m"]) for f in layer.getFeatures())
    assert got == [(300.0, pytest.approx(400.0)), (300.0, pytest.approx(600.0)),
                   (500.0, pytest.approx(600.0)), (500.0, pytest.approx(1000.0))]


def test_isochrones_nothing_selected_is_refused(dock, iso_points, qgis_iface):
    street, points = iso_points
    dock.iso_network.setLayer(street)
    dock.iso_points.setLayer(points)
    dock.iso_selected_only.setChecked(True)
    points.removeSelection()
    assert dock.run_isochrones() is None
    warnings = qgis_iface.messageBar().get_messages(Qgis.Warning)
    assert any("no feature of 'entrances' is selected" in m for m in warnings)


def test_isochrones_bad_distances_show_the_library_message(dock, iso_points, qgis_iface):
    street, points = iso_points
    dock.tabs.setCurrentIndex(2)
    dock.iso_network.setLayer(street)
    dock.iso_points.setLayer(points)
    dock.iso_thresholds.setText("300, far")
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.iso_run, Qt.LeftButton)
    _wait(dock.run)
    assert not dock.run.ok
    critical = qgis_iface.messageBar().get_messages(Qgis.Critical)
    assert len(critical) == 1
    assert "'300, far' are not numbers" in critical[0] and "Fix:" in critical[0]
    assert "Traceback" not in critical[0]
    assert set(QgsProject.instance().mapLayers()) == before
    assert dock.iso_run.isEnabled()
    # the web map of this tab needs a reach result to draw the isochrones on
    assert dock.export_webmap() is None
    assert any("run the reach first" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))


def test_isochrones_web_map_draws_them_over_the_reach(dock, town, iso_points):
    import json

    from planner_gis.io import read_vector
    from planner_gis.webmap import layer_names, reach_map

    street, points = iso_points
    layers = {name: QgsVectorLayer(town[name], name, "ogr") for name in ("facilities", "population", "zones")}
    QgsProject.instance().addMapLayers(list(layers.values()))
    dock.reach_network.setLayer(street)
    dock.reach_facilities.setLayer(layers["facilities"])
    dock.reach_population_points.setLayer(layers["population"])
    dock.reach_population_field.setField("residents")
    dock.reach_zones.setLayer(layers["zones"])
    QTest.mouseClick(dock.reach_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    dock.tabs.setCurrentIndex(2)
    dock.iso_network.setLayer(street)
    dock.iso_points.setLayer(points)
    QTest.mouseClick(dock.iso_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error

    QTest.mouseClick(dock.export_button, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    target = dock.last_run_dir["isochrones"] / "isochrones_map.html"
    assert dock.last_webmap == str(target)
    html = target.read_text(encoding="utf-8")
    reach = dock.last_outputs["reach"]
    expected = layer_names(reach_map(read_vector(reach["COVERAGE"]), underserved=read_vector(reach["UNDERSERVED"]),
                                     isochrones=read_vector(dock.last_outputs["isochrones"]["OUTPUT"])))
    assert "等时圈 Isochrones" in expected
    assert all(name in html or json.dumps(name)[1:-1] in html for name in expected)


def test_isochrones_on_a_saved_network_file(dock, town, iso_points, tmp_path):
    from planner_gis.io import read_vector
    from planner_gis.network import build_network, save_network

    _, points = iso_points
    saved = save_network(build_network(read_vector(town["street"])), tmp_path / "walk.npz")
    dock.tabs.setCurrentIndex(2)
    dock.iso_network_file.setFilePath(str(saved))
    dock.iso_points.setLayer(points)
    dock.iso_thresholds.setText("300")
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.iso_run, Qt.LeftButton)
    _wait(dock.run)
    assert dock.run.ok, dock.run.error
    (layer,) = _added_since(before).values()
    assert sorted(f["street_length_m"] for f in layer.getFeatures()) == pytest.approx(HAND[300.0])
    assert [c.value() for c in layer.renderer().categories()] == [300.0]
