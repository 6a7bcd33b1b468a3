"""``planner-gis evaluate``: a year of planner work records against a city's rules.

Contract (kept stable)::

    planner-gis evaluate --records R --teams T --zones Z
        --rules liaocheng|chongqing|guangxi|hunan|beijing|FILE --year YYYY --out DIR
        [--people P] [--ratings S] [--coords gcj02|bd09] [--tolerance 100]

Writes (each atomically; no output may be an input)

* ``DIR/compliance.csv``: ``team_id,unit_id,person_id,year,rule_id,value,required,passed,message``;
* ``DIR/fees.csv`` when the rules have a fee rule: ``team_id,unit_id,year,annual_fee,deduction_share,deduction``;
* ``DIR/points.csv`` when they have a points rule:
  ``person_id,team_id,year,base_points,satisfaction,sat_coef,carry_points,special_points,points,stars``;
* ``DIR/record_findings.csv``: ``kind,record_id,team_id,unit_id,message``;
* ``DIR/evaluation.gpkg``: layers ``units`` (visits, service days, pass/fail per rule,
  ``compliance``), ``records`` (each record with its unit, distance and finding) and
  ``compliance`` (the table, without geometry);
* ``DIR/evaluation.json``: the counts, the rules with their numbers and sources;
* ``DIR/gaps.csv`` with ``--reach``: records inside the underserved areas of their unit.

Exit status 0 when the evaluation ran (shortfalls are results), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import geopandas as gpd

from ..evaluation import COMPLIANCE_COLUMNS, FEE_COLUMNS, GAP_COLUMNS, POINTS_COLUMNS, EvaluationResult
from ..evaluation.rules import BUILTIN_RULES
from ..records.place import FINDING_COLUMNS
from ._common import HELP_FORMATTER, add_format_option, add_registry_columns, add_replace_option

#: The inputs' columns, for the help.
COLUMNS = [
    ("--records", "record_id, team_id, date, kind (visit survey meeting review publicity training event report, or "
                  "走访 调研 会议/座谈 审查 宣传 培训 活动 报告) and lon,lat (or x,y with --records-crs); optional "
                  "person_id, unit_id, hours, with_unit_head, notes, coords (wgs84/gcj02/bd09 per record). Chinese "
                  "headers (记录编号, 团队编号, 日期, 类型, 经度, 纬度 ...) are recognised"),
    ("--teams", "team_id, unit_id, role, start_date, end_date; optional annual_fee (年度服务费) for fee rules"),
    ("--zones", "unit polygons with unit_id, unit_type"),
    ("--people", "person_id, team_id, profession (planner/规划师, architect/建筑师, engineer/工程师), title "
                 "(junior/初级, intermediate/中级, senior/副高级, professor/正高级)"),
    ("--ratings", "person_id, year, satisfaction (0-1 or %), previous_points, special_points (a;b)"),
]


def _epilog() -> str:
    from ._common import demo_path, epilog

    return epilog(COLUMNS, f"planner-gis evaluate --records {demo_path('records')} --teams {demo_path('registry')} "
                           f"--zones {demo_path('units')} --rules liaocheng --year 2025 --out out/evaluation")


def outputs_for(result_or_rules, reach: bool = False, fmt: str = "gpkg") -> list:
    """The files an evaluation writes (fees and points only when the rules have them; ``fmt``: see --format)."""
    from ._common import layer_files

    rules = result_or_rules.rules if isinstance(result_or_rules, EvaluationResult) else result_or_rules
    names = ["compliance.csv"]
    names += ["fees.csv"] if rules.has_fees else []
    names += ["points.csv"] if rules.has_points else []
    names += ["record_findings.csv", *layer_files(fmt, "evaluation.gpkg", ("units", "records", "compliance")),
              "evaluation.json"]
    return names + (["gaps.csv"] if reach else [])


def tables_for(rules, reach: bool = False) -> list:
    """The tables an evaluation writes with ``--out postgresql://...?schema=SCHEMA`` (as its files)."""
    names = [n.removesuffix(".csv") for n in outputs_for(rules, reach) if n.endswith(".csv")]
    return names[:-1 if reach else None] + ["units", "records"] + (["gaps"] if reach else [])


