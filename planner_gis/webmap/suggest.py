"""Suggested sites and the areas they newly cover, as web map layers (on their own or over the reach map).

:func:`suggest_map` draws the sites of :func:`planner_gis.suggest_sites`
(``sites.csv`` / layer ``sites`` of ``suggest.gpkg``) as numbered circles and
the cells of the residents each site brings within reach (layer
``newly_covered``) as filled areas. Like the other layer functions it takes
``m=`` to add to an existing map, e.g. the reach map of the same district.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from .._validate import require_columns
from ..styles import load_map_styles
from .encoding import escape_text, rows_table
from .page import (
    MapOptions,
    add_layer_control,
    add_notes,
    add_panel,
    bind_text,
    check_frame,
    feature_collection,
    folium_module,
    geojson_layer,
    is_demo,
    map_for,
    merge_options,
)
from .simplify import simplify_for_display
from .symbology import bilingual, legend_html

_STYLES = load_map_styles()
#: Colour and label of suggested sites and of newly covered areas (from ``data/map_styles.json``).
SITE_COLOR, SITE_LABEL = _STYLES["suggested_site"]["color"], bilingual(_STYLES["suggested_site"])
NEWLY_COLOR, NEWLY_LABEL = _STYLES["newly_covered"]["color"], bilingual(_STYLES["newly_covered"])


def _num(v: Any, digits: int = 0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return escape_text(v)
    return "—" if not np.isfinite(f) else f"{f:,.{digits}f}"


def _site_popup(r: Any) -> str:
    rows = [("排名 Rank", _num(r.get("rank"))), ("候选点 Candidate", escape_text(r.get("candidate_id", ""))),
            ("单元 Unit", escape_text(r.get("unit_id", ""))), ("团队 Team", escape_text(r.get("team_id", ""))),
            ("新增覆盖人口 Residents gained", _num(r.get("gain_population"))),
            ("累计覆盖比例 Cumulative share", f"{float(r.get('cumulative_share', np.nan)):.1%}"
             if np.isfinite(float(r.get("cumulative_share", np.nan))) else "—")]
    return rows_table(rows)


def suggest_map(
    sites: gpd.GeoDataFrame,
    newly_covered: gpd.GeoDataFrame | None = None,
    *,
    title: str | None = "建议选址 Suggested sites",
    note: str | None = None,
    simplify_m: float = 10.0,
    m: Any = None,
    options: MapOptions | None = None,
):
    """Suggested sites as numbered circles and the areas they newly cover.

    Parameters
    ----------
    sites : GeoDataFrame
        Points with ``rank`` and ``candidate_id`` (used when present:
        ``unit_id``, ``team_id``, ``gain_population``, ``cumulative_share``):
        ``SiteSuggestion.sites_layer`` or layer ``sites`` of ``suggest.gpkg``.
    newly_covered : GeoDataFrame, optional
        Layer ``newly_covered`` (``rank``, ``candidate_id``, ``population``).
    title, note, simplify_m, m, options
        As in :func:`~planner_gis.webmap.reach_map`.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> s = gpd.GeoDataFrame({"rank": [1], "candidate_id": ["<E1>"], "gain_population": [120.0]},
    ...                      geometry=[Point(500, 500)], crs="EPSG:4548")
    >>> n = gpd.GeoDataFrame({"rank": [1], "candidate_id": ["<E1>"], "population": [120.0]},
    ...                      geometry=[box(300, 300, 700, 700)], crs="EPSG:4548")
    >>> from planner_gis.webmap import layer_names, map_html
    >>> m = suggest_map(s, n)
    >>> sorted(layer_names(m)), "<E1>" in map_html(m)
    (['建议选址 Suggested sites', '新增覆盖 Newly covered'], False)
    """
    folium = folium_module()
    opts = merge_options(options, note=note, simplify_m=simplify_m)
    check_frame(sites, "suggested sites")
    require_columns(sites, ["rank", "candidate_id"], "suggested sites",
                    hint="pass the 'sites' layer of suggest.gpkg written by `planner-gis suggest`")
    m = map_for(m, sites if newly_covered is None or not len(newly_covered) else newly_covered, title, opts)
    items = [(SITE_COLOR, escape_text(SITE_LABEL), "fill")]
    if newly_covered is not None and len(newly_covered):
        check_frame(newly_covered, "newly covered areas")
        shown = simplify_for_display(newly_covered, opts.simplify_m, opts.metric_crs, what="newly covered areas",
                                     as_coverage=False)
        props = [{"_tip": f"新增覆盖 Newly covered · #{_num(r.get('rank'))} {escape_text(r.get('candidate_id', ''))}",
                  "_popup": rows_table([("新增覆盖人口 Residents gained", _num(r.get("population")))])}
                 for r in newly_covered.to_dict(orient="records")]
        group = folium.FeatureGroup(name="新增覆盖 Newly covered", overlay=True, show=True).add_to(m)
        geojson_layer(m, feature_collection(shown, props), on_each_feature=bind_text(),
                      style_function=lambda f: {"color": NEWLY_COLOR, "weight": 1, "fillColor": NEWLY_COLOR,
                                                "fillOpacity": 0.4}).add_to(group)
        items.append((NEWLY_COLOR, escape_text(NEWLY_LABEL), "fill"))
    group = folium.FeatureGroup(name="建议选址 Suggested sites", overlay=True, show=True).add_to(m)
    wgs = sites.to_crs(4326)
    for rec, geom in zip(sites.to_dict(orient="records"), wgs.geometry.values):
        if geom is None or geom.is_empty:
            continue
        folium.CircleMarker([geom.y, geom.x], radius=7, color="#ffffff", weight=1.5, fill=True,
                            fill_color=SITE_COLOR, fill_opacity=0.95,
                            tooltip=folium.Tooltip(f"#{_num(rec.get('rank'))} {escape_text(rec.get('candidate_id'))}"),
                            popup=folium.Popup(_site_popup(rec), max_width=320)).add_to(group)
    add_panel(m, "pg_legend_suggest", legend_html(escape_text("建议选址 Suggested sites"), items), "topright")
    add_notes(m, opts, [], is_demo(sites, newly_covered))
    add_layer_control(m)
    return m


__all__ = ["suggest_map", "SITE_COLOR", "NEWLY_COLOR"]
