"""What every planner-gis Processing algorithm shares.

Each algorithm is a thin wrapper: QGIS parameters -> GeoDataFrames ->
a planner_gis function -> output layers. This base class turns the library's
errors into ``QgsProcessingException`` (keeping the library's message), wires
progress and cancel through ``QgsFeedback``, and converts layers.
"""

from __future__ import annotations

from typing import Callable, Optional

import geopandas as gpd
import pandas as pd
from planner_gis.errors import Cancelled, PlannerGisError
from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..about import ICON_PATH
from ..layers import sink_spec, source_to_gdf, write_features

CANCELLED_MESSAGE = "cancelled by the user"


def feedback_progress(feedback, start: float = 0.0, stop: float = 100.0) -> Callable[[float, str], None]:
    """A planner_gis progress callback that drives ``feedback``.

    The library calls ``callback(fraction, message)``; this sets the feedback's
    progress to ``start + (stop - start) * fraction`` percent, shows ``message``
    and raises :class:`planner_gis.errors.Cancelled` once the user pressed
    Cancel, which stops the library's work.
    """
    state = {"message": None}

    def _callback(fraction: float, message: str = "") -> None:
        if feedback is None:
            return
        if feedback.isCanceled():
            raise Cancelled(CANCELLED_MESSAGE)
        feedback.setProgress(start + (stop - start) * min(1.0, max(0.0, float(fraction))))
        if message and message != state["message"]:
            state["message"] = message
            feedback.setProgressText(message)

    return _callback


class PlannerGisAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses implement ``compute(parameters, context, feedback)``."""

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("planner_gis", text)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def flags(self):
        # Run in the main thread. The library's geopandas/pyproj objects are not safe to use from
        # QGIS's worker threads (pyproj CRS objects are bound to the PROJ context of the thread
        # that made them, and a pip-installed pyproj brings its own PROJ next to QGIS's): running
        # in a QgsTask crashed QGIS in testing. Progress and Cancel still work via QgsFeedback.
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        try:
            return self.compute(parameters, context, feedback)
        except Cancelled:
            raise QgsProcessingException(f"{self.displayName()}: {CANCELLED_MESSAGE}") from None
        except PlannerGisError as exc:
            raise QgsProcessingException(str(exc)) from None

    def compute(self, parameters, context, feedback) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------- helpers for subclasses

    def read_layer(self, parameters, name: str, context, feedback, required: bool = True) -> Optional[gpd.GeoDataFrame]:
        """The feature source parameter ``name`` as a GeoDataFrame (None if optional and unset)."""
        if parameters.get(name) is None and not required:
            return None
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            if required:
                raise QgsProcessingException(self.invalidSourceError(parameters, name))
            return None
        gdf = source_to_gdf(source, feedback)
        if feedback is not None and feedback.isCanceled():
            raise Cancelled(CANCELLED_MESSAGE)
        label = source.sourceName() if hasattr(source, "sourceName") else name
        gdf.attrs["source"] = f"layer '{label}'"
        return gdf

    def write_layer(self, parameters, name: str, context, frame: pd.DataFrame, feedback,
                    default_wkb=QgsWkbTypes.NoGeometry) -> Optional[str]:
        """Write ``frame`` to the feature sink parameter ``name``; returns the destination id."""
        fields, wkb_type, crs = sink_spec(frame, default_wkb)
        sink, dest_id = self.parameterAsSink(parameters, name, context, fields, wkb_type, crs)
        if sink is None:
            if parameters.get(name) is None:
                return None  # optional output not requested
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        write_features(sink, frame, fields, wkb_type, feedback)
        if feedback is not None and feedback.isCanceled():
            raise Cancelled(CANCELLED_MESSAGE)
        return dest_id
