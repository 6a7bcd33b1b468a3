"""The reach web map: a choropleth of the share of residents within reach, per category and tier.

One choropleth per category (and per living-circle tier) as radio-button base
layers; the underserved areas and isochrones of the category shown follow the
choropleth picked (one overlay each whose content is swapped by the page).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import require_columns
from ..errors import InputError
from .encoding import escape_text, rows_table
from .page import (
    FILL_PANE,
    MapOptions,
    add_layer_control,
    add_notes,
    add_outline,
    add_panel,
    add_script,
    bind_text,
    by_category,
    check_frame,
    feature_collection,
    folium_module,
    geojson_layer,
    is_demo,
    map_for,
    merge_options,
    outline_attribution,
)
from .simplify import ISOCHRONE_MIN_HOLE_M2, fill_small_holes, infer_cell_size, simplify_for_display
from .symbology import (
    HIGHLIGHT,
    ISOCHRONE_COLOR,
    ISOCHRONE_FILL,
    NO_DATA_COLOR,
    NO_DATA_LABEL,
    SHARE_COLORS,
    SHARE_LABELS,
    UNDERSERVED_COLOR,
    UNDERSERVED_HATCH,
    legend_html,
    share_color,
)

_FIX = "pass the 'coverage' layer of reach.gpkg written by `planner-gis reach` (one row per unit and category)"

_UNDERSERVED_LABELS = {
    "unit_id": "街乡 Unit id", "category": "设施 Category", "tier_min": "圈层 Tier (min)",
    "threshold_m": "阈值 Threshold (m)", "population": "未覆盖人口 Uncovered residents",
    "team_id": "团队编号 Team id", "team_name": "责任规划师团队 Team",
}

#: Numeric columns shown in the choropleth popups, with their labels.
_POPUP_NUMBERS = (("population", "人口 Population"), ("covered_population", "覆盖人口 Covered"),
                  ("threshold_m", "阈值 Threshold (m)"), ("tier_min", "圈层 Tier (min)"))


def _fmt_share(share: float) -> str:
    """A share as a whole percentage ("—" when undefined)."""
    return "—" if share is None or not math.isfinite(share) else f"{share * 100:.0f}%"


def _fmt_num(value: Any) -> str:
    """A number with thousands separators ("" when not finite; escaped text when not a number)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return escape_text(value)
    if not math.isfinite(v):
        return ""
    return f"{v:,.0f}"


def _tier_key(category: Any) -> int | None:
    """Minutes of a tier selector such as 15, "15", "15min", "15分钟"; else None.

    >>> _tier_key("15min"), _tier_key(10), _tier_key("park")
    (15, 10, None)
    """
    if isinstance(category, (int, np.integer)):
        return int(category)
    mt = re.fullmatch(r"\s*(\d+)\s*(min|minutes?|分钟)?\s*", str(category))
    return int(mt.group(1)) if mt else None


