"""The living-circle inputs shared by ``reach`` and ``suggest``: access points, population and units.

Both commands take the facility catalogue and park gates, the population as a
raster or as points with a count field (exactly one), and the unit polygons
with their id field; this module adds those parameters and turns them into
the command's options.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterRasterLayer,
)

from .inputs import file_argument, raster_argument, vector_argument

CATALOGUE = "CATALOGUE"
ENTRANCES = "ENTRANCES"
POPULATION_RASTER = "POPULATION_RASTER"
POPULATION_POINTS = "POPULATION_POINTS"
POPULATION_FIELD = "POPULATION_FIELD"
ZONES = "ZONES"
ZONE_ID = "ZONE_ID"


def add_access_parameters(alg) -> None:
    """Add CATALOGUE (a catalogue CSV) and ENTRANCES (gates of polygon facilities)."""
    alg.addParameter(QgsProcessingParameterFile(
        CATALOGUE, alg.tr("Facility catalogue CSV (default: GB 50180-2018)"),
        behavior=QgsProcessingParameterFile.File, fileFilter="CSV files (*.csv)", optional=True))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        ENTRANCES, alg.tr("Entrances of polygon facilities (park gates)"),
        [QgsProcessing.TypeVectorPoint], optional=True))


def add_population_and_zone_parameters(alg) -> None:
    """Add POPULATION_RASTER or POPULATION_POINTS with POPULATION_FIELD, then ZONES and ZONE_ID."""
    alg.addParameter(QgsProcessingParameterRasterLayer(
        POPULATION_RASTER, alg.tr("Population raster (people per cell)"), optional=True))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        POPULATION_POINTS, alg.tr("... or population points or polygons"),
        [QgsProcessing.TypeVectorAnyGeometry], optional=True))
    alg.addParameter(QgsProcessingParameterField(
        POPULATION_FIELD, alg.tr("Population field"), defaultValue="population",
        parentLayerParameterName=POPULATION_POINTS, type=QgsProcessingParameterField.Numeric, optional=True))
    alg.addParameter(QgsProcessingParameterFeatureSource(
        ZONES, alg.tr("Responsibility units (polygons)"), [QgsProcessing.TypeVectorPolygon]))
    alg.addParameter(QgsProcessingParameterField(
        ZONE_ID, alg.tr("Unit id field"), defaultValue="unit_id", parentLayerParameterName=ZONES, optional=True))


def access_arguments(alg, parameters, context, feedback, work: Path) -> list:
    """``--catalogue`` and ``--entrances`` when given."""
    args: list = []
    alg.use(args, "--catalogue", file_argument(alg, parameters, CATALOGUE, context))
    alg.use(args, "--entrances", vector_argument(alg, parameters, ENTRANCES, context, feedback, work))
    return args


def population_and_zone_arguments(alg, parameters, context, feedback, work: Path) -> list:
    """``--population`` (raster or points, exactly one, with ``--population-column``), ``--zones``, ``--zone-id``."""
    raster = raster_argument(alg, parameters, POPULATION_RASTER, context)
    points = vector_argument(alg, parameters, POPULATION_POINTS, context, feedback, work)
    if (raster is None) == (points is None):
        raise QgsProcessingException(alg.tr(
            "give either a population raster or population points. Fix: set exactly one of "
            "POPULATION_RASTER and POPULATION_POINTS"))
    args: list = []
    alg.use(args, "--population", raster or points)
    if points is not None:
        alg.use(args, "--population-column", alg.parameterAsString(parameters, POPULATION_FIELD, context))
    alg.use(args, "--zones", vector_argument(alg, parameters, ZONES, context, feedback, work))
    alg.use(args, "--zone-id", alg.parameterAsString(parameters, ZONE_ID, context))
    return args
