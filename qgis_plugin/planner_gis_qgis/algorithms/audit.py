"""``planner_gis:audit``: responsibility zones x team registry on a date."""

from __future__ import annotations

import datetime as dt

from planner_gis.audit import audit
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)

from ..layers import qgs_crs_to_pyproj
from .base import PlannerGisAlgorithm, feedback_progress


class AuditAlgorithm(PlannerGisAlgorithm):
    """Wraps :func:`planner_gis.audit.audit`."""

    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    REGISTRY = "REGISTRY"
    AS_OF = "AS_OF"
    OUTLINE = "OUTLINE"
    EXPIRING_DAYS = "EXPIRING_DAYS"
    MAX_UNITS = "MAX_UNITS"
    MIN_AREA = "MIN_AREA"
    METRIC_CRS = "METRIC_CRS"
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
            "Crosses a layer of responsibility units (streets, townships, management areas) with a "
            "team registry (CSV or Excel: team_id, unit_id, role, start_date, end_date, ...) on a date.\n\n"
            "Outputs: the units with their status (covered, expiring, multiple_teams, unassigned), the "
            "teams and contract end; the findings (unassigned units, expired or expiring contracts, "
            "units in the registry but not in the layer, boundary gaps and overlaps, overloaded teams); "
            "and the workload per team. Areas are measured in a metric CRS (CGCS2000 Gauss-Kruger zone "
            "in China unless you choose one).\n\nAll work is done by planner_gis.audit.audit."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ZONES, self.tr("Responsibility units (polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ZONE_ID, self.tr("Unit id field"), defaultValue="unit_id", parentLayerParameterName=self.ZONES, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.REGISTRY, self.tr("Team registry (CSV or Excel)"), behavior=QgsProcessingParameterFile.File,
            fileFilter="Tables (*.csv *.xlsx *.xlsm *.xls *.tsv *.txt);;All files (*.*)"))
        self.addParameter(QgsProcessingParameterDateTime(
            self.AS_OF, self.tr("Audit date (default: today)"), type=QgsProcessingParameterDateTime.Date,
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
        self.addParameter(QgsProcessingParameterCrs(
            self.METRIC_CRS, self.tr("Metric CRS for areas (default: chosen from the data)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNITS, self.tr("Units with status"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.FINDINGS, self.tr("Findings"), QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.WORKLOAD, self.tr("Workload per team"), QgsProcessing.TypeVector, optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.ERRORS, self.tr("Number of error findings")))
        self.addOutput(QgsProcessingOutputNumber(self.WARNINGS, self.tr("Number of warning findings")))

    def _as_of(self, parameters, context):
        if parameters.get(self.AS_OF) in (None, ""):
            return dt.date.today()
        value = self.parameterAsDateTime(parameters, self.AS_OF, context)
        if not value.isValid():
            return str(parameters[self.AS_OF])  # let the library report the bad date
        return value.date().toPyDate()

    def compute(self, parameters, context, feedback) -> dict:
        progress = feedback_progress(feedback)
        progress(0.0, "reading layers")
        zones = self.read_layer(parameters, self.ZONES, context, feedback)
        outline = self.read_layer(parameters, self.OUTLINE, context, feedback, required=False)
        registry = self.parameterAsFile(parameters, self.REGISTRY, context)
        crs = None
        if parameters.get(self.METRIC_CRS) not in (None, ""):
            crs = qgs_crs_to_pyproj(self.parameterAsCrs(parameters, self.METRIC_CRS, context))
        progress(0.2, "auditing")
        result = audit(
            zones, registry,
            as_of=self._as_of(parameters, context),
            outline=outline,
            expiring_days=self.parameterAsInt(parameters, self.EXPIRING_DAYS, context),
            max_units=self.parameterAsInt(parameters, self.MAX_UNITS, context),
            min_area=self.parameterAsDouble(parameters, self.MIN_AREA, context),
            metric_crs=crs,
            zone_id=self.parameterAsString(parameters, self.ZONE_ID, context) or "unit_id",
        )
        summary = result.summary()
        feedback.pushInfo(f"audit of {summary['units']} units on {summary['as_of']} ({summary['crs']})")
        feedback.pushInfo("units: " + ", ".join(f"{k} {v}" for k, v in summary["status"].items()))
        feedback.pushInfo("findings: " + ", ".join(f"{k} {v}" for k, v in summary["findings"].items() if v))
        progress(0.8, "writing layers")
        out = {
            self.UNITS: self.write_layer(parameters, self.UNITS, context, result.units, feedback,
                                         QgsWkbTypes.MultiPolygon),
            self.FINDINGS: self.write_layer(parameters, self.FINDINGS, context, result.findings, feedback,
                                            QgsWkbTypes.MultiPolygon),
            self.ERRORS: int((result.findings["severity"] == "error").sum()),
            self.WARNINGS: int((result.findings["severity"] == "warning").sum()),
        }
        workload = self.write_layer(parameters, self.WORKLOAD, context, result.workload, feedback)
        if workload is not None:
            out[self.WORKLOAD] = workload
        progress(1.0, "done")
        return out
