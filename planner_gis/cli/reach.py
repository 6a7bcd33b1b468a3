"""``planner-gis reach``: who reaches everyday facilities within the 5/10/15-minute living circle.

Contract (kept stable)::

    planner-gis reach --network NET --facilities FAC --population POP --zones ZONES --out DIR
        [--teams REGISTRY] [--as-of YYYY-MM-DD] [--catalogue CSV]
        [--category-column category] [--population-column population] [--zone-id unit_id]
        [--max-snap 200] [--isochrones] [--isochrone-category CAT ...]
        [--entrances FILE] [--facility-id COL] [--metric-crs EPSG]

Inputs

* ``NET``: an OpenStreetMap extract (``.osm.pbf``, walking network via pyrosm),
  an OSMnx ``.graphml``, a network saved by :func:`planner_gis.network.save_network`
  (``.npz``) or any line layer whose lines share vertices at junctions.
* ``FAC``: a point/polygon layer with a catalogue category per feature
  (``--category-column``), or an ``.osm.pbf`` extract whose features are
  classified with the catalogue's ``osm_tags``. Polygons (parks) are reached
  at their ``--entrances`` when given, else along their boundary every 50 m,
  and parks serve the lower park tiers too
  (:func:`planner_gis.catalogue.facility_access_points`). Categories the
  catalogue does not know are ignored and reported.
* ``POP``: a population raster (``.tif``; one origin per populated cell) or a
  point/polygon layer with ``--population-column``.
* ``ZONES``: unit polygons with ``--zone-id``.

Outputs (each written atomically; no output may be an input)

* ``DIR/coverage.csv``: exactly ``unit_id,category,tier_min,threshold_m,population,covered_population,share``;
  one row per unit and category, plus rows ``tier_5``/``tier_10``/``tier_15``
  (residents reaching *every* category of the tier).
* ``DIR/reach.gpkg``: layers ``coverage`` (the same rows with the unit
  polygon and name), ``underserved`` (uncovered population cells per unit and
  category, with the responsible team when ``--teams`` is given),
  ``unreachable`` (origins and facilities farther than ``--max-snap`` from any
  walking edge) and, with ``--isochrones``, ``isochrones``.
* ``DIR/reach.json``: CRS, counts, district-wide shares, unreachable counts.
* ``DIR/scenario.npz`` (only with ``--scenario``): what ``planner-gis whatif``
  needs to change facilities and recompute coverage incrementally (network,
  origins, units, access points, catalogue; see :mod:`planner_gis.scenario.files`).

Isochrones: drawing one around every facility is too much (thousands of
shops). ``--isochrones`` draws them for the facilities of the 15-minute tier
(the sparse, large facilities planners site: middle schools, health
centres, care homes, culture and sports centres, large parks), or for the
categories named with ``--isochrone-category``; distances are the
catalogue's thresholds (300, 500 and 1000 m by default). A polygon facility's
isochrone is the union of those of its access points.

Exit status 0 when it ran (gaps are findings, not errors); 2 with a one-line
message on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..living_circle import COVERAGE_COLUMNS, ID_CANDIDATES, LivingCircle
from ..errors import InputError
from ._common import (
    HELP_FORMATTER,
    REGISTRY_COLUMNS,
    add_crs_option,
    add_registry_columns,
    add_zone_columns,
    demo_path,
    epilog,
)

OUTPUTS = ("coverage.csv", "reach.gpkg", "reach.json")
#: Unreachable records listed on stdout (all are in reach.gpkg).
MAX_LISTED = 20


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reach`` sub-command."""
    p = sub.add_parser(
        "reach",
        help="share of residents reaching everyday facilities in the 5/10/15-minute living circle",
        description="Walking distance from every resident to the nearest facility of each category of the "
                    "GB 50180-2018 catalogue; coverage per unit, underserved areas, unreachable points. "
                    "Layer inputs accept FILE:LAYER for a layer of a GeoPackage.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog(
            [("NET", "lines that share vertices at junctions, no columns needed (or .osm.pbf, .graphml, .npz)"),
             ("FAC", "category (catalogue categories; another header with --category-column); optional id "
                     f"({', '.join(ID_CANDIDATES)}, or --facility-id); or an .osm.pbf extract"),
             ("POP", "population (residents per point or polygon; another header with --population-column), "
                     "or a raster (.tif) of residents per cell"),
             ("ZONES", "unit_id (单元编码 ... are recognised; else --zone-id); optional name"),
             ("--catalogue", "category, name_zh, tier_min (5, 10 or 15), threshold_m (metres); optional name_en, "
                             "min_area_ha, osm_tags, poi_types, name_keywords, gb50180_ref"),
             ("--teams", REGISTRY_COLUMNS),
             ("--entrances", "points, no columns needed")],
            f"planner-gis reach --network {demo_path('network')} --facilities {demo_path('facilities')} "
            f"--entrances {demo_path('entrances')} --population {demo_path('population')} "
            f"--zones {demo_path('units')} --teams {demo_path('registry')} --as-of 2026-03-31 --scenario "
            "--out out/reach"),
    )
    p.add_argument("--network", required=True, metavar="NET",
                   help="walking network: .osm.pbf, .graphml, saved .npz or a line layer")
    p.add_argument("--facilities", required=True, metavar="FAC",
                   help="facility layer with a category column (or an .osm.pbf extract)")
    p.add_argument("--population", required=True, metavar="POP",
                   help="population raster (.tif) or point/polygon layer with a population column")
    p.add_argument("--zones", required=True, metavar="ZONES", help="unit polygons")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--teams", metavar="REGISTRY", help="team registry (.csv/.xlsx): names the team of each gap")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="date for the team registry (default: today)")
    p.add_argument("--catalogue", metavar="CSV", help="facility catalogue (default: GB 50180-2018 catalogue)")
    p.add_argument("--category-column", default="category", metavar="COL",
                   help="facility category column (default category)")
    p.add_argument("--population-column", default="population", metavar="COL",
                   help="population column of a point/polygon layer (default population)")
    p.add_argument("--max-snap", type=float, default=200.0, metavar="M",
                   help="points farther than this from every walking edge are unreachable (default 200 m)")
    p.add_argument("--isochrones", action="store_true",
                   help="add walking isochrones of the 15-minute-tier facilities (or --isochrone-category)")
    p.add_argument("--isochrone-category", action="append", metavar="CAT",
                   help="draw isochrones for this category (repeatable; implies --isochrones)")
    p.add_argument("--entrances", metavar="FILE", help="entrance points of polygon facilities (park gates)")
    p.add_argument("--facility-id", metavar="COL",
                   help=f"facility id column (default: the first of {', '.join(ID_CANDIDATES)}, else row number)")
    p.add_argument("--metric-crs", metavar="EPSG", help="metric CRS (default: CGCS2000 GK zone / UTM)")
    p.add_argument("--drop-disconnected", action="store_true",
                   help="keep only the largest connected piece of the network (points near the others "
                        "become unreachable)")
    p.add_argument("--scenario", action="store_true",
                   help="also write DIR/scenario.npz, for what-if changes with planner-gis whatif DIR")
    add_crs_option(p, "the network line layer or GraphML, FAC, POP, ZONES and --entrances")
    add_coords_options(p)
    add_zone_columns(p, types=False)
    add_registry_columns(p)
    p.set_defaults(handler=run)


