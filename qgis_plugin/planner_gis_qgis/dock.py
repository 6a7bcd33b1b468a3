"""The planner-gis dock panel.

It only collects parameters and runs the Processing algorithms
(``planner_gis:audit``, ``planner_gis:reach``, ``planner_gis:isochrones``,
``planner_gis:webmap``) through
:class:`~planner_gis_qgis.runner.AlgorithmRun` (``processing.run`` with progress
and Cancel); then it
adds the output files to the project with the default styles. All GIS work
happens in the algorithms, i.e. in the planner_gis library.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Callable, Dict, Optional

from qgis.core import (
    Qgis,
    QgsMapLayerProxyModel,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget, QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QDate, QUrl
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from . import styles
from .about import PLUGIN_NAME
from .runner import AlgorithmRun

AUDIT, REACH, ISOCHRONES = "audit", "reach", "isochrones"
#: the tabs in order
KINDS = (AUDIT, REACH, ISOCHRONES)
DEFAULT_DISTANCES = "300, 500, 1000"


def _layer_combo(filters, allow_empty: bool = False) -> QgsMapLayerComboBox:
    combo = QgsMapLayerComboBox()
    combo.setFilters(filters)
    combo.setAllowEmptyLayer(allow_empty)
    if allow_empty:
        combo.setLayer(None)
    return combo


def _field_combo(layer_combo: QgsMapLayerComboBox, preferred: str, numeric: bool = False) -> QgsFieldComboBox:
    combo = QgsFieldComboBox()
    if numeric:
        from qgis.core import QgsFieldProxyModel  # noqa: PLC0415

        combo.setFilters(QgsFieldProxyModel.Numeric)

    def _set_layer(layer):
        combo.setLayer(layer)
        if layer is not None and layer.fields().indexOf(preferred) >= 0:
            combo.setField(preferred)

    layer_combo.layerChanged.connect(_set_layer)
    _set_layer(layer_combo.currentLayer())
    return combo


def _layer_id(combo: QgsMapLayerComboBox) -> Optional[str]:
    layer = combo.currentLayer()
    return layer.id() if layer is not None else None


class PlannerGisDock(QgsDockWidget):
    """Dock panel: audit, reach and isochrones tabs, an output folder and an "Export web map" button.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
    parent : QWidget, optional
    """

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setObjectName("PlannerGisDock")
        self.setWindowTitle(PLUGIN_NAME)
        self.run: Optional[AlgorithmRun] = None
        #: output files of the last successful run of each kind
        self.last_outputs: Dict[str, Dict[str, str]] = {}
        self.last_run_dir: Dict[str, Path] = {}
        self.added_layers: list = []
        self.last_webmap: Optional[str] = None

        body = QWidget()
        layout = QVBoxLayout(body)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._audit_tab(), "Audit 覆盖审查")
        self.tabs.addTab(self._reach_tab(), "Reach 生活圈")
        self.tabs.addTab(self._isochrones_tab(), "Isochrones 步行范围")
        layout.addWidget(self.tabs)

        common = QGroupBox("Outputs")
        form = QFormLayout(common)
        self.output_dir = QgsFileWidget()
        self.output_dir.setStorageMode(QgsFileWidget.GetDirectory)
        self.output_dir.setToolTip("Each run writes into a new sub-folder here (default: a temporary folder)")
        form.addRow("Output folder", self.output_dir)
        self.webmap_path = QgsFileWidget()
        self.webmap_path.setStorageMode(QgsFileWidget.SaveFile)
        self.webmap_path.setFilter("HTML files (*.html)")
        self.webmap_path.setToolTip("Default: <tab>_map.html in the folder of the last run")
        form.addRow("Web map file", self.webmap_path)
        self.open_webmap = QCheckBox("Open the web map in the browser")
        self.open_webmap.setChecked(True)
        form.addRow(self.open_webmap)
        self.export_button = QPushButton("Export web map")
        self.export_button.setObjectName("planner_gis_export_webmap")
        self.export_button.clicked.connect(self.export_webmap)
        form.addRow(self.export_button)
        layout.addWidget(common)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.close_tasks)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.setWidget(body)

    # ------------------------------------------------------------------------------ tabs
    def _audit_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.audit_zones = _layer_combo(QgsMapLayerProxyModel.PolygonLayer)
        self.audit_zone_id = _field_combo(self.audit_zones, "unit_id")
        self.audit_registry = QgsFileWidget()
        self.audit_registry.setFilter("Tables (*.csv *.xlsx *.xls);;All files (*.*)")
        self.audit_date = QDateEdit(QDate.currentDate())
        self.audit_date.setCalendarPopup(True)
        self.audit_date.setDisplayFormat("yyyy-MM-dd")
        self.audit_outline = _layer_combo(QgsMapLayerProxyModel.PolygonLayer, allow_empty=True)
        self.audit_run = QPushButton("Run audit")
        self.audit_run.setObjectName("planner_gis_run_audit")
        self.audit_run.clicked.connect(self.run_audit)
        form.addRow("Units layer", self.audit_zones)
        form.addRow("Unit id field", self.audit_zone_id)
        form.addRow("Team registry", self.audit_registry)
        form.addRow("As of", self.audit_date)
        form.addRow("District outline", self.audit_outline)
        form.addRow(self.audit_run)
        return tab

    def _reach_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.reach_network = _layer_combo(QgsMapLayerProxyModel.LineLayer, allow_empty=True)
        self.reach_network_file = QgsFileWidget()
        self.reach_network_file.setFilter("OpenStreetMap extracts (*.pbf);;All files (*.*)")
        self.reach_facilities = _layer_combo(QgsMapLayerProxyModel.HasGeometry)
        self.reach_category_field = _field_combo(self.reach_facilities, "category")
        self.reach_population_raster = _layer_combo(QgsMapLayerProxyModel.RasterLayer, allow_empty=True)
        self.reach_population_points = _layer_combo(QgsMapLayerProxyModel.PointLayer, allow_empty=True)
        self.reach_population_field = _field_combo(self.reach_population_points, "population", numeric=True)
        self.reach_zones = _layer_combo(QgsMapLayerProxyModel.PolygonLayer)
        self.reach_zone_id = _field_combo(self.reach_zones, "unit_id")
        self.reach_category = QComboBox()
        self.reach_category.setEditable(True)
        self.reach_category.setToolTip("Facility category (or tier in minutes) the map shows first")
        self.reach_category.addItems(self._catalogue_categories())
        self.reach_run = QPushButton("Run reach")
        self.reach_run.setObjectName("planner_gis_run_reach")
        self.reach_run.clicked.connect(self.run_reach)
        form.addRow("Walking network layer", self.reach_network)
        form.addRow("... or OSM .pbf file", self.reach_network_file)
        form.addRow("Facilities", self.reach_facilities)
        form.addRow("Category field", self.reach_category_field)
        form.addRow("Population raster", self.reach_population_raster)
        form.addRow("... or population points", self.reach_population_points)
        form.addRow("Population field", self.reach_population_field)
        form.addRow("Units layer", self.reach_zones)
        form.addRow("Unit id field", self.reach_zone_id)
        form.addRow("Category to show", self.reach_category)
        form.addRow(self.reach_run)
        return tab

    def _isochrones_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.iso_network = _layer_combo(QgsMapLayerProxyModel.LineLayer, allow_empty=True)
        self.iso_network_file = QgsFileWidget()
        self.iso_network_file.setFilter(
            "Walking networks (*.pbf *.osm.pbf *.npz *.graphml);;OpenStreetMap extracts (*.pbf *.osm.pbf);;"
            "Saved networks (*.npz *.graphml);;All files (*.*)")
        self.iso_points = _layer_combo(QgsMapLayerProxyModel.PointLayer)
        self.iso_selected_only = QCheckBox("Selected features only")
        self.iso_selected_only.setToolTip("Only the points selected on the map (e.g. one school's entrances)")
        self.iso_thresholds = QLineEdit(DEFAULT_DISTANCES)
        self.iso_thresholds.setToolTip(
            "Walking distances in metres, separated by commas; 300, 500 and 1000 m are the 5/10/15-minute "
            "living circles of GB 50180-2018")
        self.iso_run = QPushButton("Run isochrones")
        self.iso_run.setObjectName("planner_gis_run_isochrones")
        self.iso_run.clicked.connect(self.run_isochrones)
        form.addRow("Walking network layer", self.iso_network)
        form.addRow("... or network file", self.iso_network_file)
        form.addRow("Points", self.iso_points)
        form.addRow(self.iso_selected_only)
        form.addRow("Walking distances (m)", self.iso_thresholds)
        form.addRow(self.iso_run)
        return tab

    @staticmethod
    def _catalogue_categories() -> list:
        try:
            from planner_gis.catalogue import load_catalogue  # noqa: PLC0415

            return [""] + [str(c) for c in load_catalogue()["category"]]
        except Exception:  # noqa: BLE001 - an optional convenience list
            return [""]

    # ------------------------------------------------------------------------------ running
    def _new_run_dir(self, kind: str) -> Path:
        base = self.output_dir.filePath().strip()
        root = Path(base) if base else Path(QgsProcessingUtils.tempFolder())
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{kind}-{stamp}-", dir=root))

    def _message(self, text: str, level=Qgis.Info, duration: int = 8) -> None:
        self.status.setText(text)
        self.iface.messageBar().pushMessage(PLUGIN_NAME, text, level, duration)

    def _set_busy(self, busy: bool) -> None:
        for button in (self.audit_run, self.reach_run, self.iso_run, self.export_button):
            button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress_bar.setValue(0)

    def _start(self, algorithm_id: str, parameters: dict, on_success: Callable[[dict], None]) -> AlgorithmRun:
        run = AlgorithmRun(algorithm_id, parameters, QgsProject.instance(), self)
        run.progress.connect(lambda p: self.progress_bar.setValue(int(p)))

        def _finished(ok: bool, results: dict, error: str) -> None:
            self._set_busy(False)
            if ok:
                self.progress_bar.setValue(100)
                on_success(results)
            else:
                self._message(f"{algorithm_id} failed: {error}", Qgis.Critical, 0)

        run.finished.connect(_finished)
        self.run = run
        self._set_busy(True)
        self.status.setText(f"running {algorithm_id} ...")
        run.start()
        return run

    def close_tasks(self) -> None:
        """Cancel the running algorithm, if any."""
        if self.run is not None and not self.run.done:
            self.run.cancel()

    def _add_layer(self, path: str, name: str, style: Callable[[QgsVectorLayer], None], group) -> Optional[QgsVectorLayer]:
        layer = QgsVectorLayer(path, name, "ogr")
        if not layer.isValid():
            self._message(f"cannot load the result {path}", Qgis.Warning)
            return None
        if style is not None:
            style(layer)
        QgsProject.instance().addMapLayer(layer, False)
        group.insertLayer(0, layer)
        self.added_layers.append(layer.id())
        return layer

    def _group(self, title: str):
        root = QgsProject.instance().layerTreeRoot()
        return root.insertGroup(0, title)

    # ------------------------------------------------------------------------------ audit
    def audit_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:audit from the widgets."""
        registry = self.audit_registry.filePath().strip()
        return {
            "ZONES": _layer_id(self.audit_zones),
            "ZONE_ID": self.audit_zone_id.currentField() or "unit_id",
            "REGISTRY": registry,
            "AS_OF": self.audit_date.date().toString("yyyy-MM-dd"),
            "OUTLINE": _layer_id(self.audit_outline),
            "UNITS": str(run_dir / "units.gpkg"),
            "FINDINGS": str(run_dir / "findings.gpkg"),
            "WORKLOAD": str(run_dir / "workload.csv"),
        }

    def run_audit(self) -> Optional[AlgorithmRun]:
        """Run planner_gis:audit with the tab's parameters; results are added to the project."""
        if self.audit_zones.currentLayer() is None:
            self._message("choose the units layer first", Qgis.Warning)
            return None
        if not self.audit_registry.filePath().strip():
            self._message("choose the team registry file (CSV or Excel) first", Qgis.Warning)
            return None
        run_dir = self._new_run_dir(AUDIT)
        params = self.audit_parameters(run_dir)

        def _loaded(results: dict) -> None:
            group = self._group(f"planner-gis audit {params['AS_OF']}")
            self._add_layer(results["UNITS"], f"Units by status {params['AS_OF']}", styles.style_units, group)
            self._add_layer(results["FINDINGS"], "Findings", styles.style_findings, group)
            if results.get("WORKLOAD"):
                self._add_layer(results["WORKLOAD"], "Workload per team", None, group)
            self.last_outputs[AUDIT] = {"UNITS": results["UNITS"], "FINDINGS": results["FINDINGS"]}
            self.last_run_dir[AUDIT] = run_dir
            self._message(
                f"audit done: {int(results.get('ERRORS', 0))} errors, {int(results.get('WARNINGS', 0))} warnings "
                f"(files in {run_dir})", Qgis.Success)

        return self._start("planner_gis:audit", params, _loaded)

    # ------------------------------------------------------------------------------ reach
    def reach_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:reach from the widgets."""
        return {
            "NETWORK": _layer_id(self.reach_network),
            "NETWORK_FILE": self.reach_network_file.filePath().strip() or None,
            "FACILITIES": _layer_id(self.reach_facilities),
            "CATEGORY_FIELD": self.reach_category_field.currentField() or "category",
            "POPULATION_RASTER": _layer_id(self.reach_population_raster),
            "POPULATION_POINTS": _layer_id(self.reach_population_points),
            "POPULATION_FIELD": self.reach_population_field.currentField() or None,
            "ZONES": _layer_id(self.reach_zones),
            "ZONE_ID": self.reach_zone_id.currentField() or "unit_id",
            # the audit tab's registry and date name the team of each underserved area
            "REGISTRY": self.audit_registry.filePath().strip() or None,
            "AS_OF": self.audit_date.date().toString("yyyy-MM-dd"),
            "COVERAGE": str(run_dir / "coverage.gpkg"),
            "UNDERSERVED": str(run_dir / "underserved.gpkg"),
        }

    def run_reach(self) -> Optional[AlgorithmRun]:
        """Run planner_gis:reach with the tab's parameters; results are added to the project."""
        if self.reach_facilities.currentLayer() is None or self.reach_zones.currentLayer() is None:
            self._message("choose the facilities and units layers first", Qgis.Warning)
            return None
        run_dir = self._new_run_dir(REACH)
        params = self.reach_parameters(run_dir)
        category = self.reach_category.currentText().strip() or None

        def _loaded(results: dict) -> None:
            group = self._group("planner-gis reach")
            self._add_layer(results["UNDERSERVED"], "Underserved areas", styles.style_underserved, group)
            self._add_layer(results["COVERAGE"], f"Covered share{' ' + category if category else ''}",
                            lambda layer: styles.style_coverage(layer, category), group)
            self.last_outputs[REACH] = {"COVERAGE": results["COVERAGE"], "UNDERSERVED": results["UNDERSERVED"]}
            self.last_run_dir[REACH] = run_dir
            self._message(f"reach done (files in {run_dir})", Qgis.Success)

        return self._start("planner_gis:reach", params, _loaded)

    # ------------------------------------------------------------------------------ isochrones
    def isochrones_parameters(self, run_dir: Path) -> dict:
        """Processing parameters of planner_gis:isochrones from the widgets.

        The distances go to the algorithm as typed: the algorithm checks them and its
        message (what is wrong, and the fix) reaches the message bar.
        """
        points = _layer_id(self.iso_points)
        if points is not None and self.iso_selected_only.isChecked():
            points = QgsProcessingFeatureSourceDefinition(points, True)
        return {
            "NETWORK": _layer_id(self.iso_network),
            "NETWORK_FILE": self.iso_network_file.filePath().strip() or None,
            "POINTS": points,
            "THRESHOLDS": self.iso_thresholds.text().strip(),
            "OUTPUT": str(run_dir / "isochrones.gpkg"),
        }

    def run_isochrones(self) -> Optional[AlgorithmRun]:
        """Run planner_gis:isochrones with the tab's parameters; the result is added to the project."""
        points = self.iso_points.currentLayer()
        if points is None:
            self._message("choose the points layer first", Qgis.Warning)
            return None
        if self.iso_selected_only.isChecked() and points.selectedFeatureCount() == 0:
            self._message(f"no feature of '{points.name()}' is selected: select points on the map "
                          "or untick 'Selected features only'", Qgis.Warning)
            return None
        run_dir = self._new_run_dir(ISOCHRONES)
        params = self.isochrones_parameters(run_dir)

        def _loaded(results: dict) -> None:
            group = self._group("planner-gis isochrones")
            layer = self._add_layer(results["OUTPUT"], f"Isochrones {params['THRESHOLDS']} m",
                                    styles.style_isochrones, group)
            self.last_outputs[ISOCHRONES] = {"OUTPUT": results["OUTPUT"]}
            self.last_run_dir[ISOCHRONES] = run_dir
            count = layer.featureCount() if layer is not None else 0
            self._message(f"isochrones done: {count} areas (files in {run_dir})", Qgis.Success)

        return self._start("planner_gis:isochrones", params, _loaded)

    # ------------------------------------------------------------------------------ web map
    def current_kind(self) -> str:
        index = self.tabs.currentIndex()
        return KINDS[index] if 0 <= index < len(KINDS) else AUDIT

    def webmap_parameters(self, kind: str) -> dict:
        """Processing parameters of planner_gis:webmap for the last result of ``kind``.

        The isochrones are drawn on the reach map: from the isochrones tab (or the reach
        tab, once isochrones were computed) the map shows the last reach result with them.
        """
        map_kind = REACH if kind == ISOCHRONES else kind
        outputs = self.last_outputs[map_kind]
        run_dir = self.last_run_dir[kind] if kind in self.last_run_dir else self.last_run_dir[map_kind]
        target = self.webmap_path.filePath().strip() or str(run_dir / f"{kind}_map.html")
        params = {"OUTPUT": target}
        if kind == AUDIT:
            params.update(UNITS=outputs["UNITS"], FINDINGS=outputs["FINDINGS"], OUTLINE=_layer_id(self.audit_outline))
        else:
            params.update(COVERAGE=outputs["COVERAGE"], UNDERSERVED=outputs["UNDERSERVED"],
                          CATEGORY=self.reach_category.currentText().strip() or None)
            if ISOCHRONES in self.last_outputs:
                params["ISOCHRONES"] = self.last_outputs[ISOCHRONES]["OUTPUT"]
        return params

    def export_webmap(self) -> Optional[AlgorithmRun]:
        """Write the web map of the last result of the current tab (planner_gis:webmap)."""
        kind = self.current_kind()
        if kind == ISOCHRONES and REACH not in self.last_outputs:
            self._message("run the reach first: the web map shows the isochrones over its coverage", Qgis.Warning)
            return None
        if kind not in self.last_outputs:
            self._message(f"run the {kind} first: the web map shows its results", Qgis.Warning)
            return None
        params = self.webmap_parameters(kind)

        def _written(results: dict) -> None:
            self.last_webmap = results["OUTPUT"]
            self._message(f"web map written to {results['OUTPUT']}", Qgis.Success)
            if self.open_webmap.isChecked():
                QDesktopServices.openUrl(QUrl.fromLocalFile(results["OUTPUT"]))

        return self._start("planner_gis:webmap", params, _written)
