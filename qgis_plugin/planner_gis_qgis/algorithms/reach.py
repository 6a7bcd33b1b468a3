"""``planner_gis:reach``: who reaches everyday facilities within the living circle."""

from __future__ import annotations

from planner_gis.errors import InputError
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)

from .base import PlannerGisAlgorithm, feedback_progress

from .network_input import add_network_parameters, read_network_input


class ReachAlgorithm(PlannerGisAlgorithm):
    """Wraps :func:`planner_gis.coverage.assess_living_circle`."""

    FACILITIES = "FACILITIES"
    CATEGORY_FIELD = "CATEGORY_FIELD"
    CATALOGUE = "CATALOGUE"
    ENTRANCES = "ENTRANCES"
    POPULATION_RASTER = "POPULATION_RASTER"
    POPULATION_POINTS = "POPULATION_POINTS"
    POPULATION_FIELD = "POPULATION_FIELD"
    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    REGISTRY = "REGISTRY"
    AS_OF = "AS_OF"
    MAX_SNAP = "MAX_SNAP"
    COVERAGE = "COVERAGE"
    UNDERSERVED = "UNDERSERVED"
    UNREACHABLE = "UNREACHABLE"

    def name(self) -> str:
        return "reach"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Living-circle reach (5/10/15 minutes)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Measures, per unit and facility category, the share of residents who reach the nearest "
            "facility of that category within the walking distance of its living-circle tier "
            "(GB 50180-2018: 300 m / 500 m / 1000 m for 5 / 10 / 15 minutes, per the facility catalogue).\n\n"
            "Inputs: a walking network (line layer, or an OpenStreetMap .osm.pbf file), facilities with "
            "a category field holding catalogue categories, population as a raster (people per cell) or "
            "as points with a population field, and the units.\n\n"
            "Outputs: coverage (one feature per unit and category, with the share covered) and the "
            "underserved areas.\n\nAll work is done by planner_gis.coverage.assess_living_circle."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        add_network_parameters(self)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FACILITIES, self.tr("Facilities"), [QgsProcessing.TypeVectorAnyGeometry]))
        self.addParameter(QgsProcessingParameterField(
            self.CATEGORY_FIELD, self.tr("Facility category field"), defaultValue="category",
            parentLayerParameterName=self.FACILITIES, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.CATALOGUE, self.tr("Facility catalogue CSV (default: GB 50180-2018)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="CSV files (*.csv)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ENTRANCES, self.tr("Entrances of polygon facilities (parks, schools)"),
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.POPULATION_RASTER, self.tr("Population raster (people per cell)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.POPULATION_POINTS, self.tr("... or population points"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.POPULATION_FIELD, self.tr("Population field of the points"), defaultValue="population",
            parentLayerParameterName=self.POPULATION_POINTS, type=QgsProcessingParameterField.Numeric,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ZONES, self.tr("Responsibility units (polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ZONE_ID, self.tr("Unit id field"), defaultValue="unit_id", parentLayerParameterName=self.ZONES, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.REGISTRY, self.tr("Team registry, to name the team of each underserved area"),
            behavior=QgsProcessingParameterFile.File,
            fileFilter="Tables (*.csv *.xlsx *.xlsm *.xls *.tsv *.txt);;All files (*.*)", optional=True))
        self.addParameter(QgsProcessingParameterDateTime(
            self.AS_OF, self.tr("Registry date (default: today)"), type=QgsProcessingParameterDateTime.Date,
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_SNAP, self.tr("Farthest snap to the network (m)"), type=QgsProcessingParameterNumber.Double,
            defaultValue=200.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.COVERAGE, self.tr("Coverage per unit and category"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNDERSERVED, self.tr("Underserved areas"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNREACHABLE, self.tr("Population off the network"), QgsProcessing.TypeVectorAnyGeometry,
            optional=True, createByDefault=False))

    def _population(self, parameters, context, feedback):
        from planner_gis.coverage import read_population  # noqa: PLC0415

        has_raster = parameters.get(self.POPULATION_RASTER) not in (None, "")
        has_points = parameters.get(self.POPULATION_POINTS) not in (None, "")
        if has_raster == has_points:
            raise InputError("reach: give either a population raster or population points",
                             fix="set exactly one of POPULATION_RASTER and POPULATION_POINTS")
        if has_raster:
            return read_population(self.parameterAsRasterLayer(parameters, self.POPULATION_RASTER, context).source())
        points = self.read_layer(parameters, self.POPULATION_POINTS, context, feedback)
        column = self.parameterAsString(parameters, self.POPULATION_FIELD, context) or "population"
        return read_population(points, column)

    def _teams(self, parameters, context):
        if parameters.get(self.REGISTRY) in (None, ""):
            return None
        from planner_gis.registry import active_unit_teams, read_registry  # noqa: PLC0415

        as_of = None
        if parameters.get(self.AS_OF) not in (None, ""):
            value = self.parameterAsDateTime(parameters, self.AS_OF, context)
            as_of = value.date().toPyDate() if value.isValid() else str(parameters[self.AS_OF])
        return active_unit_teams(read_registry(self.parameterAsFile(parameters, self.REGISTRY, context)), as_of)

    def compute(self, parameters, context, feedback) -> dict:
        from planner_gis import catalogue as cat  # noqa: PLC0415
        from planner_gis.coverage import assess_living_circle  # noqa: PLC0415
        from planner_gis.zones import read_zones  # noqa: PLC0415

        progress = feedback_progress(feedback)
        net = read_network_input(self, parameters, context, feedback, feedback_progress(feedback, 0.0, 20.0))
        progress(0.2, "reading facilities, population and units")
        catalogue_path = self.parameterAsFile(parameters, self.CATALOGUE, context) if parameters.get(self.CATALOGUE) else None
        catalogue = cat.load_catalogue(catalogue_path)
        facilities = self.read_layer(parameters, self.FACILITIES, context, feedback)
        zone_layer = self.read_layer(parameters, self.ZONES, context, feedback)
        zone_id = self.parameterAsString(parameters, self.ZONE_ID, context) or "unit_id"
        zones = read_zones(zone_layer, zone_id=zone_id, type_column=None, default_type="area")
        population = self._population(parameters, context, feedback)
        teams = self._teams(parameters, context)
        category_column = self.parameterAsString(parameters, self.CATEGORY_FIELD, context) or "category"
        entrances = self.read_layer(parameters, self.ENTRANCES, context, feedback, required=False)
        lc = assess_living_circle(
            net, facilities, population, zones, catalogue, category_column=category_column,
            entrances=entrances, teams=teams, max_snap=self.parameterAsDouble(parameters, self.MAX_SNAP, context),
            progress=feedback_progress(feedback, 25.0, 90.0),
        )
        ignored = lc.summary["counts"]["ignored_categories"]
        if ignored:
            feedback.pushWarning("categories not in the catalogue, ignored: "
                                 + ", ".join(f"{k} ({v})" for k, v in ignored.items()))
        for key, value in lc.reach.summary.items():
            feedback.pushInfo(f"{key}: {value}")
        progress(0.9, "writing layers")
        out = {
            self.COVERAGE: self.write_layer(parameters, self.COVERAGE, context, lc.coverage_units, feedback,
                                            QgsWkbTypes.MultiPolygon),
            self.UNDERSERVED: self.write_layer(parameters, self.UNDERSERVED, context, lc.underserved, feedback,
                                               QgsWkbTypes.MultiPolygon),
        }
        unreachable = self.write_layer(parameters, self.UNREACHABLE, context, lc.unreachable, feedback,
                                       QgsWkbTypes.Point)
        if unreachable is not None:
            out[self.UNREACHABLE] = unreachable
        progress(1.0, "done")
        return out
