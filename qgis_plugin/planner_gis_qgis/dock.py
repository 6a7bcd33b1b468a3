"""The planner-gis dock panel.

It collects parameters, runs the Processing algorithms (``planner_gis:audit``,
``:reach``, ``:isochrones``, ``:webmap``) in the background
(:class:`~planner_gis_qgis.runner.BackgroundRun`), shows their stages and
progress, and adds the results to the project: grouped, named in Chinese and
English, styled as on the web maps, labelled with unit names, zoomed to. It
remembers its inputs between sessions and loads the bundled demo data on a
click. All GIS work happens in the planner-gis command the algorithms run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from collections.abc import Callable

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingUtils,
    QgsProject,
    QgsTask,
)
from qgis.gui import QgsDockWidget, QgsFileWidget
from qgis.PyQt.QtCore import QDate, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import settings, styles
from .about import PLUGIN_NAME
from .dock_tabs import audit_tab, isochrones_tab, reach_tab
from .environment import EnvironmentProblem
from .i18n import tr
from .results import ResultGroup, name, zoom_to
from .runner import BackgroundRun
from .whatif import WhatIfTab

AUDIT, REACH, ISOCHRONES = "audit", "reach", "isochrones"
#: the tabs in order (the What-if tab exports the reach map)
KINDS = (AUDIT, REACH, ISOCHRONES, REACH)
ERROR_STYLE = "color: #b00020"


def _layer_id(combo) -> str | None:
    layer = combo.currentLayer()
    return layer.id() if layer is not None else None


class PlannerGisDock(QgsDockWidget):
    """Dock panel: audit, reach and isochrones tabs, outputs, progress, and the environment.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
    parent : QWidget, optional
    """

    #: emitted when the environment check is done (ok, text)
    environmentChecked = pyqtSignal(bool, str)  # noqa: N815

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setObjectName("PlannerGisDock")
        self.setWindowTitle(PLUGIN_NAME)
        self.run: BackgroundRun | None = None
        self.env = None
        self.env_task = None
        #: output files of the last successful run of each kind
        self.last_outputs: dict[str, dict[str, str]] = {}
        self.last_run_dir: dict[str, Path] = {}
        self.last_summary = ""
        self.last_webmap: str | None = None
        self.added_layers: list = []

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(self._environment_bar())
        self.tabs = QTabWidget()
        self.audit, self.reach, self.iso = audit_tab(), reach_tab(), isochrones_tab()
        self.tabs.addTab(self.audit, tr("Audit"))
        self.tabs.addTab(self.reach, tr("Reach"))
        self.tabs.addTab(self.iso, tr("Isochrones"))
        self.whatif = WhatIfTab(iface, self.whatif_command)
        self.tabs.addTab(self.whatif, tr("What-if"))
        self.tabs.setUsesScrollButtons(False)
        layout.addWidget(self.tabs)
        layout.addWidget(self._outputs_box())
        self._progress_widgets(layout)
        layout.addStretch(1)
        self.setWidget(body)
        self.audit.run.clicked.connect(self.run_audit)
        self.reach.run.clicked.connect(self.run_reach)
        self.iso.run.clicked.connect(self.run_isochrones)
        self.restore_inputs()
        self.check_environment()

    # ------------------------------------------------------------------------- layout
    def _environment_bar(self) -> QVBoxLayout:
        box = QVBoxLayout()
        self.env_status = QLabel(tr("checking the planner-gis environment ..."))
        self.env_status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.setup_button = QPushButton(tr("Set up the Python environment"))
        self.setup_button.setObjectName("planner_gis_setup_environment")
        self.setup_button.clicked.connect(self.setup_environment)
        self.setup_button.setVisible(False)
        self.demo_button = QPushButton(tr("Load demo data"))
        self.demo_button.setObjectName("planner_gis_load_demo")
        self.demo_button.setToolTip(tr("Add the bundled Fengtai demo (schematic units, synthetic city) and fill "
                                       "in the tabs"))
        self.demo_button.clicked.connect(self.load_demo)
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.demo_button)
        box.addWidget(self.env_status)
        box.addLayout(buttons)
        return box

    def _outputs_box(self) -> QGroupBox:
        box = QGroupBox(tr("Outputs"))
        form = QFormLayout(box)
        self.output_dir = QgsFileWidget()
        self.output_dir.setStorageMode(QgsFileWidget.GetDirectory)
        self.output_dir.setToolTip(tr("Each run writes into a new sub-folder here (default: a temporary folder)"))
        form.addRow(tr("Output folder"), self.output_dir)
        self.webmap_path = QgsFileWidget()
        self.webmap_path.setStorageMode(QgsFileWidget.SaveFile)
        self.webmap_path.setFilter(tr("HTML files") + " (*.html)")
        self.webmap_path.setToolTip(tr("Default: <tab>_map.html in the folder of the last run"))
        form.addRow(tr("Web map file"), self.webmap_path)
        self.open_webmap = QCheckBox(tr("Open the web map in the browser"))
        self.open_webmap.setChecked(True)
        form.addRow(self.open_webmap)
        self.export_button = QPushButton(tr("Export web map"))
        self.export_button.setObjectName("planner_gis_export_webmap")
        self.export_button.clicked.connect(self.export_webmap)
        form.addRow(self.export_button)
        return box

    def _progress_widgets(self, layout: QVBoxLayout) -> None:
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.stage = QLabel("")
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setObjectName("planner_gis_cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.close_tasks)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("planner_gis_status")
        for widget in (self.progress_bar, self.stage, self.cancel_button, self.status):
            layout.addWidget(widget)

    # -------------------------------------------------------------------- environment
    def check_environment(self, refresh: bool = False) -> None:
        """Check the configured Python in the background; the result shows at the top of the dock."""
        def work(task):
            return settings.environment(refresh=refresh)

        def finished(exception, env=None):
            self.env_task = None
            if exception is None and env is not None:
                self._environment_ok(env)
            else:
                self._environment_problem(str(exception))

        self.env_task = QgsTask.fromFunction(tr("Checking the planner-gis environment"), work, on_finished=finished)
        QgsApplication.taskManager().addTask(self.env_task)

    def _environment_ok(self, env) -> None:
        self.env = env
        self.env_status.setStyleSheet("")
        self.env_status.setText(tr("planner-gis {version} ({python})").format(version=env.version,
                                                                              python=env.python))
        self.setup_button.setVisible(False)
        self.demo_button.setEnabled(bool(env.info.get("demo")))
        current = self.reach.category.currentText()
        self.reach.category.clear()
        self.reach.category.addItems(["", "tier_5", "tier_10", "tier_15"]
                                     + [c["category"] for c in env.info.get("catalogue", [])])
        self.reach.category.setEditText(current or str(settings.recall("reach/category", "tier_15")))
        self.audit.columns.set_aliases(env.info.get("registry_columns", {}))
        self.environmentChecked.emit(True, self.env_status.text())

    def _environment_problem(self, text: str) -> None:
        self.env = None
        self.env_status.setStyleSheet(ERROR_STYLE)
        self.env_status.setText(text)
        self.setup_button.setVisible(True)
        self.demo_button.setEnabled(False)
        self.environmentChecked.emit(False, text)

    def setup_environment(self) -> None:
        """Open the dialog that points at or creates the planner-gis environment."""
        from .envdialog import EnvironmentDialog

        dialog = EnvironmentDialog(self, problem=self.env_status.text() if self.env is None else "")
        dialog.exec_()
        settings.forget_environment()
        self.check_environment(refresh=True)

    # --------------------------------------------------------------------------- demo
    def load_demo(self) -> None:
        """Add the bundled demo layers to the project and fill in the tabs with them."""
        if self.env is None:
            self._fail(tr("the planner-gis environment is not set up"))
            return
        demo = self.env.info["demo"]
        group = ResultGroup(name("demo"))
        units = group.add_vector(demo["units"], name("demo_units"))
        outline = group.add_vector(demo["outline"], name("outline"))
        entrances = group.add_vector(demo["entrances"], name("entrances"))
        facilities = group.add_vector(demo["facilities"], name("facilities"))
        network = group.add_vector(demo["network"], name("network"))
        population = group.add_raster(demo["population"], name("population"))
        self.audit.zones.setLayer(units)
        self.audit.outline.setLayer(outline)
        self.audit.registry.setFilePath(demo["registry"])
        self.audit.date.setDate(QDate.fromString(demo["as_of"], "yyyy-MM-dd"))
        self.reach.network.setLayer(network)
        self.reach.network_file.setFilePath("")
        self.reach.facilities.setLayer(facilities)
        self.reach.entrances.setLayer(entrances)
        self.reach.population_raster.setLayer(population)
        self.reach.population_points.setLayer(None)
        self.reach.zones.setLayer(units)
        self.iso.network.setLayer(network)
        self.iso.network_file.setFilePath("")
        self.iso.points.setLayer(entrances)
        zoom_to(self.iface, units)
        self._message(tr("demo data loaded: schematic units, invented registry, synthetic city (not for planning "
                         "decisions)"), Qgis.Info)

    # ------------------------------------------------------------------------ running
    def _new_run_dir(self, kind: str) -> Path:
        base = self.output_dir.filePath().strip()
        root = Path(base) if base else Path(QgsProcessingUtils.tempFolder())
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{kind}-{stamp}-", dir=root))

    def _message(self, text: str, level=Qgis.Info, duration: int = 8) -> None:
        self.status.setStyleSheet(ERROR_STYLE if level == Qgis.Critical else "")
        self.status.setText(text)
        self.iface.messageBar().pushMessage(PLUGIN_NAME, text, level, duration)

    def _fail(self, text: str) -> None:
        """An error: in the message bar and the status line; the progress bar starts again from 0."""
        self.progress_bar.setValue(0)
        self.stage.setText("")
        self._message(text, Qgis.Critical, 0)

    def _set_busy(self, busy: bool) -> None:
        for button in (self.audit.run, self.reach.run, self.iso.run, self.export_button, self.demo_button):
            button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress_bar.setValue(0)

    def _start(self, algorithm_id: str, parameters: dict, on_success: Callable[[dict], None]) -> BackgroundRun:
        run = BackgroundRun(algorithm_id, parameters, QgsProject.instance(), self)
        run.progress.connect(lambda p: self.progress_bar.setValue(int(p)))
        run.stage.connect(self.stage.setText)

        def _finished(ok: bool, results: dict, error: str) -> None:
            self._set_busy(False)
            if not ok:
                self._fail(error)
                return
            self.progress_bar.setValue(100)
            self.stage.setText("")
            self.last_summary = str(results.get("SUMMARY", ""))
            on_success(results)

        run.finished.connect(_finished)
        self.run = run
        self._set_busy(True)
        self.status.setStyleSheet("")
        self.status.setText(tr("running {id} in the background ...").format(id=algorithm_id))
        run.start()
        return run

    def whatif_command(self, reach_dir: str) -> list | None:
        """The command line of a what-if session on ``reach_dir`` (None without an environment)."""
        if self.env is None:
            return None
        return self.env.command("--progress", "none", "whatif", reach_dir, "--serve")

    def closeEvent(self, event):  # noqa: N802
        """Closing the dock ends the what-if session (its process)."""
        self.whatif.stop()
        super().closeEvent(event)

    def close_tasks(self) -> None:
        """Cancel the running algorithm, if any (its subprocess stops within a second)."""
        if self.run is not None and not self.run.done:
            self.run.cancel()

    def _no_layer(self, *combos) -> bool:
        if any(c.currentLayer() is None for c in combos):
            self._fail(tr("choose the input layers first (or click 'Load demo data')"))
            return True
        return False

    # -------------------------------------------------------------------------- audit
    def audit_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:audit from the Audit tab."""
        tab = self.audit
        params = {
            "ZONES": _layer_id(tab.zones),
            "ZONE_ID": tab.zone_id.currentField() or "unit_id",
            "NAME_FIELD": tab.name_field.currentField() or None,
            "TYPE_FIELD": tab.type_field.currentField() or None,
            "REGISTRY": tab.registry.filePath().strip(),
            "AS_OF": tab.date.date().toString("yyyy-MM-dd"),
            "OUTLINE": _layer_id(tab.outline),
            "OUTPUT_FOLDER": str(run_dir),
            "UNITS": None, "FINDINGS": None,
        }
        params.update(tab.columns.parameters())
        return params

    def run_audit(self) -> BackgroundRun | None:
        """Run planner_gis:audit with the tab's inputs; the results are added to the project."""
        if self._no_layer(self.audit.zones):
            return None
        if not self.audit.registry.filePath().strip():
            self._fail(tr("choose the team registry file (CSV or Excel) first"))
            return None
        self.remember_inputs()
        run_dir = self._new_run_dir(AUDIT)
        params = self.audit_parameters(run_dir)

        def _loaded(results: dict) -> None:
            gpkg = run_dir / "audit.gpkg"
            group = ResultGroup(f"planner-gis {name('audit')} {params['AS_OF']}")
            self._track(group.add_vector(f"{gpkg}|layername=findings", name("findings"), styles.style_findings))
            units = self._track(group.add_vector(f"{gpkg}|layername=units", name("units", params["AS_OF"]),
                                                 styles.style_units))
            self._track(group.add_vector(str(run_dir / "workload.csv"), name("workload")))
            zoom_to(self.iface, units)
            self.last_outputs[AUDIT] = {"UNITS": f"{gpkg}|layername=units",
                                        "FINDINGS": f"{gpkg}|layername=findings"}
            self.last_run_dir[AUDIT] = run_dir
            self._message(tr("audit: {summary} (files in {dir})").format(summary=self.last_summary, dir=run_dir),
                          Qgis.Success)

        return self._start("planner_gis:audit", params, _loaded)

    # -------------------------------------------------------------------------- reach
    def reach_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:reach from the Reach tab (registry and date from Audit)."""
        tab = self.reach
        iso_text = tab.isochrone_categories.text().strip()
        params = {
            "NETWORK": _layer_id(tab.network),
            "NETWORK_FILE": tab.network_file.filePath().strip() or None,
            "FACILITIES": _layer_id(tab.facilities),
            "CATEGORY_FIELD": tab.category_field.currentField() or "category",
            "ENTRANCES": _layer_id(tab.entrances),
            "POPULATION_RASTER": _layer_id(tab.population_raster),
            "POPULATION_POINTS": _layer_id(tab.population_points),
            "POPULATION_FIELD": tab.population_field.currentField() or None,
            "ZONES": _layer_id(tab.zones),
            "ZONE_ID": tab.zone_id.currentField() or "unit_id",
            "NAME_FIELD": tab.name_field.currentField() or None,
            "REGISTRY": self.audit.registry.filePath().strip() or None,
            "AS_OF": self.audit.date.date().toString("yyyy-MM-dd"),
            "ISOCHRONES": tab.isochrones.isChecked() and not iso_text,
            "ISOCHRONE_CATEGORIES": iso_text or None,
            "OUTPUT_FOLDER": str(run_dir),
            "SCENARIO": True,
            "COVERAGE": None, "UNDERSERVED": None,
        }
        if params["REGISTRY"]:
            params.update(self.audit.columns.parameters())
        return params

    def run_reach(self) -> BackgroundRun | None:
        """Run planner_gis:reach with the tab's inputs; the results are added to the project."""
        if self._no_layer(self.reach.facilities, self.reach.zones):
            return None
        self.remember_inputs()
        run_dir = self._new_run_dir(REACH)
        params = self.reach_parameters(run_dir)
        category = self.reach.category.currentText().strip() or None

        def _loaded(results: dict) -> None:
            gpkg = run_dir / "reach.gpkg"
            group = ResultGroup(f"planner-gis {name('reach')}")
            self._track(group.add_vector(f"{gpkg}|layername=isochrones", name("isochrones"),
                                         styles.style_isochrones))
            self._track(group.add_vector(f"{gpkg}|layername=unreachable", name("unreachable")))
            self._track(group.add_vector(f"{gpkg}|layername=underserved", name("underserved", category or ""),
                                         lambda layer: styles.style_underserved(layer, category)))
            coverage = self._track(group.add_vector(f"{gpkg}|layername=coverage", name("coverage", category or ""),
                                                    lambda layer: styles.style_coverage(layer, category)))
            zoom_to(self.iface, coverage)
            self.last_outputs[REACH] = {"COVERAGE": f"{gpkg}|layername=coverage",
                                        "UNDERSERVED": f"{gpkg}|layername=underserved"}
            self.last_run_dir[REACH] = run_dir
            self.whatif.reach_dir.setFilePath(str(run_dir))
            self._message(tr("reach: {summary} (files in {dir})").format(summary=self.last_summary, dir=run_dir),
                          Qgis.Success)

        return self._start("planner_gis:reach", params, _loaded)

    # --------------------------------------------------------------------- isochrones
    def isochrones_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:isochrones from the Isochrones tab.

        The distances go to the algorithm as typed: the command checks them and its message
        (what is wrong, and the fix) reaches the message bar.
        """
        tab = self.iso
        points = _layer_id(tab.points)
        if points is not None and tab.selected_only.isChecked():
            points = QgsProcessingFeatureSourceDefinition(points, True)
        return {
            "NETWORK": _layer_id(tab.network),
            "NETWORK_FILE": tab.network_file.filePath().strip() or None,
            "POINTS": points,
            "THRESHOLDS": tab.thresholds.text().strip(),
            "OUTPUT": str(run_dir / "isochrones.gpkg"),
        }

    def run_isochrones(self) -> BackgroundRun | None:
        """Run planner_gis:isochrones with the tab's inputs; the result is added to the project."""
        if self._no_layer(self.iso.points):
            return None
        points = self.iso.points.currentLayer()
        if self.iso.selected_only.isChecked() and points.selectedFeatureCount() == 0:
            self._fail(tr("no feature of '{layer}' is selected: select points on the map or untick 'Selected "
                          "features only'").format(layer=points.name()))
            return None
        self.remember_inputs()
        run_dir = self._new_run_dir(ISOCHRONES)
        params = self.isochrones_parameters(run_dir)

        def _loaded(results: dict) -> None:
            group = ResultGroup(f"planner-gis {name('isochrones')}")
            layer = self._track(group.add_vector(results["OUTPUT"], name("isochrones", params["THRESHOLDS"] + " m"),
                                                 styles.style_isochrones))
            zoom_to(self.iface, layer)
            self.last_outputs[ISOCHRONES] = {"OUTPUT": results["OUTPUT"]}
            self.last_run_dir[ISOCHRONES] = run_dir
            self._message(tr("isochrones: {summary} (files in {dir})").format(summary=self.last_summary, dir=run_dir),
                          Qgis.Success)

        return self._start("planner_gis:isochrones", params, _loaded)

    def _track(self, layer):
        if layer is not None:
            self.added_layers.append(layer.id())
        return layer

    # ------------------------------------------------------------------------ web map
    def current_kind(self) -> str:
        """The kind of the current tab (audit, reach, isochrones)."""
        index = self.tabs.currentIndex()
        return KINDS[index] if 0 <= index < len(KINDS) else AUDIT

    def webmap_parameters(self, kind: str) -> dict:
        """Processing parameters of planner_gis:webmap for the last result of ``kind``.

        The isochrones are drawn on the reach map: from the isochrones tab (or the reach tab,
        once isochrones were computed) the map shows the last reach result with them.
        """
        map_kind = REACH if kind == ISOCHRONES else kind
        outputs = self.last_outputs[map_kind]
        run_dir = self.last_run_dir.get(kind, self.last_run_dir[map_kind])
        target = self.webmap_path.filePath().strip() or str(run_dir / f"{kind}_map.html")
        params = {"OUTPUT": target}
        if kind == AUDIT:
            params.update(UNITS=outputs["UNITS"], FINDINGS=outputs["FINDINGS"], OUTLINE=_layer_id(self.audit.outline))
        else:
            params.update(COVERAGE=outputs["COVERAGE"], UNDERSERVED=outputs["UNDERSERVED"],
                          CATEGORY=self.reach.category.currentText().strip() or None)
            if ISOCHRONES in self.last_outputs:
                params["ISOCHRONES"] = self.last_outputs[ISOCHRONES]["OUTPUT"]
        return params

    def export_webmap(self) -> BackgroundRun | None:
        """Write the web map of the last result of the current tab (planner_gis:webmap)."""
        kind = self.current_kind()
        if kind == ISOCHRONES and REACH not in self.last_outputs:
            self._fail(tr("run the reach first: the web map shows the isochrones over its coverage"))
            return None
        if kind not in self.last_outputs:
            self._fail(tr("run the audit first: the web map shows its results") if kind == AUDIT
                       else tr("run the reach first: the web map shows its results"))
            return None
        params = self.webmap_parameters(kind)

        def _written(results: dict) -> None:
            self.last_webmap = results["OUTPUT"]
            self._message(tr("web map written to {path}").format(path=results["OUTPUT"]), Qgis.Success)
            if self.open_webmap.isChecked():
                QDesktopServices.openUrl(QUrl.fromLocalFile(results["OUTPUT"]))

        return self._start("planner_gis:webmap", params, _written)

    # -------------------------------------------------------------------- remembering
    _LAYER_COMBOS = ("audit.zones", "audit.outline", "reach.network", "reach.facilities", "reach.entrances",
                     "reach.population_raster", "reach.population_points", "reach.zones", "iso.network",
                     "iso.points")
    _TEXTS = ("audit.registry", "reach.network_file", "iso.network_file", "output_dir")

    def _widget(self, path: str):
        obj = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj

    def remember_inputs(self) -> None:
        """Store the inputs (layer sources, files, date, distances) for the next session."""
        for path in self._LAYER_COMBOS:
            layer = self._widget(path).currentLayer()
            settings.remember(path, layer.source() if layer is not None else "")
        for path in self._TEXTS:
            settings.remember(path, self._widget(path).filePath())
        settings.remember("audit.date", self.audit.date.date().toString("yyyy-MM-dd"))
        settings.remember("iso.thresholds", self.iso.thresholds.text())
        settings.remember("reach/category", self.reach.category.currentText())

    def restore_inputs(self) -> None:
        """Put back the inputs of the last session (layers that are in the project)."""
        sources = {layer.source(): layer for layer in QgsProject.instance().mapLayers().values()}
        for path in self._LAYER_COMBOS:
            layer = sources.get(str(settings.recall(path, "") or ""))
            if layer is not None:
                self._widget(path).setLayer(layer)
        for path in self._TEXTS:
            value = str(settings.recall(path, "") or "")
            if value:
                self._widget(path).setFilePath(value)
        date = QDate.fromString(str(settings.recall("audit.date", "") or ""), "yyyy-MM-dd")
        if date.isValid():
            self.audit.date.setDate(date)
        self.iso.thresholds.setText(str(settings.recall("iso.thresholds", "") or "") or self.iso.thresholds.text())


__all__ = ["PlannerGisDock", "EnvironmentProblem"]
