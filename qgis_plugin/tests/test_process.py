"""Running the planner-gis command out of process: events, errors, Cancel, the environment."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import LIBRARY_PYTHON, REPO
from planner_gis_qgis import environment
from planner_gis_qgis.process import Callbacks, CommandCancelled, CommandFailed, run_command


class Recorder(Callbacks):
    def __init__(self, cancel_after=None):
        self.events, self.started, self.cancel_after = [], time.monotonic(), cancel_after

    def progress(self, fraction, stage):
        self.events.append(("progress", round(fraction, 3), stage))

    def info(self, line):
        self.events.append(("info", line))

    def warning(self, message):
        self.events.append(("warning", message))

    def canceled(self):
        return self.cancel_after is not None and time.monotonic() - self.started > self.cancel_after


def fake(body: str) -> list:
    """A command that prints what ``body`` prints (a stand-in for planner-gis)."""
    return [sys.executable, "-c", "import json, sys, time\n" + textwrap.dedent(body)]


def test_events_become_callbacks_and_result():
    cmd = fake("""
        print("audit of 24 units")
        err = lambda **e: print(json.dumps(e), file=sys.stderr, flush=True)
        err(event="progress", fraction=0.25, stage="reading")
        print("not json", file=sys.stderr)
        err(event="warning", message="careful")
        err(event="done", exit=0, summary="4 findings", outputs={"a": "b"}, severity={"error": 2})
    """)
    rec = Recorder()
    result = run_command(cmd, rec)
    assert result.summary == "4 findings" and result.outputs == {"a": "b"}
    assert result.data["severity"] == {"error": 2} and result.warnings == ["careful"]
    assert ("progress", 0.25, "reading") in rec.events and ("info", "audit of 24 units") in rec.events
    assert ("info", "not json") in rec.events and ("warning", "careful") in rec.events


def test_error_event_raises_with_message_fix_and_detail():
    cmd = fake("""
        print(json.dumps(dict(event="error", exit=2, message="x.csv: bad. Fix: repair it", problem="x.csv: bad",
                              fix="repair it", detail="")), file=sys.stderr)
        sys.exit(2)
    """)
    with pytest.raises(CommandFailed) as err:
        run_command(cmd)
    assert str(err.value) == "x.csv: bad. Fix: repair it" and err.value.fix == "repair it"
    assert err.value.exit_code == 2


def test_a_crash_without_event_keeps_the_last_lines():
    with pytest.raises(CommandFailed) as err:
        run_command(fake("print('Segmentation fault', file=sys.stderr); sys.exit(139)"))
    assert "exit status 139" in str(err.value) and "Segmentation fault" in err.value.detail


def test_cancel_stops_the_command_within_a_second(tmp_path):
    marker = tmp_path / "still-running"
    cmd = fake(f"""
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a command deep in C code does not react at once
        for i in range(600):
            time.sleep(0.1)
        open({str(marker)!r}, "w").write("x")
    """)
    rec = Recorder(cancel_after=0.5)
    started = time.monotonic()
    with pytest.raises(CommandCancelled):
        run_command(cmd, rec)
    assert time.monotonic() - started < 0.5 + 1.0
    time.sleep(0.3)
    assert not marker.exists()


def test_cancel_of_a_real_run_leaves_nothing_behind(tmp_path):
    demo = environment.check(LIBRARY_PYTHON).info["demo"]
    out = tmp_path / "out"
    cmd = [str(LIBRARY_PYTHON), "-m", "planner_gis", "--progress", "jsonl", "reach", "--network", demo["network"],
           "--facilities", demo["facilities"], "--population", demo["population"], "--zones", demo["units"],
           "--out", str(out)]

    class CancelAtFirstProgress(Recorder):
        def canceled(self):
            return any(e[0] == "progress" for e in self.events)

    rec = CancelAtFirstProgress()
    started = time.monotonic()
    with pytest.raises(CommandCancelled):
        run_command(cmd, rec)
    assert time.monotonic() - started < 30
    assert not out.exists() or list(out.iterdir()) == []


def test_python_in_venv_folder_and_file(tmp_path):
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").write_text("")
    assert environment.python_in(str(tmp_path / "venv")) == tmp_path / "venv" / "bin" / "python"
    assert environment.python_in(str(tmp_path / "x" / "python3")) == tmp_path / "x" / "python3"


def test_configured_python_order(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANNER_GIS_PYTHON", "/from/env/python")
    assert environment.configured_python("/from/setting/python") == Path("/from/setting/python")
    assert environment.configured_python("") == Path("/from/env/python")
    monkeypatch.delenv("PLANNER_GIS_PYTHON")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert environment.configured_python("") is None  # no default venv yet
    (tmp_path / "planner-gis" / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "planner-gis" / "venv" / "bin" / "python").write_text("")
    assert environment.configured_python("") == tmp_path / "planner-gis" / "venv" / "bin" / "python"


def test_subprocess_env_drops_qgis_python_and_gdal_settings(monkeypatch):
    for name in ("PYTHONHOME", "PYTHONPATH", "GDAL_DATA", "PROJ_LIB", "PROJ_DATA"):
        monkeypatch.setenv(name, "/qgis/own")
    env = environment.subprocess_env()
    assert not {"PYTHONHOME", "PYTHONPATH", "GDAL_DATA", "PROJ_LIB", "PROJ_DATA"} & set(env)
    assert env["PYTHONIOENCODING"] == "utf-8"


def test_check_names_the_problem_and_the_fix(tmp_path):
    with pytest.raises(environment.EnvironmentProblem) as err:
        environment.check(None)
    assert "no Python environment with planner-gis" in str(err.value) and "-m venv" in err.value.fix
    with pytest.raises(environment.EnvironmentProblem) as err:
        environment.check(tmp_path / "missing" / "python")
    assert "does not exist" in err.value.problem
    # QGIS's own Python has no planner-gis (and must not need it)
    with pytest.raises(environment.EnvironmentProblem) as err:
        environment.check(Path(sys.executable))
    assert err.value.problem == f"planner-gis is not installed in {sys.executable}"
    assert "-m pip install planner-gis" in err.value.fix


def test_check_of_the_library_environment():
    env = environment.check(LIBRARY_PYTHON)
    assert env.version and env.info["catalogue"] and Path(env.info["demo"]["units"]).exists()
    assert env.command("audit")[:3] == [str(LIBRARY_PYTHON), "-m", "planner_gis"]


@pytest.mark.slow
def test_create_environment_from_the_checkout(tmp_path):
    """The 'Set up' button's work: a venv with planner-gis from a source checkout, then checked."""
    lines = []
    python = environment.create_environment(str(REPO), tmp_path / "venv", on_line=lines.append)
    assert python == tmp_path / "venv" / "bin" / "python" and python.exists()
    assert any(line.startswith("$ ") and "-m venv" in line for line in lines)
    assert environment.check(python).version == environment.check(LIBRARY_PYTHON).version
    assert os.path.exists(tmp_path / "venv" / "pyvenv.cfg")


def test_environment_dialog_uses_an_existing_python(qgis_iface, monkeypatch):
    """The set-up dialog: 'Use this Python' stores the setting and checks it."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest

    from planner_gis_qgis import settings
    from planner_gis_qgis.envdialog import EnvironmentDialog

    previous = settings.python_setting()
    try:
        dialog = EnvironmentDialog(qgis_iface.mainWindow(), problem="no Python environment")
        assert "-m venv" in dialog.output.toPlainText()  # the commands the Create button runs
        dialog.python.setFilePath(str(LIBRARY_PYTHON.parent.parent))  # a venv folder works too
        QTest.mouseClick(dialog.use_button, Qt.LeftButton)
        assert dialog.result() == dialog.Accepted
        assert settings.python_setting() == str(LIBRARY_PYTHON.parent.parent)
        assert settings.environment().python == str(LIBRARY_PYTHON)
        dialog.python.setFilePath("/nowhere/python")
        QTest.mouseClick(dialog.use_button, Qt.LeftButton)
        assert "does not exist" in dialog.output.toPlainText()
    finally:
        settings.set_python_setting(previous)
