"""``planner-gis suggest``: where new facilities would cover the most underserved residents on foot.

Contract (kept stable)::

    planner-gis suggest --network NET --facilities FAC --population POP --zones ZONES --category CAT
        --candidates FILE|every:M --out DIR (--sites K | --target SHARE) [--per-unit]
        [--teams REGISTRY] [--catalogue CSV] [--max-snap 200]

Outputs (each written atomically; no output may be an input)

* ``DIR/sites.csv``: exactly
  ``rank,candidate_id,unit_id,team_id,x,y,gain_population,cumulative_covered,cumulative_share``
  (x, y in the metric CRS named in suggest.json; with ``--per-unit`` rank and
  the cumulative columns restart in each unit and refer to its residents);
* ``DIR/suggest.gpkg``: layers ``sites`` (the rows as points) and
  ``newly_covered`` (the cells of the residents each site brings within reach);
* ``DIR/suggest.json``: metric CRS, category, threshold, model (mclp/lscp),
  method (exact / MIP (time limit) / greedy), solver, optimality gap, solve
  time, skipped candidates, per-unit solutions.

Exit status 0 when it ran (an unreachable target is a result, reported on
stdout and in suggest.json); 2 with a one-line message on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError
from ._common import HELP_FORMATTER, REGISTRY_COLUMNS, add_crs_option, add_registry_columns, add_zone_columns

OUTPUTS = ("sites.csv", "suggest.gpkg", "suggest.json")
#: Sites listed on stdout (all are in sites.csv).
MAX_LISTED = 15

def _epilog() -> str:
    from ._common import demo_path, epilog

    return epilog(
        [("FAC", "category (catalogue categories; another header with --category-column); or an .osm.pbf extract"),
         ("POP", "population (--population-column) for points/polygons, or a raster (.tif)"),
         ("ZONES", "unit_id (--zone-id); optional name"),
         ("FILE", "candidate points or polygons; optional id (--candidate-id; default candidate_id, site_id, "
                  "id, fac_id, else the row number); polygons are reached at --candidate-entrances, else every "
                  "50 m of boundary"),
         ("--catalogue", "category, name_zh, tier_min, threshold_m"),
         ("--teams", REGISTRY_COLUMNS)],
        f"planner-gis suggest --network {demo_path('network')} --facilities {demo_path('facilities')} "
        f"--population {demo_path('population')} --zones {demo_path('units')} --entrances "
        f"{demo_path('entrances')} --category kindergarten --candidates every:200 --sites 10 --out out/suggest")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``suggest`` sub-command."""
    p = sub.add_parser(
        "suggest", help="suggest facility sites that cover the most underserved residents on foot",
        description="Maximal covering (--sites K) or set covering to a target share (--target 0.9) of the "
                    "residents not yet within walking distance of a facility of the category, on the walking "
                    "network (the distance contract of 'planner-gis reach'). Exact with HiGHS when it solves "
                    "within the time limit, else greedy with a proven bound; the output states which, the gap "
                    "and the time.",
        epilog=_epilog(), formatter_class=HELP_FORMATTER)
    p.add_argument("--network", required=True, metavar="NET",
                   help="walking network: .osm.pbf, .graphml, saved .npz or a line layer")
    p.add_argument("--facilities", required=True, metavar="FAC",
                   help="existing facilities with a category column (or an .osm.pbf extract)")
    p.add_argument("--population", required=True, metavar="POP",
                   help="population raster (.tif) or point/polygon layer with a population column")
    p.add_argument("--zones", required=True, metavar="ZONES", help="unit polygons")
    p.add_argument("--category", required=True, metavar="CAT",
                   help="catalogue category to site (its threshold applies), e.g. kindergarten")
    p.add_argument("--candidates", required=True, metavar="FILE|every:M",
                   help="candidate sites (points or polygons), or every:M for points every M metres of "
                        "walking network inside the units")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--sites", type=int, metavar="K", help="choose K sites covering the most residents (MCLP)")
    goal.add_argument("--target", type=float, metavar="SHARE",
                      help="fewest sites so that this share of residents is covered, e.g. 0.9")
    p.add_argument("--per-unit", action="store_true",
                   help="a budget (or target) for each unit: its residents, the candidates inside it")
    p.add_argument("--unit", action="append", metavar="ID", help="only this unit (repeatable; default all)")
    p.add_argument("--teams", metavar="REGISTRY", help="team registry (.csv/.xlsx): names the team of each site")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="date for the team registry (default: today)")
    p.add_argument("--catalogue", metavar="CSV", help="facility catalogue (default: GB 50180-2018 catalogue)")
    p.add_argument("--max-snap", type=float, default=200.0, metavar="M",
                   help="candidates and residents farther than this from every walking edge are skipped "
                        "and reported (default 200 m)")
    _extra_options(p)
    add_zone_columns(p, types=False)
    add_registry_columns(p)
    p.set_defaults(handler=run)


