"""The evaluation web map: units coloured by compliance, work records by team, popups with the rule results.

One choropleth per rule (and one for all rules) as radio-button base layers:
a unit is green when every rule passed, orange when some failed, red when
none passed, grey when no rule applied (not evaluated); a single rule's layer
shows passed / failed. The records are circle markers, one toggleable layer
per team in its own colour, and one layer of the records no rule counted
(outside their unit, outside the contract, unknown team). A unit's popup
lists every rule result of its teams and people; a record's popup its date,
kind, team, unit and finding. Every text from the data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from .._validate import require_columns
from ..records.kinds import KIND_LABELS_ZH
from ..styles import load_map_styles
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
from .symbology import HIGHLIGHT, OVERLAY_COLOR, bilingual, legend_html

_STYLES = load_map_styles()["evaluation"]
#: Colour and label of each compliance class of a unit.
COMPLIANCE_STYLES = {k: (v["color"], bilingual(v)) for k, v in _STYLES["compliance"].items()}
#: Colour and label of a unit on one rule's layer (passed, failed, "" = not evaluated).
RULE_STYLES = {k: (v["color"], bilingual(v)) for k, v in _STYLES["rule"].items()}
TEAM_PALETTE = tuple(_STYLES["team_palette"])
NOT_COUNTED_COLOR = _STYLES["not_counted"]["color"]
ALL_RULES = "全部规则 All rules"
_FIX = "pass EvaluationResult.units or the 'units' layer of evaluation.gpkg written by `planner-gis evaluate`"


def evaluation_map(
    result_or_units: Any,
    records: gpd.GeoDataFrame | None = None,
    compliance: pd.DataFrame | None = None,
    *,
    rules: Any = None,
    rule: str | None = None,
    outline: gpd.GeoDataFrame | None = None,
    title: str | None = "责任规划师履职评估 Planner work evaluation",
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
    """Build a web map of an annual evaluation.

    Parameters
    ----------
    result_or_units : EvaluationResult or GeoDataFrame
        The result of :func:`planner_gis.evaluation.evaluate` (its units,
        records, compliance and rules are used), or its ``units`` (the ``units``
        layer of ``evaluation.gpkg``): ``unit_id``, ``compliance`` and one column
        per rule; used when present: ``name``, ``level``, ``team_ids``,
        ``records``, ``visits``, ``service_days``, ``deduction``.
    records : GeoDataFrame, optional
        Placed records (``records`` layer): ``record_id``, ``team_id``,
        ``date``, ``kind``, ``unit_id``, ``finding``, ``counted``.
    compliance : DataFrame, optional
        The compliance rows (``compliance.csv``), listed in the unit popups.
    rules : RuleSet, dict or mapping, optional
        The rule set (or ``{rule_id: title}``), naming the rule layers.
    rule : str, optional
        The rule whose layer is shown first (default: all rules).
    outline, title, tiles, tiles_attribution, attribution, note, review_number, simplify_m, metric_crs, m, options
        As in :func:`~planner_gis.webmap.audit_map`.

    Returns
    -------
    folium.Map

    Raises
    ------
    InputError
        If the units lack columns or ``rule`` is not one of the rules.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> units = gpd.GeoDataFrame({"unit_id": ["1", "2"], "name": ["甲街道", "<b>乙</b>"],
    ...     "compliance": ["passed", "partial"], "LC-visits": ["passed", "failed"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:4548")
    >>> recs = gpd.GeoDataFrame({"record_id": ["R1", "R2"], "team_id": ["T1", "T1"], "kind": ["visit"] * 2,
    ...     "date": ["2025-03-01"] * 2, "unit_id": ["1", ""], "finding": ["", "outside_unit"],
    ...     "counted": [True, False]}, geometry=[Point(500, 500), Point(500, 3000)], crs="EPSG:4548")
    >>> m = evaluation_map(units, recs)
    >>> from planner_gis.webmap import layer_names
    >>> layer_names(m)
    ['全部规则 All rules', 'LC-visits', '团队 Team T1', '未计入 Not counted']
    """
    opts = merge_options(options, tiles=tiles, tiles_attribution=tiles_attribution, attribution=attribution,
                         note=note, review_number=review_number, simplify_m=simplify_m, metric_crs=metric_crs)
    units, records, compliance, titles = _inputs(result_or_units, records, compliance, rules)
    rule_ids = _rule_ids(units, compliance, titles)
    if rule is not None and rule not in rule_ids:
        from ..errors import InputError

        raise InputError(f"rule {rule!r} is not in the evaluation (rules: {', '.join(rule_ids)})",
                         fix="choose one of the listed rule ids")
    overlay = units["level"].astype(str).eq("overlay").to_numpy() if "level" in units.columns else None
    shown = simplify_for_display(units, opts.simplify_m, opts.metric_crs, what="evaluation units", groups=overlay)
    m = map_for(m, units, title, opts)
    popups = _unit_popups(units, compliance, titles)
    _add_choropleth(m, shown, "compliance", ALL_RULES, COMPLIANCE_STYLES, popups, rule is None)
    for rid in rule_ids:
        _add_choropleth(m, shown, rid, _rule_label(rid, titles), RULE_STYLES, popups, rule == rid)
    drawn = _add_records(m, records)
    add_outline(m, outline, opts)
    items = [(c, escape_text(lbl), "fill") for c, lbl in COMPLIANCE_STYLES.values()]
    if drawn:
        items.append((TEAM_PALETTE[0], escape_text("工作记录（按团队着色） Work records, coloured by team"), "line"))
    if drawn > 1:
        items.append((NOT_COUNTED_COLOR, escape_text(bilingual(_STYLES["not_counted"])), "line"))
    add_panel(m, "pg_legend_evaluation", legend_html("履职评估 Evaluation", items))
    add_notes(m, opts, outline_attribution(outline), is_demo(units, outline))
    add_layer_control(m)
    return m


def _inputs(result_or_units, records, compliance, rules) -> tuple:
    """Units (checked copy), records in lon/lat, the compliance rows and the rule titles."""
    if hasattr(result_or_units, "units") and hasattr(result_or_units, "compliance"):
        res = result_or_units
        units = res.units
        records = res.records if records is None else records
        compliance = res.compliance if compliance is None else compliance
        rules = res.rules if rules is None else rules
    else:
        units = result_or_units
    check_frame(units, "evaluation units")
    require_columns(units, ("unit_id", "compliance"), "evaluation units", hint=_FIX)
    units = units.copy()
    if "name" not in units.columns:
        units["name"] = units["unit_id"]
    if records is not None:
        check_frame(records, "evaluation records")
        require_columns(records, ("record_id", "team_id"), "evaluation records",
                        hint="pass the 'records' layer of evaluation.gpkg")
        records = records[records.geometry.notna() & ~records.geometry.is_empty].to_crs(4326)
    return units, records, compliance, _titles(rules)


def _titles(rules) -> dict:
    """``{rule_id: "title_zh title"}`` of a RuleSet, its ``to_dict()`` or a plain mapping."""
    if rules is None:
        return {}
    if isinstance(rules, Mapping) and "rules" not in rules:
        return {str(k): str(v) for k, v in rules.items()}
    entries = rules["rules"] if isinstance(rules, Mapping) else [vars(r) for r in rules.rules]
    return {e["id"]: f"{e.get('title_zh', '')} {e.get('title', '')}".strip() for e in entries}


def _rule_ids(units: gpd.GeoDataFrame, compliance, titles: dict) -> list:
    """The rules with a column in the units, in the rule set's order when known."""
    known = list(titles) if titles else []
    if compliance is not None and len(compliance):
        known += [r for r in pd.unique(compliance["rule_id"].astype(str)) if r not in known]
    if not known:  # a units layer alone: its passed/failed columns
        skip = {"unit_id", "name", "compliance", "unit_type", "level", "team_ids"}
        known = [c for c in units.columns if c not in skip and c != units.geometry.name
                 and units[c].astype(str).isin(["passed", "failed", ""]).all()]
    return [r for r in known if r in units.columns]


def _rule_label(rule_id: str, titles: dict) -> str:
    title = titles.get(rule_id, "")
    return f"{rule_id} {title}".strip()


def _fmt(value: Any) -> str:
    """A value of the compliance table for a popup (shares as percentages when below 1)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return escape_text(value)
    if not math.isfinite(v):
        return "—"
    return f"{v:g}" if v == int(v) or abs(v) >= 1 else f"{v:.3g}"


def _unit_popups(units: gpd.GeoDataFrame, compliance, titles: dict) -> dict:
    """Popup HTML of each unit: its facts and every rule result that names it."""
    rows_of: dict = {}
    if compliance is not None and len(compliance):
        for r in compliance.to_dict("records"):
            for uid in str(r.get("unit_id", "")).split(";"):
                rows_of.setdefault(uid, []).append(r)
    out = {}
    for _, u in units.iterrows():
        status = str(u["compliance"])
        rows = [("名称 Name", escape_text(u.get("name"))), ("编码 Unit id", escape_text(u["unit_id"])),
                ("团队 Team(s)", escape_text(u.get("team_ids", ""))),
                ("评估 Compliance", escape_text(COMPLIANCE_STYLES.get(status, ("", status))[1]))]
        rows += [(lbl, _fmt(u[col])) for col, lbl in (("records", "记录 Records"), ("visits", "走访 Visits"),
                                                     ("service_days", "服务天数 Service days"),
                                                     ("deduction", "扣减服务费 Fee deduction (yuan)"))
                 if col in u.index and pd.notna(u[col])]
        for r in rows_of.get(str(u["unit_id"]), []):
            mark = "✓" if _passed(r["passed"]) else "✗"
            who = " · ".join(escape_text(x) for x in (r.get("team_id"), r.get("person_id")) if x and str(x) != "nan")
            text = f"{mark} {_fmt(r['value'])} / {_fmt(r['required'])} — {escape_text(r.get('message', ''))}"
            rows.append((f"{escape_text(r['rule_id'])}<br><small>{who}</small>", text))
        out[str(u["unit_id"])] = rows_table(rows)
    return out


def _passed(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _add_choropleth(m, shown: gpd.GeoDataFrame, column: str, label: str, styles: dict, popups: dict,
                    show: bool) -> None:
    """One base layer: the units filled by ``column`` (compliance class, or passed/failed of a rule)."""
    overlay = shown["level"].astype(str).eq("overlay") if "level" in shown.columns else pd.Series(False,
                                                                                                 index=shown.index)
    props = []
    for (_, u), over in zip(shown.iterrows(), overlay):
        value = "" if pd.isna(u[column]) else str(u[column])
        color, text = styles.get(value, styles.get("", ("#bdbdbd", value)))
        props.append({"_c": color, "_o": bool(over),
                      "_tip": f"{escape_text(u['name'])} · {escape_text(label)}: {escape_text(text)}",
                      "_popup": popups.get(str(u["unit_id"]), "")})
    geojson_layer(
        m, feature_collection(shown, props), name=escape_text(label), show=show, overlay=False, pane=FILL_PANE,
        style_function=lambda f: {"fillColor": f["properties"]["_c"], "fillOpacity": 0.6,
                                  "color": OVERLAY_COLOR if f["properties"]["_o"] else "#ffffff",
                                  "weight": 2.0 if f["properties"]["_o"] else 1.0,
                                  "dashArray": "6 4" if f["properties"]["_o"] else None},
        highlight_function=lambda f: HIGHLIGHT, on_each_feature=bind_text(),
    ).add_to(m)


def _record_popup(r: Mapping) -> str:
    kind = str(r.get("kind", ""))
    rows = [("记录 Record", escape_text(r.get("record_id"))), ("日期 Date", escape_text(r.get("date"))),
            ("类型 Kind", escape_text(f"{KIND_LABELS_ZH.get(kind, '')} {kind}".strip())),
            ("团队 Team", escape_text(r.get("team_id"))), ("人员 Person", escape_text(r.get("person_id", ""))),
            ("单元 Unit", escape_text(r.get("unit_id", "")))]
    if pd.notna(r.get("distance_m")) and r.get("distance_m") not in ("", None):
        rows.append(("距单元 Distance to unit (m)", _fmt(r.get("distance_m"))))
    if r.get("finding"):
        rows.append(("问题 Finding", escape_text(r.get("finding"))))
    if r.get("notes"):
        rows.append(("备注 Notes", escape_text(r.get("notes"))))
    return rows_table(rows)


def _add_records(m, records: gpd.GeoDataFrame | None) -> int:
    """Counted records as one layer per team and the others as one layer; the number of layers drawn."""
    if records is None or not len(records):
        return 0
    counted = records["counted"].map(_passed) if "counted" in records.columns else pd.Series(True, records.index)
    drawn = 0
    for i, (team, grp) in enumerate(sorted(records[counted.to_numpy()].groupby("team_id"), key=lambda kv: kv[0])):
        color = TEAM_PALETTE[i % len(TEAM_PALETTE)]
        _points_layer(m, grp, f"团队 Team {team}", {"color": "#ffffff", "weight": 1, "fillColor": color,
                                                   "fillOpacity": 0.9})
        drawn += 1
    rest = records[~counted.to_numpy()]
    if len(rest):
        _points_layer(m, rest, "未计入 Not counted", {"color": NOT_COUNTED_COLOR, "weight": 2.5,
                                                      "fillColor": "#ffffff", "fillOpacity": 0.6}, radius=6)
        drawn += 1
    return drawn


def _points_layer(m, grp: gpd.GeoDataFrame, name: str, style: dict, radius: int = 4) -> None:
    props = [{"_tip": f"{escape_text(r.get('record_id'))} · {escape_text(r.get('kind'))} · "
                      f"{escape_text(r.get('team_id'))}", "_popup": _record_popup(r)}
             for r in grp.drop(columns=grp.geometry.name).to_dict("records")]
    geojson_layer(m, feature_collection(grp, props), name=escape_text(name), pgRadius=radius,
                  style_function=lambda f: style, highlight_function=lambda f: {"weight": 3, "color": "#000000"},
                  on_each_feature=bind_text()).add_to(m)