def reach_map(
    coverage_units: gpd.GeoDataFrame,
    underserved: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    category: Any = None,
    *,
    outline: gpd.GeoDataFrame | None = None,
    title: str | None = "15分钟生活圈可达性 15-minute living circle reach",
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    attribution: str | Sequence[str] | None = None,
    note: str | None = None,
    review_number: str | None = None,
    simplify_m: float = 10.0,
    metric_crs: Any = None,
    m: Any = None,
    options: MapOptions | None = None,
):
    """Build a choropleth web map of the population share within reach, per category.

    Parameters
    ----------
    coverage_units : GeoDataFrame
        Long format, one row per unit x category: ``unit_id``, ``category``
        and ``share`` (0..1; or ``population`` and ``covered_population`` to
        compute it); used when present: ``name``, ``tier_min``,
        ``threshold_m``, ``population``, ``covered_population``.
    underserved : GeoDataFrame, optional
        Underserved polygons, drawn with a light red hatch (the choropleth stays
        readable) and a popup of their columns, for the category shown.
    isochrones : GeoDataFrame, optional
        Isochrone polygons, drawn as outlines per category (with a ``category``
        column); an overlay that is off until switched on, named after the
        categories and their walking distances.
    category : str or int, optional
        Layer shown first: a category name, or a tier in minutes (``15``,
        ``"15min"``) for the mean covered share of that tier's categories.
        Default: the first category. Every category (and every tier) gets its
        own toggleable layer.
    outline, title, tiles, tiles_attribution, attribution, note, review_number, simplify_m, metric_crs, m, options
        As in :func:`~planner_gis.webmap.audit_map` (one set of reach layers per map).

    Returns
    -------
    folium.Map

    Raises
    ------
    InputError
        If columns are missing or ``category`` is not in the data.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cov = gpd.GeoDataFrame(
    ...     {"unit_id": ["1", "1", "2", "2"], "name": ["甲", "甲", "乙", "乙"],
    ...      "category": ["park", "clinic", "park", "clinic"], "tier_min": [15, 15, 15, 15],
    ...      "share": [0.9, 0.1, 0.5, None]},
    ...     geometry=[box(0, 0, 1000, 1000)] * 2 + [box(1000, 0, 2000, 1000)] * 2, crs="EPSG:4548")
    >>> m = reach_map(cov, category="park")
    >>> from planner_gis.webmap import layer_names
    >>> layer_names(m)  # by tier, each tier's categories in the order of the table
    ['15分钟生活圈 15-min tier: mean of 2 categories', 'park', 'clinic']
    """
    opts = merge_options(options, tiles=tiles, tiles_attribution=tiles_attribution, attribution=attribution,
                         note=note, review_number=review_number, simplify_m=simplify_m, metric_crs=metric_crs)
    cov = _prepare_coverage(coverage_units)
    categories, plain, tiers = _categories(cov)
    shown_key = _shown_key(category, categories, plain, tiers)
    units = cov.drop_duplicates("unit_id")[["unit_id", "name", "geometry"]]
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=cov.crs).set_index("unit_id", drop=False)
    shown_units = simplify_for_display(units, opts.simplify_m, opts.metric_crs, what="reach coverage",
                                       groups=_unit_groups(cov))
    m = map_for(m, units, title, opts)
    layers = _Choropleths(m, cov, shown_units)
    shown_label = layers.add_all(plain, tiers, categories, shown_key)
    iso = _add_isochrones(m, isochrones, cov, opts, layers)
    under = _add_underserved(m, underserved, opts, layers)
    follow = [f[:2] for f in (iso, under) if f is not None]
    add_outline(m, outline, opts)
    items = [(color, escape_text(label), "fill") for color, label in zip(SHARE_COLORS, SHARE_LABELS)]
    items.append((NO_DATA_COLOR, escape_text(NO_DATA_LABEL), "fill"))
    # the overlays' items show only while the overlay is on and draws something for the choropleth shown
    if under is not None:
        items.append((UNDERSERVED_COLOR, escape_text(under[2]), "hatch", under[0]))
    if iso is not None:
        items.append((ISOCHRONE_COLOR, escape_text(iso[2]), "line", iso[0]))
    legend_title = ("覆盖人口比例 Covered share: "
                    f'<span class="pg-legend-layer">{escape_text(shown_label)}</span>')
    add_panel(m, "pg_legend_reach", legend_html(legend_title, items))
    add_script(m, "pg_legend_follow", "pgLegendFollows(__PG_MAP__);")
    if follow:
        add_script(m, "pg_follow", _follow_script(follow, escape_text(shown_label)))
        groups = ",".join(f"{{group: {g}, key: {_js_string(g)}}}" for g, _ in follow)
        add_script(m, "pg_legend_items", f"pgLegendItems(__PG_MAP__, [{groups}]);")
    add_notes(m, opts, outline_attribution(outline), is_demo(coverage_units, underserved, outline))
    # a long list of categories would cover the legend: the control folds it into the layers button
    add_layer_control(m)
    return m


