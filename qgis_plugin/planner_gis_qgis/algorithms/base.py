"""What every planner-gis Processing algorithm shares: running the command out of process.

An algorithm turns its parameters into a ``planner-gis`` command line
(:meth:`CliAlgorithm.arguments`), runs it in the configured Python environment
with ``--progress jsonl`` in a fresh work folder, shows the stages and the
fraction in the Processing feedback, and, only when the command succeeded,
copies its results into the algorithm's outputs (:meth:`CliAlgorithm.collect`).
The work folder is removed afterwards, so a cancelled or failed run leaves
nothing behind. Runs happen in QGIS's task threads (no ``FlagNoThreading``):
the subprocess does the work and the map stays usable.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsMessageLog,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFolderDestination,
    QgsProcessingUtils,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QIcon

from ..about import ICON_PATH, PLUGIN_NAME
from ..environment import EnvironmentProblem
from ..i18n import qgis_locale, tr
from ..process import Callbacks, CommandCancelled, CommandFailed, CommandResult, run_command

#: Share of the progress bar the command takes; copying the outputs takes the rest.
COMMAND_SHARE = 90.0
OUTPUT_FOLDER = "OUTPUT_FOLDER"
SUMMARY = "SUMMARY"
METRIC_CRS = "METRIC_CRS"


class FeedbackCallbacks(Callbacks):
    """The command's events shown in a Processing feedback (progress bar, stage text, log)."""

    def __init__(self, feedback, share: float = COMMAND_SHARE):
        self.feedback = feedback
        self.share = share
        self.stage = None

    def progress(self, fraction: float, stage: str) -> None:
        if self.feedback is None:
            return
        self.feedback.setProgress(self.share * min(1.0, max(0.0, fraction)))
        if stage and stage != self.stage:
            self.stage = stage
            self.feedback.setProgressText(stage)

    def info(self, line: str) -> None:
        if self.feedback is not None and line.strip():
            self.feedback.pushInfo(line)

    def warning(self, message: str) -> None:
        if self.feedback is not None:
            self.feedback.pushWarning(message)

    def canceled(self) -> bool:
        return self.feedback is not None and self.feedback.isCanceled()


def log(message: str, level=Qgis.Info) -> None:
    """A line in the planner-gis tab of the log panel (View > Panels > Log Messages)."""
    QgsMessageLog.logMessage(message, PLUGIN_NAME, level)


