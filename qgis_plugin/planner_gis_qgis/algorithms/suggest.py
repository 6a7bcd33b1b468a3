"""``planner_gis:suggest``: facility sites covering the most underserved residents on foot (``planner-gis suggest``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
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


class SuggestAlgorithm(CliAlgorithm):
    """Runs ``planner-gis suggest`` and loads the suggested sites and the areas they newly cover."""

    COMMAND = "suggest"
    FACILITIES = "FACILITIES"
    CATEGORY_FIELD = "CATEGORY_FIELD"
    CATALOGUE = "CATALOGUE"
    ENTRANCES = "ENTRANCES"
    POPULATION_RASTER = "POPULATION_RASTER"
    POPULATION_POINTS = "POPULATION_POINTS"
    POPULATION_FIELD = "POPULATION_FIELD"
    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    CATEGORY = "CATEGORY"
    CANDIDATES = "CANDIDATES"
    CANDIDATE_ID = "CANDIDATE_ID"
    SPACING = "SPACING"
    SITES = "SITES"
    TARGET = "TARGET"
    PER_UNIT = "PER_UNIT"
    UNITS = "UNITS"
    MAX_SNAP = "MAX_SNAP"
    SITES_OUTPUT = "SITES_OUTPUT"
    NEWLY_COVERED = "NEWLY_COVERED"

    def name(self) -> str:
        return "suggest"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Suggest facility sites (walking coverage)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Where new facilities of one category would bring the most residents within its walking distance "
            "(maximal covering: a number of sites), or the fewest sites so that a share of residents is "
            "covered (set covering to a target). Only residents not yet within reach of an existing facility "
            "count; distances are walked along the network, as in the living-circle reach.\n\n"
            "Candidates: a point or polygon layer (polygons are reached along their boundary), or, without a "
            "layer, points every so many metres of street inside the units. Candidates farther than the "
            "snap distance from every street are skipped and reported.\n\n"
            "The result says whether the choice is proven optimal (HiGHS) or greedy with a bound, the "
            "optimality gap and the solve time (in the command's suggest.json).\n\n"
            "The work is done by the planner-gis command (planner-gis suggest) in its own Python environment.")

    def initAlgorithm(self, config=None):  # noqa: N802
        add_network_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FACILITIES, self.tr("Existing facilities"), [QgsProcessing.TypeVectorAnyGeometry]))
        self.addParameter(QgsProcessingParameterField(
            self.CATEGORY_FIELD, self.tr("Facility category field"), defaultValue="category",
            parentLayerParameterName=self.FACILITIES, optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.CATEGORY, self.tr("Category to site (catalogue category, e.g. kindergarten)"),
            defaultValue="kindergarten"))
        add_access_parameters(self)
        add_population_and_zone_parameters(self)
        self._add_choice_parameters()
        add_registry_parameters(self, optional=True, description=self.tr("Team registry, to name the team of "
                                                                         "each site's unit"))
        self.addParameter(QgsProcessingParameterDateTime(
            "AS_OF", self.tr("Registry date (default: today)"), type=QgsProcessingParameterDateTime.Date,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.SITES_OUTPUT, self.tr("Suggested sites"), QgsProcessing.TypeVectorPoint, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.NEWLY_COVERED, self.tr("Newly covered areas"), QgsProcessing.TypeVectorPolygon, optional=True))
        self.add_common_outputs()

    def _add_choice_parameters(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CANDIDATES, self.tr("Candidate sites (points or polygons; empty: points along the streets)"),
            [QgsProcessing.TypeVectorAnyGeometry], optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.CANDIDATE_ID, self.tr("Candidate id field"), parentLayerParameterName=self.CANDIDATES,
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.SPACING, self.tr("Without a candidate layer: a candidate every (m of street)"),
            type=QgsProcessingParameterNumber.Double, defaultValue=200.0, minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.SITES, self.tr("Number of sites (maximal covering)"), type=QgsProcessingParameterNumber.Integer,
            defaultValue=5, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.TARGET, self.tr("... or target share of residents covered, e.g. 0.9 (fewest sites; 0: off)"),
            type=QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.PER_UNIT, self.tr("A budget (or target) for each unit"), defaultValue=False))
        self.addParameter(QgsProcessingParameterString(
            self.UNITS, self.tr("Only these units (ids, comma separated; empty: all)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_SNAP, self.tr("Farthest snap to the network (m)"), type=QgsProcessingParameterNumber.Double,
            defaultValue=200.0, minValue=0.0))

    def _goal(self, parameters, context) -> list:
        target = self.parameterAsDouble(parameters, self.TARGET, context)
        sites = self.parameterAsInt(parameters, self.SITES, context)
        if target > 0:
            return ["--target", repr(target)]
        if sites < 1:
            raise QgsProcessingException(self.tr(
                "give a number of sites or a target share. Fix: set SITES to 1 or more, or TARGET above 0"))
        return ["--sites", str(sites)]

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args = network_arguments(self, parameters, context, feedback, work)
        self.use(args, "--facilities", vector_argument(self, parameters, self.FACILITIES, context, feedback, work))
        self.use(args, "--category-column", self.parameterAsString(parameters, self.CATEGORY_FIELD, context))
        self.use(args, "--category", self.parameterAsString(parameters, self.CATEGORY, context))
        args += access_arguments(self, parameters, context, feedback, work)
        args += population_and_zone_arguments(self, parameters, context, feedback, work)
        candidates = vector_argument(self, parameters, self.CANDIDATES, context, feedback, work)
        if candidates:
            self.use(args, "--candidates", candidates)
            self.use(args, "--candidate-id", self.parameterAsString(parameters, self.CANDIDATE_ID, context))
        else:
            args += ["--candidates", f"every:{self.parameterAsDouble(parameters, self.SPACING, context):g}"]
        args += self._goal(parameters, context)
        if self.parameterAsBool(parameters, self.PER_UNIT, context):
            args.append("--per-unit")
        units = self.parameterAsString(parameters, self.UNITS, context) or ""
        for unit in (u.strip() for u in units.replace(";", ",").split(",")):
            self.use(args, "--unit", unit)
        args += registry_arguments(self, parameters, context, required=False)
        args += ["--max-snap", repr(self.parameterAsDouble(parameters, self.MAX_SNAP, context)),
                 "--out", str(self.out_dir(work))]
        return args + self.metric_crs_arguments(parameters, context)

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        gpkg = self.out_dir(work) / "suggest.gpkg"
        outputs = {}
        for name, layer in ((self.SITES_OUTPUT, "sites"), (self.NEWLY_COVERED, "newly_covered")):
            dest = self.copy_layer(parameters, name, context, feedback, gpkg, layer)
            if dest is not None:
                outputs[name] = dest
        return outputs