#: The inputs of reach whose lon/lat may be GCJ-02 (Amap, Tencent) or BD-09 (Baidu).
COORDS_INPUTS = ("facilities", "zones", "entrances", "population")


def add_coords_options(p: argparse.ArgumentParser) -> None:
    """``--facilities-coords`` ... : declare Amap / Baidu lon/lat of an input (converted to WGS84 on reading)."""
    for name in COORDS_INPUTS:
        p.add_argument(f"--{name}-coords", choices=("wgs84", "gcj02", "bd09"), metavar="DATUM",
                       help=f"{name} lon/lat are gcj02 (Amap, Tencent) or bd09 (Baidu): convert them to WGS84 "
                            "(default wgs84; never guessed, but a likely offset is reported)")


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    return v


def write_reach(lc: LivingCircle, out: Path, inputs: dict) -> dict:
    """Write coverage.csv, reach.gpkg and reach.json into ``out`` (each atomically)."""
    from ..io import write_csv, write_layers, write_text

    summary = {"inputs": inputs, **lc.summary}
    write_csv(lc.coverage, out / "coverage.csv", columns=COVERAGE_COLUMNS)
    write_layers(lc.layers(), out / "reach.gpkg")
    write_text(json.dumps(_jsonable(summary), ensure_ascii=False, indent=2) + "\n", out / "reach.json")
    return summary


