"""Symbology of the result layers, from the map styles the library defines (no GIS logic).

The classes, colours and bilingual labels are one definition in the library
(``planner_gis/data/map_styles.json``), shared with the web maps; the plugin
receives them from ``planner-gis info --json`` (:func:`map_styles`) and only
turns them into QGIS renderers:

- audit units: categorised by ``status``; findings by ``kind``;
- reach coverage: graduated by ``share`` with the fixed share classes, so maps
  of different runs compare;
- underserved areas: hatched;
- isochrones: categorised by ``threshold_m`` along the isochrone colour ramp,
  semi-transparent, the largest distance drawn first;
- unit names as labels.
"""

from __future__ import annotations

from collections.abc import Sequence

from qgis.core import (
    NULL,
    QgsCategorizedSymbolRenderer,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSingleSymbolRenderer,
    QgsSymbol,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor, QFont

from .i18n import qgis_locale


def map_styles() -> dict:
    """The library's map styles, as the configured environment reported them ({} if unknown)."""
    from .settings import environment

    try:
        return dict(environment().info.get("styles") or {})
    except Exception:  # noqa: BLE001 - no environment: QGIS's default symbols
        return {}


def label(entry: dict) -> str:
    """The label of a style entry in the interface language, with the other language after it."""
    zh, en = entry.get("label_zh", ""), entry.get("label_en", entry.get("label", ""))
    if not zh:
        return en
    return f"{zh} {en}" if qgis_locale() == "zh" else f"{en} {zh}"


def _fill(color: str, outline: str = "#333333", style: str = "solid", alpha: float = 0.75) -> QgsFillSymbol:
    symbol = QgsFillSymbol.createSimple({"color": color, "style": style, "outline_color": outline,
                                         "outline_width": "0.3"})
    symbol.setOpacity(alpha)
    return symbol


def _symbol(layer: QgsVectorLayer, color: str, alpha: float = 0.75) -> QgsSymbol:
    if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
        return _fill(color, alpha=alpha)
    symbol = QgsSymbol.defaultSymbol(layer.geometryType())
    if symbol is not None:
        symbol.setColor(QColor(color))
    return symbol


def categorize(layer: QgsVectorLayer, field: str, entries: dict) -> None:
    """Categorised renderer on ``field``: one category per key of ``entries`` ({value: {color, label_*}})."""
    categories = [QgsRendererCategory(value, _symbol(layer, e.get("color", "#9e9e9e")), label(e))
                  for value, e in entries.items()]
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    layer.triggerRepaint()


def style_units(layer: QgsVectorLayer, styles: dict | None = None) -> None:
    """Audit units by status, labelled with their names."""
    styles = map_styles() if styles is None else styles
    if styles.get("status"):
        categorize(layer, "status", styles["status"])
    label_units(layer)


def style_findings(layer: QgsVectorLayer, styles: dict | None = None) -> None:
    """Audit findings (gaps, overlaps ...) by kind."""
    styles = map_styles() if styles is None else styles
    if styles.get("findings"):
        categorize(layer, "kind", styles["findings"])


def style_evaluation_units(layer: QgsVectorLayer, styles: dict | None = None) -> None:
    """Evaluation units by compliance (every rule passed, some failed, none passed, not evaluated)."""
    styles = map_styles() if styles is None else styles
    classes = (styles.get("evaluation") or {}).get("compliance")
    if classes:
        categorize(layer, "compliance", classes)
    label_units(layer)


def style_records(layer: QgsVectorLayer, styles: dict | None = None) -> None:
    """Work records: counted ones in one colour, those no rule counts (by finding) in the warning colour."""
    styles = map_styles() if styles is None else styles
    evaluation = styles.get("evaluation") or {}
    palette = evaluation.get("team_palette") or ["#1f78b4"]
    warn = (evaluation.get("not_counted") or {}).get("color", "#e41a1c")
    entries = {"": {"color": palette[0], "label_en": "counted", "label_zh": "已计入"}}
    for kind, zh in (("outside_unit", "单元外"), ("outside_contract", "合同期外"), ("unknown_team", "未知团队")):
        entries[kind] = {"color": warn, "label_en": kind, "label_zh": zh}
    categorize(layer, "finding", entries)


def style_coverage(layer: QgsVectorLayer, category: str | None = None, styles: dict | None = None) -> None:
    """Reach coverage graduated by share; with ``category`` only that category (or tier) is shown."""
    styles = map_styles() if styles is None else styles
    if category:
        quoted = str(category).replace("'", "''")
        layer.setSubsetString(f"\"category\" = '{quoted}'")
    classes = styles.get("share_classes") or []
    if classes:
        ranges = [QgsRendererRange(float(c["lower"]), float(c["upper"]), _symbol(layer, c["color"]), label(c))
                  for c in classes]
        layer.setRenderer(QgsGraduatedSymbolRenderer("share", ranges))
    label_units(layer)
    layer.triggerRepaint()


def style_underserved(layer: QgsVectorLayer, category: str | None = None, styles: dict | None = None) -> None:
    """Underserved areas hatched over the map; with ``category`` only those of that category.

    For a tier (``tier_15``) the areas of all categories of the tier are shown: the places
    where residents lack at least one facility of the tier.
    """
    styles = map_styles() if styles is None else styles
    if category and str(category).startswith("tier_") and str(category)[5:].isdigit():
        layer.setSubsetString(f"\"tier_min\" = {int(str(category)[5:])}")
    elif category:
        quoted = str(category).replace("'", "''")
        layer.setSubsetString(f"\"category\" = '{quoted}'")
    color = (styles.get("underserved") or {}).get("color", "#e41a1c")
    # a light hatch with no outline: the coverage classes below stay readable
    layer.setRenderer(QgsSingleSymbolRenderer(_fill(color, "transparent", "b_diagonal", 0.55)))
    layer.triggerRepaint()


def _ramp_color(fraction: float, stops: Sequence[str]) -> str:
    """Colour at ``fraction`` (0..1) along the colour stops, as #rrggbb."""
    if len(stops) == 1:
        return stops[0]
    pos = min(max(fraction, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    t = pos - i
    a, b = QColor(stops[i]), QColor(stops[i + 1])
    mix = [round(x + (y - x) * t) for x, y in ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue()))]
    return QColor(*mix).name()


def style_isochrones(layer: QgsVectorLayer, field: str = "threshold_m", styles: dict | None = None) -> None:
    """Isochrones by walking distance, nested: the largest distance is drawn first (below)."""
    styles = map_styles() if styles is None else styles
    iso = styles.get("isochrones") or {}
    ramp = iso.get("ramp") or ["#08519c", "#deebf7"]
    opacity = float(iso.get("opacity", 0.45))
    index = layer.fields().indexOf(field)
    values = sorted(v for v in layer.uniqueValues(index) if v is not None and v != NULL) if index >= 0 else []
    categories = []
    for i, value in enumerate(values):
        symbol = _fill(_ramp_color(i / max(len(values) - 1, 1), ramp), outline=iso.get("outline", "#08306b"),
                       alpha=opacity)
        categories.append(QgsRendererCategory(value, symbol, f"{float(value):g} m"))
    renderer = QgsCategorizedSymbolRenderer(field, categories)
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause(field, False)]))
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def label_units(layer: QgsVectorLayer, field: str = "name") -> None:
    """Label the features with ``field`` (the unit name), if the layer has it."""
    if layer.fields().indexOf(field) < 0:
        return
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.placement = QgsPalLayerSettings.OverPoint if hasattr(QgsPalLayerSettings, "OverPoint") else 1
    text = QgsTextFormat()
    text.setFont(QFont("Noto Sans CJK SC"))
    text.setSize(8)
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    text.setBuffer(buffer)
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
