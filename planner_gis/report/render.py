"""Assembling and writing the report: tables -> template values -> HTML (Jinja2) -> PDF (WeasyPrint).

:func:`build_report` makes the HTML of the district summary and of each unit;
:func:`write_report` writes ``district.pdf``/``.html`` and
``units/<unit_id>.pdf``/``.html`` atomically.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import datetime as _dt
from pathlib import Path

import pandas as pd

from .._progress import ProgressCallback, report
from ..constants import PathLike
from ..errors import InputError, OutputError
from . import charts
from .context import NA, indicator_rows, indicator_sources, pct, residents, sources, team_of
from .inputs import ReportInputs
from .profiles import Profile, load_profile
from .tables import district_indicators, gap_table, indicator_table, unit_evaluation

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Output formats of :func:`write_report`.
FORMATS = ("pdf", "html")


@dataclasses.dataclass
class Report:
    """The HTML of a report and the tables its numbers come from."""

    district_html: str
    unit_html: dict  #: unit_id -> HTML
    indicators: pd.DataFrame  #: :func:`~planner_gis.report.tables.indicator_table`
    district: pd.DataFrame  #: :func:`~planner_gis.report.tables.district_indicators`
    gaps: pd.DataFrame  #: :func:`~planner_gis.report.tables.gap_table`
    names: dict  #: unit_id -> unit name
    profile_id: str = ""  #: the id of the profile used


def _environment():
    """The Jinja2 environment of the report templates (HTML autoescaped)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def demo_notes(inputs: ReportInputs) -> list:
    """The schematic/synthetic note when the inputs are the bundled demo data (as on the web maps)."""
    from .. import datasets
    from ..webmap import DEMO_NOTE

    data = str(datasets.data_dir())
    paths = [str(v) for v in inputs.reach_info.get("inputs", {}).values() if isinstance(v, str)]
    schematic = inputs.audit_units is not None and "geometry_quality" in inputs.audit_units and \
        inputs.audit_units["geometry_quality"].astype(str).str.contains("schematic|synthetic").any()
    return [DEMO_NOTE] if schematic or any(p.startswith(data) for p in paths) else []


def _headline(profile: Profile, table: pd.DataFrame) -> str:
    """The indicator the district map shows: tier_15 when assessed, else the first assessed one."""
    assessed = table[table["status"] != "not_assessed"]["key"]
    for key in ("tier_15", *assessed):
        if key in set(assessed):
            return key
    return profile.indicators[0].key


def _sites_context(inputs: ReportInputs, unit_id: str | None) -> dict | None:
    """The suggested sites (of one unit, or all) as printed."""
    if inputs.sites is None:
        return None
    sites = inputs.sites if unit_id is None else inputs.sites[inputs.sites["unit_id"] == unit_id]
    info = inputs.suggest_info or {}
    rows = [{"rank": r["rank"], "candidate_id": r["candidate_id"], "unit_id": r["unit_id"],
             "gain": residents(r["gain_population"]), "share": pct(r["cumulative_share"])} for _, r in sites.iterrows()]
    note = (f"{info.get('model', '')} {info.get('solver', '')}; 覆盖率为所选单元 share of the residents of the "
            f"units chosen for the suggestion; {info.get('crs', '')}")
    return {"category": info.get("category", ""), "rows": rows, "note": note}


def _audit_context(inputs: ReportInputs) -> dict | None:
    """Audit findings and workload for the district summary."""
    if inputs.findings is None:
        return None
    counts = inputs.findings["kind"].value_counts()
    findings = [{"kind": r["kind"], "unit_id": r["unit_id"], "message": r["message"]}
                for _, r in inputs.findings.iterrows()]
    workload = []
    for _, w in inputs.workload.iterrows():
        name = w.get("team_name", "")
        workload.append({"team": f"{name} ({w['team_id']})" if isinstance(name, str) and name else w["team_id"],
                         "role": w.get("role", ""), "n_units": w["n_units"], "area": f"{float(w['area_km2']):.1f}",
                         "contract_end": w.get("contract_end", "") if isinstance(w.get("contract_end"), str) else NA})
    return {"as_of": (inputs.audit_info or {}).get("as_of", ""), "counts": list(counts.items()), "findings": findings,
            "workload": workload}


