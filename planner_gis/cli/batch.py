"""``planner-gis batch reach|audit``: one command over many cities, each city one task on dask.distributed.

Contract::

    planner-gis batch reach CITIES --out DIR [--workers N] [--scheduler ADDRESS] [options of reach]
    planner-gis batch audit CITIES --out DIR [--workers N] [--scheduler ADDRESS] [options of audit]

Outputs: ``DIR/cities/NAME/`` (exactly what ``planner-gis reach|audit --out``
writes for the city, then the marker ``_done.json``), ``DIR/coverage.csv``
(reach) or ``DIR/findings.csv`` and ``DIR/workload.csv`` (audit): the rows of
all cities with a leading ``city`` column, and ``DIR/batch.json`` (per city:
status, seconds, error). Exit status 0 when every city is done, 3 when some
failed (listed with their errors; the others are complete), 2 on a bad
CITIES file or option. Running the same command again skips the cities done.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ._common import HELP_FORMATTER, demo_path, epilog

#: Options given to every city's run: (option, takes a value), per command.
PASSED = {
    "reach": (("--as-of", True), ("--catalogue", True), ("--category-column", True), ("--population-column", True),
              ("--zone-id", True), ("--name-column", True), ("--facility-id", True), ("--max-snap", True),
              ("--metric-crs", True), ("--crs", True), ("--isochrones", False), ("--drop-disconnected", False)),
    "audit": (("--as-of", True), ("--zone-id", True), ("--name-column", True), ("--type-column", True),
              ("--default-type", True), ("--min-area", True), ("--max-units", True), ("--expiring-days", True),
              ("--sliver-width", True), ("--metric-crs", True), ("--crs", True)),
}
#: Options whose value is a file (made absolute, so that workers find it).
PATH_OPTIONS = ("--catalogue",)
#: Exit status when some cities failed.
SOME_FAILED = 3
COLUMNS = {
    "reach": "name, network, facilities, population, zones; optional registry (the team registry), entrances",
    "audit": "name, zones, registry; optional outline",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``batch`` sub-command with ``reach`` and ``audit``."""
    p = sub.add_parser("batch", help="run reach or audit for many cities (dask.distributed)",
                       description="Each city of CITIES is one task on dask.distributed: the single-city command "
                                   "into DIR/cities/NAME/, then a completion marker; a re-run skips the cities done.",
                       formatter_class=HELP_FORMATTER, epilog=_epilog("reach"))
    inner = p.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)
    for command in PASSED:
        q = inner.add_parser(
            command, help=f"planner-gis {command} for every city of CITIES", formatter_class=HELP_FORMATTER,
            description=f"planner-gis {command} for every city of CITIES, each city one task (one city at a time "
                        "per worker). Writes DIR/cities/NAME/ as the single command does, DIR/"
                        f"{' and DIR/'.join(n for n in _combined(command))} with a city column, DIR/batch.json. "
                        f"Exit status 0: all cities done; {SOME_FAILED}: some failed (the others are complete); "
                        "2: bad input.",
            epilog=_epilog(command))
        q.add_argument("cities", metavar="CITIES", help="city list (.csv or .yaml)")
        q.add_argument("--out", required=True, metavar="DIR", help="batch output folder")
        q.add_argument("--workers", type=int, default=None, metavar="N",
                       help="workers of the local dask cluster (default: the number of CPUs); 0 runs the cities "
                            "one after the other without dask")
        q.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing dask scheduler, e.g. tcp://HOST:8786 (its workers must read the inputs "
                            "and DIR at the same paths)")
        group = q.add_argument_group(f"options of planner-gis {command} (given to every city)")
        for option, value in PASSED[command]:
            group.add_argument(option, **({"metavar": "VALUE"} if value else {"action": "store_true"}),
                               help=f"see planner-gis {command} --help")
        q.set_defaults(handler=run, command=f"batch {command}")


def _epilog(command: str) -> str:
    return epilog([("CITIES", f"{COLUMNS[command]} (a CSV header or YAML keys; paths relative to the CITIES file, "
                              "or postgresql:// URLs)")],
                  f"planner-gis batch {command} {demo_path('cities')} --out out/batch-{command} --workers 1 "
                  "--as-of 2026-03-31")


def _combined(command: str) -> tuple:
    from ..batch import COMBINED

    return COMBINED[command]


def _options(args: argparse.Namespace, command: str) -> list:
    """The command-line options given to every city."""
    argv = []
    for option, value in PASSED[command]:
        got = getattr(args, option.lstrip("-").replace("-", "_"))
        if value and got is not None:
            argv += [option, str(Path(got).resolve()) if option in PATH_OPTIONS else str(got)]
        elif not value and got:
            argv.append(option)
    return argv


def run(args: argparse.Namespace) -> int:
    """Run the batch; returns 0, or 3 when some cities failed."""
    import time

    from ..batch import combine, read_cities, run_batch
    from ..errors import InputError
    from ..io import write_text

    command = args.batch_command
    cities = read_cities(args.cities, command)
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    if workers < 0:
        raise InputError(f"--workers {workers} is negative", fix="give a number of workers, or 0 to run serially")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        from ..errors import OutputError

        raise OutputError(f"--out {out} is a file, not a folder", fix="give a folder path for --out")
    start = time.perf_counter()
    with args.reporter.progress(f"batch {command}") as bar:
        results = run_batch(command, cities, out, _options(args, command), workers=workers,
                            scheduler=args.scheduler, progress=bar)
    written = combine(command, cities, out)
    counts = {s: sum(r["status"] == s for r in results) for s in ("done", "skipped", "failed")}
    summary = {"command": command, "cities": results, "counts": counts, "workers": workers,
               "scheduler": args.scheduler, "seconds": round(time.perf_counter() - start, 3)}
    write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", out / "batch.json")
    line = (f"batch {command}: {counts['done']} cities done, {counts['skipped']} done before, "
            f"{counts['failed']} failed")
    print(line)
    for r in results:
        if r["status"] == "failed":
            print(f"  {r['name']}: {r.get('error')}")
    print(f"  written to {out}/ (cities/NAME/, {', '.join([*written, 'batch.json'])})")
    failed = {r["name"]: r.get("error") for r in results if r["status"] == "failed"}
    outputs = {**{Path(k).stem: v for k, v in written.items()}, "batch": str(out / "batch.json")}
    args.reporter.done(line, outputs, counts=counts, failed=failed)
    return SOME_FAILED if counts["failed"] else 0
