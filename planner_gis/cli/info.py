"""``planner-gis info``: what this installation offers, for people and for programs.

``planner-gis info --json`` prints one JSON object: the version, the Python
running it, the facility catalogue (categories, names, tiers, distances), the
column spellings recognised in registries and zone layers, and the paths of
the bundled demo data. The QGIS plugin reads it to check the environment it
runs the library in and to fill its lists, so the plugin needs no copy of any
of it.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._common import HELP_FORMATTER, epilog


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``info`` sub-command."""
    p = sub.add_parser("info", help="version, catalogue, recognised column names and demo data paths",
                       description="What this installation of planner-gis offers.",
                       formatter_class=HELP_FORMATTER, epilog=epilog([], "planner-gis info --json"))
    p.add_argument("--json", action="store_true", help="print one JSON object (for programs)")
    p.set_defaults(handler=run)


def collect() -> dict:
    """The facts ``info`` prints, as a dict of plain JSON values."""
    from .. import __version__
    from ..facilities import load_catalogue
    from ..registry import COLUMN_ALIASES as REGISTRY_ALIASES
    from ..styles import load_map_styles
    from ..registry import ROLE_ALIASES
    from ..zones import COLUMN_ALIASES as ZONE_ALIASES
    from ..zones import UNIT_TYPE_ALIASES

    catalogue = load_catalogue()
    columns = [c for c in ("category", "name_zh", "name_en", "tier_min", "threshold_m") if c in catalogue.columns]
    return {
        "version": __version__,
        "python": sys.executable,
        "catalogue": json.loads(catalogue[columns].to_json(orient="records", force_ascii=False)),
        "registry_columns": {k: list(v) for k, v in REGISTRY_ALIASES.items()},
        "zone_columns": {k: list(v) for k, v in ZONE_ALIASES.items()},
        "roles": dict(ROLE_ALIASES),
        "unit_types": dict(UNIT_TYPE_ALIASES),
        "demo": _demo_paths(),
        "styles": load_map_styles(),
    }


def _demo_paths() -> dict:
    """The bundled demo files ({} when this installation has none)."""
    from .. import datasets
    from ..errors import PlannerGisError

    try:
        return {
            "as_of": datasets.DEMO_AS_OF,
            "units": str(datasets.demo_units_path()),
            "registry": str(datasets.demo_registry_path()),
            "outline": str(datasets.demo_outline_path()),
            "network": str(datasets.demo_network_path()),
            "facilities": str(datasets.demo_facilities_path()),
            "entrances": str(datasets.demo_entrances_path()),
            "population": str(datasets.demo_population_path()),
        }
    except PlannerGisError:
        return {}


def run(args: argparse.Namespace) -> int:
    """Print the facts, as JSON or as text."""
    facts = collect()
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
        return 0
    print(f"planner-gis {facts['version']} ({facts['python']})")
    print(f"catalogue: {len(facts['catalogue'])} categories: "
          + ", ".join(f"{c['category']} ({c['tier_min']} min, {c['threshold_m']:g} m)" for c in facts["catalogue"]))
    print("demo data:" + ("" if facts["demo"] else " not in this installation"))
    for key, value in facts["demo"].items():
        print(f"  {key}: {value}")
    return 0
