"""Default styles of the result layers (only symbology: no GIS logic).

- audit units: categorised by ``status`` (covered green, contract expiring
  orange, several teams purple, unassigned red);
- audit findings: categorised by ``severity``;
- reach coverage: graduated by ``share`` with fixed classes (below 50 %,
  50-75 %, 75-90 %, 90 % and more), so maps of different runs compare;
- underserved areas: hatched red; isochrones: outlines by distance.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsRendererCategory,
    QgsRendererRange,
    QgsSymbol,
    QgsVectorLayer,
    QgsWkbTypes,
)

#: status value -> (colour, legend label). Colours match the web map's.
STATUS_STYLE = {
    "covered": ("#4daf4a", "covered 已覆盖"),
    "expiring": ("#ff9f1c", "contract expiring 合同将到期"),
    "multiple_teams": ("#984ea3", "several teams 多团队"),
    "unassigned": ("#e41a1c", "unassigned 未覆盖"),
}
SEVERITY_STYLE = {
    "error": ("#e41a1c", "error"),
    "warning": ("#ff9f1c", "warning"),
}
#: (lower, upper, colour, label) classes of the covered population share.
SHARE_CLASSES: Tuple[Tuple[float, float, str, str], ...] = (
    (0.0, 0.5, "#d7191c", "< 50 %"),
    (0.5, 0.75, "#fdae61", "50 - 75 %"),
    (0.75, 0.9, "#a6d96a", "75 - 90 %"),
    (0.9, 1.0, "#1a9641", ">= 90 %"),
)


def _fill(color: str, outline: str = "#333333", style: str = "solid", alpha: float = 0.75) -> QgsFillSymbol:
    symbol = QgsFillSymbol.createSimple({
        "color": color, "style": style, "outline_color": outline, "outline_width": "0.3",
    })
    symbol.setOpacity(alpha)
    return symbol


def _symbol_for(layer: QgsVectorLayer, color: str) -> QgsSymbol:
    if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
        return _fill(color)
    symbol = QgsSymbol.defaultSymbol(layer.geometryType())
    if symbol is not None:
        from qgis.PyQt.QtGui import QColor  # noqa: PLC0415

        symbol.setColor(QColor(color))
    return symbol


def categorize(layer: QgsVectorLayer, field: str, styles: dict) -> None:
    """Categorised renderer on ``field``: one category per key of ``styles`` (colour, label)."""
    categories = [QgsRendererCategory(value, _symbol_for(layer, color), label)
                  for value, (color, label) in styles.items()]
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    layer.triggerRepaint()


def style_units(layer: QgsVectorLayer) -> None:
    """Audit units by coverage status."""
    categorize(layer, "status", STATUS_STYLE)


def style_findings(layer: QgsVectorLayer) -> None:
    """Audit findings (gaps, overlaps) by severity."""
    categorize(layer, "severity", SEVERITY_STYLE)


def graduate(layer: QgsVectorLayer, field: str, classes: Iterable[Sequence]) -> None:
    """Graduated renderer on ``field`` with the given (lower, upper, colour, label) classes."""
    ranges = [QgsRendererRange(lo, hi, _symbol_for(layer, color), label) for lo, hi, color, label in classes]
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def style_coverage(layer: QgsVectorLayer, category: Optional[str] = None, field: str = "share") -> None:
    """Reach coverage graduated by share; with ``category``, only that category is shown."""
    if category:
        quoted = str(category).replace("'", "''")
        layer.setSubsetString(f"\"category\" = '{quoted}'")
    graduate(layer, field, SHARE_CLASSES)


def style_underserved(layer: QgsVectorLayer) -> None:
    """Underserved areas: red hatching over the map."""
    from qgis.core import QgsSingleSymbolRenderer  # noqa: PLC0415

    layer.setRenderer(QgsSingleSymbolRenderer(_fill("#e41a1c", "#e41a1c", "b_diagonal", 1.0)))
    layer.triggerRepaint()
