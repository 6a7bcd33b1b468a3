"""``planner-gis webmap``: self-contained HTML web maps of audit and reach outputs.

``planner-gis webmap audit AUDIT_DIR --out map.html`` reads ``AUDIT_DIR/audit.gpkg``
(layers ``units`` and ``findings``); ``planner-gis webmap reach REACH_DIR --out
map.html [--category C]`` reads ``REACH_DIR/reach.gpkg`` (layers ``coverage``,
and ``underserved`` / ``isochrones`` when present). The page works offline:
Leaflet is inlined and no basemap is loaded unless ``--tiles`` gives one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError, OutputError
from ._common import HELP_FORMATTER, add_crs_option, demo_path, epilog

#: The columns the maps need, for the help.
AUDIT_COLUMNS = [("AUDIT_DIR", "audit.gpkg with layer units: unit_id, name, status (optional unit_type, level, "
                               "team_names, contract_end ...), and optionally layer findings: kind, severity, "
                               "unit_id, message, as `planner-gis audit` writes them"),
                 ("--outline", "polygons, no columns needed")]
REACH_COLUMNS = [("REACH_DIR", "reach.gpkg with layer coverage: unit_id, category, share (or population and "
                               "covered_population; optional name, tier_min, threshold_m), and optionally layers "
                               "underserved and isochrones, as `planner-gis reach` writes them"),
                 ("--outline", "polygons, no columns needed")]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``webmap`` sub-command."""
    audit_example = f"planner-gis webmap audit out/audit --outline {demo_path('outline')} --out out/audit_map.html"
    p = sub.add_parser(
        "webmap",
        help="write a self-contained HTML web map of audit or reach outputs",
        description="One self-contained HTML file (Leaflet inlined, works offline; no basemap unless --tiles). "
                    "KIND is audit or reach; `planner-gis webmap KIND --help` says more.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog(AUDIT_COLUMNS[:1] + REACH_COLUMNS, audit_example, first="audit"),
    )
    p.set_defaults(handler=lambda args: _print_help(p))
    kinds = p.add_subparsers(dest="webmap_kind", metavar="KIND")

    a = kinds.add_parser("audit", help="coverage status map from `planner-gis audit` outputs",
                         description="Units coloured by status, management areas, boundary gaps and overlaps.",
                         formatter_class=HELP_FORMATTER,
                         epilog=epilog(AUDIT_COLUMNS, audit_example, first="audit"))
    a.add_argument("source", metavar="AUDIT_DIR", help="output folder of `planner-gis audit` (or its audit.gpkg)")
    _common_options(a)
    a.set_defaults(handler=run_audit)

    r = kinds.add_parser("reach", help="covered-share choropleth from `planner-gis reach` outputs",
                         description="Share of residents within reach per unit, one layer per category.",
                         formatter_class=HELP_FORMATTER,
                         epilog=epilog(REACH_COLUMNS, "planner-gis webmap reach out/reach --category 15 --outline "
                                       f"{demo_path('outline')} --out out/reach_map.html", first="reach"))
    r.add_argument("source", metavar="REACH_DIR", help="output folder of `planner-gis reach` (or its reach.gpkg)")
    r.add_argument("--category", metavar="C",
                   help="category (or tier in minutes, e.g. 15) shown first (default: the first category)")
    r.add_argument("--suggest", metavar="SUGGEST_DIR",
                   help="also draw the suggested sites and newly covered areas of `planner-gis suggest` "
                        "(its output folder or suggest.gpkg)")
    _common_options(r)
    r.set_defaults(handler=run_reach)


def _common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="FILE", help="HTML file to write")
    p.add_argument("--title", metavar="TEXT", help="map title")
    p.add_argument("--outline", metavar="FILE",
                   help="district outline to draw (FILE:LAYER allowed; an OpenStreetMap source is credited)")
    p.add_argument("--tiles", metavar="URL",
                   help="basemap tile URL template with {z}/{x}/{y} (intranet or Tianditu); default: no basemap")
    p.add_argument("--tiles-attribution", metavar="TEXT", help="attribution of the basemap")
    p.add_argument("--attribution", action="append", metavar="TEXT", help="data attribution (repeatable)")
    p.add_argument("--note", metavar="TEXT", help="note on the data (default: a demo-data note for demo data)")
    p.add_argument("--review-number", metavar="NO", help="map review number (审图号) to print on the map")
    p.add_argument("--simplify", type=float, default=10.0, metavar="M",
                   help="display simplification tolerance in metres (default 10; 0 keeps every vertex)")
    add_crs_option(p, "the layers of the source folder and --outline")


