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


#: Registry fields whose column can be named on the command line.
REGISTRY_COLUMN_FIELDS = ("team_id", "unit_id", "role", "start_date", "end_date", "team_name", "annual_fee")


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
