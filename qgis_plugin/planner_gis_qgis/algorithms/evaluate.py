"""``planner_gis:evaluate``: a year of planner work records against a city's rules (``planner-gis evaluate``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from .base import CliAlgorithm
from .inputs import file_argument, vector_argument
from .registry_input import add_registry_parameters, registry_arguments

#: The built-in rule sets, in the order of the RULES parameter.
RULES = ("liaocheng", "chongqing", "guangxi", "hunan", "beijing")
#: ``--coords`` choices, in the order of the COORDS parameter.
COORDS = ("wgs84", "gcj02", "bd09")
TABLES = "Tables (*.csv *.xlsx *.xlsm *.xls *.tsv *.txt);;All files (*.*)"


class EvaluateAlgorithm(CliAlgorithm):
    """Runs ``planner-gis evaluate`` and loads the units by compliance, the placed records and the tables."""

    COMMAND = "evaluate"
    RECORDS = "RECORDS"
    RECORDS_FILE = "RECORDS_FILE"
    RECORDS_CRS = "RECORDS_CRS"
    ZONES = "ZONES"
    ZONE_ID = "ZONE_ID"
    RULES = "RULES"
    RULES_FILE = "RULES_FILE"
    YEAR = "YEAR"
    PEOPLE = "PEOPLE"
    RATINGS = "RATINGS"
    COORDS = "COORDS"
    TOLERANCE = "TOLERANCE"
    UNITS = "UNITS"
    RECORDS_OUTPUT = "RECORDS_OUTPUT"
    COMPLIANCE = "COMPLIANCE"
    RECORD_FINDINGS = "RECORD_FINDINGS"
    FEES = "FEES"
    POINTS = "POINTS"
    FAILED = "FAILED"
    FINDINGS_COUNT = "FINDINGS_COUNT"

    def name(self) -> str:
        return "evaluate"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Evaluate planner work records")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Places each work record (visit, survey, meeting, review ... or 走访, 调研, 座谈, 审查 ...) in the unit "
            "its team served on that day, within a tolerance, and applies a city's rules for the year: "
            "Liaocheng (a visit every month, 30 service days, fee cut in proportion), Chongqing (service points, "
            "stars, planner + architect + engineer), Guangxi (at most 3 townships, 7 service days), Hunan (one "
            "planner per township), Beijing (annual report, rating of the authority, satisfaction, one-year "
            "contracts), or your own rules file (TOML).\n\n"
            "Records: a point layer, or a CSV/Excel table with record_id, team_id, date, kind and lon, lat "
            "(phone apps often record GCJ-02: choose it, or give a coords column per record). The registry may "
            "carry annual_fee for the fee rules; Chongqing's rules need the people table (person_id, team_id, "
            "profession, title) and the ratings (person_id, year, satisfaction, previous_points, special_points)."
            "\n\nOutputs: the units with their compliance and pass/fail per rule, the records with their unit and "
            "finding (outside_unit, outside_contract, unknown_team, no_location), the rule results, fees and "
            "points as CSV.\n\nThe work is done by the planner-gis command (planner-gis evaluate) in its own "
            "Python environment.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.RECORDS, self.tr("Work records: point layer"), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.RECORDS_FILE, self.tr("... or records table (CSV or Excel with lon, lat)"),
            behavior=QgsProcessingParameterFile.File, fileFilter=TABLES, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ZONES, self.tr("Responsibility units (polygons)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.ZONE_ID, self.tr("Unit id field"), defaultValue="unit_id", parentLayerParameterName=self.ZONES,
            optional=True))
        add_registry_parameters(self)
        self.addParameter(QgsProcessingParameterEnum(
            self.RULES, self.tr("Rules"), options=["Liaocheng 聊城", "Chongqing 重庆", "Guangxi 广西", "Hunan 湖南",
                                                   "Beijing 北京"], defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.RULES_FILE, self.tr("... or your own rules file (TOML; replaces the rules above)"),
            behavior=QgsProcessingParameterFile.File, fileFilter="Rules (*.toml);;All files (*.*)", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.YEAR, self.tr("Year evaluated"), type=QgsProcessingParameterNumber.Integer, defaultValue=2025,
            minValue=1900, maxValue=2200))
        self.addParameter(QgsProcessingParameterFile(
            self.PEOPLE, self.tr("Team members (CSV or Excel: person_id, team_id, profession, title)"),
            behavior=QgsProcessingParameterFile.File, fileFilter=TABLES, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.RATINGS, self.tr("Ratings (CSV or Excel: person_id, year, satisfaction, previous_points, "
                                  "special_points)"),
            behavior=QgsProcessingParameterFile.File, fileFilter=TABLES, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.COORDS, self.tr("Coordinates of the records"),
            options=["WGS84 / CGCS2000", "GCJ-02 (Amap, Tencent)", "BD-09 (Baidu)"], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.TOLERANCE, self.tr("A record this far outside its unit still counts (m)"),
            type=QgsProcessingParameterNumber.Double, defaultValue=100.0, minValue=0.0))
        crs = QgsProcessingParameterCrs(self.RECORDS_CRS, self.tr("CRS of x, y columns of the records table"),
                                        optional=True)
        crs.setFlags(crs.flags() | crs.FlagAdvanced)
        self.addParameter(crs)
        self._outputs()

    def _outputs(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.UNITS, self.tr("Units by compliance"), QgsProcessing.TypeVectorPolygon, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.RECORDS_OUTPUT, self.tr("Records with their unit and finding"), QgsProcessing.TypeVectorPoint,
            optional=True))
        for name, label in ((self.COMPLIANCE, self.tr("Rule results (CSV)")),
                            (self.RECORD_FINDINGS, self.tr("Record findings (CSV)")),
                            (self.FEES, self.tr("Fee deductions (CSV)")),
                            (self.POINTS, self.tr("Service points (CSV)"))):
            self.addParameter(QgsProcessingParameterFileDestination(
                name, label, fileFilter="CSV files (*.csv)", optional=True, createByDefault=False))
        self.add_common_outputs()
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, self.tr("Number of failed rule results")))
        self.addOutput(QgsProcessingOutputNumber(self.FINDINGS_COUNT, self.tr("Number of record findings")))

    def _records(self, parameters, context, feedback, work: Path) -> str:
        path = file_argument(self, parameters, self.RECORDS_FILE, context)
        has_layer = parameters.get(self.RECORDS) not in (None, "")
        if bool(path) == has_layer:
            raise QgsProcessingException(self.tr(
                "give either a point layer of work records or a records table. Fix: set exactly one of RECORDS "
                "and RECORDS_FILE"))
        return path or vector_argument(self, parameters, self.RECORDS, context, feedback, work)

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args: list = []
        self.use(args, "--records", self._records(parameters, context, feedback, work))
        self.use(args, "--zones", vector_argument(self, parameters, self.ZONES, context, feedback, work))
        self.use(args, "--zone-id", self.parameterAsString(parameters, self.ZONE_ID, context))
        args += registry_arguments(self, parameters, context, required=True)
        rules_file = file_argument(self, parameters, self.RULES_FILE, context)
        self.use(args, "--rules", rules_file or RULES[self.parameterAsEnum(parameters, self.RULES, context)])
        args += ["--year", str(self.parameterAsInt(parameters, self.YEAR, context))]
        self.use(args, "--people", file_argument(self, parameters, self.PEOPLE, context))
        self.use(args, "--ratings", file_argument(self, parameters, self.RATINGS, context))
        coords = COORDS[self.parameterAsEnum(parameters, self.COORDS, context)]
        if coords != "wgs84":
            args += ["--coords", coords]
        args += ["--tolerance", repr(self.parameterAsDouble(parameters, self.TOLERANCE, context))]
        if parameters.get(self.RECORDS_CRS) not in (None, ""):
            crs = self.parameterAsCrs(parameters, self.RECORDS_CRS, context)
            if crs.isValid():
                args += ["--records-crs", crs.authid() or crs.toWkt()]
        self.use(args, "--out", str(self.out_dir(work)))
        return args + self.metric_crs_arguments(parameters, context)

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        out = self.out_dir(work)
        gpkg = out / "evaluation.gpkg"
        outputs = {
            self.UNITS: self.copy_layer(parameters, self.UNITS, context, feedback, gpkg, "units"),
            self.RECORDS_OUTPUT: self.copy_layer(parameters, self.RECORDS_OUTPUT, context, feedback, gpkg, "records"),
            self.COMPLIANCE: self.copy_file(parameters, self.COMPLIANCE, context, out / "compliance.csv"),
            self.RECORD_FINDINGS: self.copy_file(parameters, self.RECORD_FINDINGS, context,
                                                 out / "record_findings.csv"),
        }
        for name, file in ((self.FEES, "fees.csv"), (self.POINTS, "points.csv")):
            if (out / file).exists():
                outputs[name] = self.copy_file(parameters, name, context, out / file)
        compliance = result.data.get("compliance", {})
        outputs[self.FAILED] = int(sum(v.get("failed", 0) for v in compliance.values()))
        outputs[self.FINDINGS_COUNT] = int(sum(result.data.get("findings", {}).values()))
        return {k: v for k, v in outputs.items() if v is not None}
