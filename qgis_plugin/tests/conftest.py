"""Fixtures for the plugin tests on a real (headless) QGIS, via pytest-qgis.

Run with ``QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest -q qgis_plugin/tests``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# QGIS computes raster statistics when it loads a layer and, by default, saves them in a
# "<raster>.aux.xml" file beside it: that would write into the repository's data/ folder.
os.environ.setdefault("GDAL_PAM_ENABLED", "NO")

X0, Y0 = 500000.0, 4400000.0  # a toy town in EPSG:4548 (CGCS2000 GK CM 117E), metres
CRS = "EPSG:4548"

PLUGIN_PARENT = Path(__file__).resolve().parents[1]  # qgis_plugin/
REPO = PLUGIN_PARENT.parent
if str(PLUGIN_PARENT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_PARENT))
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"  # Processing lives here on Debian
if QGIS_PLUGINS not in sys.path:
    sys.path.append(QGIS_PLUGINS)


_KEEP: list = []


def ensure_provider():
    """Register the planner_gis provider unless it is registered; return it."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    current = registry.providerById("planner_gis")
    if current is None:
        from planner_gis_qgis.provider import PlannerGisProvider

        current = PlannerGisProvider()
        assert registry.addProvider(current)
        _KEEP.append(current)  # the Python object must outlive the registration (as the plugin's self.provider)
    return current


@pytest.fixture
def provider(qgis_processing):
    """The planner_gis Processing provider, registered (again, if a plugin-unload test removed it)."""
    return ensure_provider()


@pytest.fixture(scope="session")
def town(tmp_path_factory):
    """One 2000 m street; a kindergarten at 100 m; residents at 300, 350, 900 and 1500 m."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    d = tmp_path_factory.mktemp("town")
    street = gpd.GeoDataFrame({"name": ["main street"]},
                              geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=CRS)
    facilities = gpd.GeoDataFrame(
        {"category": ["kindergarten", "kindergarten"], "name": ["on the street", "far away"]},
        geometry=[Point(X0 + 100, Y0), Point(X0 + 1000, Y0 + 5000)], crs=CRS)
    population = gpd.GeoDataFrame(
        {"residents": [10, 5, 20, 7]},
        geometry=[Point(X0 + x, Y0) for x in (300, 350, 900, 1500)], crs=CRS)
    zones = gpd.GeoDataFrame(
        {"unit_id": ["A", "B"], "name": ["西街道", "东街道"], "unit_type": ["street", "street"]},
        geometry=[box(X0, Y0 - 100, X0 + 1000, Y0 + 100), box(X0 + 1000, Y0 - 100, X0 + 2000, Y0 + 100)],
        crs=CRS)
    paths = {}
    for name, gdf in (("street", street), ("facilities", facilities), ("population", population),
                      ("zones", zones)):
        paths[name] = str(d / f"{name}.gpkg")
        gdf.to_file(paths[name], driver="GPKG")
    paths["dir"] = d
    return paths
