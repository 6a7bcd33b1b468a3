"""``planner-gis isochrones``: walking isochrones around points (facility entrances, sites).

Contract::

    planner-gis isochrones --network NET --points PTS --out FILE.gpkg
        [--distances 300,500,1000] [--max-snap 200] [--buffer 25] [--id-column COL]
        [--metric-crs EPSG] [--drop-disconnected]

Writes one layer ``isochrones`` (``point_id``, ``threshold_m``, ``snap_distance``,
``street_length_m``, polygons in the metric CRS) into ``FILE.gpkg``, atomically.
Points farther than ``--max-snap`` from every walking edge get no isochrone and
are listed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError, OutputError
from ._common import HELP_FORMATTER, add_crs_option, demo_path, epilog


def parse_distances(text: str) -> tuple:
    """``"300, 500,1000"`` -> ``(300.0, 500.0, 1000.0)``.

    Raises
    ------
    InputError
        When a part is not a positive number.

    Examples
    --------
    >>> parse_distances("300, 500;1000")
    (300.0, 500.0, 1000.0)
    """
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if not values or any(not v > 0 for v in values):
        raise InputError(f"--distances '{text}' are not positive walking distances in metres",
                         fix="give distances separated by commas, e.g. --distances 300,500,1000")
    return values


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``isochrones`` sub-command."""
    p = sub.add_parser(
        "isochrones", help="walking isochrones around points (street area within each walking distance)",
        description="The street area reachable on foot within each distance from every point, along the "
                    "walking network (the distance contract of 'planner-gis reach'), nested per point.",
        formatter_class=HELP_FORMATTER,
        epilog=epilog([("NET", "lines that share vertices at junctions, no columns needed (or .osm.pbf, .graphml, "
                               ".npz)"),
                       ("PTS", "points (polygons count at a point inside), no columns needed; optional id column "
                               "(--id-column)")],
                      f"planner-gis isochrones --network {demo_path('network')} --points {demo_path('entrances')} "
                      "--out out/isochrones.gpkg"))
    p.add_argument("--network", required=True, metavar="NET",
                   help="walking network: .osm.pbf, .graphml, saved .npz or a line layer")
    p.add_argument("--points", required=True, metavar="PTS", help="start points (any vector layer; FILE:LAYER allowed)")
    p.add_argument("--out", required=True, metavar="FILE.gpkg", help="GeoPackage to write (layer isochrones)")
    p.add_argument("--distances", default="300,500,1000", metavar="M,M,...",
                   help="walking distances in metres (default 300,500,1000: the 5/10/15-minute circles)")
    p.add_argument("--max-snap", type=float, default=200.0, metavar="M",
                   help="points farther than this from every walking edge get no isochrone (default 200 m)")
    p.add_argument("--buffer", type=float, default=25.0, metavar="M",
                   help="half-width of the band drawn around reachable streets (default 25 m)")
    p.add_argument("--id-column", metavar="COL", help="point id column (default: the row number)")
    p.add_argument("--metric-crs", metavar="EPSG", help="metric CRS (default: CGCS2000 GK zone / UTM)")
    p.add_argument("--drop-disconnected", action="store_true",
                   help="keep only the largest connected piece of the network")
    add_crs_option(p, "the network line layer or GraphML and PTS")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build the network, draw the isochrones, write them."""
    from .._progress import scaled
    from ..io import check_not_inputs, read_vector, write_layers
    from ..isochrones import isochrones
    from ..network import read_network
    from ._common import check_inputs

    distances = parse_distances(args.distances)
    out = Path(args.out)
    if out.suffix.lower() != ".gpkg":
        raise OutputError(f"--out {out} does not end in .gpkg", fix="name the output e.g. isochrones.gpkg")
    check_inputs((args.network, "network"), (args.points, "vector"))
    check_not_inputs([out], [args.network, args.points])
    with args.reporter.progress("isochrones") as bar:
        net = read_network(args.network, metric_crs=args.metric_crs, drop_disconnected=args.drop_disconnected,
                           progress=scaled(bar, 0.0, 0.4), crs=args.crs)
        points = read_vector(args.points, crs=args.crs)
        if len(points) == 0:
            raise InputError(f"{args.points}: the points layer has no features", fix="give a layer with points")
        result = isochrones(net, points, thresholds=distances, max_snap=args.max_snap, buffer_m=args.buffer,
                            id_column=args.id_column, progress=scaled(bar, 0.4, 1.0))
    write_layers({"isochrones": result}, out)
    missed = list(result.attrs.get("unreachable", []))
    n_points = result["point_id"].nunique() if len(result) else 0
    line = f"{len(result)} isochrones of {n_points} points at {', '.join(f'{d:g}' for d in distances)} m"
    print(f"{line} written to {out}")
    if missed:
        shown = ", ".join(str(m) for m in missed[:10]) + (" ..." if len(missed) > 10 else "")
        args.reporter.warn(f"{len(missed)} point(s) farther than {args.max_snap:g} m from every walking edge "
                           f"get no isochrone: {shown}")
    args.reporter.done(line, {"isochrones": str(out)})
    return 0
