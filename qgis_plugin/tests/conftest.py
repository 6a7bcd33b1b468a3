"""Fixtures for the plugin tests on a real (headless) QGIS, via pytest-qgis.

Run with ``QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest -q qgis_plugin/tests``.

The QGIS Python (``.venv-qgis``) has no planner_gis library, as a user's QGIS
does not: the plugin runs the library's command with the Python of the
project's ``.venv`` (``PLANNER_GIS_PYTHON``). Test data are written with the
QGIS API; references come from the library, run in ``.venv`` (:func:`library`).
"""

from __future__ import annotations

import json
import os
import subprocess
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
LIBRARY_PYTHON = Path(os.environ.get("PLANNER_GIS_TEST_PYTHON", REPO / ".venv" / "bin" / "python"))
os.environ["PLANNER_GIS_PYTHON"] = str(LIBRARY_PYTHON)
if str(PLUGIN_PARENT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_PARENT))
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"  # Processing lives here on Debian
if QGIS_PLUGINS not in sys.path:
    sys.path.append(QGIS_PLUGINS)

_KEEP: list = []


def library(code: str, **values):
    """Run ``code`` with the planner_gis library (in .venv) and return what it assigns to ``result``.

    ``values`` are available in ``code`` as variables (JSON-serialisable); ``result``
    must be JSON-serialisable too.
    """
    script = ("import json, sys\nglobals().update(json.loads(sys.argv[1]))\n" + code
              + "\nprint(json.dumps(result, default=float))\n")
    proc = subprocess.run([str(LIBRARY_PYTHON), "-c", script, json.dumps(values, default=str)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def demo_paths() -> dict:
    """The bundled demo data, as the library reports it (``planner-gis info --json``)."""
    proc = subprocess.run([str(LIBRARY_PYTHON), "-m", "planner_gis", "info", "--json"], capture_output=True,
                          text=True, timeout=300, check=True)
    return json.loads(proc.stdout)["demo"]


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


def write_layer(path: Path, geometry_type: str, fields: list, rows: list, layer_name: str = "") -> str:
    """Write a small vector file with the QGIS API.

    ``fields`` are ``(name, "string"|"int"|"double")``; ``rows`` are ``(wkt, [values])``.
    """
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransformContext,
        QgsFeature,
        QgsField,
        QgsFields,
        QgsGeometry,
        QgsVectorFileWriter,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtCore import QVariant

    types = {"string": QVariant.String, "int": QVariant.Int, "double": QVariant.Double}
    qfields = QgsFields()
    for name, kind in fields:
        qfields.append(QgsField(name, types[kind]))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    if layer_name:
        options.layerName = layer_name
        if path.exists():
            options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
    wkb = {"point": QgsWkbTypes.Point, "line": QgsWkbTypes.LineString, "polygon": QgsWkbTypes.Polygon}[geometry_type]
    writer = QgsVectorFileWriter.create(str(path), qfields, wkb, QgsCoordinateReferenceSystem(CRS),
                                        QgsCoordinateTransformContext(), options)
    assert writer.hasError() == QgsVectorFileWriter.NoError, writer.errorMessage()
    for wkt, values in rows:
        feature = QgsFeature(qfields)
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        feature.setAttributes(list(values))
        writer.addFeature(feature)
    del writer
    return str(path)


def _box(x0, y0, x1, y1) -> str:
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


@pytest.fixture(scope="session")
def town(tmp_path_factory):
    """One 2000 m street; a kindergarten at 100 m (and one 5 km off); residents at 300, 350, 900, 1500 m."""
    d = tmp_path_factory.mktemp("town")
    paths = {"dir": d}
    paths["street"] = write_layer(d / "street.gpkg", "line", [("name", "string")],
                                  [(f"LINESTRING({X0} {Y0},{X0 + 2000} {Y0})", ["main street"])])
    paths["facilities"] = write_layer(
        d / "facilities.gpkg", "point", [("category", "string"), ("name", "string")],
        [(f"POINT({X0 + 100} {Y0})", ["kindergarten", "on the street"]),
         (f"POINT({X0 + 1000} {Y0 + 5000})", ["kindergarten", "far away"])])
    paths["population"] = write_layer(
        d / "population.gpkg", "point", [("residents", "int")],
        [(f"POINT({X0 + x} {Y0})", [n]) for x, n in ((300, 10), (350, 5), (900, 20), (1500, 7))])
    paths["zones"] = write_layer(
        d / "zones.gpkg", "polygon", [("unit_id", "string"), ("name", "string"), ("unit_type", "string")],
        [(_box(X0, Y0 - 100, X0 + 1000, Y0 + 100), ["A", "西街道", "street"]),
         (_box(X0 + 1000, Y0 - 100, X0 + 2000, Y0 + 100), ["B", "东街道", "street"])])
    registry = d / "teams.csv"
    registry.write_text("团队编号,单元编码,角色,开始日期,结束日期,团队名称\n"
                        "T1,A,责任规划师,2026-01-01,2026-12-31,西组\n", encoding="utf-8")
    paths["registry"] = str(registry)
    return paths
