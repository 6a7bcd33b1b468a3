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
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd

from .._progress import report, scaled
from ..errors import InputError

OUTPUTS = ("coverage.csv", "reach.gpkg", "reach.json")
COVERAGE_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "covered_population", "share"]
RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".vrt", ".asc")
#: Facility id columns used when ``--facility-id`` is not given, in this order.
ID_CANDIDATES = ("fac_id", "facility_id", "osm_id", "id")
#: Unreachable records listed on stdout (all are in reach.gpkg).
MAX_LISTED = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reach",
        help="share of residents reaching everyday facilities in the 5/10/15-minute living circle",
        description="Walking distance from every resident to the nearest facility of each category of the "
                    "GB 50180-2018 catalogue; coverage per unit, underserved areas, unreachable points.",
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
    p.add_argument("--zone-id", default="unit_id", metavar="COL", help="unit id column (default unit_id)")
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
    p.set_defaults(handler=run)


# ----------------------------------------------------------------------------- inputs


def _read_facilities(args: argparse.Namespace, catalogue: pd.DataFrame) -> tuple[gpd.GeoDataFrame, str, str]:
    """The facility layer, its category column and its id column."""
    from ..catalogue import osm_facilities
    from ..io import read_vector

    path = Path(args.facilities)
    if path.name.lower().endswith(".pbf"):
        fac = osm_facilities(path, catalogue)
        if len(fac) == 0:
            raise InputError(f"{path}: no feature of the extract matches the catalogue's osm_tags",
                             fix="use a larger extract, or check the catalogue's osm_tags column")
        return fac, "category", "osm_id"
    fac = read_vector(path)
    if len(fac) == 0:
        raise InputError(f"{path}: the facility layer has no features", fix="check the file and layer")
    if args.category_column not in fac.columns:
        have = ", ".join(str(c) for c in fac.columns if c != fac.geometry.name)
        raise InputError(
            f"{path}: no category column '{args.category_column}' (columns present: {have})",
            fix="name the column holding the facility category with --category-column",
        )
    if args.facility_id:
        if args.facility_id not in fac.columns:
            raise InputError(f"{path}: no facility id column '{args.facility_id}'",
                             fix="name an existing column with --facility-id, or leave it out")
        id_col = args.facility_id
    else:
        id_col = next((c for c in ID_CANDIDATES if c in fac.columns and fac[c].notna().all()
                       and fac[c].is_unique), None)
        if id_col is None:
            fac = fac.assign(row_number=np.arange(len(fac)))
            id_col = "row_number"
    return fac, args.category_column, id_col


def _read_population(args: argparse.Namespace, metric_crs: Any) -> gpd.GeoDataFrame:
    from ..io import read_vector
    from ..reach import population_from_raster

    path = Path(args.population)
    if path.suffix.lower() in RASTER_SUFFIXES:
        return population_from_raster(path, metric_crs=metric_crs)
    pop = read_vector(path)
    if args.population_column not in pop.columns:
        have = ", ".join(str(c) for c in pop.columns if c != pop.geometry.name)
        raise InputError(
            f"{path}: no population column '{args.population_column}' (columns present: {have})",
            fix="name the column holding residents per feature with --population-column, "
                "or give a population raster (.tif)",
        )
    if args.population_column != "population":
        pop = pop.drop(columns=[c for c in ["population"] if c in pop.columns])
        pop = pop.rename(columns={args.population_column: "population"})
    return pop


# ----------------------------------------------------------------------------- isochrones


def isochrone_layer(net, access: gpd.GeoDataFrame, catalogue: pd.DataFrame, categories: list[str],
                    max_snap: float, progress=None) -> gpd.GeoDataFrame:
    """Isochrones per facility (union over its access points) at the catalogue's thresholds."""
    from ..isochrones import isochrones

    thresholds = sorted(set(float(t) for t in catalogue["threshold_m"]))
    pts = access[access["category"].isin(categories) & (access["category"] == access["facility_category"])]
    cols = ["facility_id", "category", "threshold_m", "geometry"]
    if len(pts) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs=net.crs)
    pts = pts.reset_index(drop=True)
    iso = isochrones(net, pts, thresholds=thresholds, max_snap=max_snap, progress=progress)
    if len(iso) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs=net.crs)
    iso = iso.assign(facility_id=pts.loc[iso["point_id"].to_numpy(), "facility_id"].to_numpy(),
                     category=pts.loc[iso["point_id"].to_numpy(), "category"].to_numpy())
    iso["facility_id"] = iso["facility_id"].astype(str)
    out = iso.dissolve(by=["facility_id", "category", "threshold_m"], as_index=False)[cols]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=net.crs)


# ----------------------------------------------------------------------------- summary


