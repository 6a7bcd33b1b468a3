"""The ``planner-gis`` command line: a thin layer over the library.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``; the module's handler receives the parsed arguments
and returns an exit status. Library errors (:class:`~planner_gis.errors.PlannerGisError`)
become one line on stderr and exit status 2; findings are results, not errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from .. import __version__
from ..errors import PlannerGisError

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("audit", "network", "reach", "webmap", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner-gis",
        description="GIS for responsibility planners: zone audits, 15-minute living-circle reach, web maps.",
    )
    parser.add_argument("--version", action="version", version=f"planner-gis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``planner-gis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except PlannerGisError as exc:
        print(f"planner-gis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("planner-gis: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
