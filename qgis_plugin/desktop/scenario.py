"""What a QGIS user does with the plugin, run inside the real QGIS Desktop (``qgis --code scenario.py``).

Started by ``test_desktop.py`` under Xvfb with a fresh profile that
``scripts/install_qgis_plugin.sh`` set up. It runs every algorithm through
``processing.run`` and in QGIS's task manager, drives the dock like a user
(load demo data, run, cancel, export the web map), saves screenshots, writes
what it saw to ``results.json`` and exits QGIS through File > Exit. The test
then compares the outputs with the library and requires QGIS's exit status 0.

Environment: ``PLANNER_GIS_DESKTOP_OUT`` (output folder),
``PLANNER_GIS_DESKTOP_POINTS`` (a population points layer),
``PLANNER_GIS_DESKTOP_MODE`` (``full`` or ``locale``: only the dock, for a
screenshot in the interface language).
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QLabel, QTextEdit
from qgis.utils import iface

OUT = Path(os.environ["PLANNER_GIS_DESKTOP_OUT"])
POINTS = os.environ.get("PLANNER_GIS_DESKTOP_POINTS", "")
MODE = os.environ.get("PLANNER_GIS_DESKTOP_MODE", "full")
RESULTS = {"steps": {}, "mode": MODE}


def save():
    (OUT / "results.json").write_text(json.dumps(RESULTS, indent=1, default=str), encoding="utf-8")


def step(name):
    """Run the decorated function now; record its return value or its traceback."""
    def wrap(fn):
        started = time.monotonic()
        try:
            RESULTS["steps"][name] = {"ok": True, "value": fn()}
        except Exception:  # noqa: BLE001 - recorded for the test
            RESULTS["steps"][name] = {"ok": False, "error": traceback.format_exc()}
        RESULTS["steps"][name]["seconds"] = round(time.monotonic() - started, 2)
        save()
        return fn
    return wrap


def wait(predicate, timeout=600):
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        QTest.qWait(50)
    if not predicate():
        raise TimeoutError("timed out")


def screenshot(name):
    (OUT / "screenshots").mkdir(exist_ok=True)
    QTest.qWait(500)
    iface.mapCanvas().refresh()
    QTest.qWait(1500)
    path = OUT / "screenshots" / f"{name}.png"
    iface.mainWindow().grab().save(str(path))
    return str(path)


def plugin():
    import qgis.utils

    return qgis.utils.plugins["planner_gis_qgis"]


def features(uri):
    layer = QgsVectorLayer(uri, "x", "ogr")
    names = [f.name() for f in layer.fields()]
    return [{n: (None if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
             for n, v in zip(names, f.attributes())} | {"_area": f.geometry().area()}
            for f in layer.getFeatures()]


def demo():
    from planner_gis_qgis import settings

    return settings.environment().info["demo"]


def run_processing():
    import processing

    d = demo()
    p = OUT / "processing"
    p.mkdir(exist_ok=True)

    @step("processing_audit")
    def _():
        r = processing.run("planner_gis:audit", {
            "ZONES": d["units"], "REGISTRY": d["registry"], "AS_OF": d["as_of"], "OUTLINE": d["outline"],
            "UNITS": str(p / "audit_units.gpkg"), "FINDINGS": str(p / "audit_findings.gpkg")})
        return {"summary": r["SUMMARY"], "units": features(r["UNITS"]), "errors": r["ERRORS"]}

    @step("processing_reach_raster")
    def _():
        r = processing.run("planner_gis:reach", {
            "NETWORK": d["network"], "FACILITIES": d["facilities"], "ENTRANCES": d["entrances"],
            "POPULATION_RASTER": d["population"], "ZONES": d["units"], "REGISTRY": d["registry"],
            "AS_OF": d["as_of"], "ISOCHRONE_CATEGORIES": "middle_school",
            "COVERAGE": str(p / "reach_coverage.gpkg"), "UNDERSERVED": str(p / "reach_underserved.gpkg"),
            "ISOCHRONES_OUTPUT": str(p / "reach_isochrones.gpkg")})
        return {"summary": r["SUMMARY"], "coverage": [{k: v for k, v in f.items() if k != "_area"}
                                                      for f in features(r["COVERAGE"])],
                "underserved_area": sum(f["_area"] for f in features(r["UNDERSERVED"])),
                "isochrones": len(features(r["ISOCHRONES_OUTPUT"]))}

    @step("processing_reach_points")
    def _():
        r = processing.run("planner_gis:reach", {
            "NETWORK": d["network"], "FACILITIES": d["facilities"], "POPULATION_POINTS": POINTS,
            "POPULATION_FIELD": "population", "ZONES": d["units"],
            "COVERAGE": str(p / "reach_points_coverage.gpkg"), "UNDERSERVED": "TEMPORARY_OUTPUT"})
        return {"coverage": [{k: v for k, v in f.items() if k != "_area"} for f in features(r["COVERAGE"])]}

    @step("processing_isochrones")
    def _():
        r = processing.run("planner_gis:isochrones", {
            "NETWORK": d["network"], "POINTS": d["entrances"], "THRESHOLDS": "300,500",
            "OUTPUT": str(p / "isochrones.gpkg")})
        return {"rows": [(f["point_id"], f["threshold_m"], f["street_length_m"], f["_area"])
                         for f in features(r["OUTPUT"])]}

    @step("processing_suggest")
    def _():
        r = processing.run("planner_gis:suggest", {
            "NETWORK": d["network"], "FACILITIES": d["facilities"], "ENTRANCES": d["entrances"],
            "POPULATION_RASTER": d["population"], "ZONES": d["units"], "CATEGORY": "kindergarten",
            "SPACING": 100.0, "SITES": 3, "UNITS": "110106201", "REGISTRY": d["registry"], "AS_OF": d["as_of"],
            "SITES_OUTPUT": str(p / "suggest_sites.gpkg"), "NEWLY_COVERED": str(p / "suggest_newly.gpkg"),
            "OUTPUT_FOLDER": str(p / "suggest_files")})
        return {"summary": r["SUMMARY"], "sites": [{k: v for k, v in f.items() if k != "_area"}
                                                   for f in features(r["SITES_OUTPUT"])],
                "newly_covered": len(features(r["NEWLY_COVERED"])),
                "files": sorted(x.name for x in (p / "suggest_files").iterdir())}

    @step("processing_webmap")
    def _():
        target = p / "audit_map.html"
        processing.run("planner_gis:webmap", {"UNITS": str(p / "audit_units.gpkg"),
                                              "FINDINGS": str(p / "audit_findings.gpkg"), "OUTPUT": str(target)})
        return {"path": str(target), "bytes": target.stat().st_size}


def run_in_background():
    """A reach in QGIS's task manager while a timer ticks in the main thread (the UI stays responsive)."""
    @step("background_task")
    def _():
        d = demo()
        alg = QgsApplication.processingRegistry().algorithmById("planner_gis:reach")
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        feedback = QgsProcessingFeedback()
        progress = []
        feedback.progressChanged.connect(progress.append)
        params = {"NETWORK": d["network"], "FACILITIES": d["facilities"], "POPULATION_RASTER": d["population"],
                  "ZONES": d["units"], "COVERAGE": str(OUT / "background_coverage.gpkg")}
        task = QgsProcessingAlgRunnerTask(alg, params, context, feedback)
        done = {}
        task.executed.connect(lambda ok, results: done.update(ok=ok, results=results))
        ticks, gaps = [], []
        last = [time.monotonic()]

        def tick():
            now = time.monotonic()
            gaps.append(now - last[0])
            last[0] = now
            ticks.append(now)

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(20)
        started = time.monotonic()
        QgsApplication.taskManager().addTask(task)
        wait(lambda: "ok" in done)
        timer.stop()
        return {"ok": done["ok"], "seconds": time.monotonic() - started, "ticks": len(ticks),
                "longest_gap": max(gaps[1:] or [0]), "progress_reports": len(progress),
                "threaded": not alg.flags() & alg.FlagNoThreading}