def _prepare_coverage(coverage_units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A checked copy with ``share`` (computed from the populations if missing), ``name`` and numeric tiers."""
    check_frame(coverage_units, "reach coverage")
    require_columns(coverage_units, ("unit_id", "category"), "reach coverage", hint=_FIX)
    cov = coverage_units.copy()
    if "share" not in cov.columns:
        require_columns(cov, ("population", "covered_population"), "reach coverage (no 'share' column)", hint=_FIX)
        pop = pd.to_numeric(cov["population"], errors="coerce")
        cov["share"] = pd.to_numeric(cov["covered_population"], errors="coerce") / pop.where(pop > 0)
    cov["share"] = pd.to_numeric(cov["share"], errors="coerce").astype(float)
    cov["category"] = cov["category"].astype(str)
    if "name" not in cov.columns:
        cov["name"] = cov["unit_id"]
    if "tier_min" in cov.columns:
        cov["tier_min"] = pd.to_numeric(cov["tier_min"], errors="coerce")
    return cov


def _categories(cov: gpd.GeoDataFrame) -> tuple[list, list, list]:
    """All categories (sorted), the plain ones (not ``tier_N`` rows) by tier, and the tiers in minutes.

    Plain categories are in the order of the living circle: by ``tier_min`` (5, 10, 15 minutes), within a
    tier in the order of the coverage table (the catalogue's order), as the legend and the planner read them.
    """
    categories = sorted(cov["category"].unique())
    tier_rows = cov["category"].str.fullmatch(r"tier_\d+")
    first = cov.loc[~tier_rows].drop_duplicates("category")
    if "tier_min" in first.columns:
        first = first.assign(_t=pd.to_numeric(first["tier_min"], errors="coerce").fillna(np.inf))
        first = first.sort_values("_t", kind="stable")
    plain = first["category"].tolist()
    tiers = sorted(int(t) for t in cov["tier_min"].dropna().unique()) if "tier_min" in cov.columns else []
    tiers = sorted(set(tiers) | {int(c[5:]) for c in cov.loc[tier_rows, "category"].unique()})
    return categories, plain, tiers


def _shown_key(category: Any, categories: list, plain: list, tiers: list) -> tuple:
    """``("category", name)`` or ``("tier", minutes)`` of the layer shown first."""
    if category is None:
        if not categories:
            raise InputError("reach coverage has no rows", fix=_FIX)
        return ("category", (plain or categories)[0])
    if str(category) in categories and str(category) not in (f"tier_{t}" for t in tiers):
        return ("category", str(category))
    if re.fullmatch(r"tier_\d+", str(category)) and int(str(category)[5:]) in tiers:
        return ("category", str(category))
    if _tier_key(category) is not None and _tier_key(category) in tiers:
        return ("tier", _tier_key(category))
    raise InputError(
        f"category {category!r} is not in the reach coverage (categories: {', '.join(categories)}"
        + (f"; tiers: {', '.join(str(t) for t in tiers)} min" if tiers else "") + ")",
        fix="choose one of the listed categories or a tier in minutes",
    )


def _unit_groups(cov: gpd.GeoDataFrame) -> np.ndarray | None:
    """Coverage groups of the units for simplification (levels, or management areas apart)."""
    if "level" in cov.columns:
        return cov.drop_duplicates("unit_id")["level"].astype(str).to_numpy()
    if "unit_type" in cov.columns:
        return (cov.drop_duplicates("unit_id")["unit_type"].astype(str) == "area").to_numpy()
    return None


class _Choropleths:
    """The choropleth layers of one reach map and the labels that name them."""

    def __init__(self, m: Any, cov: gpd.GeoDataFrame, shown_units: gpd.GeoDataFrame):
        self.m, self.cov, self.shown_units = m, cov, shown_units
        self.numeric_cols = [c for c, _ in _POPUP_NUMBERS if c in cov.columns]
        self.zh = {}
        if "category_zh" in cov.columns:
            self.zh = {str(k): str(v) for k, v in
                       cov.drop_duplicates("category").set_index("category")["category_zh"].items()
                       if pd.notna(v) and str(v).strip() and str(v) != str(k)}
        self.cat_label: dict = {}  # category -> choropleth layer label (unescaped)
        self.tier_cats: dict = {}  # tier label -> categories it stands for

    def add_all(self, plain: list, tiers: list, categories: list, shown_key: tuple) -> str:
        """Add a layer per tier followed by its categories (5, 10, 15 minutes); return the label shown."""
        shown_label = ""
        tier_of = {}
        if "tier_min" in self.cov.columns:
            tier_of = {c: t for c, t in self.cov.drop_duplicates("category").set_index("category")["tier_min"]
                       .items() if pd.notna(t)}
        for t in [*tiers, None]:
            if t is not None:
                label, show = self._add_tier(t, plain, categories, shown_key)
                shown_label = label if show else shown_label
            for cat in [c for c in plain if (tier_of.get(c) == t if t is not None else c not in tier_of
                                             or tier_of[c] not in tiers)]:
                label = f"{self.zh[cat]} {cat}" if cat in self.zh else cat
                self.cat_label[cat] = label
                if shown_key == ("category", cat):
                    shown_label = label
                self.add(label, self._per_unit(cat), shown_key == ("category", cat), "")
        return shown_label

    def _per_unit(self, cat: str) -> pd.DataFrame:
        """Share and the popup numbers of category ``cat`` per unit."""
        sub = self.cov[self.cov["category"] == cat].drop_duplicates("unit_id").set_index("unit_id")
        return sub[["share"] + self.numeric_cols]

    def _add_tier(self, t: int, plain: list, categories: list, shown_key: tuple) -> tuple[str, bool]:
        """The layer of tier ``t``: the engine's joint coverage (``tier_t`` rows) or the mean of its categories."""
        cov = self.cov
        if f"tier_{t}" in categories:  # the reach engine's joint coverage of the tier
            cat = f"tier_{t}"
            label = f"{t}分钟生活圈 {t}-min tier: all categories ({cat})"
            self.cat_label[cat] = label
            if "tier_min" in cov.columns:
                self.tier_cats[label] = sorted(cov.loc[(cov["tier_min"] == t) & cov["category"].isin(plain),
                                                       "category"].unique())
            show = shown_key in (("tier", t), ("category", cat))
            self.add(label, self._per_unit(cat), show, "share of residents who reach every category of the tier")
            return label, show
        sub = cov[(cov["tier_min"] == t) & cov["category"].isin(plain)]
        cats_t = sorted(sub["category"].unique())
        agg = sub.groupby("unit_id").agg(share=("share", "mean"))
        if "population" in sub.columns:
            agg["population"] = pd.to_numeric(sub.groupby("unit_id")["population"].first(), errors="coerce")
        agg["tier_min"] = t
        label = (f"{t}分钟生活圈 {t}-min tier: mean of {len(cats_t)} "
                 + ("category" if len(cats_t) == 1 else "categories"))
        self.tier_cats[label] = cats_t
        show = shown_key == ("tier", t)
        self.add(label, agg, show, f"mean covered share of: {', '.join(cats_t)}")
        return label, show

    def add(self, label: str, per_unit: pd.DataFrame, show: bool, detail: str) -> None:
        """One choropleth layer (a base layer: one is shown at a time)."""
        shown_units = self.shown_units
        per_unit = per_unit.reindex(shown_units.index)
        props = []
        for uid, row in per_unit.iterrows():
            share = row["share"]
            share = float(share) if pd.notna(share) else float("nan")
            name = shown_units.at[uid, "name"]
            rows = [("名称 Name", escape_text(name)), ("编码 Unit id", escape_text(uid)),
                    ("图层 Layer", escape_text(label)), ("覆盖率 Covered share", _fmt_share(share))]
            rows += [(lbl, _fmt_num(row[col])) for col, lbl in _POPUP_NUMBERS
                     if col in row.index and pd.notna(row[col])]
            if detail:
                rows.append(("说明 Note", escape_text(detail)))
            props.append({"_c": share_color(share),
                          "_tip": f"{escape_text(name)} · {escape_text(label)}: {_fmt_share(share)}",
                          "_popup": rows_table(rows)})
        geojson_layer(
            self.m, feature_collection(shown_units, props), name=escape_text(label), show=show, overlay=False,
            pane=FILL_PANE,
            style_function=lambda f: {"fillColor": f["properties"]["_c"], "color": "#ffffff",
                                      "weight": 1.0, "fillOpacity": 0.75},
            highlight_function=lambda f: HIGHLIGHT,
            on_each_feature=bind_text(),
        ).add_to(self.m)

    def labels_of(self, cat: str, tiers: bool = True) -> list:
        """Escaped choropleth labels under which a category's extra layers are shown."""
        if cat == "":  # no category column: shown with every choropleth
            return [escape_text(lbl) for lbl in [*self.cat_label.values(), *self.tier_cats]]
        out = [self.cat_label[cat]] if cat in self.cat_label else []
        if tiers:
            out += [lbl for lbl, cats in self.tier_cats.items() if cat in cats]
        return [escape_text(lbl) for lbl in out]


def _isochrones_per_category(isochrones: gpd.GeoDataFrame, cov: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each category's isochrones at its own threshold only, united into one outline per category."""
    iso = isochrones
    if "threshold_m" in iso.columns and "category" in iso.columns and "threshold_m" in cov.columns:
        own = cov.drop_duplicates("category").set_index("category")["threshold_m"]
        own = pd.to_numeric(own, errors="coerce")
        want = iso["category"].astype(str).map(own)
        keep = want.isna() | (pd.to_numeric(iso["threshold_m"], errors="coerce") == want)
        iso = iso[keep.to_numpy()]
    if "category" in iso.columns and len(iso):
        # one outline per category: the area within reach of any of its facilities
        iso = iso[iso.geometry.notna()]
        iso = gpd.GeoDataFrame(
            {"category": sorted(iso["category"].astype(str).unique())},
            geometry=[shapely.union_all(np.asarray(g.geometry.values, dtype=object))
                      for _, g in sorted(iso.groupby(iso["category"].astype(str)), key=lambda kv: kv[0])],
            crs=iso.crs)
    return iso


def _isochrone_label(iso: gpd.GeoDataFrame, cov: gpd.GeoDataFrame, zh: dict) -> str:
    """The overlay's name: which facilities' isochrones, at which walking distances."""
    if "category" not in iso.columns:
        return "等时圈 Isochrones"
    own = {}
    if "threshold_m" in cov.columns:
        own = pd.to_numeric(cov.drop_duplicates("category").set_index("category")["threshold_m"],
                            errors="coerce").to_dict()
    order = list(cov["category"].drop_duplicates())
    cats = sorted(iso["category"].astype(str).unique(), key=lambda c: (order.index(c) if c in order else 1e9, c))
    parts = []
    for c in cats:
        name = f"{zh[c]} {c}" if c in zh else c
        parts.append(f"{name} {own[c]:g} m" if c in own and pd.notna(own[c]) else name)
    return "等时圈 Isochrones (walk): " + ", ".join(parts)


def _add_isochrones(m: Any, isochrones: gpd.GeoDataFrame | None, cov: gpd.GeoDataFrame, opts: MapOptions,
                    layers: _Choropleths) -> tuple | None:
    """The isochrones overlay (off until switched on), following the choropleth shown.

    Returns ``(group, members, label)`` or None.
    """
    if isochrones is None or not len(isochrones):
        return None
    folium = folium_module()
    check_frame(isochrones, "isochrones")
    iso = _isochrones_per_category(isochrones, cov)
    label = _isochrone_label(iso, cov, layers.zh)
    iso = simplify_for_display(fill_small_holes(iso, ISOCHRONE_MIN_HOLE_M2, opts.metric_crs), opts.simplify_m,
                               opts.metric_crs, what="isochrones", as_coverage=False)
    # hundreds of outlines over the choropleth: drawn only when asked for
    group = folium.FeatureGroup(name=escape_text(label), overlay=True, show=False).add_to(m)
    members: dict = {}
    for cat, g in by_category(iso):
        layer = geojson_layer(
            m, feature_collection(g, [{} for _ in range(len(g))]), show=False, control=False, interactive=False,
            style_function=lambda f: {"color": ISOCHRONE_COLOR, "weight": 0.8, "fill": True,
                                      "fillColor": ISOCHRONE_FILL, "fillOpacity": 0.15},
        ).add_to(group)
        for name in layers.labels_of(cat):
            members.setdefault(name, []).append(layer.get_name())
    return group.get_name(), members, label


def _add_underserved(m: Any, underserved: gpd.GeoDataFrame | None, opts: MapOptions,
                     layers: _Choropleths) -> tuple | None:
    """The underserved overlay, hatched, following the choropleth shown; ``(group, members, label)`` or None."""
    if underserved is None or not len(underserved):
        return None
    folium = folium_module()
    check_frame(underserved, "underserved areas")
    # traced from population cells: their staircase outlines are only accurate to a
    # cell, so each is simplified (Douglas-Peucker) to within half a cell; pieces of
    # neighbouring units are not a clean coverage (clipped cells), so per polygon
    cell = infer_cell_size(underserved, opts.metric_crs)
    tol = max(opts.simplify_m, cell) if (cell and opts.simplify_m) else opts.simplify_m
    und = simplify_for_display(
        underserved, tol, opts.metric_crs, what="underserved areas", as_coverage=False,
        groups=underserved["category"].astype(str).to_numpy() if "category" in underserved.columns else None)
    # a hatch of thin lines, no solid fill: the coverage classes below stay readable
    add_script(m, "pg_hatch", f"pgHatch({_js_string(UNDERSERVED_HATCH)}, {_js_string(UNDERSERVED_COLOR)});")
    label = "服务不足 Underserved"
    group = folium.FeatureGroup(name=label, overlay=True, show=True).add_to(m)
    members: dict = {}
    for cat, g in by_category(und):
        cols = [c for c in g.columns if c != g.geometry.name][:10]
        props = []
        for _, row in g.iterrows():
            rows = [(_UNDERSERVED_LABELS.get(c, escape_text(c)),
                     _fmt_num(row[c]) if isinstance(row[c], (float, np.floating)) else escape_text(row[c]))
                    for c in cols]
            props.append({"_tip": f"服务不足 Underserved · {escape_text(layers.cat_label.get(cat, cat))}".rstrip(" ·"),
                          "_popup": rows_table(rows)})
        layer = geojson_layer(
            m, feature_collection(g, props), show=False, control=False,
            style_function=lambda f: {"color": UNDERSERVED_COLOR, "weight": 1, "opacity": 0.7,
                                      "fillColor": f"url(#{UNDERSERVED_HATCH})", "fillOpacity": 1.0},
            on_each_feature=bind_text(),
        ).add_to(group)
        # a tier's map would be cluttered by all its categories' areas: exact category only
        for name in layers.labels_of(cat, tiers=False):
            members.setdefault(name, []).append(layer.get_name())
    return group.get_name(), members, label


def _js_string(text: str) -> str:
    """A JSON string literal (ASCII) that cannot end an inline script."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _follow_script(follow: Sequence[tuple], initial: str) -> str:
    """Page code that keeps each overlay group filled with the members of the choropleth shown."""
    def spec(group: str, members: dict) -> str:
        listed = ",".join(f"{_js_string(label)}: [{','.join(names)}]" for label, names in members.items())
        return f"{{group: {group}, members: {{{listed}}}}}"

    groups = ",".join(spec(group, members) for group, members in follow)
    return f"pgFollow(__PG_MAP__, [{groups}], {_js_string(initial)});"
