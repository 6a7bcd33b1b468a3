"""``planner_gis:reach``: the 5/10/15-minute living circle per unit (``planner-gis reach``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import CliAlgorithm
from .inputs import vector_argument
from .living_circle_input import (
    access_arguments,
    add_access_parameters,
    add_population_and_zone_parameters,
    population_and_zone_arguments,
)
from .network_input import add_network_parameters, network_arguments
from .registry_input import add_registry_parameters, registry_arguments


class ReachAlgorithm(CliAlgorithm):
    """Runs ``planner-gis reach`` and loads coverage, underserved areas, unreachable points, isochrones."""

    COMMAND = "reach"
    FACILITIES = "FACILITIES"
    CATEGORY_FIELD = "CATEGORY_FIELD"
    FACILITY_ID = "FACILITY_ID"
    CATALOGUE = "CATALOGUE"
    ENTRANCES = "ENTRANCES"
    POPULATION_RASTER = "POPULATION_RASTER"
    POPULATION_POINTS = "POPULATION_POINTS"
    POPULATION_FIELD = "POPULATION_FIELD"
    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    NAME_FIELD = "NAME_FIELD"
    MAX_SNAP = "MAX_SNAP"
    ISOCHRONES = "ISOCHRONES"
    ISOCHRONE_CATEGORIES = "ISOCHRONE_CATEGORIES"
    COVERAGE = "COVERAGE"
    UNDERSERVED = "UNDERSERVED"
    UNREACHABLE = "UNREACHABLE"
    ISOCHRONES_OUTPUT = "ISOCHRONES_OUTPUT"
    SCENARIO = "SCENARIO"

    def name(self) -> str:
        return "reach"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Living-circle reach (5/10/15 minutes)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "For every unit and facility category, the share of residents who reach the nearest facility of "
            "that category within the walking distance of its living-circle tier (GB 50180-2018: 300 m / "
            "500 m / 1000 m for 5 / 10 / 15 minutes, per the facility catalogue).\n\n"
            "Inputs: a walking network (line layer, or an OpenStreetMap .osm.pbf, .graphml or saved .npz file), "
            "facilities with a category field holding catalogue categories, population as a raster (people "
            "per cell) or as points with a population field, and the units. Park gates (entrances) and a "
            "registry (to name the team of each underserved area) are optional.\n\n"
            "Outputs: coverage (one feature per unit and category, with the share covered), the underserved "
            "areas, population and facilities off the network, and isochrones around the 15-minute-tier "
            "facilities when asked.\n\n"
            "The work is done by the planner-gis command (planner-gis reach) in its own Python environment.")

    def initAlgorithm(self, config=None):  # noqa: N802
        add_network_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FACILITIES, self.tr("Facilities"), [QgsProcessing.TypeVectorAnyGeometry]))
        self.addParameter(QgsProcessingParameterField(
            self.CATEGORY_FIELD, self.tr("Facility category field"), defaultValue="category",
            parentLayerParameterName=self.FACILITIES, optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.FACILITY_ID, self.tr("Facility id field"), parentLayerParameterName=self.FACILITIES,
            optional=True))
        add_access_parameters(self)
        add_population_and_zone_parameters(self)
        self.addParameter(QgsProcessingParameterField(
            self.NAME_FIELD, self.tr("Unit name field"), parentLayerParameterName=self.ZONES, optional=True))
        add_registry_parameters(self, optional=True,
                                description=self.tr("Team registry, to name the team of each underserved area"))
        self.addParameter(QgsProcessingParameterDateTime(
            "AS_OF", self.tr("Registry date (default: today)"), type=QgsProcessingParameterDateTime.Date,
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_SNAP, self.tr("Farthest snap to the network (m)"), type=QgsProcessingParameterNumber.Double,
            defaultValue=200.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ISOCHRONES, self.tr("Draw isochrones around the 15-minute-tier facilities"), defaultValue=False))
        self.addParameter(QgsProcessingParameterString(
            self.ISOCHRONE_CATEGORIES, self.tr("... or around these categories (comma separated)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.COVERAGE, self.tr("Coverage per unit and category"), QgsProcessing.TypeVectorPolygon,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNDERSERVED, self.tr("Underserved areas"), QgsProcessing.TypeVectorPolygon, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNREACHABLE, self.tr("Population and facilities off the network"),
            QgsProcessing.TypeVectorAnyGeometry, optional=True, createByDefault=False))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.ISOCHRONES_OUTPUT, self.tr("Isochrones"), QgsProcessing.TypeVectorPolygon, optional=True,
            createByDefault=False))
        param = QgsProcessingParameterBoolean(
            self.SCENARIO, self.tr("Also write the what-if file (scenario.npz) into the folder for the command's "
                                   "files"), defaultValue=False)
        param.setFlags(param.flags() | param.FlagAdvanced)
        self.addParameter(param)
        self.add_common_outputs()

    def _isochrones(self, parameters, context) -> list:
        text = self.parameterAsString(parameters, self.ISOCHRONE_CATEGORIES, context) or ""
        categories = [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
        if categories:
            return [part for c in categories for part in ("--isochrone-category", c)]
        return ["--isochrones"] if self.parameterAsBool(parameters, self.ISOCHRONES, context) else []

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args = network_arguments(self, parameters, context, feedback, work)
        self.use(args, "--facilities", vector_argument(self, parameters, self.FACILITIES, context, feedback, work))
        self.use(args, "--category-column", self.parameterAsString(parameters, self.CATEGORY_FIELD, context))
        self.use(args, "--facility-id", self.parameterAsString(parameters, self.FACILITY_ID, context))
        args += access_arguments(self, parameters, context, feedback, work)
        args += population_and_zone_arguments(self, parameters, context, feedback, work)
        self.use(args, "--name-column", self.parameterAsString(parameters, self.NAME_FIELD, context))
        args += registry_arguments(self, parameters, context, required=False)
        args += ["--max-snap", repr(self.parameterAsDouble(parameters, self.MAX_SNAP, context)),
                 "--out", str(self.out_dir(work))]
        if self.parameterAsBool(parameters, self.SCENARIO, context):
            args.append("--scenario")
        return args + self._isochrones(parameters, context) + self.metric_crs_arguments(parameters, context)

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        gpkg = self.out_dir(work) / "reach.gpkg"
        layers = {self.COVERAGE: "coverage", self.UNDERSERVED: "underserved", self.UNREACHABLE: "unreachable",
                  self.ISOCHRONES_OUTPUT: "isochrones"}
        outputs = {}
        for name, layer in layers.items():
            if name == self.ISOCHRONES_OUTPUT and "isochrones" not in _layer_names(gpkg):
                continue
            dest = self.copy_layer(parameters, name, context, feedback, gpkg, layer)
            if dest is not None:
                outputs[name] = dest
        return outputs


def _layer_names(path: Path) -> list:
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), "reach", "ogr")
    return [s.split("!!::!!")[1] for s in layer.dataProvider().subLayers()] if layer.isValid() else []
