"""``planner_gis:webmap``: an HTML web map of audit, reach or evaluation results (``planner-gis webmap``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import CliAlgorithm
from .inputs import export_source, vector_argument

#: Layers of each kind of map, as the command reads them from one GeoPackage.
AUDIT_LAYERS = {"UNITS": "units", "FINDINGS": "findings"}
REACH_LAYERS = {"COVERAGE": "coverage", "UNDERSERVED": "underserved", "ISOCHRONES": "isochrones"}
EVALUATION_LAYERS = {"EVALUATION_UNITS": "units", "RECORDS": "records", "COMPLIANCE": "compliance"}


class WebMapAlgorithm(CliAlgorithm):
    """Runs ``planner-gis webmap audit|reach|evaluation`` on the layers given."""

    COMMAND = "webmap"
    UNITS = "UNITS"
    FINDINGS = "FINDINGS"
    COVERAGE = "COVERAGE"
    UNDERSERVED = "UNDERSERVED"
    ISOCHRONES = "ISOCHRONES"
    CATEGORY = "CATEGORY"
    EVALUATION_UNITS = "EVALUATION_UNITS"
    RECORDS = "RECORDS"
    COMPLIANCE = "COMPLIANCE"
    RULE = "RULE"
    OUTLINE = "OUTLINE"
    TITLE = "TITLE"
    TILES = "TILES"
    TILES_ATTRIBUTION = "TILES_ATTRIBUTION"
    REVIEW_NUMBER = "REVIEW_NUMBER"
    SIMPLIFY = "SIMPLIFY"
    OUTPUT = "OUTPUT"

    def name(self) -> str:
        return "webmap"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Export web map (HTML)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes one self-contained HTML page (Leaflet inlined, works offline) of either\n"
            "- an audit: give the 'Units with status' layer of planner_gis:audit (and its findings), or\n"
            "- a reach analysis: give the 'Coverage' layer of planner_gis:reach (one row per unit and category), "
            "optionally the underserved areas and isochrones, or\n"
            "- an evaluation: give the 'Units by compliance' layer of planner_gis:evaluate (and its records and "
            "rule results).\n\n"
            "Give exactly one of the three. No basemap is used unless you give a tile URL template (e.g. an "
            "intranet or Tianditu server). Maps published in China need a map review number (审图号).\n\n"
            "The work is done by the planner-gis command (planner-gis webmap) in its own Python environment.")

    def initAlgorithm(self, config=None):  # noqa: N802
        poly = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.UNITS, self.tr("Audit: units with status"), poly, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FINDINGS, self.tr("Audit: findings"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.COVERAGE, self.tr("Reach: coverage per unit and category"), poly, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.UNDERSERVED, self.tr("Reach: underserved areas"), poly, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.ISOCHRONES, self.tr("Reach: isochrones"), poly, optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.CATEGORY, self.tr("Reach: category (or tier in minutes) shown first"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.EVALUATION_UNITS, self.tr("Evaluation: units by compliance"), poly, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.RECORDS, self.tr("Evaluation: records"), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.COMPLIANCE, self.tr("Evaluation: rule results"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.RULE, self.tr("Evaluation: rule shown first (default: all rules)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.OUTLINE, self.tr("District outline"), poly, optional=True))
        self.addParameter(QgsProcessingParameterString(self.TITLE, self.tr("Title"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TILES, self.tr("Basemap tile URL template with {z}/{x}/{y} (default: none)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TILES_ATTRIBUTION, self.tr("Basemap attribution"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.REVIEW_NUMBER, self.tr("Map review number (审图号)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.SIMPLIFY, self.tr("Display simplification (m)"), type=QgsProcessingParameterNumber.Double,
            defaultValue=10.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Web map"), fileFilter="HTML files (*.html *.htm)"))

    def _layers_file(self, parameters, context, feedback, work: Path, layers: dict) -> Path:
        """The layers given, in one GeoPackage with the layer names the command reads."""
        path = work / "layers.gpkg"
        for name, layer in layers.items():
            if parameters.get(name) in (None, ""):
                continue
            source = self.parameterAsSource(parameters, name, context)
            if source is None:
                raise QgsProcessingException(self.invalidSourceError(parameters, name))
            export_source(source, path, context, feedback, layer=layer)
        return path

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        kinds = (("audit", self.UNITS), ("reach", self.COVERAGE), ("evaluation", self.EVALUATION_UNITS))
        given = [kind for kind, name in kinds if parameters.get(name) not in (None, "")]
        if len(given) != 1:
            raise QgsProcessingException(self.tr(
                "give one of the audit units layer, the reach coverage layer or the evaluation units layer. Fix: "
                "set exactly one of UNITS (an audit map), COVERAGE (a reach map) and EVALUATION_UNITS (an "
                "evaluation map)"))
        kind = given[0]
        reach = kind == "reach"
        layers = {"audit": AUDIT_LAYERS, "reach": REACH_LAYERS, "evaluation": EVALUATION_LAYERS}[kind]
        args = [kind, str(self._layers_file(parameters, context, feedback, work, layers))]
        self.out_dir(work).mkdir()
        args += ["--out", str(self.out_dir(work) / "map.html"),
                 "--simplify", repr(self.parameterAsDouble(parameters, self.SIMPLIFY, context))]
        self.use(args, "--outline", vector_argument(self, parameters, self.OUTLINE, context, feedback, work))
        for name, option in ((self.TITLE, "--title"), (self.TILES, "--tiles"),
                             (self.TILES_ATTRIBUTION, "--tiles-attribution"),
                             (self.REVIEW_NUMBER, "--review-number")):
            text = self.parameterAsString(parameters, name, context)
            if text:
                args.append(f"{option}={text}")
        category = self.parameterAsString(parameters, self.CATEGORY, context)
        if reach and category:
            args.append(f"--category={category}")
        rule = self.parameterAsString(parameters, self.RULE, context)
        if kind == "evaluation" and rule:
            args.append(f"--rule={rule}")
        return args

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        target = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        written = self.copy_file({self.OUTPUT: target}, self.OUTPUT, context, self.out_dir(work) / "map.html")
        return {self.OUTPUT: written}
