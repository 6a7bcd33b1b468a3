"""``planner-gis demo``: the main jobs on the bundled Fengtai demo data."""

from __future__ import annotations

import argparse

from .. import datasets
from ..audit import audit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the audit (and reach, maps) on the bundled Fengtai demo data",
                       description="Runs the audit on the bundled Fengtai demo (schematic units, invented "
                                   f"registry) as of {datasets.DEMO_AS_OF}.")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--as-of", default=datasets.DEMO_AS_OF, metavar="YYYY-MM-DD",
                   help=f"audit date (default {datasets.DEMO_AS_OF})")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ._common import prepare_out_dir
    from .audit import OUTPUTS, print_summary, write_audit

    out = prepare_out_dir(args.out, [f"audit/{o}" for o in OUTPUTS], [])
    print("== audit (schematic units, demo registry)")
    result = audit(datasets.demo_units_path(), datasets.demo_registry_path(), as_of=args.as_of,
                   outline=datasets.demo_outline_path())
    write_audit(result, out / "audit")
    print_summary(result, out / "audit")
    return 0
