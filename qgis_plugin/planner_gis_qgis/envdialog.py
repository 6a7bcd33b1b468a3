"""The dialog that sets up the Python environment planner-gis runs in.

It offers two ways: point the plugin at a Python that has planner-gis (a
checkout's ``.venv``, a conda or OSGeo4W environment), or create a new venv in
the user's data folder with planner-gis installed from PyPI, a wheel or a
source checkout. Creating runs in a background task; its output is shown.
"""

from __future__ import annotations

from qgis.core import QgsApplication, QgsTask
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from . import settings
from .environment import PYPI_NAME, EnvironmentProblem, create_commands, create_environment, default_venv, shell_line
from .i18n import tr


class EnvironmentDialog(QDialog):
    """Choose or create the Python environment with planner-gis."""

    def __init__(self, parent=None, problem: str = ""):
        super().__init__(parent)
        self.setWindowTitle(tr("planner-gis: Python environment"))
        self.task = None
        layout = QVBoxLayout(self)
        intro = QLabel(tr(
            "planner-gis runs in its own Python environment, outside QGIS (its libraries carry their own "
            "GEOS, PROJ and GDAL). Choose a Python that has planner-gis, or create one."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if problem:
            self.problem = QLabel(problem)
            self.problem.setWordWrap(True)
            self.problem.setStyleSheet("color: #b00020")
            layout.addWidget(self.problem)
        form = QFormLayout()
        self.python = QgsFileWidget()
        self.python.setFilePath(settings.python_setting())
        self.python.setToolTip(tr("A Python executable or a venv folder (e.g. the .venv of a checkout)"))
        form.addRow(tr("Existing Python with planner-gis"), self.python)
        self.use_button = QPushButton(tr("Use this Python"))
        self.use_button.clicked.connect(self.use_existing)
        form.addRow(self.use_button)
        self.source = QgsFileWidget()
        self.source.setStorageMode(QgsFileWidget.GetFile)
        self.source.setFilePath(PYPI_NAME)
        self.source.setToolTip(tr("planner-gis (from PyPI), a wheel file, or a source checkout folder"))
        form.addRow(tr("Install planner-gis from"), self.source)
        self.venv = QgsFileWidget()
        self.venv.setStorageMode(QgsFileWidget.GetDirectory)
        self.venv.setFilePath(str(default_venv()))
        form.addRow(tr("New environment folder"), self.venv)
        self.create_button = QPushButton(tr("Create the environment"))
        self.create_button.setObjectName("planner_gis_create_environment")
        self.create_button.clicked.connect(self.create)
        form.addRow(self.create_button)
        layout.addLayout(form)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlainText(tr("Commands:") + "\n" + "\n".join(shell_line(c) for c in create_commands()))
        layout.addWidget(self.output)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def use_existing(self) -> None:
        """Set the setting to the chosen Python and check it."""
        settings.set_python_setting(self.python.filePath().strip())
        try:
            env = settings.environment(refresh=True)
        except EnvironmentProblem as exc:
            self.output.setPlainText(str(exc))
            return
        self.output.setPlainText(tr("planner-gis {version} in {python}").format(version=env.version,
                                                                                python=env.python))
        self.accept()

    def create(self) -> None:
        """Create the venv and install planner-gis in a background task."""
        source = self.source.filePath().strip() or PYPI_NAME
        venv = self.venv.filePath().strip() or str(default_venv())
        self.output.clear()
        self.create_button.setEnabled(False)
        lines: list = []

        def work(task):
            return str(create_environment(source, venv, on_line=lines.append, canceled=task.isCanceled))

        def finished(exception, python=None):
            self.create_button.setEnabled(True)
            self.output.appendPlainText("\n".join(lines[-200:]))
            if exception is not None:
                self.output.appendPlainText(str(exception))
                return
            settings.set_python_setting(python)
            self.use_existing_path(python)

        self.task = QgsTask.fromFunction(tr("Setting up the planner-gis environment"), work, on_finished=finished)
        QgsApplication.taskManager().addTask(self.task)

    def use_existing_path(self, python: str) -> None:
        """Point the setting at ``python`` and close when it works."""
        self.python.setFilePath(python)
        self.use_existing()
