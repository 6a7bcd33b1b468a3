"""The dock: a Run button clicked with QTest runs the algorithm in the background and adds styled layers."""

from __future__ import annotations

import time

import pytest
from qgis.core import Qgis, QgsCategorizedSymbolRenderer, QgsProject, QgsVectorLayer
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
