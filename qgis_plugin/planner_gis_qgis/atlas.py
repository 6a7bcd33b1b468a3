"""An atlas print layout of a reach: one page per unit, driven by the coverage layer.

For users who print from QGIS (Project > Layouts): each page shows the unit on
a map (zoomed to it, underserved areas over the coverage classes), the unit's
name, its coverage table (every category and tier of that unit, from the
coverage layer), a scale bar, the date, the page number and the notes of the
web maps (审图号; schematic/synthetic demo data). Built with the QGIS API only.
"""

from __future__ import annotations

from qgis.core import (
    QgsLayoutItemAttributeTable,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTableColumn,
    QgsPrintLayout,
    QgsProject,
    QgsRenderContext,
    QgsScaleBarSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QFont

from .i18n import tr

#: The category whose rows drive the atlas (one page per unit); the table shows every category.
ATLAS_CATEGORY = "tier_15"
#: Width and height of the unit map on the page (mm).
MAP_SIZE = (186.0, 106.0)
#: Columns of the per-unit table: (field, heading).
TABLE_COLUMNS = (("category_zh", "设施 Facility"), ("category", ""), ("threshold_m", "距离 m"),
                 ("population", "居民 Residents"), ("covered_population", "覆盖 Covered"), ("share", "覆盖率 Share"))
REVIEW_NOTE = "在中国公开发布的地图须取得审图号。 Maps published in China need a map review number (审图号)."
DEMO_NOTE = ("示意数据：街乡边界为示意，团队与设施为合成数据。 "
             "Demo data: unit boundaries are schematic; teams and facilities are synthetic.")


def _mm(x: float, y: float) -> QgsLayoutPoint:
    return QgsLayoutPoint(x, y, QgsUnitTypes.LayoutMillimeters)


def _size(w: float, h: float) -> QgsLayoutSize:
    return QgsLayoutSize(w, h, QgsUnitTypes.LayoutMillimeters)


def _label(layout, text: str, x: float, y: float, w: float, h: float, size: float = 9.0, bold: bool = False,
           item_id: str = "") -> QgsLayoutItemLabel:
    """A text label (QGIS expressions in [% %] are evaluated per atlas page)."""
    label = QgsLayoutItemLabel(layout)
    label.setText(text)
    font = QFont("Noto Sans CJK SC", int(size))
    font.setBold(bold)
    label.setFont(font)
    layout.addLayoutItem(label)
    label.attemptMove(_mm(x, y))
    label.attemptResize(_size(w, h))
    label.setId(item_id)
    return label


def _table(layout, coverage: QgsVectorLayer, project: QgsProject, x: float, y: float, w: float, h: float):
    """The coverage rows of the atlas unit (all categories), as an attribute table frame."""
    from qgis.core import QgsLayoutFrame

    table = QgsLayoutItemAttributeTable.create(layout)
    table.setVectorLayer(_all_rows(coverage, project))
    table.setFilterFeatures(True)
    table.setFeatureFilter("\"unit_id\" = attribute(@atlas_feature, 'unit_id')")
    table.setMaximumNumberOfFeatures(40)
    text = QgsTextFormat()
    text.setFont(QFont("Noto Sans CJK SC"))
    text.setSize(7)
    table.setContentTextFormat(text)
    table.setHeaderTextFormat(text)
    table.setCellMargin(0.8)
    columns = []
    for field, heading in TABLE_COLUMNS:
        col = QgsLayoutTableColumn(heading or field)
        col.setAttribute(field if field != "share" else "format_number(\"share\" * 100, 1) || '%'")
        columns.append(col)
    table.setColumns(columns)
    layout.addMultiFrame(table)
    frame = QgsLayoutFrame(layout, table)
    table.addFrame(frame)
    frame.attemptMove(_mm(x, y))
    frame.attemptResize(_size(w, h))
    frame.setId("coverage table")
    return table


_ROW_LAYERS: dict = {}


def _all_rows(coverage: QgsVectorLayer, project: QgsProject) -> QgsVectorLayer:
    """A layer of every coverage row (the atlas layer shows only one category), kept alive with the project."""
    key = coverage.id()
    if key not in _ROW_LAYERS or project.mapLayer(_ROW_LAYERS[key].id()) is None:
        rows = QgsVectorLayer(coverage.source(), coverage.name() + " (all rows)", coverage.providerType())
        rows.setSubsetString("")
        project.addMapLayer(rows, False)  # in the project, not in the layer tree
        _ROW_LAYERS[key] = rows
    return _ROW_LAYERS[key]


def add_atlas_layout(coverage: QgsVectorLayer, underserved: QgsVectorLayer | None = None,
                     name: str = "planner-gis atlas", demo: bool = False,
                     project: QgsProject | None = None) -> QgsPrintLayout:
    """Add an A4 atlas layout over ``coverage`` (filtered to :data:`ATLAS_CATEGORY`) to the project.

    ``coverage`` is the reach's coverage layer (one row per unit and category);
    the atlas pages are its features of :data:`ATLAS_CATEGORY` (or of its
    first category when that is missing). A layout of the same name is replaced.
    """
    project = project or QgsProject.instance()
    manager = project.layoutManager()
    old = manager.layoutByName(name)
    if old is not None:
        manager.removeLayout(old)
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 page (landscape): turned to portrait
    layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Portrait)
    layout.setName(name)
    category = _atlas_category(coverage)
    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setFilterFeatures(True)
    atlas.setFilterExpression(f"\"category\" = '{category}'")
    atlas.setSortFeatures(True)
    atlas.setSortExpression("\"unit_id\"")
    atlas.setPageNameExpression("\"unit_id\"")
    _label(layout, "[% \"name\" %]  [% \"unit_id\" %]", 12, 10, 186, 10, 16, True, "title")
    _label(layout, tr("15-minute living circle: walking coverage per category (planner-gis reach)"),
           12, 20, 186, 6, 8, item_id="subtitle")
    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)
    map_item.attemptMove(_mm(12, 28))
    map_item.attemptResize(_size(*MAP_SIZE))
    map_item.setCrs(coverage.crs())  # metres of the reach, whatever the project CRS
    # an extent of the item's own aspect ratio: the atlas keeps the ratio of the extent it starts from
    map_item.setExtent(_fit(coverage.extent(), MAP_SIZE[0] / MAP_SIZE[1]))
    layers = [layer for layer in (underserved, coverage) if layer is not None]
    map_item.setLayers(layers)
    map_item.setKeepLayerSet(True)
    map_item.setAtlasDriven(True)
    map_item.setAtlasScalingMode(QgsLayoutItemMap.Auto)
    map_item.setAtlasMargin(0.15)
    map_item.setFrameEnabled(True)
    map_item.setId("unit map")
    bar = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(bar)
    bar.setStyle("Single Box")
    bar.setLinkedMap(map_item)
    bar.setUnits(QgsUnitTypes.DistanceMeters)
    bar.setUnitLabel("m")
    bar.setNumberOfSegments(2)
    bar.setNumberOfSegmentsLeft(0)
    bar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeFitWidth)
    bar.setMinimumBarWidth(20)
    bar.setMaximumBarWidth(50)
    bar.setUnitsPerSegment(100)
    bar.attemptMove(_mm(14, 28 + MAP_SIZE[1] + 2))
    bar.setId("scale bar")
    _table(layout, coverage, project, 12, 28 + MAP_SIZE[1] + 16, 186, 236 - MAP_SIZE[1])
    notes = ([DEMO_NOTE] if demo else []) + [REVIEW_NOTE]
    _label(layout, "\n".join(notes), 12, 266, 186, 12, 7, item_id="notes")
    _label(layout, "[% format_date(now(), 'yyyy-MM-dd') %]", 12, 282, 60, 6, 7, item_id="date")
    _label(layout, "[% @atlas_featurenumber %] / [% @atlas_totalfeatures %]", 150, 282, 48, 6, 7,
           item_id="page number")
    layout.renderContext().setTextRenderFormat(QgsRenderContext.TextFormatAlwaysText)
    manager.addLayout(layout)
    atlas.updateFeatures()
    return layout