def _print_help(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 2


def _gpkg(source: str, name: str) -> Path:
    """``DIR/name`` for a folder, else the file itself."""
    from ..io import check_input_file

    src = Path(source)
    path = src / name if src.is_dir() else src
    what = "audit" if name.startswith("audit") else "reach"
    if not path.exists():
        raise InputError(f"{path}: file not found",
                         fix=f"give the output folder of `planner-gis {what} ... --out DIR` (it holds {name})")
    check_input_file(path, expect="vector")
    return path


def _layers(path: Path) -> list:
    import pyogrio

    try:
        return [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        raise InputError(f"{path}: cannot read as a GeoPackage ({exc})",
                         fix="give the folder written by planner-gis (or its .gpkg file)") from None


def _read(path: Path, layer: str, required: bool, layers: list, crs: str | None = None):
    from ..io import read_vector

    if layer not in layers:
        if required:
            raise InputError(f"{path}: no layer '{layer}' (layers: {', '.join(layers) or 'none'})",
                             fix="give the output of the matching planner-gis command")
        return None
    gdf = read_vector(path, layer=layer, crs=crs)
    return gdf


def _common_kwargs(args: argparse.Namespace) -> dict:
    outline = None
    if args.outline:
        from ..io import read_vector

        outline = read_vector(args.outline, crs=args.crs)
    kw = dict(outline=outline, tiles=args.tiles, tiles_attribution=args.tiles_attribution,
              attribution=args.attribution, note=args.note, review_number=args.review_number,
              simplify_m=args.simplify)
    if args.title is not None:
        kw["title"] = args.title
    return kw


def _check_outline(args: argparse.Namespace) -> None:
    from ._common import check_inputs

    check_inputs((args.outline, "vector"))


def _check_out(out: str, inputs: list) -> Path:
    from ..io import check_not_inputs

    target = Path(out)
    if target.is_dir():
        raise OutputError(f"--out {target} is a folder", fix="give an HTML file name, e.g. --out map.html")
    check_not_inputs([target], inputs)
    return target


def run_audit(args: argparse.Namespace) -> int:
    """``webmap audit``: the audit map from an audit folder or its audit.gpkg."""
    from ..webmap import audit_map, save_map

    path = _gpkg(args.source, "audit.gpkg")
    _check_outline(args)
    target = _check_out(args.out, [path, args.outline])
    layers = _layers(path)
    units = _read(path, "units", True, layers, args.crs)
    findings = _read(path, "findings", False, layers, args.crs)
    if findings is not None and not hasattr(findings, "crs"):  # a findings table saved without geometry
        import geopandas as gpd

        findings = gpd.GeoDataFrame(findings, geometry=[None] * len(findings), crs=units.crs)
    if findings is not None and findings.crs is None and units.crs is not None:
        findings = findings.set_crs(units.crs)  # a layer of only null geometries may carry no CRS
    m = audit_map(units, findings, **_common_kwargs(args))
    written = save_map(m, target, inputs=[path, args.outline])
    line = f"audit map of {len(units)} units ({_size(written)})"
    print(f"audit map of {len(units)} units written to {written} ({_size(written)})")
    args.reporter.done(line, {"webmap": str(written)})
    return 0


def run_reach(args: argparse.Namespace) -> int:
    """``webmap reach``: the coverage map from a reach folder or its reach.gpkg."""
    from ..webmap import reach_map, save_map

    path = _gpkg(args.source, "reach.gpkg")
    _check_outline(args)
    target = _check_out(args.out, [path, args.outline])
    layers = _layers(path)
    coverage = _read(path, "coverage", True, layers, args.crs)
    underserved = _read(path, "underserved", False, layers, args.crs)
    isochrones = _read(path, "isochrones", False, layers, args.crs)
    m = reach_map(coverage, underserved, isochrones, category=args.category, **_common_kwargs(args))
    suggest_path = None
    if getattr(args, "suggest", None):
        from ..webmap import suggest_map

        suggest_path = _gpkg(args.suggest, "suggest.gpkg")
        s_layers = _layers(suggest_path)
        m = suggest_map(_read(suggest_path, "sites", True, s_layers),
                        _read(suggest_path, "newly_covered", False, s_layers), m=m, title=None)
    written = save_map(m, target, inputs=[path, args.outline, suggest_path])
    n_units = coverage["unit_id"].nunique() if "unit_id" in coverage.columns else len(coverage)
    line = f"reach map of {n_units} units ({_size(written)})"
    print(f"reach map of {n_units} units written to {written} ({_size(written)})")
    args.reporter.done(line, {"webmap": str(written)})
    return 0


def _size(path: Path | None) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"
