"""The plugin object QGIS loads: translation, Processing provider, toolbar button, menu entry, dock."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from . import i18n
from .about import ICON_PATH, PLUGIN_NAME
from .i18n import tr
from .provider import PlannerGisProvider


class PlannerGisPlugin:
    """Registers the ``planner_gis`` Processing provider and the dock panel.

    Parameters
    ----------
    iface : qgis.gui.QgisInterface
    """

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.action = None
        self.dock = None
        i18n.install()

    def initProcessing(self) -> None:  # noqa: N802
        """Register the provider (called by QGIS for qgis_process, and by initGui)."""
        if self.provider is None:
            self.provider = PlannerGisProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802
        """Add the provider, the toolbar button and the menu entry."""
        self.initProcessing()
        self.action = QAction(QIcon(str(ICON_PATH)), tr("planner-gis panel"), self.iface.mainWindow())
        self.action.setObjectName("planner_gis_toggle_dock")
        self.action.setCheckable(True)
        self.action.setToolTip(tr("Open the planner-gis panel: coverage audit, living-circle reach, web maps"))
        self.action.toggled.connect(self._toggle_dock)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToMenu(PLUGIN_NAME, self.action)

    def _toggle_dock(self, checked: bool) -> None:
        if checked:
            self.show_dock()
        elif self.dock is not None:
            self.dock.hide()

    def show_dock(self):
        """Create (once) and show the dock panel; returns it."""
        if self.dock is None:
            from .dock import PlannerGisDock

            self.dock = PlannerGisDock(self.iface, self.iface.mainWindow())
            self.dock.visibilityChanged.connect(self._dock_visibility)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.show()
        self.dock.raise_()
        return self.dock

    def _dock_visibility(self, visible: bool) -> None:
        if self.action is not None and self.action.isChecked() != visible:
            self.action.blockSignals(True)
            self.action.setChecked(visible)
            self.action.blockSignals(False)

    def unload(self) -> None:
        """Remove everything initGui and initProcessing added."""
        if self.dock is not None:
            self.dock.visibilityChanged.disconnect(self._dock_visibility)
            self.dock.close_tasks()
            self.dock.whatif.stop()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removePluginMenu(PLUGIN_NAME, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        i18n.remove()