def _fit(extent, ratio: float):
    """``extent`` grown around its centre to width / height = ``ratio``."""
    from qgis.core import QgsRectangle

    w, h = max(extent.width(), 1.0), max(extent.height(), 1.0)
    w, h = (h * ratio, h) if w / h < ratio else (w, w / ratio)
    c = extent.center()
    return QgsRectangle(c.x() - w / 2, c.y() - h / 2, c.x() + w / 2, c.y() + h / 2)


def _atlas_category(coverage: QgsVectorLayer) -> str:
    """:data:`ATLAS_CATEGORY` if the layer has it, else its first category."""
    index = coverage.fields().indexOf("category")
    values = sorted(str(v) for v in coverage.uniqueValues(index)) if index >= 0 else []
    return ATLAS_CATEGORY if ATLAS_CATEGORY in values or not values else values[0]


def export_atlas_pdf(layout: QgsPrintLayout, path: str) -> bool:
    """Export every atlas page into one PDF; True on success."""
    from qgis.core import QgsLayoutExporter

    settings = QgsLayoutExporter.PdfExportSettings()
    settings.textRenderFormat = QgsRenderContext.TextFormatAlwaysText  # searchable text, not outlines
    result, _error = QgsLayoutExporter.exportToPdf(layout.atlas(), path, settings)
    return result == QgsLayoutExporter.Success


__all__ = ["ATLAS_CATEGORY", "add_atlas_layout", "export_atlas_pdf"]
