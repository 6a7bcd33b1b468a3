"""Run a Processing algorithm in the background and report back (used by the dock).

:class:`AlgorithmRun` wraps ``QgsProcessingAlgRunnerTask``: the algorithm runs
in QGIS's task manager (progress in the status bar, cancellable), and the
``finished`` signal carries ``(ok, results, error_text)`` back to the GUI thread.
"""

from __future__ import annotations

from typing import List

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal


class RecordingFeedback(QgsProcessingFeedback):
    """Processing feedback that keeps the error messages it is given."""

    def __init__(self):
        super().__init__()
        self.errors: List[str] = []

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
        self.errors.append(error)
        super().reportError(error, fatalError)


class AlgorithmRun(QObject):
    """One background run of a Processing algorithm.

    Parameters
    ----------
    algorithm_id : str
        E.g. ``"planner_gis:audit"``.
    parameters : dict
        Processing parameters (layer ids or paths, output paths).
    project : QgsProject, optional
        Project whose layers the parameters name; default the current project.
    """

    #: ok, results dict, error text ("" on success)
    finished = pyqtSignal(bool, dict, str)
    progress = pyqtSignal(float)

    def __init__(self, algorithm_id: str, parameters: dict, project=None, parent=None):
        super().__init__(parent)
        self.algorithm_id = algorithm_id
        self.parameters = dict(parameters)
        self.context = QgsProcessingContext()
        self.context.setProject(project or QgsProject.instance())
        self.feedback = RecordingFeedback()
        self.feedback.progressChanged.connect(self.progress.emit)
        self.done = False
        self.ok = False
        self.results: dict = {}
        self.error = ""
        self._task = None

    def start(self) -> None:
        """Queue the task in QGIS's task manager."""
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(self.algorithm_id)
        if algorithm is None:
            self._finish(False, {}, f"the algorithm {self.algorithm_id} is not available: is the plugin enabled?")
            return
        self._task = QgsProcessingAlgRunnerTask(algorithm, self.parameters, self.context, self.feedback)
        self._task.executed.connect(self._executed)
        QgsApplication.taskManager().addTask(self._task)

    def cancel(self) -> None:
        """Ask the running algorithm to stop."""
        if not self.done:
            self.feedback.cancel()

    def _executed(self, ok: bool, results: dict) -> None:
        self._task = None  # owned and deleted by the task manager
        error = "" if ok else ("\n".join(self.feedback.errors) or f"{self.algorithm_id} failed")
        self._finish(bool(ok), dict(results or {}), error)

    def _finish(self, ok: bool, results: dict, error: str) -> None:
        self.done, self.ok, self.results, self.error = True, ok, results, error
        self.finished.emit(ok, results, error)