def summary_line(lc: LivingCircle) -> str:
    """One line of the result: the share of residents reaching every facility of each tier.

    E.g. ``"15-min tier 35%, 10-min tier 37%, 5-min tier 31% of 2000000 residents reach every facility"``.
    """
    shares = lc.summary["district_share"]
    parts = [f"{t}-min tier {shares[f'tier_{t}']:.0%}" for t in (15, 10, 5) if f"tier_{t}" in shares]
    residents = lc.summary["counts"]["population"]
    return f"{', '.join(parts) or 'no tier'} of {residents:.0f} residents reach every facility of the tier"


def summary_line_zh(lc: LivingCircle) -> str:
    """The same line in Chinese.

    E.g. ``"15分钟生活圈 35%，10分钟生活圈 37%，5分钟生活圈 31% 的居民（共 2000000 人）可达该圈层全部设施"``.
    """
    shares = lc.summary["district_share"]
    parts = [f"{t}分钟生活圈 {shares[f'tier_{t}']:.0%}" for t in (15, 10, 5) if f"tier_{t}" in shares]
    residents = lc.summary["counts"]["population"]
    return f"{'，'.join(parts) or '无圈层'} 的居民（共 {residents:.0f} 人）可达该圈层全部设施"


def print_summary(lc: LivingCircle, catalogue, max_snap: float, out: Path) -> None:
    """Print the human summary of the run on stdout."""
    s = lc.summary
    c = s["counts"]
    print(f"reach: {c['origins']} origins ({c['population']:.0f} residents), {c['facilities']} facilities "
          f"({c['access_points']} access points), {c['units']} units, {s['crs']}")
    if c["ignored_categories"]:
        print("  ignored facility categories not in the catalogue: "
              + ", ".join(f"{k} ({v})" for k, v in c["ignored_categories"].items()))
    missing = [k for k in catalogue["category"] if k not in c["facilities_by_category"]]
    if missing:
        print(f"  categories without any facility: {', '.join(missing)}")
    shares = s["district_share"]
    for t in (5, 10, 15):
        if f"tier_{t}" in shares:
            cats = catalogue.loc[catalogue["tier_min"] == t, "category"]
            parts = ", ".join(f"{k} {shares[k]:.0%}" for k in cats if k in shares)
            print(f"  {t:>2}-min tier: {shares[f'tier_{t}']:.0%} reach all ({parts})")
    u = s["unreachable"]
    bad = u["facilities_with_unreachable_points"]
    print(f"  unreachable (> {max_snap:g} m from every walking edge): {u['origins']} origins "
          f"({u['origin_population']:.0f} residents); {len(bad)} facilities with unreachable "
          f"access points, {u['facilities']} of them entirely")
    lines = []
    origins = lc.unreachable[lc.unreachable["kind"] == "origin"] if len(lc.unreachable) else lc.unreachable
    for r in origins.itertuples():
        where = "" if r.geometry is None else f" at ({r.geometry.x:.1f}, {r.geometry.y:.1f})"
        lines.append(f"    origin {r.record}{where}: {r.reason}")
    for f, info in bad.items():
        n, total = info["unreachable_points"], info["access_points"]
        state = "unreachable" if n >= total else f"{n} of {total} access points unreachable"
        lines.append(f"    facility {f} ({info['category']}): {state}")
    for line in lines[:MAX_LISTED]:
        print(line)
    if len(lines) > MAX_LISTED:
        print(f"    ... and {len(lines) - MAX_LISTED} more (layer 'unreachable' of reach.gpkg)")
    print(f"  written to {out}/ ({', '.join(OUTPUTS)})")


