"""The planner-gis Processing provider and its setting (the Python environment of the library)."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .about import ICON_PATH, PLUGIN_VERSION
from .environment import SETTING
from .i18n import tr


class PlannerGisProvider(QgsProcessingProvider):
    """Processing provider ``planner_gis`` with audit, reach, isochrones, suggest and webmap.

    Its setting *Python with planner-gis* (Settings > Options > Processing >
    Providers > planner-gis) names the Python executable or venv folder in
    which the algorithms run the ``planner-gis`` command.
    """

    def id(self) -> str:
        return "planner_gis"

    def name(self) -> str:
        return "planner-gis"

    def longName(self) -> str:  # noqa: N802
        return f"planner-gis {PLUGIN_VERSION}"

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def load(self) -> bool:
        """Register the setting on the Processing options page, then the algorithms."""
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
        except ImportError:  # Processing plugin not available (e.g. a bare QgsApplication)
            self.refreshAlgorithms()
            return True
        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(Setting(
            self.name(), SETTING,
            tr("Python with planner-gis (python executable or venv folder; empty: the environment the "
               "planner-gis panel sets up)"), "", valuetype=Setting.FILE))
        ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        """Remove the setting again."""
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
        except ImportError:
            return
        ProcessingConfig.removeSetting(SETTING)

    def loadAlgorithms(self) -> None:  # noqa: N802
        from .algorithms.audit import AuditAlgorithm
        from .algorithms.isochrones import IsochronesAlgorithm
        from .algorithms.reach import ReachAlgorithm
        from .algorithms.suggest import SuggestAlgorithm
        from .algorithms.webmap import WebMapAlgorithm

        for alg in (AuditAlgorithm(), ReachAlgorithm(), IsochronesAlgorithm(), SuggestAlgorithm(), WebMapAlgorithm()):
            self.addAlgorithm(alg)
