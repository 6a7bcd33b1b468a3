"""Bundled demo data: Fengtai district (丰台区, Beijing).

The boundary layers come from OpenStreetMap (ODbL, "© OpenStreetMap
contributors"); the 24 unit polygons are SCHEMATIC, not official boundaries;
the team registry is invented with generic names; the walking network,
facilities and population of the living-circle demo and the work records,
people and ratings of the evaluation demo are SYNTHETIC. See
``data/boundaries/README.md``, ``data/demo/README.md`` and
``data/evaluation/README.md``.

The data lives in the repository's ``data/`` folder. When the package is used
outside a source checkout, point ``PLANNER_GIS_DATA`` at a copy of that folder.

Examples
--------
>>> from planner_gis import datasets
>>> datasets.demo_units_path().name
'fengtai_units_schematic.geojson'
>>> len(datasets.load_demo_registry()) > 24
True
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import InputError

#: The date the bundled demo audits at, so that its output is reproducible.
DEMO_AS_OF = "2026-03-31"
#: The year of the demo's synthetic work records (the annual evaluation of the demo).
DEMO_EVALUATION_YEAR = 2025


def data_dir() -> Path:
    """The folder holding ``boundaries/`` and ``demo/`` (``PLANNER_GIS_DATA`` overrides)."""
    env = os.environ.get("PLANNER_GIS_DATA")
    d = Path(env) if env else Path(__file__).resolve().parent.parent / "data"
    if not (d / "boundaries").is_dir():
        raise InputError(
            f"demo data folder {d} not found",
            fix="run from a source checkout of planner-gis or set PLANNER_GIS_DATA to its data/ folder",
        )
    return d


def _path(*parts: str) -> Path:
    p = data_dir().joinpath(*parts)
    if not p.exists():
        raise InputError(f"demo file {p} is missing", fix="restore it from the planner-gis repository")
    return p


def demo_outline_path() -> Path:
    """Fengtai district outline (OpenStreetMap relation 2988946, ODbL), WGS84 GeoJSON."""
    return _path("boundaries", "fengtai_district_osm.geojson")


def demo_units_path() -> Path:
    """The 24 schematic responsibility units of Fengtai's "1+24+N" system, WGS84 GeoJSON."""
    return _path("boundaries", "fengtai_units_schematic.geojson")


def demo_registry_path() -> Path:
    """Demo team registry for Fengtai's "1+24+N" system (CSV, invented, generic names)."""
    return _path("boundaries", "fengtai_teams_demo.csv")


def demo_network_path() -> Path:
    """Synthetic walking network inside the Fengtai outline (GeoPackage lines)."""
    return _path("demo", "fengtai_walk_network.gpkg")


def demo_facilities_path() -> Path:
    """Synthetic everyday facilities of every catalogue category (GeoPackage)."""
    return _path("demo", "fengtai_facilities.gpkg")


def demo_entrances_path() -> Path:
    """Synthetic park entrances (GeoPackage points), used to reach park polygons at their gates."""
    return _path("demo", "fengtai_park_entrances.gpkg")


def demo_population_path() -> Path:
    """Synthetic 100 m population raster (GeoTIFF)."""
    return _path("demo", "fengtai_population_100m.tif")


def demo_records_path() -> Path:
    """SYNTHETIC work records of the demo's unit planner teams in 2025 (CSV with lon,lat; some GCJ-02)."""
    return _path("evaluation", f"fengtai_work_records_{DEMO_EVALUATION_YEAR}.csv")


def demo_people_path() -> Path:
    """SYNTHETIC members of the demo teams: person_id, team_id, profession, title (CSV)."""
    return _path("evaluation", "fengtai_people_demo.csv")


def demo_ratings_path() -> Path:
    """SYNTHETIC 2025 ratings of the demo team members: satisfaction, previous and special points (CSV)."""
    return _path("evaluation", f"fengtai_ratings_{DEMO_EVALUATION_YEAR}.csv")


def load_demo_outline() -> gpd.GeoDataFrame:
    """The district outline as a GeoDataFrame."""
    from .io import read_vector

    return read_vector(demo_outline_path())


def load_demo_units() -> gpd.GeoDataFrame:
    """The demo units, validated by :func:`planner_gis.zones.read_zones`."""
    from .zones import read_zones

    return read_zones(demo_units_path())


def load_demo_registry() -> pd.DataFrame:
    """The demo registry, validated by :func:`planner_gis.registry.read_registry`."""
    from .registry import read_registry

    return read_registry(demo_registry_path())
