"""Stand-in plugin used when the planner_gis library cannot be imported."""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog

from .about import PLUGIN_NAME
from .dependency import missing_library_message


class MissingLibraryPlugin:
    """Shows how to install planner_gis instead of failing with a traceback.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
    error : str
        Why ``import planner_gis`` failed.
    """

    def __init__(self, iface, error: str):
        self.iface = iface
        self.error = error
        self.message = missing_library_message(error)

    def initProcessing(self) -> None:  # noqa: N802
        QgsMessageLog.logMessage(self.message, PLUGIN_NAME, Qgis.Critical)

    def initGui(self) -> None:  # noqa: N802
        QgsMessageLog.logMessage(self.message, PLUGIN_NAME, Qgis.Critical)
        if self.iface is not None:
            self.iface.messageBar().pushMessage(PLUGIN_NAME, self.message, Qgis.Critical, 0)

    def unload(self) -> None:
        pass
