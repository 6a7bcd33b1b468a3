"""The audit web map: units coloured by coverage status, management areas, boundary findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from .._validate import require_columns
from .encoding import escape_text, rows_table
from .page import (
    FILL_PANE,
    MapOptions,
    add_layer_control,
    add_notes,
    add_outline,
    add_panel,
    bind_text,
    check_frame,
    feature_collection,
    geojson_layer,
    is_demo,
    map_for,
    merge_options,
    outline_attribution,
)
from .simplify import simplify_for_display
from .symbology import (
    GAP_COLOR,
    HIGHLIGHT,
    OTHER_STATUS_COLOR,
    OVERLAP_COLOR,
    SLIVER_COLOR,
    STATUS_STYLES,
    legend_html,
)

_UNIT_TYPE_LABELS = {
    "street": "街道 street", "township": "乡 township", "town": "镇 town",
    "area": "地区/管理区 area", "community": "社区 community",
}


def _unit_popup(row: Mapping[str, Any]) -> str:
    """Popup table of a unit: name, id, type, status, teams, roles, contract end, volunteers."""
    status = str(row.get("status", ""))
    status_label = STATUS_STYLES.get(status, (None, escape_text(status)))[1]
    utype = row.get("unit_type", "")
    rows = [
        ("名称 Name", escape_text(row.get("name"))),
        ("编码 Unit id", escape_text(row.get("unit_id"))),
        ("类型 Type", escape_text(_UNIT_TYPE_LABELS.get(str(utype), utype))),
        ("状态 Status", escape_text(status_label)),
        ("团队 Team(s)", escape_text(row.get("team_names")) or escape_text(row.get("team_ids"))),
        ("角色 Role", escape_text(row.get("roles"))),
        ("机构类型 Organisation", escape_text(row.get("org_types"))),
        ("合同截止 Contract end", escape_text(row.get("contract_end"))),
        ("志愿者 Volunteers", escape_text(row.get("volunteers"))),
    ]
    return rows_table(rows)


#: The boundary findings drawn: kind, colour and layer name.
FINDING_LAYERS = (("boundary_gap", GAP_COLOR, "边界缺口 Boundary gaps"),
                  ("boundary_sliver", SLIVER_COLOR, "边界细缝 Boundary slivers"),
                  ("boundary_overlap", OVERLAP_COLOR, "边界重叠 Boundary overlaps"))
#: Columns of the units used when present (filled with "" when missing).
OPTIONAL_UNIT_COLUMNS = ("unit_type", "level", "team_ids", "team_names", "roles", "org_types", "contract_end",
                         "volunteers")


def audit_map(
    result_or_units: Any,
    findings: gpd.GeoDataFrame | None = None,
    *,
    outline: gpd.GeoDataFrame | None = None,
    title: str | None = "责任规划师覆盖审查 Responsibility planner coverage audit",
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
    """Build a web map of an audit: units coloured by status, overlays and boundary findings.

    Parameters
    ----------
    result_or_units : AuditResult or GeoDataFrame
        The result of :func:`planner_gis.audit.audit` (its ``units`` and
        ``findings`` are used), or its ``units`` frame. Needed columns:
        ``unit_id``, ``name``, ``status``; used when present: ``unit_type``,
        ``level``, ``team_ids``, ``team_names``, ``roles``, ``org_types``,
        ``contract_end``, ``volunteers``.
    findings : GeoDataFrame, optional
        Audit findings; ``boundary_gap`` and ``boundary_overlap`` rows with a
        polygon are drawn. Defaults to the result's findings.
    outline : GeoDataFrame, optional
        District outline to draw. If its ``source`` column mentions
        OpenStreetMap the ODbL attribution is added.
    title : str, optional
        Map title (escaped).
    tiles : str, optional
        Basemap tile URL template with ``{z}``, ``{x}``, ``{y}``. Default: no
        basemap and no request leaves the page.
    tiles_attribution : str, optional
        Attribution of the basemap.
    attribution : str or list of str, optional
        Further attributions of the data (escaped).
    note : str, optional
        Note on the data. Default: :data:`DEMO_NOTE` when a
        ``geometry_quality`` (or ``source``) column says schematic/synthetic.
    review_number : str, optional
        The map review number (审图号); without it a footnote says one is needed.
    simplify_m : float
        Display simplification tolerance in metres (see :func:`simplify_for_display`).
    metric_crs : optional
        Metric CRS for simplification (default by the CRS policy).
    m : folium.Map, optional
        Add the layers to this map (made by :func:`audit_map`, :func:`reach_map`
        or any folium map) instead of a new one; its title and basemap stay,
        notes and attributions are merged.
    options : MapOptions, optional
        The shared settings as one object; keywords given explicitly (not at
        their default) override its fields.

    Returns
    -------
    folium.Map
        Nothing is saved: use :func:`save_map`.

    Raises
    ------
    InputError
        If the units lack needed columns or ``tiles`` is not a URL template.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"unit_id": ["1", "2", "A"], "name": ["甲街道", "乙街道", "丙地区"],
    ...      "unit_type": ["street", "street", "area"], "level": ["base", "base", "overlay"],
    ...      "status": ["covered", "expiring", "unassigned"], "team_names": ["清华团队", "", ""]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(500, 200, 1500, 800)],
    ...     crs="EPSG:4548")
    >>> m = audit_map(units)
    >>> from planner_gis.webmap import layer_names
    >>> sorted(layer_names(m))
    ['管理区 Management areas (overlay)', '街乡 Units by status']
    """
    opts = merge_options(options, tiles=tiles, tiles_attribution=tiles_attribution, attribution=attribution,
                         note=note, review_number=review_number, simplify_m=simplify_m, metric_crs=metric_crs)
    units, findings = _units_and_findings(result_or_units, findings)
    level = units["level"].astype(str).str.lower()
    utype = units["unit_type"].astype(str).str.lower()
    is_overlay = (level == "overlay") | ((level.isin(["", "nan", "none"])) & (utype == "area"))
    shown = simplify_for_display(units, opts.simplify_m, opts.metric_crs, what="audit units",
                                 groups=is_overlay.to_numpy())
    m = map_for(m, units, title, opts)
    overlay_drawn = _add_units(m, shown, is_overlay)
    kinds_drawn = _add_findings(m, findings, opts)
    add_outline(m, outline, opts)
    present = set(units["status"].astype(str))
    items = [(c, escape_text(lbl), "fill") for s, (c, lbl) in STATUS_STYLES.items() if s in present]
    others = sorted(present - set(STATUS_STYLES))
    if others:
        items.append((OTHER_STATUS_COLOR, escape_text("其他 Other: " + ", ".join(others)), "fill"))
    if overlay_drawn:
        items.append(("#555555", escape_text("管理区（虚线，颜色为覆盖状态） Management area: dashed, in its "
                                             "status colour"), "dashed"))
    items.extend(kinds_drawn)
    add_panel(m, "pg_legend_audit", legend_html("覆盖状态 Coverage status", items))
    add_notes(m, opts, outline_attribution(outline), is_demo(units, outline))
    add_layer_control(m)
    return m


def _units_and_findings(result_or_units: Any,
                        findings: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """The units (checked, a copy with every optional column) and the findings to draw."""
    if hasattr(result_or_units, "units"):
        units = result_or_units.units
        if findings is None:
            findings = getattr(result_or_units, "findings", None)
    else:
        units = result_or_units
    check_frame(units, "audit units")
    require_columns(units, ("unit_id", "name", "status"), "audit units",
                    hint="pass AuditResult.units or the 'units' layer of audit.gpkg written by `planner-gis audit`")
    units = units.copy()
    for col in OPTIONAL_UNIT_COLUMNS:
        if col not in units.columns:
            units[col] = ""
    return units, findings


def _unit_props(frame: gpd.GeoDataFrame) -> list:
    """Style key, tooltip and popup of each unit."""
    props = []
    for _, row in frame.iterrows():
        status = str(row["status"])
        props.append({
            "_s": status if status in STATUS_STYLES else "other",
            "_tip": f"{escape_text(row['name'])} · {escape_text(STATUS_STYLES.get(status, ('', status))[1])}",
            "_popup": _unit_popup(row),
        })
    return props


def _status_color(feature: dict) -> str:
    s = feature["properties"]["_s"]
    return STATUS_STYLES[s][0] if s in STATUS_STYLES else OTHER_STATUS_COLOR


def _status_style(feature: dict) -> dict:
    """Fill of a unit by its status."""
    return {"fillColor": _status_color(feature), "color": "#ffffff", "weight": 1.2, "fillOpacity": 0.65}


def _overlay_style(feature: dict) -> dict:
    """A management area over the streets: a dashed outline in its status colour.

    No fill: the streets below stay visible and clickable.
    """
    return {"color": _status_color(feature), "weight": 3.5, "dashArray": "8 4", "fill": False}


def _add_units(m, shown: gpd.GeoDataFrame, is_overlay: pd.Series) -> bool:
    """Base units filled by status and management areas as outlines; True if there are management areas."""
    over_mask = is_overlay.reindex(shown.index).fillna(False).astype(bool)
    base, over = shown[~over_mask], shown[over_mask]
    if len(base):
        geojson_layer(
            m, feature_collection(base, _unit_props(base)), name="街乡 Units by status",
            style_function=_status_style, highlight_function=lambda f: HIGHLIGHT,
            on_each_feature=bind_text(), pane=FILL_PANE,
        ).add_to(m)
    if len(over):
        geojson_layer(
            m, feature_collection(over, _unit_props(over)), name="管理区 Management areas (overlay)",
            style_function=_overlay_style,
            highlight_function=lambda f: {"weight": 5},
            on_each_feature=bind_text(),
        ).add_to(m)
    return bool(len(over))


def _add_findings(m, findings: gpd.GeoDataFrame | None, opts: MapOptions) -> list:
    """Boundary gaps and overlaps with a polygon, one layer each; their legend items."""
    drawn: list = []
    if not (findings is not None and len(findings) and "kind" in findings.columns
            and isinstance(findings, gpd.GeoDataFrame)):
        return drawn
    for kind, color, label in FINDING_LAYERS:
        sel = findings[(findings["kind"].astype(str) == kind)]
        sel = sel[sel.geometry.notna() & ~sel.geometry.is_empty]
        if len(sel) == 0:
            continue
        check_frame(sel, "audit findings")
        fshown = simplify_for_display(sel, 0.0, opts.metric_crs, what="audit findings")
        props = [{"_tip": escape_text(label),
                  "_popup": rows_table([("问题 Finding", escape_text(label)),
                                        ("级别 Severity", escape_text(row.get("severity"))),
                                        ("街乡 Unit", escape_text(row.get("unit_id"))),
                                        ("说明 Message", escape_text(row.get("message")))])}
                 for _, row in fshown.iterrows()]
        geojson_layer(
            m, feature_collection(fshown, props), name=label,
            style_function=lambda f, c=color: {"color": c, "weight": 2.5, "fillColor": c, "fillOpacity": 0.55},
            on_each_feature=bind_text(),
        ).add_to(m)
        drawn.append((color, escape_text(label), "fill"))
    return drawn
