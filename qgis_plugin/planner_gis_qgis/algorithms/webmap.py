"""``planner_gis:webmap``: a self-contained HTML web map of audit or reach results."""

from __future__ import annotations

from planner_gis.errors import InputError
from planner_gis.webmap import audit_map, reach_map, save_map
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import PlannerGisAlgorithm, feedback_progress


class WebMapAlgorithm(PlannerGisAlgorithm):
    """Wraps :func:`planner_gis.webmap.audit_map` / :func:`~planner_gis.webmap.reach_map` and ``save_map``."""

    UNITS = "UNITS"
    FINDINGS = "FINDINGS"
    COVERAGE = "COVERAGE"
    UNDERSERVED = "UNDERSERVED"
    ISOCHRONES = "ISOCHRONES"
    CATEGORY = "CATEGORY"
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
            "- a reach analysis: give the 'Coverage' layer of planner_gis:reach (one row per unit and "
            "category), optionally the underserved areas and isochrones.\n\n"
            "Give exactly one of the two. No basemap is used unless you give a tile URL template "
            "(e.g. an intranet or Tianditu server). Maps published in China need a map review number "
            "(审图号).\n\nAll work is done by planner_gis.webmap."
        )

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

    def _text(self, parameters, name, context):
        value = self.parameterAsString(parameters, name, context)
        return value if value else None

    def _input_files(self, parameters, context) -> list:
        files = []
        for name in (self.UNITS, self.FINDINGS, self.COVERAGE, self.UNDERSERVED, self.ISOCHRONES, self.OUTLINE):
            if parameters.get(name) is None:
                continue
            layer = self.parameterAsVectorLayer(parameters, name, context)
            if layer is not None and layer.providerType() == "ogr":
                files.append(layer.source().split("|")[0])
        return files

    def compute(self, parameters, context, feedback) -> dict:
        progress = feedback_progress(feedback)
        progress(0.0, "reading layers")
        units = self.read_layer(parameters, self.UNITS, context, feedback, required=False)
        coverage = self.read_layer(parameters, self.COVERAGE, context, feedback, required=False)
        if (units is None) == (coverage is None):
            raise InputError(
                "web map: give either the audit units layer (UNITS) or the reach coverage layer (COVERAGE)",
                fix="set exactly one of them: UNITS for an audit map, COVERAGE for a reach map",
            )
        outline = self.read_layer(parameters, self.OUTLINE, context, feedback, required=False)
        common = dict(
            outline=outline,
            tiles=self._text(parameters, self.TILES, context),
            tiles_attribution=self._text(parameters, self.TILES_ATTRIBUTION, context),
            review_number=self._text(parameters, self.REVIEW_NUMBER, context),
            simplify_m=self.parameterAsDouble(parameters, self.SIMPLIFY, context),
        )
        title = self._text(parameters, self.TITLE, context)
        if title is not None:
            common["title"] = title
        progress(0.3, "building the map")
        if units is not None:
            findings = self.read_layer(parameters, self.FINDINGS, context, feedback, required=False)
            m = audit_map(units, findings, **common)
        else:
            m = reach_map(
                coverage,
                underserved=self.read_layer(parameters, self.UNDERSERVED, context, feedback, required=False),
                isochrones=self.read_layer(parameters, self.ISOCHRONES, context, feedback, required=False),
                category=self._text(parameters, self.CATEGORY, context),
                **common,
            )
        progress(0.8, "writing the page")
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        written = save_map(m, path, inputs=self._input_files(parameters, context))
        feedback.pushInfo(f"web map written to {written}")
        progress(1.0, "done")
        return {self.OUTPUT: str(written)}
