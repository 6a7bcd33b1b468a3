"""Run a Processing algorithm for the dock and report back.

The planner-gis algorithms run in the main thread (``FlagNoThreading``, see
:meth:`planner_gis_qgis.algorithms.base.PlannerGisAlgorithm.flags`), so
:class:`AlgorithmRun` executes them with ``processing.run`` and keeps the
interface responsive by processing events on every progress report: the
dock's progress bar moves and its Cancel button works while the library runs.
"""

from __future__ import annotations

from typing import List

from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QCoreApplication, QObject, pyqtSignal


class RecordingFeedback(QgsProcessingFeedback):
    """Processing feedback that keeps the error messages it is given."""

    def __init__(self):
        super().__init__()
        self.errors: List[str] = []

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
        self.errors.append(error)
        super().reportError(error, fatalError)


class AlgorithmRun(QObject):
    """One run of a Processing algorithm.

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
        self.feedback.progressChanged.connect(self._progress)
        self.done = False
        self.ok = False
        self.results: dict = {}
        self.error = ""

    def _progress(self, value: float) -> None:
        self.progress.emit(value)
        QCoreApplication.processEvents()  # repaint, and let the Cancel button be clicked

    def start(self) -> None:
        """Run the algorithm; ``finished`` is emitted when it is done."""
        import processing  # noqa: PLC0415 - QGIS's Processing plugin, present inside QGIS

        if QgsApplication.processingRegistry().algorithmById(self.algorithm_id) is None:
            self._finish(False, {}, f"the algorithm {self.algorithm_id} is not available: is the plugin enabled?")
            return
        try:
            results = processing.run(self.algorithm_id, self.parameters, feedback=self.feedback,
                                     context=self.context)
        except QgsProcessingException as exc:
            message = str(exc).strip() or "\n".join(self.feedback.errors) or f"{self.algorithm_id} failed"
            self._release_context()
            self._finish(False, {}, message)
            return
        self._release_context()
        self._finish(True, dict(results), "")

    def _release_context(self) -> None:
        # Free the layers Processing opened for this run now, in the main thread, as QGIS does
        # after each run; keeping the context until garbage collection closed their GDAL
        # datasets at an arbitrary later time, which crashed QGIS 3.22 in testing.
        self.context = None

    def cancel(self) -> None:
        """Ask the running algorithm to stop (it raises at its next progress report)."""
        if not self.done:
            self.feedback.cancel()

    def _finish(self, ok: bool, results: dict, error: str) -> None:
        self.done, self.ok, self.results, self.error = True, ok, results, error
        self.finished.emit(ok, results, error)
