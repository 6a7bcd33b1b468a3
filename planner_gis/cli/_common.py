"""Helpers shared by the CLI sub-commands (output folders)."""

from __future__ import annotations

import argparse
from pathlib import Path
from collections.abc import Iterable

from ..errors import OutputError
from ..io import check_not_inputs


def prepare_out_dir(out: str, outputs: Iterable[str], inputs: Iterable[str | None]) -> Path:
    """Create the output folder and refuse outputs that are inputs.

    ``outputs`` are file names inside ``out``.
    """
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise OutputError(f"--out {d} is a file, not a folder", fix="give a folder path for --out")
    check_not_inputs([d / o for o in outputs], inputs)
    d.mkdir(parents=True, exist_ok=True)
    return d


#: The registry's columns, for the help of the commands that read one.
REGISTRY_COLUMNS = ("team_id, unit_id, role, start_date, end_date; optional team_name, org_type, full_time, members, "
                    "contact, parent_team_id. 团队编号, 单元编码, 角色, 开始日期, 结束日期 ... are recognised; other "
                    "headers are named with --team-id-column ...")
#: Registry fields whose column can be named on the command line.
REGISTRY_COLUMN_FIELDS = ("team_id", "unit_id", "role", "start_date", "end_date", "team_name")


def add_registry_columns(p: argparse.ArgumentParser) -> None:
    """``--team-id-column`` ... for registries whose headers are neither the field names nor known aliases."""
    group = p.add_argument_group(
        "registry columns", "for headers that are neither the field name nor a known alias (团队编号, 单元编码, "
                            "角色, 开始日期, 结束日期, 团队名称 ... are recognised)")
    for field in REGISTRY_COLUMN_FIELDS:
        group.add_argument(f"--{field.replace('_', '-')}-column", dest=f"{field}_column", metavar="COL",
                           help=f"registry column holding the {field}")


def registry_columns(args: argparse.Namespace) -> dict:
    """The registry column mapping given on the command line (``{field: header}``)."""
    return {f: getattr(args, f"{f}_column") for f in REGISTRY_COLUMN_FIELDS if getattr(args, f"{f}_column", None)}


def add_zone_columns(p: argparse.ArgumentParser, types: bool = True) -> None:
    """``--zone-id``, ``--name-column`` (and ``--type-column``, ``--default-type``) of a zone layer."""
    p.add_argument("--zone-id", default="unit_id", metavar="COL",
                   help="unit id column (default unit_id; 单元编码, 街道编码 ... are recognised)")
    p.add_argument("--name-column", default="name", metavar="COL",
                   help="unit name column (default name; 名称, 单元名称 ... are recognised)")
    if types:
        p.add_argument("--type-column", default="unit_type", metavar="COL",
                       help="unit type column (default unit_type; 类型, 单元类型 are recognised)")
        p.add_argument("--default-type", metavar="TYPE",
                       help="type of every unit when the layer has no type column: street, township, town, "
                            "area or community")


# ----------------------------------------------------------------------------- inputs


def add_crs_option(p: argparse.ArgumentParser, inputs: str) -> None:
    """``--crs EPSG``: the CRS of inputs whose files declare none (``inputs`` says which, for the help)."""
    p.add_argument("--crs", metavar="EPSG",
                   help=f"CRS of {inputs} when a file declares none (no .prj, a CSV, a GraphML without crs), "
                        "e.g. 4326 for WGS84 lon/lat or 4490 for CGCS2000; files that declare a CRS keep theirs")


def check_inputs(*inputs: tuple[str | None, str]) -> None:
    """Check every input file before any long work (one line naming the first bad file).

    ``inputs`` are ``(path, role)`` pairs; ``role`` is one of ``vector``,
    ``table``, ``raster``, ``network``, ``population`` (a raster by its
    extension, else a layer) or ``facilities`` (an ``.osm.pbf`` extract or a
    layer). Paths that are None (options not given) are skipped.
    """
    from ..io import check_input
    from ..reach.population import RASTER_SUFFIXES

    for path, role in inputs:
        if not path:
            continue
        name = str(path).lower()
        if role == "population":
            role = "raster" if name.endswith(RASTER_SUFFIXES) else "vector"
        elif role == "facilities":
            role = "network" if name.endswith(".pbf") else "vector"
        check_input(path, role)


# ----------------------------------------------------------------------------- help


#: The argparse formatter of every command: the epilog (columns, example) keeps its lines.
HELP_FORMATTER = argparse.RawDescriptionHelpFormatter


def demo_path(name: str) -> str:
    """The path of a bundled demo file for help examples: relative to the current folder when under it.

    ``name`` is the part of a :mod:`planner_gis.datasets` function name, e.g.
    ``units`` for ``demo_units_path()``.
    """
    import os

    from .. import datasets
    from ..errors import PlannerGisError

    try:
        path = getattr(datasets, f"demo_{name}_path")()
    except PlannerGisError:
        return f"DEMO_{name.upper()}"
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


def epilog(columns: Iterable[tuple[str, str]], example: str, first: str = "") -> str:
    """The end of a command's help: its inputs' required columns, then one example on the demo data.

    ``columns`` are ``(input, text)`` pairs, e.g. ``("REGISTRY", "team_id, unit_id, ...")``; ``first``
    names a command whose example must run before this one.
    """
    import textwrap

    columns = list(columns)
    lines = ["inputs and their required columns:" if columns else "inputs: none (no input files are given)"]
    for name, text in columns:
        lines += textwrap.wrap(f"{name:<11} {text}", width=100, initial_indent="  ", subsequent_indent=" " * 14)
    after = f", after the example of `planner-gis {first} --help`" if first else ""
    lines += ["", f"example (on the demo data shipped with planner-gis{after}; `planner-gis info` lists its files):",
              f"  {example}"]
    return "\n".join(lines)