def dock_run(dock, button, timeout=600):
    QTest.mouseClick(button, 1)
    wait(lambda: dock.run is not None and dock.run.done, timeout)
    QTest.qWait(300)
    return {"ok": dock.run.ok, "error": dock.run.error, "status": dock.status.text(),
            "progress": dock.progress_bar.value()}


def run_dock():
    @step("dock_open")
    def _():
        plugin().action.trigger()
        dock = plugin().dock
        wait(lambda: dock.env is not None or dock.setup_button.isVisible(), 180)
        return {"env": dock.env_status.text(), "visible": dock.isVisible(),
                "tabs": [dock.tabs.tabText(i) for i in range(dock.tabs.count())]}

    dock = plugin().dock
    dock.open_webmap.setChecked(False)
    dock.output_dir.setFilePath(str(OUT / "dock"))

    @step("dock_demo")
    def _():
        before = set(QgsProject.instance().mapLayers())
        QTest.mouseClick(dock.demo_button, 1)
        return {"layers": sorted(QgsProject.instance().mapLayer(i).name()
                                 for i in set(QgsProject.instance().mapLayers()) - before)}

    @step("dock_audit")
    def _():
        result = dock_run(dock, dock.audit.run)
        result["run_dir"] = str(dock.last_run_dir.get("audit", ""))
        result["layers"] = [layer.name() for layer in QgsProject.instance().mapLayers().values()]
        result["screenshot"] = screenshot("dock_audit")
        return result

    @step("dock_reach")
    def _():
        dock.tabs.setCurrentIndex(1)
        dock.reach.category.setEditText("tier_15")
        dock.reach.isochrone_categories.setText("middle_school")
        result = dock_run(dock, dock.reach.run)
        result["run_dir"] = str(dock.last_run_dir.get("reach", ""))
        result["screenshot"] = screenshot("dock_reach")
        return result

    @step("dock_isochrones")
    def _():
        dock.tabs.setCurrentIndex(2)
        result = dock_run(dock, dock.iso.run)
        result["screenshot"] = screenshot("dock_isochrones")
        return result

    @step("dock_webmap")
    def _():
        dock.tabs.setCurrentIndex(1)
        result = dock_run(dock, dock.export_button)
        result["path"] = dock.last_webmap
        return result

    @step("dock_whatif")
    def _():
        return dock_whatif(dock)

    @step("dock_cancel")
    def _():
        dock.tabs.setCurrentIndex(1)
        before = set(QgsProject.instance().mapLayers())
        folders = set((OUT / "dock").iterdir())
        QTest.mouseClick(dock.reach.run, 1)
        wait(lambda: dock.progress_bar.value() > 0 or dock.run.done, 120)
        clicked = time.monotonic()
        QTest.mouseClick(dock.cancel_button, 1)
        wait(lambda: dock.run.done, 60)
        new = sorted(set((OUT / "dock").iterdir()) - folders)
        return {"ok": dock.run.ok, "error": dock.run.error, "stopped_after": time.monotonic() - clicked,
                "new_layers": len(set(QgsProject.instance().mapLayers()) - before),
                "new_folders": [str(f) for f in new], "files_left": [str(x) for f in new for x in f.iterdir()],
                "progress": dock.progress_bar.value()}

    @step("dock_error")
    def _():
        bad = OUT / "bad_teams.csv"
        bad.write_text("team_id,unit_id,role,start_date,end_date\nT1,A,unit,someday,2020-01-01\n", encoding="utf-8")
        dock.tabs.setCurrentIndex(0)
        dock.audit.registry.setFilePath(str(bad))
        result = dock_run(dock, dock.audit.run)
        result["screenshot"] = screenshot("dock_error")
        return result


