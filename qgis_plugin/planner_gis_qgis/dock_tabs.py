"""The input tabs of the dock: widgets only (what the user picks), no running.

Each builder returns a :class:`Tab` whose attributes are the widgets; the dock
reads them into Processing parameters and remembers them between sessions.
"""

from __future__ import annotations

import csv
from pathlib import Path

from qgis.core import QgsFieldProxyModel, QgsMapLayerProxyModel, QgsVectorLayer
from qgis.gui import QgsCollapsibleGroupBox, QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt.QtCore import QDate
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from .i18n import tr

DEFAULT_DISTANCES = "300, 500, 1000"
#: Registry fields the dock lets the user map to a column, with their Processing parameter names.
REGISTRY_FIELDS = {
    "team_id": "TEAM_ID_COLUMN",
    "unit_id": "UNIT_ID_COLUMN",
    "role": "ROLE_COLUMN",
    "start_date": "START_DATE_COLUMN",
    "end_date": "END_DATE_COLUMN",
    "team_name": "TEAM_NAME_COLUMN",
}


class Tab(QWidget):
    """A tab: a form whose widgets are attributes."""

    def __init__(self):
        super().__init__()
        self.form = QFormLayout(self)

    def row(self, label: str | None, widget):
        """Add ``widget`` (with ``label``) and return it."""
        if label is None:
            self.form.addRow(widget)
        else:
            self.form.addRow(label, widget)
        return widget


def layer_combo(filters, allow_empty: bool = False) -> QgsMapLayerComboBox:
    """A layer chooser (optionally with an empty entry, selected at first)."""
    combo = QgsMapLayerComboBox()
    combo.setFilters(filters)
    combo.setAllowEmptyLayer(allow_empty)
    if allow_empty:
        combo.setLayer(None)
    return combo


def field_combo(layers: QgsMapLayerComboBox, preferred=(), numeric: bool = False,
                allow_empty: bool = False) -> QgsFieldComboBox:
    """A field chooser that follows ``layers`` and picks the first of ``preferred`` that exists."""
    combo = QgsFieldComboBox()
    combo.setAllowEmptyFieldName(allow_empty)
    if numeric:
        combo.setFilters(QgsFieldProxyModel.Numeric)

    def _set_layer(layer):
        combo.setLayer(layer)
        names = [f.name() for f in layer.fields()] if layer is not None else []
        for name in preferred:
            if name in names:
                combo.setField(name)
                return
        if allow_empty:
            combo.setField("")

    layers.layerChanged.connect(_set_layer)
    _set_layer(layers.currentLayer())
    return combo


def date_edit() -> QDateEdit:
    """A date chooser showing YYYY-MM-DD, today by default."""
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def table_headers(path: str) -> list:
    """The column headers of a CSV (UTF-8 or GB18030) or Excel registry; [] if unreadable."""
    p = Path(path)
    if not p.is_file():
        return []
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        raw = p.read_bytes()[:65536]
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            rows = list(csv.reader(text.splitlines()[:1], delimiter="\t" if p.suffix.lower() == ".tsv" else ","))
            return [h.strip() for h in rows[0]] if rows else []
        return []
    layer = QgsVectorLayer(str(p), "registry", "ogr")
    return [f.name() for f in layer.fields()] if layer.isValid() else []


class RegistryColumns(QgsCollapsibleGroupBox):
    """Which column of the registry holds each field; '(automatic)' lets the library recognise it."""

    def __init__(self, file_widget: QgsFileWidget, aliases: dict[str, list] | None = None):
        super().__init__(tr("Registry columns"))
        self.setCollapsed(True)
        self.aliases = aliases or {}
        self.combos: dict[str, QComboBox] = {}
        form = QFormLayout(self)
        labels = {"team_id": tr("Team id"), "unit_id": tr("Unit id"), "role": tr("Role"),
                  "start_date": tr("Contract start"), "end_date": tr("Contract end"), "team_name": tr("Team name")}
        for field in REGISTRY_FIELDS:
            combo = QComboBox()
            combo.setObjectName(f"planner_gis_registry_{field}")
            combo.setToolTip(tr("The registry column holding this field"))
            form.addRow(labels[field], combo)
            self.combos[field] = combo
        self.file_widget = file_widget
        file_widget.fileChanged.connect(self.refresh)

    def set_aliases(self, aliases: dict[str, list]) -> None:
        """The spellings the library recognises (from ``planner-gis info``)."""
        self.aliases = aliases or {}
        self.refresh()

    def refresh(self, *args) -> None:
        """Fill the choices from the registry file's headers; preselect what the library would recognise."""
        headers = table_headers(self.file_widget.filePath().strip())
        for field, combo in self.combos.items():
            combo.clear()
            combo.addItem(tr("(automatic)"), "")
            for h in headers:
                combo.addItem(h, h)
            known = [field, *self.aliases.get(field, [])]
            match = next((h for h in headers if h in known), None)
            if match is not None and match != field:
                combo.setCurrentIndex(combo.findData(match))

    def parameters(self) -> dict:
        """``{PARAMETER: column}`` for the fields whose column was chosen."""
        return {REGISTRY_FIELDS[f]: c.currentData() for f, c in self.combos.items() if c.currentData()}