def _extra_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--category-column", default="category", metavar="COL",
                   help="facility category column (default category)")
    p.add_argument("--population-column", default="population", metavar="COL",
                   help="population column of a point/polygon layer (default population)")
    p.add_argument("--entrances", metavar="FILE", help="entrance points of polygon facilities (park gates)")
    p.add_argument("--candidate-entrances", metavar="FILE", help="entrance points of polygon candidates")
    p.add_argument("--candidate-id", metavar="COL", help="candidate id column")
    p.add_argument("--method", choices=("auto", "exact", "greedy"), default="auto",
                   help="auto (default): exact with HiGHS when it solves within --time-limit, else greedy "
                        "with a bound; exact; greedy")
    p.add_argument("--time-limit", type=float, default=10.0, metavar="S",
                   help="seconds allowed to the exact solver (default 10)")
    p.add_argument("--metric-crs", metavar="EPSG", help="metric CRS (default: CGCS2000 GK zone / UTM)")
    p.add_argument("--drop-disconnected", action="store_true",
                   help="keep only the largest connected piece of the network")
    add_crs_option(p, "the network line layer or GraphML, FAC, POP, ZONES, FILE and the entrance layers")


def read_facilities(path: str, catalogue, category_column: str, crs: str | None = None):
    """Facilities from a layer or an ``.osm.pbf`` extract, and their category column."""
    from .._validate import require_columns
    from ..facilities import osm_facilities
    from ..io import read_vector

    fac_path = Path(path)
    if fac_path.name.lower().endswith(".pbf"):
        return osm_facilities(fac_path, catalogue), "category"
    facilities = read_vector(path, crs=crs)
    require_columns(facilities, [category_column], str(fac_path),
                    hint="name the column holding the facility category with --category-column")
    return facilities, category_column


def _teams(args: argparse.Namespace):
    if not args.teams:
        return None
    from ..registry import active_unit_teams, read_registry
    from ._common import registry_columns

    return active_unit_teams(read_registry(args.teams, columns=registry_columns(args)), args.as_of)


def _jsonable(v):
    import numpy as np

    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    return v


def write_suggestion(result, out: Path, inputs: dict) -> dict:
    """Write sites.csv, suggest.gpkg and suggest.json into ``out`` (each atomically)."""
    from ..io import write_csv, write_layers, write_text
    from ..suggest import SITES_COLUMNS

    summary = {"inputs": inputs, **result.summary}
    write_csv(result.sites, out / "sites.csv", columns=SITES_COLUMNS)
    write_layers(result.layers(), out / "suggest.gpkg")
    write_text(json.dumps(_jsonable(summary), ensure_ascii=False, indent=2) + "\n", out / "suggest.json")
    return summary


def summary_line(result) -> str:
    """One line: sites, category, covered share before and after, method and gap."""
    s = result.summary
    sols = list(result.solutions.values())
    before = sum(x.base for x in sols) / max(sum(x.total for x in sols), 1e-12)
    after = sum(x.base + x.newly_covered for x in sols) / max(sum(x.total for x in sols), 1e-12)
    gap = "n/a" if s["gap"] is None else f"{s['gap']:.1%}"
    return (f"{s['sites']} {s['category']} sites: {before:.1%} -> {after:.1%} of residents within "
            f"{s['threshold_m']:g} m ({s['method']}, gap {gap})")


def summary_line_zh(result) -> str:
    """The same line in Chinese."""
    s = result.summary
    sols = list(result.solutions.values())
    total = max(sum(x.total for x in sols), 1e-12)
    before = sum(x.base for x in sols) / total
    after = sum(x.base + x.newly_covered for x in sols) / total
    gap = "无" if s["gap"] is None else f"{s['gap']:.1%}"
    method = {"exact": "最优解", "greedy": "贪心解"}.get(s["method"], s["method"])
    return (f"{s['sites']} 处{s['category']}选址：步行 {s['threshold_m']:g} 米内居民比例 {before:.1%} → {after:.1%}"
            f"（{method}，最优性差距 {gap}）")