def district_shares(result, catalogue: pd.DataFrame, population: gpd.GeoDataFrame) -> dict[str, float]:
    """Share of all residents covered per category and tier (each origin counted once)."""
    dist = result.origin_distance
    w = pd.to_numeric(population["population"], errors="coerce").fillna(0).to_numpy(float)
    total = w.sum()
    out: dict[str, float] = {}
    if total <= 0:
        return out
    covered = {}
    for r in catalogue.itertuples():
        if r.category in dist.columns:
            covered[r.category] = dist[r.category].to_numpy() <= float(r.threshold_m)
            out[r.category] = round(float((w * covered[r.category]).sum() / total), 4)
    for t in sorted(set(int(x) for x in catalogue["tier_min"])):
        cats = [c for c in catalogue.loc[catalogue["tier_min"] == t, "category"] if c in covered]
        if cats:
            allc = np.logical_and.reduce([covered[c] for c in cats])
            out[f"tier_{t}"] = round(float((w * allc).sum() / total), 4)
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    return v


# ----------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> int:
    from ..catalogue import facility_access_points, load_catalogue
    from ..crs import crs_label
    from ..io import read_vector, write_csv, write_layers, write_text
    from ..network import read_network
    from ..reach import compute_coverage
    from ..zones import read_zones
    from ._common import prepare_out_dir, progress_bar

    inputs = [args.network, args.facilities, args.population, args.zones, args.teams, args.catalogue,
              args.entrances]
    out = prepare_out_dir(args.out, OUTPUTS, inputs)
    if args.max_snap <= 0:
        raise InputError(f"--max-snap {args.max_snap:g} must be a positive distance in metres",
                         fix="e.g. --max-snap 200")
    catalogue = load_catalogue(args.catalogue)
    iso_cats = list(args.isochrone_category or [])
    unknown_iso = [c for c in iso_cats if c not in set(catalogue["category"])]
    if unknown_iso:
        raise InputError(f"--isochrone-category {', '.join(unknown_iso)} is not in the catalogue",
                         fix=f"choose from {', '.join(catalogue['category'])}")
    want_iso = bool(args.isochrones or iso_cats)
    if want_iso and not iso_cats:
        iso_cats = catalogue.loc[catalogue["tier_min"] == 15, "category"].tolist()

    teams = None
    if args.teams:
        from ..registry import active_unit_teams, read_registry

        teams = active_unit_teams(read_registry(args.teams), args.as_of)

    with progress_bar("reach") as bar:
        report(bar, 0.0, "reading the network")
        net = read_network(args.network, metric_crs=args.metric_crs, progress=scaled(bar, 0.0, 0.25))
        report(bar, 0.25, "reading zones, population, facilities")
        zones = read_zones(args.zones, zone_id=args.zone_id, type_column=None, default_type="area")
        population = _read_population(args, net.crs)
        fac, cat_col, id_col = _read_facilities(args, catalogue)
        entrances = read_vector(args.entrances) if args.entrances else None
        access = facility_access_points(fac, catalogue, category_column=cat_col, entrances=entrances,
                                        id_column=id_col, metric_crs=net.crs, unknown="ignore")
        ignored = access.attrs.get("ignored_categories", {})
        access.index = pd.Index(access["facility_id"].astype(str), name="facility_id")
        report(bar, 0.3, "walking distances")
        result = compute_coverage(
            net, access, population, zones, catalogue, category_column="category",
            population_column="population", zone_id="unit_id", max_snap=args.max_snap, teams=teams,
            progress=scaled(bar, 0.3, 0.9 if want_iso else 1.0),
        )
        iso = None
        if want_iso:
            iso = isochrone_layer(net, access, catalogue, iso_cats, args.max_snap, progress=scaled(bar, 0.9, 1.0))

    coverage = result.coverage[COVERAGE_COLUMNS]
    crs = result.crs
    units = zones.to_crs(crs)[["unit_id", "name", "geometry"]]
    names = dict(zip(catalogue["category"], catalogue["name_zh"]))
    names.update({f"tier_{t}": f"{t}分钟生活圈(全部设施)" for t in (5, 10, 15)})
    cov_layer = units.merge(coverage, on="unit_id", how="right")
    cov_layer.insert(cov_layer.columns.get_loc("category") + 1, "category_zh",
                     cov_layer["category"].map(names).fillna(""))
    cov_layer = gpd.GeoDataFrame(cov_layer, geometry="geometry", crs=crs)
    layers = {"coverage": cov_layer, "underserved": result.underserved, "unreachable": result.unreachable}
    if iso is not None:
        layers["isochrones"] = iso

    unreachable = result.unreachable
    un_origins = unreachable[unreachable["kind"] == "origin"] if len(unreachable) else unreachable
    un_fac = unreachable[unreachable["kind"] == "facility"] if len(unreachable) else unreachable
    # an access point that cannot be reached; the facility is unreachable if all its points are
    fac_points = access.groupby(level=0).size()
    bad_points = un_fac["record"].value_counts() if len(un_fac) else pd.Series(dtype=int)
    dead_facilities = sorted(str(f) for f, n in bad_points.items() if n >= fac_points.get(f, 0))
    pop_w = pd.to_numeric(population["population"], errors="coerce").fillna(0)
    if len(un_origins):
        idx = pd.Index(population.index.astype(str))
        pos = idx.get_indexer(un_origins["record"].astype(str))
        un_origin_pop = float(pop_w.to_numpy()[pos[pos >= 0]].sum())
    else:
        un_origin_pop = 0.0
    summary = {
        "crs": crs_label(crs),
        "inputs": {"network": str(args.network), "facilities": str(args.facilities),
                   "population": str(args.population), "zones": str(args.zones),
                   "teams": args.teams, "as_of": args.as_of, "catalogue": catalogue.attrs.get("source"),
                   "entrances": args.entrances},
        "max_snap_m": float(args.max_snap),
        "network": {"nodes": int(net.n_nodes), "edges": int(net.n_edges),
                    "length_km": round(float(net.edge_length.sum()) / 1000.0, 3),
                    "components": int(net.n_components)},
        "counts": {
            "units": int(len(zones)),
            "origins": int(len(population)),
            "population": float(pop_w.sum()),
            "facilities": int(len(fac)),
            "facilities_by_category": {str(k): int(v) for k, v in
                                       access.drop_duplicates(["facility_id", "facility_category"])
                                       ["facility_category"].value_counts().sort_index().items()},
            "access_points": int(len(access)),
            "ignored_categories": ignored,
        },
        "unreachable": {
            "origins": int(len(un_origins)),
            "origin_population": un_origin_pop,
            "facility_access_points": int(len(un_fac)),
            "facilities": len(dead_facilities),
        },
        "district_share": district_shares(result, catalogue, population),
        "engine": result.summary,
        "isochrones": ({"categories": iso_cats,
                        "thresholds_m": sorted(set(float(t) for t in catalogue["threshold_m"])),
                        "polygons": int(len(iso))} if iso is not None else None),
    }

    write_csv(coverage, out / "coverage.csv", columns=COVERAGE_COLUMNS)
    write_layers(layers, out / "reach.gpkg")
    write_text(json.dumps(_jsonable(summary), ensure_ascii=False, indent=2) + "\n", out / "reach.json")

    # ---- report
    c = summary["counts"]
    print(f"reach: {c['origins']} origins ({c['population']:.0f} residents), {c['facilities']} facilities "
          f"({c['access_points']} access points), {c['units']} units, {summary['crs']}")
    if ignored:
        print("  ignored facility categories not in the catalogue: "
              + ", ".join(f"{k} ({v})" for k, v in ignored.items()))
    missing = [k for k in catalogue["category"] if k not in c["facilities_by_category"]]
    if missing:
        print(f"  categories without any facility: {', '.join(missing)}")
    shares = summary["district_share"]
    for t in (5, 10, 15):
        if f"tier_{t}" in shares:
            cats = catalogue.loc[catalogue["tier_min"] == t, "category"]
            parts = ", ".join(f"{k} {shares[k]:.0%}" for k in cats if k in shares)
            print(f"  {t:>2}-min tier: {shares[f'tier_{t}']:.0%} reach all ({parts})")
    u = summary["unreachable"]
    print(f"  unreachable (> {args.max_snap:g} m from every walking edge): {u['origins']} origins "
          f"({u['origin_population']:.0f} residents); {len(bad_points)} facilities with unreachable "
          f"access points, {u['facilities']} of them entirely")
    lines = []
    for r in un_origins.itertuples():
        where = "" if r.geometry is None else f" at ({r.geometry.x:.1f}, {r.geometry.y:.1f})"
        lines.append(f"    origin {r.record}{where}: {r.reason}")
    fac_cat = access.groupby(level=0)["facility_category"].first()
    for f, n in bad_points.items():
        total = int(fac_points.get(f, 0))
        state = "unreachable" if n >= total else f"{n} of {total} access points unreachable"
        lines.append(f"    facility {f} ({fac_cat.get(f, '?')}): {state}")
    for line in lines[:MAX_LISTED]:
        print(line)
    if len(lines) > MAX_LISTED:
        print(f"    ... and {len(lines) - MAX_LISTED} more (layer 'unreachable' of reach.gpkg)")
    print(f"  written to {out}/ ({', '.join(OUTPUTS)})")
    return 0