def dock_whatif(dock):
    """Start the what-if on the dock's reach folder, click the map to add a kindergarten, undo, stop."""
    from qgis.core import QgsCoordinateTransform, QgsPointXY
    from qgis.PyQt.QtCore import QPoint, Qt

    dock.tabs.setCurrentIndex(3)
    tab = dock.whatif
    folder = tab.reach_dir.filePath()
    QTest.mouseClick(tab.start_button, 1)
    wait(lambda: tab.session.info is not None, 180)
    tab.category.setCurrentText("kindergarten")
    canvas = iface.mapCanvas()
    point = tab.transform.transform(QgsPointXY(441150, 4410680), QgsCoordinateTransform.ReverseTransform)
    canvas.setCenter(point)
    canvas.refresh()
    QTest.qWait(500)
    pixel = canvas.getCoordinateTransform().transform(point)
    where = QPoint(int(round(pixel.x())), int(round(pixel.y())))
    clicked = time.monotonic()
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, where)
    wait(lambda: tab.table.rowCount() > 0, 60)
    answered = time.monotonic() - clicked
    clicked_at = tab.transform.transform(canvas.getCoordinateTransform().toMapCoordinates(where))
    rows = {tab.table.item(i, 0).text(): tab.table.item(i, 3).text() for i in range(tab.table.rowCount())}
    shot = screenshot("dock_whatif")
    state = tab.state.text()
    QTest.mouseClick(tab.undo_button, 1)
    wait(lambda: tab.table.rowCount() == 0, 60)
    process = tab.session.process
    QTest.mouseClick(tab.stop_button, 1)
    return {"folder": folder, "rows": rows, "x": clicked_at.x(), "y": clicked_at.y(), "state": state,
            "answered_after": answered, "stopped": tab.session.process is None and process is not None,
            "screenshot": shot}


