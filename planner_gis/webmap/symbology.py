"""Colours, classes and legend labels of the web maps, from the one definition of the map styles.

The classes, colours and bilingual labels come from
``planner_gis/data/map_styles.json`` (:func:`planner_gis.styles.load_map_styles`),
which the QGIS plugin reads too, so both draw the same classes in the same
colours. Only what is particular to the web page (the management-area
overlay, the highlight, the transparency of fills over the choropleth) is set
here.

>>> SHARE_BREAKS, SHARE_COLORS[0]
((0.0, 0.5, 0.75, 0.9, 1.0), '#d7191c')
>>> STATUS_STYLES["covered"]
('#4daf4a', '已覆盖 covered')
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..styles import load_map_styles, share_class

_STYLES = load_map_styles()


def bilingual(entry: dict) -> str:
    """The Chinese and English label of a style entry, Chinese first (as every label of the page)."""
    zh, en = entry.get("label_zh", ""), entry.get("label_en", "")
    return f"{zh} {en}".strip()


#: Colour and legend label of each audit status.
STATUS_STYLES: dict = {k: (v["color"], bilingual(v)) for k, v in _STYLES["status"].items()}
#: Colour of a status the map does not know.
OTHER_STATUS_COLOR = "#9e9e9e"
#: Colour of the management-area overlay outline when its status is unknown.
OVERLAY_COLOR = "#08306b"
#: Colours of boundary findings.
GAP_COLOR = _STYLES["findings"]["boundary_gap"]["color"]
SLIVER_COLOR = _STYLES["findings"]["boundary_sliver"]["color"]
OVERLAP_COLOR = _STYLES["findings"]["boundary_overlap"]["color"]

#: Share classes of the covered-share choropleth: lower bounds and 1.0 (fractions), colours and labels.
SHARE_BREAKS: tuple = tuple(c["lower"] for c in _STYLES["share_classes"]) + (1.0,)
SHARE_COLORS: tuple = tuple(c["color"] for c in _STYLES["share_classes"])
SHARE_LABELS: tuple = tuple(c["label_en"] for c in _STYLES["share_classes"])
#: Colour and label of units without residents (share undefined).
NO_DATA_COLOR = _STYLES["no_data"]["color"]
NO_DATA_LABEL = bilingual(_STYLES["no_data"])
#: Colour of underserved areas (drawn as a hatch of this colour, see :data:`UNDERSERVED_HATCH`).
UNDERSERVED_COLOR = _STYLES["underserved"]["color"]
#: The page's hatch pattern of underserved areas (``fillColor: url(#...)``, defined by ``pgHatch``).
UNDERSERVED_HATCH = "pg-hatch-underserved"
#: Outline and fill of isochrones (the first two colours of the isochrone ramp).
ISOCHRONE_COLOR, ISOCHRONE_FILL = _STYLES["isochrones"]["ramp"][:2]

#: Style of a feature under the mouse.
HIGHLIGHT = {"weight": 3, "color": "#000000"}


def share_color(share: float) -> str:
    """Colour of a covered share (fraction 0..1) on the choropleth scale.

    >>> share_color(0.0), share_color(0.5), share_color(1.0), share_color(float("nan"))
    ('#d7191c', '#fdae61', '#1a9641', '#bdbdbd')
    """
    if share is None or not math.isfinite(share):
        return NO_DATA_COLOR
    return share_class(share, _STYLES)["color"]


def legend_html(title: str, items: Sequence[tuple]) -> str:
    """Legend HTML; ``title`` and item labels must already be escaped.

    ``items`` are ``(colour, label, kind)`` with kind "fill", "line", "dashed" or "hatch", or
    ``(colour, label, kind, group)`` for an item shown only while the overlay ``group`` (the JS
    name of a feature group, see ``pgLegendItems`` in ``static/pg.js``) is on and draws something.

    >>> html = legend_html("T", [("#ff0000", "gap", "fill"), ("#e41a1c", "under", "hatch", "fg_1")])
    >>> html[:53], '<div data-pg-group="fg_1">' in html
    ('<h4>T</h4><div><i style="background:#ff0000"></i>gap<', True)
    """
    rows = [f"<h4>{title}</h4>"]
    for color, label, kind, *group in items:
        attr = f' data-pg-group="{group[0]}"' if group else ""
        if kind == "line":
            swatch = f'<i class="pg-line" style="border-color:{color}"></i>'
        elif kind == "dashed":
            swatch = f'<i class="pg-dashed" style="border-color:{color}"></i>'
        elif kind == "hatch":
            swatch = (f'<i style="background:repeating-linear-gradient(135deg,{color} 0 1.5px,'
                      'transparent 1.5px 5px)"></i>')
        else:
            swatch = f'<i style="background:{color}"></i>'
        rows.append(f"<div{attr}>{swatch}{label}</div>")
    return "".join(rows)
