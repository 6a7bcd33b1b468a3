"""``planner_gis:isochrones``: walking-distance areas around points."""

from __future__ import annotations

from planner_gis.errors import InputError
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from .base import PlannerGisAlgorithm, feedback_progress
from .network_input import add_network_parameters, read_network_input


def parse_thresholds(text: str) -> tuple:
    """``"300, 500,1000"`` -> ``(300.0, 500.0, 1000.0)``; raises InputError on bad text."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"isochrones: thresholds '{text}' are not numbers",
                         fix="give walking distances in metres separated by commas, e.g. 300,500,1000") from None
    if not values or any(v <= 0 for v in values):
        raise InputError(f"isochrones: thresholds '{text}' must be positive distances",
                         fix="give walking distances in metres separated by commas, e.g. 300,500,1000")
    return values


class IsochronesAlgorithm(PlannerGisAlgorithm):
    """Wraps :func:`planner_gis.isochrones.isochrones`."""

    POINTS = "POINTS"
    THRESHOLDS = "THRESHOLDS"
    MAX_SNAP = "MAX_SNAP"
    BUFFER = "BUFFER"
    OUTPUT = "OUTPUT"

    def name(self) -> str:
        return "isochrones"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Walking isochrones")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Areas reachable on foot within each walking distance from the points (e.g. facility "
            "entrances), along a walking network (line layer or OpenStreetMap .osm.pbf file). Default "
            "distances are the 5/10/15-minute living circles of GB 50180-2018: 300, 500 and 1000 m.\n\n"
            "All work is done by planner_gis.isochrones.isochrones."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_network_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.POINTS, self.tr("Points"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterString(
            self.THRESHOLDS, self.tr("Walking distances (m, comma separated)"), defaultValue="300,500,1000"))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_SNAP, self.tr("Farthest snap to the network (m)"), type=QgsProcessingParameterNumber.Double,
            defaultValue=200.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.BUFFER, self.tr("Half-width of the band around reachable streets (m)"),
            type=QgsProcessingParameterNumber.Double, defaultValue=25.0, minValue=0.1))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("Isochrones"), QgsProcessing.TypeVectorPolygon))

    def compute(self, parameters, context, feedback) -> dict:
        from planner_gis import isochrones  # noqa: PLC0415

        progress = feedback_progress(feedback)
        thresholds = parse_thresholds(self.parameterAsString(parameters, self.THRESHOLDS, context))
        net = read_network_input(self, parameters, context, feedback, feedback_progress(feedback, 0.0, 30.0))
        points = self.read_layer(parameters, self.POINTS, context, feedback)
        progress(0.3, "computing isochrones")
        result = isochrones.isochrones(
            net, points, thresholds=thresholds,
            max_snap=self.parameterAsDouble(parameters, self.MAX_SNAP, context),
            buffer_m=self.parameterAsDouble(parameters, self.BUFFER, context),
            progress=feedback_progress(feedback, 30.0, 90.0),
        )
        missed = result.attrs.get("unreachable")
        if missed is not None and len(missed):
            feedback.pushWarning(f"{len(missed)} point(s) farther than the snap distance get no isochrone: "
                                 f"{', '.join(str(m) for m in list(missed)[:10])}")
        progress(0.9, "writing the layer")
        dest = self.write_layer(parameters, self.OUTPUT, context, result, feedback, QgsWkbTypes.MultiPolygon)
        progress(1.0, "done")
        return {self.OUTPUT: dest}