def _read_facilities(args: argparse.Namespace, catalogue) -> tuple:
    """The facility layer, its category column and id column (an .osm.pbf extract classified by the catalogue)."""
    from .._validate import require_columns
    from ..facilities import osm_facilities
    from ..io import read_vector

    fac_path = Path(args.facilities)
    if fac_path.name.lower().endswith(".pbf"):
        facilities = osm_facilities(fac_path, catalogue)
        if len(facilities) == 0:
            raise InputError(f"{fac_path}: no feature of the extract matches the catalogue's osm_tags",
                             fix="use a larger extract, or check the catalogue's osm_tags column (--catalogue)")
        return facilities, "category", "osm_id"
    facilities = read_vector(args.facilities, crs=args.crs, coords=args.facilities_coords)
    if len(facilities) == 0:
        raise InputError(f"{args.facilities}: the facility layer has no features",
                         fix="check the file, or name the layer as FILE:LAYER")
    require_columns(facilities, [args.category_column], str(args.facilities),
                    hint="name the column holding the facility category with --category-column")
    return facilities, args.category_column, args.facility_id


def _prepare(args: argparse.Namespace) -> tuple:
    """Checks before any work; the output folder and its files, the catalogue, the isochrone categories, the teams."""
    from ..facilities import load_catalogue
    from ._common import check_inputs, prepare_out_dir, registry_columns

    if args.max_snap <= 0:
        raise InputError(f"--max-snap {args.max_snap:g} must be a positive distance in metres",
                         fix="e.g. --max-snap 200")
    check_inputs((args.network, "network"), (args.facilities, "facilities"), (args.population, "population"),
                 (args.zones, "vector"), (args.teams, "table"), (args.catalogue, "table"),
                 (args.entrances, "vector"))
    inputs = {"network": args.network, "facilities": args.facilities, "population": args.population,
              "zones": args.zones, "teams": args.teams, "as_of": args.as_of, "catalogue": args.catalogue,
              "entrances": args.entrances}
    outputs = OUTPUTS + (("scenario.npz",) if args.scenario else ())
    out = prepare_out_dir(args.out, outputs, [v for k, v in inputs.items() if k != "as_of"])
    catalogue = load_catalogue(args.catalogue)
    iso_cats = list(args.isochrone_category or [])
    if args.isochrones and not iso_cats:
        iso_cats = catalogue.loc[catalogue["tier_min"] == 15, "category"].tolist()
    teams = None
    if args.teams:
        from ..registry import active_unit_teams, read_registry

        teams = active_unit_teams(read_registry(args.teams, columns=registry_columns(args)), args.as_of)
    return inputs, out, outputs, catalogue, iso_cats, teams


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from .._progress import report, scaled
    from ..io import read_vector
    from ..living_circle import assess_living_circle, read_population
    from ..network import read_network
    from ..zones import read_zones

    inputs, out, outputs, catalogue, iso_cats, teams = _prepare(args)
    with args.reporter.progress("reach") as bar:
        report(bar, 0.0, "reading the network")
        net = read_network(args.network, metric_crs=args.metric_crs, drop_disconnected=args.drop_disconnected,
                           progress=scaled(bar, 0.0, 0.25), crs=args.crs)
        report(bar, 0.25, "reading zones, population, facilities")
        zones = read_zones(args.zones, zone_id=args.zone_id, name_column=args.name_column, type_column=None,
                           default_type="area", crs=args.crs, coords=args.zones_coords)
        population = read_population(args.population, args.population_column, net.crs, crs=args.crs,
                                     coords=args.population_coords)
        facilities, category_column, facility_id = _read_facilities(args, catalogue)
        entrances = (read_vector(args.entrances, crs=args.crs, coords=args.entrances_coords)
                     if args.entrances else None)
        lc = assess_living_circle(
            net, facilities, population, zones, catalogue, category_column=category_column,
            facility_id=facility_id, entrances=entrances, teams=teams, max_snap=args.max_snap,
            isochrone_categories=iso_cats, progress=scaled(bar, 0.3, 1.0),
        )
    write_reach(lc, out, inputs)
    if args.scenario:
        from ..scenario import save_scenario, scenario_from_layers

        save_scenario(scenario_from_layers(net, lc.access, population, zones, catalogue, args.max_snap),
                      out / "scenario.npz")
    print_summary(lc, catalogue, args.max_snap, out)
    if args.scenario:
        print(f"  what-if file: {out / 'scenario.npz'} (planner-gis whatif {out} ...)")
    args.reporter.done(summary_line(lc), {name: str(out / name) for name in outputs},
                       summary_zh=summary_line_zh(lc))
    return 0
