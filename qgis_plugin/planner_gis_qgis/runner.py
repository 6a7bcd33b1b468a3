"""Run a Processing algorithm in QGIS's task manager for the dock, and report back.

:class:`BackgroundRun` starts a ``QgsProcessingAlgRunnerTask``: the algorithm
(which runs the planner-gis command in a subprocess) works in a task thread,
so the map canvas stays usable; the dock hears of progress, the stage text and
the end through Qt signals, delivered in the main thread.
"""

from __future__ import annotations


from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .i18n import tr


class SignallingFeedback(QgsProcessingFeedback):
    """Processing feedback that sends the stage text and error messages as signals too."""

    stage = pyqtSignal(str)
    error = pyqtSignal(str)

    def __init__(self):
        super().__init__()
        self.errors: list[str] = []

    def setProgressText(self, text: str) -> None:  # noqa: N802
        super().setProgressText(text)
        self.stage.emit(text)

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
        self.errors.append(error)
        super().reportError(error, fatalError)
        self.error.emit(error)


class BackgroundRun(QObject):
    """One run of a Processing algorithm in a background task.

    Parameters
    ----------
    algorithm_id : str
        E.g. ``"planner_gis:audit"``.
    parameters : dict
        Processing parameters (layer ids or paths, output paths).
    project : QgsProject, optional
        Project whose layers the parameters name; default the current project.
    """

    #: ok, results, error text ("" on success)
    finished = pyqtSignal(bool, dict, str)
    progress = pyqtSignal(float)
    stage = pyqtSignal(str)

    def __init__(self, algorithm_id: str, parameters: dict, project=None, parent=None):
        super().__init__(parent)
        self.algorithm_id = algorithm_id
        self.parameters = dict(parameters)
        self.project = project or QgsProject.instance()
        self.context: QgsProcessingContext | None = None
        self.feedback = SignallingFeedback()
        self.feedback.progressChanged.connect(self.progress.emit)
        self.feedback.stage.connect(self.stage.emit)
        self.task: QgsProcessingAlgRunnerTask | None = None
        self.done = False
        self.ok = False
        self.results: dict = {}
        self.error = ""

    def start(self) -> None:
        """Queue the task; ``finished`` is emitted when it ends."""
        algorithm = QgsApplication.processingRegistry().algorithmById(self.algorithm_id)
        if algorithm is None:
            self._finish(False, {}, tr("the algorithm {id} is not available: is the plugin enabled?").format(
                id=self.algorithm_id))
            return
        self.context = QgsProcessingContext()
        self.context.setProject(self.project)
        self.task = QgsProcessingAlgRunnerTask(algorithm, self.parameters, self.context, self.feedback)
        self.task.executed.connect(self._executed)
        QgsApplication.taskManager().addTask(self.task)

    def _executed(self, ok: bool, results: dict) -> None:
        error = ""
        if not ok:
            error = "\n".join(e for e in self.feedback.errors if e.strip()) or tr(
                "{id} failed").format(id=self.algorithm_id)
            if self.feedback.isCanceled():
                error = tr("cancelled by the user")
        self.task = None
        self.context = None  # the layers Processing opened are released in the main thread
        self._finish(ok, dict(results or {}), error)

    def cancel(self) -> None:
        """Ask the running algorithm to stop (its subprocess is stopped within a second)."""
        if not self.done:
            self.feedback.cancel()

    def _finish(self, ok: bool, results: dict, error: str) -> None:
        self.done, self.ok, self.results, self.error = True, ok, results, error
        self.finished.emit(ok, results, error)
