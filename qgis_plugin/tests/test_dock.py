"""The dock, driven with QTest: runs in the background, results in the project, errors, memory."""

from __future__ import annotations

import time

import pytest
from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsGraduatedSymbolRenderer,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, Qt
from qgis.PyQt.QtTest import QTest

from conftest import demo_paths

AS_OF = "2026-06-30"


def wait_for(predicate, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        QTest.qWait(50)
    assert predicate(), "timed out"


def wait_run(dock, timeout: float = 300.0) -> None:
    wait_for(lambda: dock.run is not None and dock.run.done, timeout)
    QTest.qWait(50)


@pytest.fixture
def dock(qgis_iface, qgis_new_project, provider, tmp_path):
    from qgis.core import QgsSettings

    from planner_gis_qgis import settings
    from planner_gis_qgis.dock import PlannerGisDock

    QgsSettings().remove(settings.DOCK_PREFIX.rstrip("/"))  # each test starts without remembered inputs
    settings.forget_environment()
    widget = PlannerGisDock(qgis_iface, qgis_iface.mainWindow())
    widget.show()
    wait_for(lambda: widget.env is not None or widget.setup_button.isVisible(), 120)
    widget.output_dir.setFilePath(str(tmp_path / "results"))
    widget.open_webmap.setChecked(False)
    qgis_iface.messageBar().clear_messages()
    yield widget
    widget.close_tasks()
    widget.deleteLater()


def layers_added_since(before: set) -> dict:
    project = QgsProject.instance()
    return {project.mapLayer(i).name(): project.mapLayer(i) for i in set(project.mapLayers()) - before}


def test_environment_line_and_demo_button(dock):
    assert dock.env is not None, dock.env_status.text()
    assert dock.env_status.text().startswith("planner-gis ") and not dock.setup_button.isVisible()
    assert dock.reach.category.findText("kindergarten") >= 0 and dock.reach.category.findText("tier_15") >= 0
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    added = layers_added_since(before)
    assert len(added) == 6 and all(layer.isValid() for layer in added.values())
    assert dock.audit.zones.currentLayer().source().endswith("fengtai_units_schematic.geojson")
    assert dock.audit.registry.filePath() == demo_paths()["registry"]
    assert dock.reach.population_raster.currentLayer() is not None
    assert dock.iso.points.currentLayer().name() == dock.reach.entrances.currentLayer().name()


def test_audit_runs_in_the_background_and_adds_named_styled_layers(dock, qgis_iface):
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    dock.audit.date.setDate(QDate.fromString(AS_OF, "yyyy-MM-dd"))
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.audit.run, Qt.LeftButton)
    assert not dock.audit.run.isEnabled() and dock.cancel_button.isEnabled()  # returned at once: background
    ticks = []
    from qgis.PyQt.QtCore import QTimer

    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    wait_run(dock)
    timer.stop()
    assert dock.run.ok, dock.run.error
    assert len(ticks) > 5  # the main thread kept serving events while the audit ran
    added = layers_added_since(before)
    units = next(layer for name, layer in added.items() if "Units by status" in name)
    assert AS_OF in units.name() and "单元状态" in units.name()
    assert isinstance(units.renderer(), QgsCategorizedSymbolRenderer)
    assert units.labelsEnabled() and units.labeling().settings().fieldName == "name"
    assert {c.value() for c in units.renderer().categories()} >= {"covered", "unassigned"}
    group = QgsProject.instance().layerTreeRoot().children()[0]
    assert group.name() == f"planner-gis Audit 覆盖审查 {AS_OF}"
    # the result line reads as findings, and equals the command's summary
    assert "findings on 2026-06-30" in dock.status.text() and dock.last_summary in dock.status.text()
    assert dock.progress_bar.value() == 100


def test_error_is_shown_with_its_fix_and_progress_resets(dock, qgis_iface, tmp_path):
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    bad = tmp_path / "teams.csv"
    bad.write_text("team_id,unit_id,role,start_date,end_date\nT1,A,unit,soon,2020-01-01\n", encoding="utf-8")
    dock.audit.registry.setFilePath(str(bad))
    dock.progress_bar.setValue(40)
    QTest.mouseClick(dock.audit.run, Qt.LeftButton)
    wait_run(dock)
    assert not dock.run.ok
    critical = qgis_iface.messageBar().get_messages(Qgis.Critical)
    assert critical and "row 2: start_date 'soon' is not a date" in critical[-1] and "Fix:" in critical[-1]
    assert "Traceback" not in critical[-1]
    assert "Fix:" in dock.status.text() and dock.progress_bar.value() == 0


def test_registry_columns_offered_and_used(dock, tmp_path):
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    source = open(demo_paths()["registry"], encoding="utf-8").read().splitlines()
    header = source[0].split(",")
    renamed = {"team_id": "队伍", "unit_id": "单元编码", "role": "角色"}
    path = tmp_path / "teams.csv"
    path.write_text("\n".join([",".join(renamed.get(h, h) for h in header)] + source[1:]) + "\n", encoding="utf-8")
    dock.audit.registry.setFilePath(str(path))
    columns = dock.audit.columns
    assert columns.combos["unit_id"].currentData() == "单元编码"  # a known alias, preselected
    assert columns.combos["team_id"].currentData() == ""  # unknown: left to the user
    columns.combos["team_id"].setCurrentIndex(columns.combos["team_id"].findData("队伍"))
    assert dock.audit_parameters(tmp_path)["TEAM_ID_COLUMN"] == "队伍"
    QTest.mouseClick(dock.audit.run, Qt.LeftButton)
    wait_run(dock)
    assert dock.run.ok, dock.run.error


