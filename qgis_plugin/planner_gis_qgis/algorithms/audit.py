"""``planner_gis:audit``: responsibility units x team registry on a date (``planner-gis audit``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from .base import CliAlgorithm
from .inputs import vector_argument
from .registry_input import add_registry_parameters, registry_arguments

#: ``--coords`` choices, in the order of the COORDS parameter.
COORDS = ("wgs84", "gcj02", "bd09")
#: ``--default-type`` choices ('' = the layer has a type column).
UNIT_TYPES = ("", "street", "township", "town", "area", "community")


class AuditAlgorithm(CliAlgorithm):
    """Runs ``planner-gis audit`` and loads its units, findings and workload."""

    COMMAND = "audit"
    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    NAME_FIELD = "NAME_FIELD"
    TYPE_FIELD = "TYPE_FIELD"
    DEFAULT_TYPE = "DEFAULT_TYPE"
    OUTLINE = "OUTLINE"
    EXPIRING_DAYS = "EXPIRING_DAYS"
    MAX_UNITS = "MAX_UNITS"
    MIN_AREA = "MIN_AREA"
    COORDS = "COORDS"
    MAKE_VALID = "MAKE_VALID"
    UNITS = "UNITS"
    FINDINGS = "FINDINGS"
    WORKLOAD = "WORKLOAD"
    ERRORS = "ERRORS"
    WARNINGS = "WARNINGS"

    def name(self) -> str:
        return "audit"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Audit responsibility zones")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Crosses a layer of responsibility units (streets, townships, management areas) with a team "
            "registry (CSV or Excel: team_id, unit_id, role, start_date, end_date; Chinese headers such as "
            "团队编号, 单元编码, 角色, 开始日期, 结束日期 are recognised, others can be named) on a date.\n\n"
            "Outputs: the units with their status (covered, expiring, multiple_teams, unassigned) and the "
            "findings (unassigned units, expired or expiring contracts, units in the registry but not in the "
            "layer, boundary gaps and overlaps, overloaded teams), and the workload per team.\n\n"
            "The work is done by the planner-gis command (planner-gis audit) in its own Python environment "
            "(Settings > Options > Processing > Providers > planner-gis).")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ZONES, self.tr("Responsibility units (polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ZONE_ID, self.tr("Unit id field"), defaultValue="unit_id", parentLayerParameterName=self.ZONES,
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.NAME_FIELD, self.tr("Unit name field"), parentLayerParameterName=self.ZONES, optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.TYPE_FIELD, self.tr("Unit type field"), parentLayerParameterName=self.ZONES, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.DEFAULT_TYPE, self.tr("Type of every unit, if the layer has no type field"),
            options=["", "street 街道", "township 乡", "town 镇", "area 园区", "community 社区"], defaultValue=0,
            optional=True))
        add_registry_parameters(self)
        self.addParameter(QgsProcessingParameterDateTime(
            "AS_OF", self.tr("Audit date (default: today)"), type=QgsProcessingParameterDateTime.Date,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.OUTLINE, self.tr("District outline (to find gaps along the edge)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.EXPIRING_DAYS, self.tr("Report contracts ending within (days)"),
            type=QgsProcessingParameterNumber.Integer, defaultValue=90, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_UNITS, self.tr("A team on more units than this is overloaded"),
            type=QgsProcessingParameterNumber.Integer, defaultValue=3, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            self.MIN_AREA, self.tr("Ignore gaps and overlaps smaller than (m²)"),
            type=QgsProcessingParameterNumber.Double, defaultValue=100.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.COORDS, self.tr("Coordinates of the units layer"),
            options=["WGS84 / CGCS2000", "GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MAKE_VALID, self.tr("Repair invalid unit polygons instead of stopping"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNITS, self.tr("Units with status"), QgsProcessing.TypeVectorPolygon, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.FINDINGS, self.tr("Findings"), QgsProcessing.TypeVectorAnyGeometry, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.WORKLOAD, self.tr("Workload per team (CSV)"), fileFilter="CSV files (*.csv)", optional=True,
            createByDefault=False))
        self.add_common_outputs()
        self.addOutput(QgsProcessingOutputNumber(self.ERRORS, self.tr("Number of error findings")))
        self.addOutput(QgsProcessingOutputNumber(self.WARNINGS, self.tr("Number of warning findings")))

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args: list = []
        self.use(args, None, vector_argument(self, parameters, self.ZONES, context, feedback, work))
        self.use(args, "--out", str(self.out_dir(work)))
        self.use(args, "--zone-id", self.parameterAsString(parameters, self.ZONE_ID, context))
        self.use(args, "--name-column", self.parameterAsString(parameters, self.NAME_FIELD, context))
        self.use(args, "--type-column", self.parameterAsString(parameters, self.TYPE_FIELD, context))
        self.use(args, "--default-type", UNIT_TYPES[self.parameterAsEnum(parameters, self.DEFAULT_TYPE, context)])
        args += registry_arguments(self, parameters, context, required=True)
        self.use(args, "--outline", vector_argument(self, parameters, self.OUTLINE, context, feedback, work))
        args += ["--expiring-days", str(self.parameterAsInt(parameters, self.EXPIRING_DAYS, context)),
                 "--max-units", str(self.parameterAsInt(parameters, self.MAX_UNITS, context)),
                 "--min-area", repr(self.parameterAsDouble(parameters, self.MIN_AREA, context))]
        coords = COORDS[self.parameterAsEnum(parameters, self.COORDS, context)]
        if coords != "wgs84":
            args += ["--coords", coords]
        if self.parameterAsBool(parameters, self.MAKE_VALID, context):
            args.append("--make-valid")
        return args + self.metric_crs_arguments(parameters, context)

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        out = self.out_dir(work)
        outputs = {
            self.UNITS: self.copy_layer(parameters, self.UNITS, context, feedback, out / "audit.gpkg", "units"),
            self.FINDINGS: self.copy_layer(parameters, self.FINDINGS, context, feedback, out / "audit.gpkg",
                                           "findings"),
            self.WORKLOAD: self.copy_file(parameters, self.WORKLOAD, context, out / "workload.csv"),
        }
        severity = result.data.get("severity", {})
        outputs[self.ERRORS] = int(severity.get("error", 0))
        outputs[self.WARNINGS] = int(severity.get("warning", 0))
        return {k: v for k, v in outputs.items() if v is not None}
