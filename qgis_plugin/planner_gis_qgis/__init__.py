"""planner-gis QGIS plugin: a Processing provider and a dock panel that run the planner-gis command.

The plugin never imports the planner_gis library (or geopandas, shapely,
pyproj, pyogrio, rasterio): their wheels carry their own GEOS/PROJ/GDAL, which
clash with QGIS's inside one process. Each algorithm runs
``PYTHON -m planner_gis ...`` of a configured environment in a subprocess
(see :mod:`.environment` and :mod:`.process`).
"""

from __future__ import annotations


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin object for QGIS.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
        The QGIS application interface.
    """
    from .plugin import PlannerGisPlugin

    return PlannerGisPlugin(iface)