def _evaluation_district(inputs: ReportInputs) -> dict | None:
    """The evaluation summary of the district: passes per rule, records, fee deductions."""
    info = inputs.evaluation_info
    if info is None:
        return None
    rules = [{"rule": k, "passed": v.get("passed", 0), "failed": v.get("failed", 0)}
             for k, v in info.get("compliance", {}).items()]
    rec = info.get("records", {})
    records = (f"工作记录 Work records: {rec.get('total', 0)}, counted {rec.get('counted', 0)}; findings "
               + ", ".join(f"{k} {v}" for k, v in info.get("findings", {}).items()))
    fees = None
    if inputs.fees is not None:
        total = float(pd.to_numeric(inputs.fees["deduction"], errors="coerce").fillna(0).sum())
        n = int((pd.to_numeric(inputs.fees["deduction"], errors="coerce").fillna(0) > 0).sum())
        fees = f"服务费扣减 Fee deductions: {n} team-units, {total:,.2f} yuan in all."
    return {"year": info.get("year", ""), "rules": f"{info.get('rules_name', '')} ({info.get('rules', '')})",
            "rules_summary": rules, "records": records, "fees": fees}


def _evaluation_unit(inputs: ReportInputs, unit_id: str) -> dict | None:
    """One unit's evaluation: rule results, work summary, fee deduction, record findings."""
    base = _evaluation_district(inputs)
    if base is None:
        return None
    rows = unit_evaluation(inputs.compliance, unit_id).to_dict("records")
    summary = ""
    units = inputs.evaluation_units
    if units is not None and (units["unit_id"] == unit_id).any():
        u = units[units["unit_id"] == unit_id].iloc[0]
        parts = [f"{label} {u[col]}" for col, label in (("records", "工作记录 records"), ("visits", "走访 visits"),
                 ("service_days", "服务天数 service days"), ("compliance", "结果 result")) if col in u.index]
        if "share_in_gaps" in u.index and u["share_in_gaps"] == u["share_in_gaps"]:
            parts.append(f"在服务不足区域 in underserved areas {pct(float(u['share_in_gaps']))}")
        summary = " · ".join(str(p) for p in parts)
    if inputs.fees is not None:
        fee = inputs.fees[inputs.fees["unit_id"] == unit_id]
        for _, f in fee.iterrows():
            summary += f" · 扣减 deduction {float(f['deduction']):,.2f} yuan ({pct(float(f['deduction_share']))})"
    rf = inputs.record_findings
    found = rf[rf["unit_id"] == unit_id]["kind"].value_counts() if rf is not None else pd.Series(dtype=int)
    findings = ("记录问题 Record findings: " + ", ".join(f"{k} {v}" for k, v in found.items())) if len(found) else ""
    return {**base, "rows": rows, "summary": summary, "findings": findings}


def _common(inputs: ReportInputs, profile: Profile, date: str, notes: list, review: str | None) -> dict:
    """Values every page prints: date, notes, sources."""
    from .. import __version__
    from ..webmap import REVIEW_FOOTNOTE

    review_note = f"审图号 Map review number: {review}" if review else REVIEW_FOOTNOTE
    return {"css": (TEMPLATES / "report.css").read_text(encoding="utf-8"), "date": date, "notes": notes,
            "review_note": review_note, "version": __version__, "sources": sources(inputs, profile),
            "indicator_sources": indicator_sources(profile),
            "profile": {"name": profile.name, "name_en": profile.name_en, "source": profile.source,
                        "path_name": Path(profile.path).name},
            "subtitle": "责任规划师年度报告 Responsibility planner annual report"}


def _unit_page(env, common: dict, inputs: ReportInputs, rep: dict, unit_id: str) -> str:
    """The HTML of one unit's document."""
    table = rep["table"][rep["table"]["unit_id"] == unit_id]
    gaps = rep["gaps"][rep["gaps"]["unit_id"] == unit_id]
    name = rep["names"].get(unit_id, unit_id)
    map_cat = _map_category(inputs, gaps, unit_id)
    under = inputs.underserved[(inputs.underserved["unit_id"] == unit_id) & (inputs.underserved["category"] == map_cat)]
    sites = inputs.sites[inputs.sites["unit_id"] == unit_id] if inputs.sites is not None else None
    cat_name = inputs.category_names.get(map_cat, map_cat)
    caption = (f"红色：{cat_name} 步行距离外的区域 Red: beyond walking distance of {map_cat}" if map_cat
               else "无服务不足区域 No underserved area")
    png = charts.unit_map(inputs.units, unit_id, under, f"{name} · {cat_name}" if map_cat else name, sites)
    chart = charts.indicator_chart([r["name"] for _, r in table.iterrows()], list(table["share"]),
                                   list(table["target"]))
    gap_rows = [{"name": inputs.category_names.get(g["category"], g["category"]), "category": g["category"],
                 "distance": f"{g['threshold_m']:g} m", "share": pct(g["share"]),
                 "beyond": residents(g["residents_beyond"])} for _, g in gaps.iterrows()]
    return env.get_template("unit.html").render(
        **common, title=f"{name} {unit_id}", unit={"unit_id": unit_id, "name": name}, team=team_of(inputs, unit_id),
        indicator_rows=indicator_rows(table), no_residents=bool((table["status"] == "no_residents").any()),
        chart_png=charts.data_uri(chart), map_png=charts.data_uri(png), map_caption=caption, gaps=gap_rows,
        sites=_sites_context(inputs, unit_id), evaluation=_evaluation_unit(inputs, unit_id))