def run_locale():
    @step("locale_dock")
    def _():
        plugin().action.trigger()
        dock = plugin().dock
        wait(lambda: dock.env is not None or dock.setup_button.isVisible(), 180)
        QTest.mouseClick(dock.demo_button, 1)
        dock.output_dir.setFilePath(str(OUT / "dock"))
        result = dock_run(dock, dock.audit.run)
        result["tabs"] = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
        result["run_button"] = dock.audit.run.text()
        result["groups"] = [g.name() for g in QgsProject.instance().layerTreeRoot().children()]
        result["screenshot"] = screenshot("dock_locale")
        return result


def close_modal_dialogs():
    """A modal dialog (a Python error, a question) would block the scenario: record it, close it."""
    from qgis.PyQt.QtWidgets import QApplication

    widget = QApplication.activeModalWidget()
    if widget is None:
        return
    (OUT / "screenshots").mkdir(exist_ok=True)
    n = len(RESULTS.setdefault("modal_dialogs", []))
    widget.grab().save(str(OUT / "screenshots" / f"modal_{n}.png"))
    texts = [w.text() for w in widget.findChildren(QLabel) if w.text()]
    texts += [w.toPlainText() for w in widget.findChildren(QTextEdit)]
    RESULTS["modal_dialogs"].append({"title": widget.windowTitle(), "text": "\n".join(texts)[:4000]})
    save()
    widget.close()
    if RESULTS.get("finished"):  # a question on exit: stop at once (the test fails on the recorded dialog)
        QCoreApplication.exit(5)


def main():
    RESULTS["qgis_modules"] = []
    try:
        wait(lambda: "planner_gis_qgis" in __import__("qgis.utils").utils.plugins, 60)
        RESULTS["plugin_loaded"] = True
        if MODE == "locale":
            run_locale()
        else:
            run_processing()
            run_in_background()
            run_dock()
        RESULTS["qgis_modules"] = sorted(m for m in sys.modules if m.split(".")[0] in (
            "planner_gis", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio"))
    except Exception:  # noqa: BLE001
        RESULTS["fatal"] = traceback.format_exc()
    RESULTS["project_layers"] = [(layer.name(), layer.providerType(), layer.source()[:200])
                                 for layer in QgsProject.instance().mapLayers().values()]
    RESULTS["finished"] = True
    save()
    QgsProject.instance().setDirty(False)
    iface.actionExit().trigger()  # File > Exit, as a user quits
    QCoreApplication.processEvents()


WATCHDOG = QTimer()
WATCHDOG.timeout.connect(close_modal_dialogs)
WATCHDOG.start(1000)
QTimer.singleShot(1000, main)
