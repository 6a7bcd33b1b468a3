"""The planner-gis Processing provider (id ``planner_gis``)."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .about import ICON_PATH, PLUGIN_NAME, PLUGIN_VERSION


def algorithm_classes() -> list:
    """The algorithm classes of the provider (imported lazily: they import planner_gis)."""
    from .algorithms.audit import AuditAlgorithm
    from .algorithms.isochrones import IsochronesAlgorithm
    from .algorithms.reach import ReachAlgorithm
    from .algorithms.webmap import WebMapAlgorithm

    return [AuditAlgorithm, ReachAlgorithm, IsochronesAlgorithm, WebMapAlgorithm]


class PlannerGisProvider(QgsProcessingProvider):
    """Provides ``planner_gis:audit``, ``:reach``, ``:isochrones`` and ``:webmap``."""

    def id(self) -> str:
        return "planner_gis"

    def name(self) -> str:
        return PLUGIN_NAME

    def longName(self) -> str:  # noqa: N802
        return f"{PLUGIN_NAME} {PLUGIN_VERSION}"

    def versionInfo(self) -> str:  # noqa: N802
        return PLUGIN_VERSION

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def loadAlgorithms(self) -> None:  # noqa: N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