class CliAlgorithm(QgsProcessingAlgorithm):
    """Base class: subclasses give :meth:`arguments` and :meth:`collect`."""

    #: the planner-gis sub-command
    COMMAND = ""

    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def group(self) -> str:
        return ""

    def groupId(self) -> str:  # noqa: N802
        return ""

    def icon(self) -> QIcon:
        return QIcon(str(ICON_PATH))

    def helpUrl(self) -> str:  # noqa: N802
        return "https://github.com/planner-gis/planner-gis/blob/main/qgis_plugin/README.md"

    # ------------------------------------------------------------ shared parameters
    def add_common_outputs(self) -> None:
        """The metric CRS, the folder for the command's own files and the one-line summary."""
        self.addParameter(QgsProcessingParameterCrs(
            METRIC_CRS, self.tr("Metric CRS for distances and areas (default: chosen from the data)"),
            optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(
            OUTPUT_FOLDER, self.tr("Folder for the command's files (CSV, GeoPackage, JSON)"), optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputString(SUMMARY, self.tr("Summary")))

    def metric_crs_arguments(self, parameters, context) -> list[str]:
        """``--metric-crs AUTHID`` when a metric CRS was chosen."""
        if parameters.get(METRIC_CRS) in (None, ""):
            return []
        crs = self.parameterAsCrs(parameters, METRIC_CRS, context)
        if not crs.isValid():
            return []
        return ["--metric-crs", crs.authid() or crs.toWkt()]

    # ------------------------------------------------------------------- running
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..settings import environment

        try:
            env = environment()
        except EnvironmentProblem as exc:
            raise QgsProcessingException(str(exc)) from None
        work = Path(tempfile.mkdtemp(prefix=f"planner-gis-{self.name()}-", dir=QgsProcessingUtils.tempFolder()))
        self.secret_env = {}  # PGPASSWORD of PostGIS inputs (inputs.vector_argument): never on the command line
        try:
            args = self.arguments(parameters, context, feedback, work)
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("cancelled by the user"))
            result = self.execute(env.command("--progress", "jsonl", self.COMMAND, *args), feedback, work)
            feedback.setProgressText(self.tr("loading the results"))
            outputs = self.collect(parameters, context, feedback, work, result)
            outputs[SUMMARY] = result.data.get("summary_zh") if qgis_locale() == "zh" else None
            outputs[SUMMARY] = outputs[SUMMARY] or result.summary
            self.keep_folder(parameters, context, work, outputs)
            feedback.setProgress(100.0)
            feedback.pushInfo(result.summary)
            return outputs
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def execute(self, command: list[str], feedback, work: Path) -> CommandResult:
        """Run the command; errors become QgsProcessingException with the command's message."""
        log(" ".join(command))
        try:
            return run_command(command, FeedbackCallbacks(feedback), cwd=str(work),
                               env=getattr(self, "secret_env", None))
        except CommandCancelled:
            raise QgsProcessingException(self.tr("cancelled by the user")) from None
        except CommandFailed as exc:
            if exc.detail:
                log(exc.detail, Qgis.Warning)
            raise QgsProcessingException(str(exc)) from None

    def arguments(self, parameters, context, feedback, work: Path) -> list[str]:  # pragma: no cover
        """The command line after the sub-command name; inputs are recorded with :meth:`use`."""
        raise NotImplementedError

    def use(self, args: list[str], option: str | None, value: str | None) -> None:
        """Append ``option value`` (or only ``value`` for a positional) to ``args`` when ``value`` is set.

        File values are remembered as inputs, which the outputs may never overwrite.
        """
        if value in (None, ""):
            return
        value = str(value)
        if not hasattr(self, "input_files"):
            self.input_files = []
        path, layer = value, ""
        if not Path(value).exists() and ":" in value[2:]:
            path, layer = value.rsplit(":", 1)
        if Path(path).exists():  # the command runs in its work folder: relative paths become absolute
            path = str(Path(path).absolute())
            self.input_files.append(path)
            value = f"{path}:{layer}" if layer else path
        args.extend([option, value] if option else [value])

    def collect(self, parameters, context, feedback, work: Path, result: CommandResult) -> dict:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------------- outputs
    def out_dir(self, work: Path) -> Path:
        """Where the command writes (inside the work folder)."""
        return work / "out"

    def keep_folder(self, parameters, context, work: Path, outputs: dict) -> None:
        """Move the command's files into OUTPUT_FOLDER when one was asked for."""
        if parameters.get(OUTPUT_FOLDER) in (None, ""):
            return
        target = Path(self.parameterAsString(parameters, OUTPUT_FOLDER, context))
        if not str(target) or str(target) == "TEMPORARY_OUTPUT":
            return
        source = self.out_dir(work)
        items = sorted(source.iterdir()) if source.exists() else []
        inputs = {str(Path(p).resolve()) for p in getattr(self, "input_files", [])}
        clash = [str(target / i.name) for i in items if str((target / i.name).resolve()) in inputs]
        if clash:
            raise QgsProcessingException(self.tr("the output {path} would overwrite an input. Fix: choose "
                                                 "another folder for the command's files").format(path=clash[0]))
        target.mkdir(parents=True, exist_ok=True)
        for item in items:
            destination = target / item.name
            if destination.exists():
                destination.unlink()
            shutil.move(str(item), str(destination))
        outputs[OUTPUT_FOLDER] = str(target)

    def copy_layer(self, parameters, name: str, context, feedback, path: Path, layer: str | None = None):
        """Copy a layer the command wrote into the feature-sink output ``name``; its id, or None if not asked."""
        uri = str(path) if layer is None else f"{path}|layername={layer}"
        source = QgsVectorLayer(uri, layer or path.stem, "ogr")
        if not source.isValid():
            raise QgsProcessingException(self.tr("cannot read the result {uri}").format(uri=uri))
        keep = [i for i, f in enumerate(source.fields()) if f.name().lower() != "fid"]
        fields = QgsFields()
        for i in keep:
            fields.append(source.fields().at(i))
        sink, dest = self.parameterAsSink(parameters, name, context, fields, source.wkbType(), source.crs())
        if sink is None:
            return None
        for feature in source.getFeatures():  # the command is done: the copy is not cancelled half-way
            out = QgsFeature(fields)
            attrs = feature.attributes()
            out.setAttributes([attrs[i] for i in keep])
            out.setGeometry(feature.geometry())
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        return dest

    def copy_file(self, parameters, name: str, context, path: Path) -> str | None:
        """Copy a file the command wrote to the file-destination output ``name``; its path, or None."""
        if parameters.get(name) in (None, ""):
            return None
        target = self.parameterAsFileOutput(parameters, name, context)
        if not target:
            return None
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return target
