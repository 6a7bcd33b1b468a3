"""``planner-gis whatif``: how coverage changes if facilities are added, removed or moved.

Contract (kept stable)::

    planner-gis whatif REACH_DIR --add x,y,CATEGORY ... --remove FACILITY_ID ... --out DIR
        [--move FACILITY_ID,x,y ...] [--crs EPSG] | --serve

``REACH_DIR`` is the output folder of ``planner-gis reach ... --scenario``
(its ``scenario.npz``). Changes apply in the order removes, moves, adds;
coordinates are in the reach's metric CRS (named in reach.json) unless
``--crs`` names the CRS they are in. Each change searches again only around
the changed access points (see :mod:`planner_gis.scenario.state`); the result
equals a full recompute.

Outputs (each written atomically; no output may be an input)

* ``DIR/coverage_diff.csv``: exactly
  ``unit_id,category,tier_min,threshold_m,population,covered_before,covered_after,change,share_before,share_after``,
  one row per unit and category plus the ``tier_5``/``tier_10``/``tier_15`` rows;
* ``DIR/whatif.json``: the changes applied (with the ids of added
  facilities), district shares before and after per category, timings.

``--serve`` instead reads one JSON request per line on stdin and answers
one JSON line on stdout (:mod:`planner_gis.scenario.serve`), until ``quit``
or the end of input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..errors import InputError

OUTPUTS = ("coverage_diff.csv", "whatif.json")

def _epilog() -> str:
    from ._common import epilog

    return epilog([("REACH_DIR", "the output folder of `planner-gis reach ... --scenario` (scenario.npz, reach.json)"),
                   ("--add", "x,y,CATEGORY: a new point facility of a catalogue category"),
                   ("--remove", "FACILITY_ID: a facility of the reach (its id in reach.gpkg / the facility layer)"),
                   ("--move", "FACILITY_ID,x,y: a point facility to a new place")],
                  "planner-gis whatif out/reach --add 441150,4410680,kindergarten --remove F00001 --out out/whatif",
                  first="reach")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``whatif`` sub-command."""
    p = sub.add_parser(
        "whatif", help="coverage change per unit if facilities are added, removed or moved",
        description="Changes facilities of a reach result (planner-gis reach --scenario) and writes how the "
                    "covered population of every unit and category changes, searching again only where a "
                    "change can matter. --serve answers JSON requests line by line (for the QGIS plugin).",
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("reach_dir", metavar="REACH_DIR", help="output folder of planner-gis reach --scenario")
    p.add_argument("--add", action="append", default=[], metavar="x,y,CATEGORY", help="add a facility (repeatable)")
    p.add_argument("--remove", action="append", default=[], metavar="FACILITY_ID",
                   help="remove a facility (repeatable)")
    p.add_argument("--move", action="append", default=[], metavar="FACILITY_ID,x,y",
                   help="move a point facility (repeatable)")
    p.add_argument("--crs", metavar="EPSG", help="CRS of the x,y given (default: the reach's metric CRS)")
    p.add_argument("--out", metavar="DIR", help="output folder (coverage_diff.csv, whatif.json)")
    p.add_argument("--serve", action="store_true",
                   help="answer JSON requests on stdin, one per line, until quit (no --out)")
    p.set_defaults(handler=run)


def _numbers(text: str, what: str, form: str) -> list:
    parts = [t.strip() for t in str(text).split(",")]
    try:
        return [float(parts[0]), float(parts[1])] + parts[2:]
    except (ValueError, IndexError):
        example = "441150,4410680,kindergarten" if "CATEGORY" in form else "F00001,441150,4410680"
        raise InputError(f"{what} '{text}' is not {form}", fix=f"write it as {form}, e.g. {example}") from None


def parse_add(text: str) -> tuple:
    """``"441150,4410680,kindergarten"`` -> ``(441150.0, 4410680.0, 'kindergarten')``.

    >>> parse_add("1.5, 2,kindergarten")
    (1.5, 2.0, 'kindergarten')
    """
    v = _numbers(text, "--add", "x,y,CATEGORY")
    if len(v) != 3 or not v[2]:
        raise InputError(f"--add '{text}' is not x,y,CATEGORY", fix="e.g. --add 441150,4410680,kindergarten")
    return v[0], v[1], v[2]


def parse_move(text: str) -> tuple:
    """``"F00001,441150,4410680"`` -> ``('K0001', 441150.0, 4410680.0)``.

    >>> parse_move("K1, 10, 20")
    ('K1', 10.0, 20.0)
    """
    fid, _, rest = str(text).partition(",")
    v = _numbers(rest, "--move", "FACILITY_ID,x,y")
    if not fid.strip() or len(v) != 2:
        raise InputError(f"--move '{text}' is not FACILITY_ID,x,y", fix="e.g. --move F00001,441150,4410680")
    return fid.strip(), v[0], v[1]


def _transform(crs: str | None, target):
    if not crs:
        return lambda x, y: (x, y)
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError as ProjError

    try:
        tr = Transformer.from_crs(CRS.from_user_input(crs if not str(crs).isdigit() else int(crs)), target,
                                  always_xy=True)
    except ProjError:
        raise InputError(f"--crs {crs} is not a coordinate reference system", fix="e.g. --crs 4326") from None
    return tr.transform


def apply_changes(sc, adds: list, removes: list, moves: list, crs: str | None = None) -> list:
    """Apply removes, moves and adds to the scenario ``sc``; one record per change."""
    to = _transform(crs, sc.net.crs)
    done = []
    for fid in removes:
        t0 = time.perf_counter()
        step = sc.remove(fid)
        done.append({"op": "remove", "facility_id": step.facility_id, "ms": 1000 * (time.perf_counter() - t0)})
    for fid, x, y in moves:
        t0 = time.perf_counter()
        step = sc.move(fid, *to(x, y))
        done.append({"op": "move", "facility_id": step.facility_id, "x": x, "y": y,
                     "ms": 1000 * (time.perf_counter() - t0)})
    for x, y, cat in adds:
        t0 = time.perf_counter()
        step = sc.add(*to(x, y), cat)
        done.append({"op": "add", "facility_id": step.facility_id, "category": cat, "x": x, "y": y,
                     "ms": 1000 * (time.perf_counter() - t0)})
    return done


def district(diff) -> dict:
    """District share before and after per category (each origin counted in every unit holding it)."""
    g = diff.groupby("category", sort=False)[["population", "covered_before", "covered_after"]].sum()
    return {c: {"before": round(r.covered_before / r.population, 6) if r.population else None,
                "after": round(r.covered_after / r.population, 6) if r.population else None,
                "change": round(r.covered_after - r.covered_before, 3)} for c, r in g.iterrows()}


def run(args: argparse.Namespace) -> int:
    """Run the command with the parsed arguments; returns the exit status."""
    from ..io import write_csv, write_text
    from ..scenario import DIFF_COLUMNS, open_reach
    from ._common import prepare_out_dir

    if args.serve == bool(args.out):
        raise InputError("give either --out DIR (changes on the command line) or --serve (requests on stdin)",
                         fix="e.g. planner-gis whatif out/reach --add 441150,4410680,kindergarten --out out/whatif")
    adds = [parse_add(a) for a in args.add]
    moves = [parse_move(m) for m in args.move]
    out = None
    if args.out:
        if not (adds or args.remove or moves):
            raise InputError("no change given", fix="add --add x,y,CATEGORY, --remove FACILITY_ID or --move ID,x,y")
        out = prepare_out_dir(args.out, OUTPUTS, [str(Path(args.reach_dir) / "scenario.npz")])
    with args.reporter.progress("whatif") as bar:
        bar(0.0, "loading the scenario")
        t0 = time.perf_counter()
        sc = open_reach(args.reach_dir)
        load = time.perf_counter() - t0
        bar(1.0, "loaded")
    if args.serve:
        from ..scenario.serve import serve

        serve(sc, sys.stdin, sys.stdout)
        return 0
    done = apply_changes(sc, adds, args.remove, moves, args.crs)
    diff = sc.difference()
    shares = district(diff)
    write_csv(diff, out / "coverage_diff.csv", columns=DIFF_COLUMNS)
    info = {"reach_dir": str(args.reach_dir), "crs": sc.net.crs.to_string(), "changes": done,
            "district": shares, "load_seconds": round(load, 3)}
    write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", out / "whatif.json")
    _print(done, diff, shares, out)
    changed = diff[diff["change"].abs() > 1e-9]
    args.reporter.done(f"{len(done)} changes: {len(changed)} unit and category rows change",
                       {name: str(out / name) for name in OUTPUTS})
    return 0


def _print(done: list, diff, shares: dict, out: Path) -> None:
    print(f"whatif: {len(done)} change(s)")
    for d in done:
        where = f" at ({d['x']:.1f}, {d['y']:.1f})" if "x" in d else ""
        print(f"  {d['op']} {d['facility_id']}{where} ({d['ms']:.1f} ms)")
    for c, s in shares.items():
        if abs(s["change"]) > 1e-9:
            print(f"  {c}: {s['before']:.1%} -> {s['after']:.1%} ({s['change']:+.0f} residents)")
    changed = diff[(diff["change"].abs() > 1e-9) & ~diff["category"].str.startswith("tier_")]
    for r in changed.sort_values("change").head(10).itertuples():
        print(f"    unit {r.unit_id} {r.category}: {r.share_before:.1%} -> {r.share_after:.1%} ({r.change:+.0f})")
    print(f"  written to {out}/ ({', '.join(OUTPUTS)})")
