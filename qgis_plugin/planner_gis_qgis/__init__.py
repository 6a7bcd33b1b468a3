"""planner-gis QGIS plugin: Processing provider and dock panel on top of planner_gis.

QGIS calls :func:`classFactory` when the plugin is enabled. If the planner_gis
library cannot be imported, a small stand-in plugin is returned instead that
shows the exact install command in the message bar (no traceback dialog).
"""

from __future__ import annotations


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin object for QGIS.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
        The QGIS application interface.
    """
    from .dependency import library_import_error

    error = library_import_error()
    if error is not None:
        from .missing import MissingLibraryPlugin

        return MissingLibraryPlugin(iface, error)
    from .plugin import PlannerGisPlugin

    return PlannerGisPlugin(iface)