def _map_category(inputs: ReportInputs, gaps: pd.DataFrame, unit_id: str) -> str:
    """The category whose underserved areas a unit map shows: the suggested one, else the largest gap."""
    cat = (inputs.suggest_info or {}).get("category")
    if cat and inputs.sites is not None and (inputs.sites["unit_id"] == unit_id).any():
        return cat
    return str(gaps.iloc[0]["category"]) if len(gaps) else ""


def _district_page(env, common: dict, inputs: ReportInputs, profile: Profile, rep: dict) -> str:
    """The HTML of the district summary."""
    table, district = rep["table"], rep["district"]
    key = _headline(profile, table)
    head = table[table["key"] == key].set_index("unit_id")["share"].to_dict()
    ind = profile.indicator(key)
    png = charts.district_map(inputs.units, head, f"{ind.name} {ind.name_en}", inputs.sites)
    units = []
    for unit_id in rep["names"]:
        rows = table[table["unit_id"] == unit_id]
        shares = [{"text": pct(r["share"]) if r["status"] != "not_assessed" else NA,
                   "cls": "" if r["meets_target"] is None else ("pass" if r["meets_target"] else "fail")}
                  for _, r in rows.iterrows()]
        units.append({"unit_id": unit_id, "name": rep["names"][unit_id], "team": team_of(inputs, unit_id)["team"],
                      "shares": shares})
    heads = [{"short": str(n + 1), "name": i.name} for n, i in enumerate(profile.indicators)]
    return env.get_template("district.html").render(
        **common, title="区级汇总 District summary", district_rows=indicator_rows(district),
        map_png=charts.data_uri(png),
        map_caption=f"各单元 {ind.name} Units coloured by {ind.name_en}", units=units, indicator_heads=heads,
        audit=_audit_context(inputs), evaluation=_evaluation_district(inputs), sites=_sites_context(inputs, None))


def check_units(inputs: ReportInputs, units: list | None) -> list:
    """The unit ids to write documents for (default all), each checked against the reach."""
    names = list(inputs.units["unit_id"])
    wanted = names if not units else [str(u) for u in units]
    unknown = [u for u in wanted if u not in set(names)]
    if unknown:
        raise InputError(f"--units {unknown[0]}: no such unit in the reach's coverage table",
                         fix=f"use unit ids of the reach, e.g. {', '.join(names[:3])}")
    return wanted


#: What the unit pages of the running build_report need (read by forked workers).
_JOB: dict = {}


def _unit_job(unit_id: str) -> tuple:
    """(unit_id, HTML) of one unit page, from :data:`_JOB`."""
    return unit_id, _unit_page(_JOB["env"], _JOB["common"], _JOB["inputs"], _JOB["rep"], unit_id)