def result_tables(result: EvaluationResult) -> dict:
    """Table name -> the result's table or layer, for a database output."""
    tables = {"compliance": result.compliance[COMPLIANCE_COLUMNS]}
    if result.fees is not None:
        tables["fees"] = result.fees[FEE_COLUMNS]
    if result.points is not None:
        tables["points"] = result.points[POINTS_COLUMNS]
    tables.update(record_findings=result.findings[FINDING_COLUMNS], units=result.units,
                  records=records_layer(result.records))
    if result.gaps is not None:
        tables["gaps"] = result.gaps[GAP_COLUMNS]
    return tables


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` sub-command."""
    p = sub.add_parser(
        "evaluate", help="evaluate a year of planner work records against a city's rules",
        description="Places each work record in its team's unit, checks the records, and applies a city's rules "
                    "(visits per month, service days, fee cuts, service points and stars, townships per planner, "
                    "reports): compliance per team, unit and person.",
        epilog=_epilog(), formatter_class=HELP_FORMATTER)
    p.add_argument("--records", required=True, metavar="R", help="work records: .csv/.xlsx with lon,lat, or a point "
                                                                  "layer")
    p.add_argument("--teams", required=True, metavar="T", help="team registry (.csv/.xlsx)")
    p.add_argument("--zones", required=True, metavar="Z", help="unit polygons")
    p.add_argument("--rules", required=True, metavar="RULES",
                   help=f"{'|'.join(BUILTIN_RULES)} or a rules .toml file (copy a built-in one)")
    p.add_argument("--year", required=True, metavar="YYYY", help="calendar year to evaluate")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder, or postgresql://USER@HOST:PORT/DB?schema=SCHEMA for the tables compliance, "
                        "(fees, points,) record_findings, units, records (and gaps)")
    p.add_argument("--people", metavar="P", help="team members (.csv/.xlsx), for points and profession rules")
    p.add_argument("--ratings", metavar="S", help="yearly ratings (.csv/.xlsx), for satisfaction and points")
    p.add_argument("--coords", choices=("wgs84", "gcj02", "bd09"),
                   help="the records' lon/lat are GCJ-02 (Amap, Tencent) or BD-09 (Baidu): convert them")
    p.add_argument("--tolerance", type=float, default=100.0, metavar="M",
                   help="a record up to this far outside its unit still counts (default 100 m)")
    p.add_argument("--records-crs", metavar="EPSG", help="CRS of the records' coordinates (default 4326 lon/lat; "
                                                         "needed for x,y)")
    p.add_argument("--reach", metavar="DIR", help="output folder of `planner-gis reach`: count the records inside "
                                                  "the underserved areas of their unit (gaps.csv)")
    p.add_argument("--gap-category", metavar="CAT",
                   help="with --reach: only the underserved areas of this category or tier (tier_15); default all")
    p.add_argument("--metric-crs", metavar="EPSG", help="CRS for distances (default: CGCS2000 GK zone / UTM)")
    p.add_argument("--zone-id", default="unit_id", metavar="COL", help="unit id column of the zones (default unit_id)")
    add_replace_option(p, "compliance, fees, points, record_findings, units, records, gaps")
    add_format_option(p, "evaluation.gpkg")
    add_registry_columns(p)
    p.set_defaults(handler=run)


def records_layer(records: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The placed records for a GeoPackage: dates as text, yes/no as text."""
    out = records.copy()
    out["date"] = [d.isoformat() for d in out["date"]]
    out["with_unit_head"] = out["with_unit_head"].map({True: "yes", False: "no"}).fillna("")
    out["counted"] = out["counted"].astype(bool)
    return out


def write_evaluation(result: EvaluationResult, out: Path, inputs: dict | None = None, fmt: str = "gpkg") -> list:
    """Write the evaluation's files into ``out`` (each atomically; ``fmt="parquet"``: GeoParquet layers)."""
    from ..io import write_csv, write_text
    from ._common import write_layer_files

    write_csv(result.compliance, out / "compliance.csv", columns=COMPLIANCE_COLUMNS)
    if result.fees is not None:
        write_csv(result.fees, out / "fees.csv", columns=FEE_COLUMNS)
    if result.points is not None:
        write_csv(result.points, out / "points.csv", columns=POINTS_COLUMNS)
    write_csv(result.findings, out / "record_findings.csv", columns=FINDING_COLUMNS)
    table = gpd.GeoDataFrame(result.compliance, geometry=[None] * len(result.compliance), crs=result.crs)
    write_layer_files({"units": result.units, "records": records_layer(result.records), "compliance": table},
                      out, "evaluation.gpkg", fmt)
    if result.gaps is not None:
        write_csv(result.gaps, out / "gaps.csv", columns=GAP_COLUMNS)
    facts = {**result.summary(), "inputs": inputs or {}, "rule_set": result.rules.to_dict()}
    write_text(json.dumps(_jsonable(facts), ensure_ascii=False, indent=2) + "\n", out / "evaluation.json")
    return outputs_for(result, result.gaps is not None, fmt)


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def summary_line(result: EvaluationResult) -> str:
    """One line: ``"2025, liaocheng rules: 7 of 96 rule results failed; 27 record findings"``."""
    c = result.compliance
    failed = int((~c["passed"].astype(bool)).sum())
    return (f"{result.year}, {result.rules.id} rules: {failed} of {len(c)} rule results failed; "
            f"{len(result.findings)} record findings")


def summary_line_zh(result: EvaluationResult) -> str:
    """The same line in Chinese."""
    c = result.compliance
    failed = int((~c["passed"].astype(bool)).sum())
    return (f"{result.year} 年（{result.rules.name}）：{len(c)} 项规则结果中 {failed} 项未达标；"
            f"记录问题 {len(result.findings)} 条")


def print_summary(result: EvaluationResult, out: Path | str, names: list) -> None:
    """The human summary on stdout."""
    s = result.summary()
    r = s["records"]
    print(f"evaluation of {s['year']} with the {result.rules.id} rules ({result.rules.name})")
    found = ", ".join(f"{n} {k}" for k, n in s["findings"].items() if n) or "none"
    print(f"  records: {r['total']} ({r['counted']} counted; findings: {found})"
          + (f"; {r['other_years_ignored']} of other years ignored" if r["other_years_ignored"] else ""))
    print("  rules:")
    for row in result.rule_summary().itertuples(index=False):
        flag = " (assumption)" if row.assumption else ""
        print(f"    {row.rule_id:<16} {row.passed:>3} passed, {row.failed:>3} failed   {row.title}{flag}")
    if "fees" in s:
        print(f"  fees: {s['fees']['teams_with_deduction']} teams with a deduction, "
              f"{s['fees']['deduction_total']:,.2f} yuan in all")
    if "points" in s:
        print(f"  points: {s['points']['people']} people; stars " +
              ", ".join(f"{k}: {v}" for k, v in s["points"]["stars"].items()))
    if result.gaps is not None:
        g = s["gaps"]
        share = g["records_in_gaps"] / g["records"] if g["records"] else float("nan")
        print(f"  work in the gaps ({g['category']}): {share:.0%} of {g['records']} located records lie in "
              f"underserved areas of their unit, which cover {g['area_share']:.0%} of the units' area")
    print("  units: " + ", ".join(f"{k} {v}" for k, v in s["units"].items()))
    if isinstance(out, Path):
        print(f"  written to {out}/ ({', '.join(names)})")
    else:
        print(f"  written to {out} (tables {', '.join(names)}, runs)")


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from ..evaluation import evaluate, load_rules
    from ..io import split_layer
    from ..postgis import is_database_url
    from ._common import check_inputs, database_target, prepare_out_dir, registry_columns, write_database

    table_like = (is_database_url(args.records)  # a table of lon/lat or a point layer: read_records tells
                  or split_layer(args.records)[0].suffix.lower() in (".csv", ".txt", ".xlsx", ".xls"))
    check_inputs((args.records, "table" if table_like else "vector"), (args.teams, "table"), (args.zones, "vector"),
                 (args.people, "table"), (args.ratings, "table"))
    rules = load_rules(args.rules)
    inputs = {"records": args.records, "teams": args.teams, "zones": args.zones, "rules": rules.path,
              "year": args.year, "people": args.people, "ratings": args.ratings, "coords": args.coords,
              "tolerance": args.tolerance, "records_crs": args.records_crs, "reach": args.reach,
              "gap_category": args.gap_category}
    reach_gpkg = str(Path(args.reach) / "reach.gpkg") if args.reach and Path(args.reach).is_dir() else args.reach
    given = [args.records, args.teams, args.zones, args.people, args.ratings, rules.path, reach_gpkg]
    target = database_target(args, tables_for(rules, bool(args.reach)), given)
    files = outputs_for(rules, bool(args.reach), args.format)
    out = prepare_out_dir(args.out, files, given) if target is None else None
    with args.reporter.progress("evaluate") as bar:
        result = evaluate(args.records, args.teams, args.zones, rules, args.year, people=args.people,
                          ratings=args.ratings, coords=args.coords, tolerance=args.tolerance,
                          records_crs=args.records_crs, metric_crs=args.metric_crs, reach=args.reach,
                          gap_category=args.gap_category,
                          read={"zone_id": args.zone_id, "registry_columns": registry_columns(args)}, progress=bar)
    if target is None:
        names = write_evaluation(result, out, inputs, args.format)
        outputs = {n: str(out / n) for n in names}
    else:
        tables = result_tables(result)
        facts = _jsonable({**result.summary(), "rule_set": result.rules.to_dict()})
        outputs = write_database(args, target, tables, {k: str(v) if isinstance(v, Path) else v
                                                        for k, v in inputs.items()}, facts)
        names = list(tables)
    print_summary(result, out or target.label, names)
    s = result.summary()
    args.reporter.done(summary_line(result), outputs, summary_zh=summary_line_zh(result),
                       findings=s["findings"], compliance=s["compliance"], units=s["units"])
    return 0

