"""``planner-gis audit``: audit responsibility zones against a team registry."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..audit import FINDING_COLUMNS, AuditResult, audit
from ..boundaries import SLIVER_WIDTH
from ..io import write_csv, write_layers, write_text
from ._common import (
    HELP_FORMATTER,
    REGISTRY_COLUMNS,
    add_crs_option,
    add_registry_columns,
    add_zone_columns,
    demo_path,
    epilog,
)

OUTPUTS = ("findings.csv", "workload.csv", "audit.gpkg", "audit.json")
#: The zone layer's columns, for the help.
ZONE_COLUMNS = ("unit_id, unit_type (street, township, town, area, community or 街道, 乡, 地区, 镇, 园区, 管委会, "
                "社区; or --default-type TYPE); optional name. 单元编码, 类型, 名称 ... are recognised; other headers "
                "are named with --zone-id, --type-column, --name-column")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``audit`` sub-command."""
    p = sub.add_parser(
        "audit",
        help="audit responsibility zones against a team registry",
        description="Which team covers which unit on a date: gaps, overlaps, expired contracts, overloaded teams.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog(
            [("ZONES", ZONE_COLUMNS), ("REGISTRY", REGISTRY_COLUMNS), ("--outline", "polygons, no columns needed")],
            f"planner-gis audit {demo_path('units')} --teams {demo_path('registry')} "
            f"--outline {demo_path('outline')} --as-of 2026-03-31 --out out/audit"),
    )
    p.add_argument("zones", metavar="ZONES",
                   help="unit polygons (GeoJSON, GPKG, Shapefile, FlatGeobuf; FILE:LAYER for a layer of a GeoPackage)")
    p.add_argument("--teams", required=True, metavar="REGISTRY", help="team registry (.csv or .xlsx)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="audit date (default: today)")
    p.add_argument("--outline", metavar="FILE",
                   help="district outline, to find gaps along the edge (FILE:LAYER allowed)")
    p.add_argument("--expiring-days", type=int, default=90, metavar="N",
                   help="contracts ending within N days are reported (default 90)")
    p.add_argument("--max-units", type=int, default=3, metavar="N",
                   help="a team active on more than N units is overloaded (default 3)")
    p.add_argument("--min-area", type=float, default=100.0, metavar="M2",
                   help="ignore gaps and overlaps smaller than this (default 100 m2)")
    p.add_argument("--sliver-width", type=float, default=SLIVER_WIDTH, metavar="M",
                   help=f"uncovered strips narrower than this are slivers (two sources' boundaries differing), "
                        f"summarised per boundary; wider places are gaps (default {SLIVER_WIDTH:g} m; 0: all gaps)")
    p.add_argument("--metric-crs", metavar="EPSG", help="CRS for areas (default: CGCS2000 GK zone / UTM)")
    p.add_argument("--coords", choices=("wgs84", "gcj02", "bd09"),
                   help="ZONES coordinates are GCJ-02 (Amap, Tencent) or BD-09 (Baidu): convert them to WGS84")
    p.add_argument("--encoding", metavar="ENC",
                   help="attribute encoding of ZONES, e.g. GBK (default: detected for shapefiles)")
    p.add_argument("--make-valid", action="store_true",
                   help="repair invalid unit polygons instead of stopping (repaired units are listed)")
    add_crs_option(p, "ZONES and --outline")
    add_zone_columns(p)
    add_registry_columns(p)
    p.set_defaults(handler=run)


def write_audit(result: AuditResult, out: Path) -> None:
    """Write the audit outputs into ``out`` (each file atomically)."""
    write_csv(result.findings, out / "findings.csv", columns=FINDING_COLUMNS)
    write_csv(result.workload, out / "workload.csv")
    write_layers({"units": result.units, "findings": result.findings}, out / "audit.gpkg")
    write_text(json.dumps(result.summary(), ensure_ascii=False, indent=2) + "\n", out / "audit.json")


def summary_line(result: AuditResult) -> str:
    """One line of the result, read as findings: ``"4 findings: 1 unassigned, 1 multiple_teams, ..."``."""
    s = result.summary()
    counts = s["findings"]
    total = sum(counts.values())
    if not total:
        return f"no findings: all {s['units']} units covered on {s['as_of']}"
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    return f"{total} finding{'s' if total != 1 else ''} on {s['as_of']}: {parts}"


def summary_line_zh(result: AuditResult) -> str:
    """The same line in Chinese, with the finding names of the map styles.

    E.g. ``"4 项审查发现（2026-03-31）：未覆盖 1，多团队 1，..."``.
    """
    from ..styles import load_map_styles

    labels = {k: v["label_zh"] for k, v in load_map_styles()["findings"].items()}
    s = result.summary()
    counts = s["findings"]
    total = sum(counts.values())
    if not total:
        return f"无审查发现：{s['as_of']} 全部 {s['units']} 个单元均已覆盖"
    parts = "，".join(f"{labels.get(kind, kind)} {n}" for kind, n in counts.items() if n)
    return f"{total} 项审查发现（{s['as_of']}）：{parts}"


def print_summary(result: AuditResult, out: Path) -> None:
    """Print the human summary of the run on stdout."""
    s = result.summary()
    print(f"audit of {s['units']} units on {s['as_of']} ({s['crs']})")
    print("  units: " + ", ".join(f"{k} {v}" for k, v in s["status"].items()))
    print("  findings:")
    for kind, n in s["findings"].items():
        print(f"    {kind:<18} {n}")
    print(f"  written to {out}/ ({', '.join(OUTPUTS)})")


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from ..io import read_vector
    from ..registry import read_registry
    from ..zones import read_zones
    from ._common import check_inputs, prepare_out_dir, registry_columns

    check_inputs((args.zones, "vector"), (args.teams, "table"), (args.outline, "vector"))
    out = prepare_out_dir(args.out, OUTPUTS, [args.zones, args.teams, args.outline])
    units = read_zones(args.zones, zone_id=args.zone_id, name_column=args.name_column,
                       type_column=args.type_column, default_type=args.default_type, encoding=args.encoding,
                       coords=args.coords, make_valid=args.make_valid, crs=args.crs)
    registry = read_registry(args.teams, columns=registry_columns(args))
    outline = read_vector(args.outline, crs=args.crs) if args.outline else None
    if units.attrs.get("repaired"):
        print(f"repaired invalid geometry of unit(s): {', '.join(units.attrs['repaired'])}")
    result = audit(
        units, registry, as_of=args.as_of, outline=outline, expiring_days=args.expiring_days,
        max_units=args.max_units, min_area=args.min_area, metric_crs=args.metric_crs, zone_id=args.zone_id,
        sliver_width=args.sliver_width,
    )
    write_audit(result, out)
    print_summary(result, out)
    severity = {str(k): int(v) for k, v in result.findings["severity"].value_counts().items()}
    args.reporter.done(summary_line(result), {name: str(out / name) for name in OUTPUTS}, severity=severity,
                       summary_zh=summary_line_zh(result),
                       findings=result.summary()["findings"], status=result.summary()["status"])
    return 0