def audit_tab() -> Tab:
    """Units, their id/name/type fields, the registry (and its columns), the date, the outline."""
    tab = Tab()
    tab.zones = tab.row(tr("Units layer"), layer_combo(QgsMapLayerProxyModel.PolygonLayer))
    tab.zones.setObjectName("planner_gis_audit_zones")
    tab.zone_id = tab.row(tr("Unit id field"), field_combo(tab.zones, ("unit_id", "单元编码", "code")))
    tab.name_field = tab.row(tr("Unit name field"), field_combo(tab.zones, ("name", "名称"), allow_empty=True))
    tab.type_field = tab.row(tr("Unit type field"), field_combo(tab.zones, ("unit_type", "类型"), allow_empty=True))
    tab.registry = tab.row(tr("Team registry"), QgsFileWidget())
    tab.registry.setFilter(tr("Tables") + " (*.csv *.xlsx *.xls);;" + tr("All files") + " (*.*)")
    tab.registry.setToolTip(tr("CSV or Excel: team_id, unit_id, role, start_date, end_date (or Chinese headers)"))
    tab.columns = tab.row(None, RegistryColumns(tab.registry))
    tab.date = tab.row(tr("As of"), date_edit())
    tab.outline = tab.row(tr("District outline"), layer_combo(QgsMapLayerProxyModel.PolygonLayer, allow_empty=True))
    tab.run = tab.row(None, QPushButton(tr("Run audit")))
    tab.run.setObjectName("planner_gis_run_audit")
    return tab


def reach_tab() -> Tab:
    """Network, facilities, entrances, population, units, category shown, isochrones."""
    tab = Tab()
    tab.network = tab.row(tr("Walking network layer"), layer_combo(QgsMapLayerProxyModel.LineLayer, allow_empty=True))
    tab.network_file = tab.row(tr("... or network file"), QgsFileWidget())
    tab.network_file.setFilter(tr("Walking networks") + " (*.pbf *.graphml *.npz);;" + tr("All files") + " (*.*)")
    tab.facilities = tab.row(tr("Facilities"), layer_combo(QgsMapLayerProxyModel.HasGeometry))
    tab.category_field = tab.row(tr("Category field"), field_combo(tab.facilities, ("category", "类别")))
    tab.entrances = tab.row(tr("Park entrances"), layer_combo(QgsMapLayerProxyModel.PointLayer, allow_empty=True))
    tab.entrances.setToolTip(tr("Gates of parks and other polygon facilities (optional)"))
    tab.population_raster = tab.row(tr("Population raster"),
                                    layer_combo(QgsMapLayerProxyModel.RasterLayer, allow_empty=True))
    tab.population_points = tab.row(tr("... or population points"),
                                    layer_combo(QgsMapLayerProxyModel.HasGeometry, allow_empty=True))
    tab.population_field = tab.row(tr("Population field"),
                                   field_combo(tab.population_points, ("population", "人口"), numeric=True))
    tab.zones = tab.row(tr("Units layer"), layer_combo(QgsMapLayerProxyModel.PolygonLayer))
    tab.zone_id = tab.row(tr("Unit id field"), field_combo(tab.zones, ("unit_id", "单元编码", "code")))
    tab.name_field = tab.row(tr("Unit name field"), field_combo(tab.zones, ("name", "名称"), allow_empty=True))
    tab.category = tab.row(tr("Category to show"), QComboBox())
    tab.category.setEditable(True)
    tab.category.setToolTip(tr("Facility category (or tier_5, tier_10, tier_15) the coverage layer shows"))
    tab.isochrones = tab.row(None, QCheckBox(tr("Isochrones around the 15-minute-tier facilities")))
    tab.isochrone_categories = tab.row(tr("... or around these categories"), QLineEdit())
    tab.isochrone_categories.setPlaceholderText("middle_school, health_centre")
    tab.run = tab.row(None, QPushButton(tr("Run reach")))
    tab.run.setObjectName("planner_gis_run_reach")
    return tab


