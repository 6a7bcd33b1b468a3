"""Bundled demo data: Fengtai district (丰台区, Beijing).

The boundary layers come from OpenStreetMap (ODbL, "© OpenStreetMap
contributors"); the 24 unit polygons are SCHEMATIC, not official boundaries;
the team registry is invented with generic names; the walking network,
facilities and population of the living-circle demo are SYNTHETIC. Each
folder's README (:func:`demo_readme_paths`) says where the files come from and
under what licence.

The data ships inside the package (``planner_gis/data/boundaries/`` and
``planner_gis/data/demo/``, found with :mod:`importlib.resources`), so an
installed wheel has it too. ``PLANNER_GIS_DATA`` points at another folder with
the same two sub-folders (e.g. a regenerated demo city).

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
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import InputError

#: The date the bundled demo audits at, so that its output is reproducible.
DEMO_AS_OF = "2026-03-31"


def data_dir() -> Path:
    """The folder holding ``boundaries/`` and ``demo/``: the package's ``data`` (``PLANNER_GIS_DATA`` overrides).

    >>> (data_dir() / "boundaries").is_dir() and (data_dir() / "demo").is_dir()
    True
    """
    env = os.environ.get("PLANNER_GIS_DATA")
    d = Path(env) if env else Path(str(resources.files("planner_gis").joinpath("data")))
    if not (d / "boundaries").is_dir():
        where = "PLANNER_GIS_DATA" if env else "this installation of planner-gis"
        raise InputError(
            f"demo data folder {d / 'boundaries'} not found ({where})",
            fix="unset PLANNER_GIS_DATA, point it at a folder holding boundaries/ and demo/, "
                "or reinstall planner-gis (pip install --force-reinstall planner-gis)",
        )
    return d


def _path(*parts: str) -> Path:
    p = data_dir().joinpath(*parts)
    if not p.exists():
        raise InputError(f"demo file {p} is missing",
                         fix="reinstall planner-gis (pip install --force-reinstall planner-gis), or restore the "
                             "file from the planner-gis repository")
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


def demo_readme_paths() -> list[Path]:
    """The READMEs of the demo data: sources, licences (ODbL for the OpenStreetMap-derived outline and units).

    >>> [p.parent.name for p in demo_readme_paths()]
    ['boundaries', 'demo']
    """
    return [_path("boundaries", "README.md"), _path("demo", "README.md")]


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
