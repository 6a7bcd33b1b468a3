"""The ``planner-gis`` command line: a thin layer over the library.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``; the module's handler receives the parsed arguments
(with ``args.reporter``, a :class:`~planner_gis.cli._report.Reporter`) and
returns an exit status. Library errors (:class:`~planner_gis.errors.PlannerGisError`)
become one line on stderr and exit status 2; findings are results, not errors.
An unexpected failure (a bug) is reported on one line with exit status 1; its
traceback is printed with ``--debug`` (and is in the jsonl error event).

``--progress auto|bar|lines|jsonl|none`` and ``--quiet`` are accepted before or
after the command name (see :mod:`planner_gis.cli._report`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from ..errors import Cancelled, PlannerGisError
from ._report import MODES, Reporter

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("audit", "network", "reach", "isochrones", "suggest", "whatif", "webmap", "demo", "info")


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """``--progress``, ``--quiet`` and ``--debug``, on the main parser and on every sub-command."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--progress", choices=MODES, metavar="MODE",
                        help="progress display: auto (bar on a terminal, else one line per stage), bar, lines, "
                             "jsonl (JSON events for programs), none" if not suppress else argparse.SUPPRESS,
                        **({"default": "auto"} if not suppress else default))
    parser.add_argument("--quiet", action="store_true",
                        help="print no progress and no summary (errors still)" if not suppress else argparse.SUPPRESS,
                        **default)
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an unexpected error" if not suppress else argparse.SUPPRESS,
                        **default)


def build_parser() -> argparse.ArgumentParser:
    """The ``planner-gis`` argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="planner-gis",
        description="GIS for responsibility planners: zone audits, 15-minute living-circle reach, web maps.",
    )
    parser.add_argument("--version", action="version", version=f"planner-gis {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    for command in _sub_parsers(parser):
        _global_options(command, suppress=True)
    return parser


def _sub_parsers(parser: argparse.ArgumentParser) -> list:
    """Every sub-command parser below ``parser`` (``webmap audit`` included)."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *_sub_parsers(child)]
    return found


def _terminate(signum, frame):  # noqa: ARG001
    """SIGTERM (the QGIS plugin's Cancel) unwinds like Ctrl+C, so temporary files are removed."""
    raise KeyboardInterrupt


def _install_sigterm() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner-gis`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    _install_sigterm()
    reporter = Reporter(args.progress, quiet=args.quiet)
    args.reporter = reporter
    command = args.command
    stdout = io.StringIO() if args.quiet else None
    try:
        with contextlib.redirect_stdout(stdout) if stdout is not None else contextlib.nullcontext():
            with reporter.capture_warnings():
                return int(args.handler(args) or 0)
    except PlannerGisError as exc:
        reporter.error(command, exc, 2)
        return 2
    except (KeyboardInterrupt, Cancelled):
        reporter.error(command, Cancelled("interrupted"), 130)
        return 130
    except Exception as exc:  # a bug: one line (the traceback with --debug), never a bare traceback
        detail = traceback.format_exc()
        wrapped = PlannerGisError(
            f"unexpected {type(exc).__name__}: {exc}",
            fix="this is a bug in planner-gis: run the command again with --debug and report the traceback")
        reporter.error(command, wrapped, 1, detail=detail)
        if args.debug and reporter.mode != "jsonl":
            print(detail, file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
