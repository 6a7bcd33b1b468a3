"""Map styles as data: the classes, colours and bilingual labels of every result map.

One definition, ``planner_gis/data/map_styles.json``, read by the web maps and
handed to the QGIS plugin by ``planner-gis info --json``, so the two draw the
same classes in the same colours with the same labels.

Examples
--------
>>> styles = load_map_styles()
>>> [c["label_en"] for c in styles["share_classes"]]
['< 50 %', '50 - 75 %', '75 - 90 %', '>= 90 %']
>>> share_class(0.8, styles)["color"]
'#a6d96a'
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _load() -> str:
    return resources.files("planner_gis").joinpath("data", "map_styles.json").read_text(encoding="utf-8")


def load_map_styles() -> dict:
    """The map styles (a fresh copy the caller may change)."""
    styles = json.loads(_load())
    styles.pop("_about", None)
    return styles


def share_class(share: float, styles: dict | None = None) -> dict | None:
    """The share class holding ``share`` (0..1; the last class includes 1.0); None for NaN."""
    classes = (styles or load_map_styles())["share_classes"]
    if share != share:  # NaN: a unit without residents
        return None
    for c in classes:
        if c["lower"] <= share < c["upper"]:
            return c
    return classes[-1] if share >= classes[-1]["lower"] else classes[0]