def print_summary(result, out: Path) -> None:
    """Print the human summary on stdout."""
    s = result.summary
    c = s["candidates"]
    print(f"suggest: {s['category']} within {s['threshold_m']:g} m, {s['model'].upper()}"
          f"{' per unit' if s['per_unit'] else ''}, {s['crs']}")
    print(f"  candidates: {c['source']}, {c['total']} ({c['skipped_beyond_max_snap']} farther than "
          f"{c['max_snap_m']:g} m from every walking edge, skipped)")
    for sk in s["skipped"][:5]:
        print(f"    skipped {sk['candidate_id']} at ({sk['x']}, {sk['y']}): {sk['snap_distance']} m from the network")
    gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
    print(f"  solved: {s['method']} ({s['solver']}), gap {gap}, {s['seconds']:.2f} s")
    for key, sol in result.solutions.items():
        if sol.status == "target unreachable":
            where = "the district" if key is None else f"unit {key}"
            print(f"  target {sol.target:.0%} cannot be reached in {where}: all candidates together reach "
                  f"{sol.details.get('reachable_share', 0):.1%}; the sites listed reach that")
    print("  " + summary_line(result))
    for r in result.sites.head(MAX_LISTED).itertuples():
        team = f" team {r.team_id}" if r.team_id else ""
        print(f"  {r.rank:>3} {r.candidate_id:<10} unit {r.unit_id or '-'}{team}: +{r.gain_population:.0f} "
              f"residents -> {r.cumulative_share:.1%}")
    if len(result.sites) > MAX_LISTED:
        print(f"  ... and {len(result.sites) - MAX_LISTED} more (sites.csv)")
    print(f"  written to {out}/ ({', '.join(OUTPUTS)})")


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from .._progress import report, scaled
    from ..facilities import load_catalogue
    from ..io import read_vector
    from ..living_circle import read_population
    from ..network import read_network
    from ..suggest import parse_every, suggest_sites
    from ..zones import read_zones
    from ._common import check_inputs, prepare_out_dir

    every = parse_every(args.candidates)
    check_inputs((args.network, "network"), (args.facilities, "facilities"), (args.population, "population"),
                 (args.zones, "vector"), (None if every else args.candidates, "vector"), (args.teams, "table"),
                 (args.catalogue, "table"), (args.entrances, "vector"), (args.candidate_entrances, "vector"))
    inputs = {"network": args.network, "facilities": args.facilities, "population": args.population,
              "zones": args.zones, "candidates": args.candidates, "teams": args.teams, "catalogue": args.catalogue,
              "entrances": args.entrances, "candidate_entrances": args.candidate_entrances}
    out = prepare_out_dir(args.out, OUTPUTS, [v for k, v in inputs.items() if not (k == "candidates" and every)])
    if args.sites is not None and args.sites < 1:
        raise InputError(f"--sites {args.sites} must be at least 1", fix="e.g. --sites 5")
    if args.target is not None and not 0 < args.target <= 1:
        raise InputError(f"--target {args.target:g} is not a share in (0, 1]", fix="e.g. --target 0.9 for 90%")
    catalogue = load_catalogue(args.catalogue)
    teams = _teams(args)
    with args.reporter.progress("suggest") as bar:
        report(bar, 0.0, "reading the network")
        net = read_network(args.network, metric_crs=args.metric_crs, drop_disconnected=args.drop_disconnected,
                           progress=scaled(bar, 0.0, 0.2), crs=args.crs)
        report(bar, 0.2, "reading zones, population, facilities, candidates")
        zones = read_zones(args.zones, zone_id=args.zone_id, name_column=args.name_column, type_column=None,
                           default_type="area", crs=args.crs)
        population = read_population(args.population, args.population_column, net.crs, crs=args.crs)
        facilities, category_column = read_facilities(args.facilities, catalogue, args.category_column, args.crs)
        candidates = args.candidates if every else read_vector(args.candidates, crs=args.crs)
        result = suggest_sites(
            net, facilities, population, zones, args.category, candidates, sites=args.sites, target=args.target,
            per_unit=args.per_unit, units=args.unit, catalogue=catalogue, teams=teams,
            category_column=category_column,
            entrances=read_vector(args.entrances, crs=args.crs) if args.entrances else None,
            candidate_entrances=(read_vector(args.candidate_entrances, crs=args.crs) if args.candidate_entrances
                                 else None),
            candidate_id=args.candidate_id, max_snap=args.max_snap, method=args.method,
            time_limit=args.time_limit, progress=scaled(bar, 0.3, 1.0))
    write_suggestion(result, out, inputs)
    print_summary(result, out)
    args.reporter.done(summary_line(result), {name: str(out / name) for name in OUTPUTS},
                       summary_zh=summary_line_zh(result), method=result.summary["method"], gap=result.summary["gap"],
                       seconds=result.summary["seconds"])
    return 0
