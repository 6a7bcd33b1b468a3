"""``planner_gis:report``: PDF/HTML reports per unit and a district summary (``planner-gis report``).

Optionally adds an atlas print layout (one page per unit) to the project.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
    QgsProject,
    QgsVectorLayer,
)

from .base import SUMMARY, CliAlgorithm

FORMATS = ("pdf", "html", "both")
#: Folder parameters and the command option each becomes.
FOLDERS = (("REACH", "--reach"), ("AUDIT", "--audit"), ("EVALUATION", "--evaluation"), ("SUGGEST", "--suggest"))


class ReportAlgorithm(CliAlgorithm):
    """Runs ``planner-gis report`` on result folders; adds an atlas layout when asked."""

    COMMAND = "report"
    REACH = "REACH"
    AUDIT = "AUDIT"
    EVALUATION = "EVALUATION"
    SUGGEST = "SUGGEST"
    PROFILE = "PROFILE"
    UNITS = "UNITS"
    FORMAT = "FORMAT"
    DATE = "DATE"
    REVIEW_NUMBER = "REVIEW_NUMBER"
    ATLAS = "ATLAS"
    OUTPUT = "OUTPUT"
    DISTRICT = "DISTRICT"
    LAYOUT = "LAYOUT"

    def name(self) -> str:
        return "report"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Reports per unit (PDF/HTML)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes the documents a responsibility planner hands to the street or township: a district summary "
            "(district.pdf) and one document per unit (units/<unit_id>.pdf): a map of its underserved areas, the "
            "walking-coverage indicators of the urban check-up against their targets, the categories residents "
            "cannot reach, the responsible team and, if given, the evaluation and suggested sites.\n\n"
            "Give the folders of the command's files of the reach (required), audit, evaluation and site "
            "suggestion ('Folder for the command's files' of those algorithms). With 'Add an atlas print layout' "
            "the project gets a print layout with one page per unit, driven by the reach's coverage layer.\n\n"
            "The work is done by the planner-gis command (planner-gis report) in its own Python environment.")

    def initAlgorithm(self, config=None):  # noqa: N802
        folder = QgsProcessingParameterFile.Folder
        self.addParameter(QgsProcessingParameterFile(
            self.REACH, self.tr("Reach results folder (coverage.csv, reach.gpkg, reach.json)"), behavior=folder))
        self.addParameter(QgsProcessingParameterFile(
            self.AUDIT, self.tr("Audit results folder"), behavior=folder, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.EVALUATION, self.tr("Evaluation results folder"), behavior=folder, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.SUGGEST, self.tr("Site suggestion results folder"), behavior=folder, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.PROFILE, self.tr("Indicator profile (.toml; default: the built-in urban check-up profile)"),
            extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.UNITS, self.tr("Only these units (ids separated by spaces or commas; default all)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORMAT, self.tr("Format"), options=[self.tr("PDF"), self.tr("HTML"), self.tr("PDF and HTML")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.DATE, self.tr("Date printed on the pages (YYYY-MM-DD; default today)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.REVIEW_NUMBER, self.tr("Map review number (审图号)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ATLAS, self.tr("Add an atlas print layout (one page per unit) to the project"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Report folder")))
        self.addOutput(QgsProcessingOutputFile(self.DISTRICT, self.tr("District summary")))
        self.addOutput(QgsProcessingOutputString(self.LAYOUT, self.tr("Atlas print layout")))
        self.addOutput(QgsProcessingOutputString(SUMMARY, self.tr("Summary")))

    def arguments(self, parameters, context, feedback, work: Path) -> list:
        args: list = []
        for name, option in FOLDERS:
            value = self.parameterAsFile(parameters, name, context)
            if value and not Path(value).is_dir():
                raise QgsProcessingException(self.tr("{value}: no such folder. Fix: give the folder of the "
                                                     "command's files").format(value=value))
            self.use(args, option, value or None)
        self.use(args, "--profile", self.parameterAsFile(parameters, self.PROFILE, context) or None)
        units = self.parameterAsString(parameters, self.UNITS, context).replace(",", " ").split()
        if units:
            args += ["--units", *units]
        args += ["--format", FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)]]
        for name, option in ((self.DATE, "--date"), (self.REVIEW_NUMBER, "--review-number")):
            text = self.parameterAsString(parameters, name, context)
            if text:
                args.append(f"{option}={text}")
        return args + ["--out", str(self.out_dir(work))]

    def collect(self, parameters, context, feedback, work: Path, result) -> dict:
        target = Path(self.parameterAsString(parameters, self.OUTPUT, context))
        inputs = {str(Path(p).resolve()) for p in getattr(self, "input_files", [])}
        files = sorted(p for p in self.out_dir(work).rglob("*") if p.is_file())
        clash = [str(target / p.relative_to(self.out_dir(work))) for p in files
                 if str((target / p.relative_to(self.out_dir(work))).resolve()) in inputs]
        if clash:
            raise QgsProcessingException(self.tr("the output {path} would overwrite an input. Fix: choose "
                                                 "another report folder").format(path=clash[0]))
        for path in files:
            destination = target / path.relative_to(self.out_dir(work))
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        district = next((str(target / f"district.{ext}") for ext in ("pdf", "html")
                         if (target / f"district.{ext}").exists()), None)
        self._atlas = (self.parameterAsBool(parameters, self.ATLAS, context),
                       self.parameterAsFile(parameters, self.REACH, context))
        return {self.OUTPUT: str(target), self.DISTRICT: district, self.LAYOUT: None}

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        self._results = super().processAlgorithm(parameters, context, feedback)
        return self._results

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        """In the main thread: load the coverage and underserved layers and add the atlas layout."""
        wanted, reach = getattr(self, "_atlas", (False, ""))
        if not wanted:
            return {}
        layout = add_reach_atlas(reach, context.project() or QgsProject.instance())
        if layout is None:
            feedback.reportError(self.tr("no coverage layer in {folder}: no atlas layout added").format(folder=reach))
        return {**getattr(self, "_results", {}), self.LAYOUT: layout.name() if layout is not None else None}


def add_reach_atlas(reach_folder: str, project: QgsProject, name: str = "planner-gis atlas"):
    """Load a reach folder's coverage and underserved layers into the project and add the atlas layout."""
    from ..atlas import add_atlas_layout
    from ..results import ResultGroup
    from ..styles import style_coverage, style_underserved

    gpkg = Path(reach_folder) / "reach.gpkg"
    coverage = QgsVectorLayer(f"{gpkg}|layername=coverage", "coverage", "ogr")
    if not coverage.isValid():
        return None
    group = ResultGroup(name, project)
    under = group.add_vector(f"{gpkg}|layername=underserved", "underserved", lambda lyr: style_underserved(lyr))
    coverage = group.add_vector(f"{gpkg}|layername=coverage", "coverage", lambda lyr: style_coverage(lyr, "tier_15"))
    info = Path(reach_folder) / "reach.json"
    demo = info.exists() and "planner_gis/data/" in info.read_text(encoding="utf-8").replace("\\\\", "/")
    return add_atlas_layout(coverage, under, name=name, demo=demo, project=project)