def _workers(n: int, workers: int = 1) -> int:
    """Processes for ``n`` jobs: ``workers`` (0: one per CPU, up to 4); 1 where processes cannot fork.

    The default is one process: on the 2-core machines measured (benchmarks/bench_report.py, see
    docs/performance.md) forked workers were not faster under load.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(workers or min(4, os.cpu_count() or 1), n))


def _in_workers(func, items: list, workers: int):
    """Yield ``func(item)`` for each item, in forked processes when ``workers`` > 1 (in completion order)."""
    if workers <= 1 or len(items) < 3:
        yield from (func(item) for item in items)
        return
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(func, item) for item in items]
        for fut in concurrent.futures.as_completed(futures):
            yield fut.result()


def build_report(inputs: ReportInputs, profile: str | PathLike | Profile | None = None, units: list | None = None,
                 date: str | None = None, review: str | None = None,
                 progress: ProgressCallback | None = None, workers: int = 1) -> Report:
    """The HTML of the district summary and of each unit (``units``: a subset of unit ids, default all).

    ``date`` (YYYY-MM-DD, default today) is printed on every page; the year of
    it picks each indicator's target (the first of that year or later).
    ``review`` is the map review number (审图号); without it the footnote of the
    web maps says one is needed. ``workers`` > 1 lays out the unit pages in
    that many forked processes (0: one per CPU, up to 4).
    """
    profile = load_profile(profile)
    date = date or _dt.date.today().isoformat()
    names = dict(zip(inputs.units["unit_id"], inputs.units["name"].astype(str)))
    wanted = check_units(inputs, units)
    table = indicator_table(inputs.coverage, profile, int(date[:4]))
    info = inputs.reach_info
    district = district_indicators(table, info.get("district_share"), info.get("counts", {}).get("population"))
    rep = {"table": table, "district": district, "gaps": gap_table(inputs.coverage), "names": names}
    env = _environment()
    common = _common(inputs, profile, date, demo_notes(inputs), review)
    report(progress, 0.0, "district summary")
    district = _district_page(env, common, inputs, profile, rep)
    _JOB.update(env=env, common=common, inputs=inputs, rep=rep)
    pages = {}
    try:
        for i, (unit_id, html) in enumerate(_in_workers(_unit_job, wanted, _workers(len(wanted), workers))):
            report(progress, (i + 1) / (len(wanted) + 1), f"unit {unit_id}")
            pages[unit_id] = html
    finally:
        _JOB.clear()
    pages = {u: pages[u] for u in wanted}
    report(progress, 1.0, "pages laid out")
    return Report(district, pages, table, rep["district"], rep["gaps"], names, profile.id)


def output_names(unit_ids, formats) -> list:
    """The files :func:`write_report` writes, relative to the output folder.

    >>> output_names(["a"], ["pdf", "html"])
    ['district.pdf', 'district.html', 'units/a.pdf', 'units/a.html']
    """
    names = [f"district.{f}" for f in formats]
    return names + [f"units/{u}.{f}" for u in unit_ids for f in formats]


def write_report(rep: Report, out: PathLike, formats=("pdf",), progress: ProgressCallback | None = None,
                 workers: int = 1) -> list:
    """Write the district summary and each unit's document; returns the paths written.

    Each file is written atomically; PDFs by WeasyPrint with the fonts embedded,
    in ``workers`` processes (default 1; 0: one per CPU, up to 4) when there are
    several documents.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise OutputError(f"format {bad[0]!r}", fix="use pdf, html or both")
    out = Path(out)
    docs = [("district", rep.district_html)] + [(f"units/{u}", h) for u, h in rep.unit_html.items()]
    jobs = [(html, out / f"{stem}.{fmt}") for stem, html in docs for fmt in formats]
    for html, target in jobs:
        if target.suffix == ".html":
            _write_one(html, target)
    pdfs = [(html, target) for html, target in jobs if target.suffix == ".pdf"]
    for i, _ in enumerate(_in_workers(_pdf_job, pdfs, _workers(len(pdfs), workers))):
        report(progress, (i + 1) / len(pdfs), f"writing pdf {i + 1} of {len(pdfs)}")
    report(progress, 1.0, "done")
    return [target for _, target in jobs]


def _pdf_job(job: tuple) -> Path:
    """Write one (html, target) PDF job; returns the target."""
    _write_one(*job)
    return job[1]


def _write_one(html: str, target: Path) -> None:
    """One document, atomically: the HTML as is, or printed to PDF."""
    from .._atomic import atomic_path

    with atomic_path(target) as tmp:
        if target.suffix == ".html":
            tmp.write_text(html, encoding="utf-8")
        else:
            _pdf(html, tmp, _font_config())


_FONTS: list = []


def _font_config():
    """One WeasyPrint font configuration per process, shared by its documents."""
    from weasyprint.text.fonts import FontConfiguration

    if not _FONTS:
        _FONTS.append(FontConfiguration())
    return _FONTS[0]


def _pdf(html: str, target: Path, fonts) -> None:
    """One HTML document as PDF."""
    import weasyprint

    weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf(str(target), font_config=fonts)


def make_report(reach: PathLike, out: PathLike, audit: PathLike | None = None, evaluation: PathLike | None = None,
                suggest: PathLike | None = None, profile: str | PathLike | Profile | None = None,
                units: list | None = None, formats=("pdf",), date: str | None = None, review: str | None = None,
                progress: ProgressCallback | None = None) -> Report:
    """Read the result folders, build the report and write it to ``out`` (the whole ``planner-gis report``)."""
    from .._progress import scaled
    from .inputs import read_inputs

    inputs = read_inputs(reach, audit=audit, evaluation=evaluation, suggest=suggest)
    rep = build_report(inputs, profile, units=units, date=date, review=review, progress=scaled(progress, 0.0, 0.4))
    write_report(rep, out, formats, progress=scaled(progress, 0.4, 1.0))
    return rep


__all__ = ["Report", "build_report", "write_report", "make_report", "output_names", "demo_notes"]
