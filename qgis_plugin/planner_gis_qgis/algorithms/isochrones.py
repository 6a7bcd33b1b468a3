"""``planner_gis:isochrones``: walking-distance areas around points (``planner-gis isochrones``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import CliAlgorithm
from .inputs import vector_argument
from .network_input import add_network_parameters, network_arguments


class IsochronesAlgorithm(CliAlgorithm):
    """Runs ``planner-gis isochrones`` and loads the isochrone polygons."""

    COMMAND = "isochrones"
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
            "Areas reachable on foot within each walking distance from the points (e.g. facility entrances), "
            "along a walking network (line layer, or an OpenStreetMap .osm.pbf, .graphml or saved .npz file). "
            "Default distances are the 5/10/15-minute living circles of GB 50180-2018: 300, 500 and 1000 m.\n\n"
            "The work is done by the planner-gis command (planner-gis isochrones) in its own Python environment.")

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
        self.add_common_outputs()

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args = network_arguments(self, parameters, context, feedback, work)
        self.use(args, "--points", vector_argument(self, parameters, self.POINTS, context, feedback, work))
        self.out_dir(work).mkdir()
        args += ["--out", str(self.out_dir(work) / "isochrones.gpkg"),
                 "--distances=" + self.parameterAsString(parameters, self.THRESHOLDS, context),
                 "--max-snap", repr(self.parameterAsDouble(parameters, self.MAX_SNAP, context)),
                 "--buffer", repr(self.parameterAsDouble(parameters, self.BUFFER, context))]
        return args + self.metric_crs_arguments(parameters, context)

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        dest = self.copy_layer(parameters, self.OUTPUT, context, feedback,
                               self.out_dir(work) / "isochrones.gpkg", "isochrones")
        return {self.OUTPUT: dest} if dest is not None else {}