def isochrones_tab() -> Tab:
    """Network, points (or only the selected ones), distances."""
    tab = Tab()
    tab.network = tab.row(tr("Walking network layer"), layer_combo(QgsMapLayerProxyModel.LineLayer, allow_empty=True))
    tab.network_file = tab.row(tr("... or network file"), QgsFileWidget())
    tab.network_file.setFilter(tr("Walking networks") + " (*.pbf *.graphml *.npz);;" + tr("All files") + " (*.*)")
    tab.points = tab.row(tr("Points"), layer_combo(QgsMapLayerProxyModel.PointLayer))
    tab.selected_only = tab.row(None, QCheckBox(tr("Selected features only")))
    tab.selected_only.setToolTip(tr("Only the points selected on the map (e.g. one school's entrances)"))
    tab.thresholds = tab.row(tr("Walking distances (m)"), QLineEdit(DEFAULT_DISTANCES))
    tab.thresholds.setToolTip(tr("Walking distances in metres, separated by commas; 300, 500 and 1000 m are the "
                                 "5/10/15-minute living circles of GB 50180-2018"))
    tab.run = tab.row(None, QPushButton(tr("Run isochrones")))
    tab.run.setObjectName("planner_gis_run_isochrones")
    return tab


#: The built-in rule sets offered by the Evaluation tab (ids of ``planner-gis evaluate --rules``).
RULE_SETS = (("liaocheng", "聊城 Liaocheng"), ("chongqing", "重庆 Chongqing"), ("guangxi", "广西 Guangxi"),
             ("hunan", "湖南 Hunan"), ("beijing", "北京 Beijing"))


def table_widget(tooltip: str) -> QgsFileWidget:
    """A file chooser for a CSV or Excel table."""
    widget = QgsFileWidget()
    widget.setFilter(tr("Tables") + " (*.csv *.xlsx *.xls);;" + tr("All files") + " (*.*)")
    widget.setToolTip(tooltip)
    return widget


def evaluation_tab() -> Tab:
    """Records (layer or table), units, registry, rules (built-in or file), year, people, ratings, coordinates."""
    tab = Tab()
    tab.records = tab.row(tr("Work records layer"), layer_combo(QgsMapLayerProxyModel.PointLayer, allow_empty=True))
    tab.records_file = tab.row(tr("... or records table"), table_widget(
        tr("CSV or Excel: record_id, team_id, date, kind, lon, lat (Chinese headers and kinds are recognised)")))
    tab.zones = tab.row(tr("Units layer"), layer_combo(QgsMapLayerProxyModel.PolygonLayer))
    tab.zone_id = tab.row(tr("Unit id field"), field_combo(tab.zones, ("unit_id", "单元编码", "code")))
    tab.registry = tab.row(tr("Team registry"), table_widget(
        tr("CSV or Excel: team_id, unit_id, role, start_date, end_date; annual_fee for the fee rules")))
    tab.rules = tab.row(tr("Rules"), QComboBox())
    for rule_id, label in RULE_SETS:
        tab.rules.addItem(label, rule_id)
    tab.rules_file = tab.row(tr("... or rules file"), QgsFileWidget())
    tab.rules_file.setFilter(tr("Rules") + " (*.toml);;" + tr("All files") + " (*.*)")
    tab.rules_file.setToolTip(tr("Your city's rules: a copy of a built-in rules file with your numbers"))
    tab.year = tab.row(tr("Year"), QSpinBox())
    tab.year.setRange(1900, 2200)
    tab.year.setValue(QDate.currentDate().year() - 1)
    tab.people = tab.row(tr("Team members"), table_widget(tr("person_id, team_id, profession, title (Chongqing)")))
    tab.ratings = tab.row(tr("Ratings"), table_widget(
        tr("person_id, year, satisfaction, previous_points, special_points (Chongqing, Beijing)")))
    tab.coords = tab.row(tr("Coordinates of the records"), QComboBox())
    tab.coords.addItems(["WGS84 / CGCS2000", "GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)"])
    tab.tolerance = tab.row(tr("Tolerance outside the unit"), QDoubleSpinBox())
    tab.tolerance.setRange(0.0, 10000.0)
    tab.tolerance.setValue(100.0)
    tab.tolerance.setSuffix(" m")
    tab.run = tab.row(None, QPushButton(tr("Run evaluation")))
    tab.run.setObjectName("planner_gis_run_evaluation")
    return tab