def test_inputs_are_remembered(dock, qgis_iface, tmp_path):
    from planner_gis_qgis.dock import PlannerGisDock

    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    dock.iso.thresholds.setText("200, 400")
    dock.remember_inputs()
    again = PlannerGisDock(qgis_iface, qgis_iface.mainWindow())
    try:
        assert again.iso.thresholds.text() == "200, 400"
        assert again.audit.registry.filePath() == demo_paths()["registry"]
        assert again.audit.zones.currentLayer().source() == dock.audit.zones.currentLayer().source()
    finally:
        again.deleteLater()


def test_isochrones_tab_and_cancel(dock):
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    dock.tabs.setCurrentIndex(2)
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.iso.run, Qt.LeftButton)
    wait_run(dock)
    assert dock.run.ok, dock.run.error
    layer = next(layer for name, layer in layers_added_since(before).items() if "Isochrones" in name)
    assert layer.featureCount() == 3 * 160 and isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
    # a second run cancelled at once: no layer, the progress bar back at 0
    dock.run = None
    QTest.mouseClick(dock.iso.run, Qt.LeftButton)
    QTest.mouseClick(dock.cancel_button, Qt.LeftButton)
    wait_run(dock)
    assert not dock.run.ok and "cancelled" in dock.run.error and dock.progress_bar.value() == 0


@pytest.mark.slow
def test_reach_tab_on_the_demo(dock):
    QTest.mouseClick(dock.demo_button, Qt.LeftButton)
    dock.tabs.setCurrentIndex(1)
    dock.reach.category.setEditText("tier_15")
    dock.reach.isochrone_categories.setText("middle_school")
    before = set(QgsProject.instance().mapLayers())
    QTest.mouseClick(dock.reach.run, Qt.LeftButton)
    wait_run(dock, 600)
    assert dock.run.ok, dock.run.error
    added = layers_added_since(before)
    coverage = next(layer for name, layer in added.items() if "Covered share" in name)
    assert coverage.subsetString() == "\"category\" = 'tier_15'" and len(list(coverage.getFeatures())) == 24
    assert isinstance(coverage.renderer(), QgsGraduatedSymbolRenderer)
    assert any("Isochrones" in name for name in added) and any("Underserved" in name for name in added)
    assert "15-min tier" in dock.status.text()
    QTest.mouseClick(dock.export_button, Qt.LeftButton)
    wait_run(dock)
    assert dock.run.ok and dock.last_webmap.endswith("reach_map.html")
    assert QgsVectorLayer(dock.last_outputs["reach"]["COVERAGE"], "c", "ogr").isValid()
    # the reach run wrote the what-if file; the What-if tab starts a session on it
    assert dock.whatif.reach_dir.filePath() == str(dock.last_run_dir["reach"])
    check_whatif(dock)


def check_whatif(dock):
    """Click to add a kindergarten: the unit table shows what the library computes; undo clears it; stop ends it."""
    from qgis.core import QgsCoordinateTransform, QgsPointXY

    from conftest import library

    dock.tabs.setCurrentIndex(3)
    QTest.mouseClick(dock.whatif.start_button, Qt.LeftButton)
    wait_for(lambda: dock.whatif.session.info is not None, 120)
    assert dock.whatif.tool_button.isChecked() and dock.iface.mapCanvas().mapTool() is dock.whatif.tool
    dock.whatif.category.setCurrentText("kindergarten")
    reverse = QgsCoordinateTransform.ReverseTransform  # scenario CRS -> map canvas
    point = dock.whatif.transform.transform(QgsPointXY(441150, 4410680), reverse)
    assert dock.whatif.add_at(point)
    wait_for(lambda: dock.whatif.table.rowCount() > 0, 60)
    shown = {dock.whatif.table.item(i, 0).text(): float(dock.whatif.table.item(i, 3).text())
             for i in range(dock.whatif.table.rowCount())}
    lib = library("""
from planner_gis import open_reach
sc = open_reach(folder)
step = sc.add(441150, 4410680, "kindergarten")
ch = step.changes[step.changes["category"] == "kindergarten"]
result = dict(zip(ch["unit_id"], ch["change"]))
""", folder=dock.whatif.reach_dir.filePath())
    assert shown == {u: round(c) for u, c in lib.items()} and sum(lib.values()) > 0
    assert dock.whatif.markers.featureCount() == 1
    QTest.mouseClick(dock.whatif.undo_button, Qt.LeftButton)
    wait_for(lambda: dock.whatif.table.rowCount() == 0, 60)
    assert dock.whatif.markers.featureCount() == 0
    process = dock.whatif.session.process
    QTest.mouseClick(dock.whatif.stop_button, Qt.LeftButton)
    assert dock.whatif.session.process is None and process is not None
    assert dock.whatif.start_button.isEnabled() and not dock.whatif.tool_button.isChecked()
