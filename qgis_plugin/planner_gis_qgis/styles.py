"""Default styles of the result layers (only symbology: no GIS logic).

- audit units: categorised by ``status`` (covered green, contract expiring
  orange, several teams purple, unassigned red);
- audit findings: categorised by ``severity``;
- reach coverage: graduated by ``share`` with fixed classes (below 50 %,
  50-75 %, 75-90 %, 90 % and more), so maps of different runs compare;
- underserved areas: hatched red;
- isochrones: categorised by ``threshold_m``, dark (near) to light (far),
  semi-transparent, drawn largest distance first so the nested smaller areas
  stay on top.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeatureRequest,
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


#: colours of the isochrones from the nearest to the farthest distance (interpolated between).
ISOCHRONE_RAMP = ("#08519c", "#3182bd", "#9ecae1", "#deebf7")
ISOCHRONE_OPACITY = 0.45


def _ramp_color(fraction: float, stops: Sequence[str] = ISOCHRONE_RAMP) -> str:
    """Colour at ``fraction`` (0..1) along the colour stops, as #rrggbb."""
    from qgis.PyQt.QtGui import QColor  # noqa: PLC0415

    if len(stops) == 1:
        return stops[0]
    pos = min(max(fraction, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    t = pos - i
    a, b = QColor(stops[i]), QColor(stops[i + 1])
    mix = [round(x + (y - x) * t) for x, y in ((a.red(), b.red()), (a.green(), b.green()), (a.blue(), b.blue()))]
    return QColor(*mix).name()


def style_isochrones(layer: QgsVectorLayer, field: str = "threshold_m") -> None:
    """Isochrones categorised by walking distance, nested: the largest distance is drawn first (below)."""
    index = layer.fields().indexOf(field)
    from qgis.core import NULL  # noqa: PLC0415

    values = sorted(v for v in layer.uniqueValues(index) if v is not None and v != NULL) if index >= 0 else []
    categories = []
    for i, value in enumerate(values):
        symbol = _fill(_ramp_color(i / max(len(values) - 1, 1)), outline="#08306b", alpha=ISOCHRONE_OPACITY)
        categories.append(QgsRendererCategory(value, symbol, f"within {float(value):g} m"))
    renderer = QgsCategorizedSymbolRenderer(field, categories)
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause(field, False)]))
    renderer.setOrderByEnabled(True)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
