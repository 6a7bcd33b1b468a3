"""The Python environment the plugin runs planner-gis in, outside the QGIS process.

QGIS links its own GEOS, PROJ and GDAL; the PyPI wheels of shapely, pyproj,
pyogrio and rasterio carry theirs. Loaded into one process they clash (crashes,
``free(): invalid pointer`` on exit). So the plugin never imports the library:
it runs ``PYTHON -m planner_gis ...`` in a subprocess, as QGIS runs GRASS, SAGA
or WhiteboxTools, with the Python of an environment that has planner-gis.

That Python is found, in this order:

1. the Processing setting *Python with planner-gis* (Settings > Options >
   Processing > Providers > planner-gis): a Python executable or a venv folder;
2. the environment variable ``PLANNER_GIS_PYTHON`` (same forms);
3. the environment the plugin's *Set up* button creates: a venv in the user's
   data folder (:func:`default_venv`).

This module imports neither ``qgis`` nor ``planner_gis``: it is plain Python,
tested without QGIS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Name of the Processing setting (QgsSettings key ``Processing/Configuration/PLANNER_GIS_PYTHON``).
SETTING = "PLANNER_GIS_PYTHON"
#: Environment variable with the same meaning as the setting.
ENV_VAR = "PLANNER_GIS_PYTHON"
#: Package name on PyPI (the default source of a new environment).
PYPI_NAME = "planner-gis"
#: Variables QGIS (or OSGeo4W) sets for its own Python and libraries that would make the
#: environment's Python or its wheels load the wrong modules or data files.
FOREIGN_VARIABLES = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "GDAL_DATA",
                     "GDAL_DRIVER_PATH", "PROJ_LIB", "PROJ_DATA", "GEOTIFF_CSV", "QGIS_PREFIX_PATH",
                     "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")
#: Seconds ``info --json`` may take (the first import after installing compiles byte-code).
CHECK_TIMEOUT = 180


class EnvironmentProblem(Exception):
    """The environment cannot run planner-gis; ``str()`` says why and how to fix it.

    Parameters
    ----------
    problem : str
        What is wrong.
    fix : str
        How to fix it.
    """

    def __init__(self, problem: str, fix: str):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. Fix: {fix}")


@dataclass
class Environment:
    """A working planner-gis environment and what it reported of itself (``info --json``)."""

    python: str
    info: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The planner-gis version of the environment."""
        return str(self.info.get("version", "?"))

    def command(self, *args: str) -> list[str]:
        """The command line that runs ``planner-gis ARGS`` in this environment."""
        return [self.python, "-m", "planner_gis", *args]


def data_home() -> Path:
    """The user's folder for application data (per platform)."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def default_venv() -> Path:
    """Where the plugin's *Set up* button creates the environment."""
    return data_home() / "planner-gis" / "venv"


def venv_python(folder) -> Path:
    """The Python executable a venv at ``folder`` has (or will have, once created)."""
    sub = "Scripts/python.exe" if sys.platform.startswith("win") else "bin/python"
    return Path(folder) / sub


def python_in(path: str) -> Path:
    """The Python executable of ``path``: the file itself, or the one inside a venv folder.

    Examples
    --------
    >>> str(python_in("/opt/pg/venv/bin/python"))
    '/opt/pg/venv/bin/python'
    """
    p = Path(os.path.expanduser(str(path).strip().strip('"')))
    if p.is_dir():
        for candidate in (p / "bin" / "python", p / "Scripts" / "python.exe", p / "python.exe"):
            if candidate.exists():
                return candidate
        return venv_python(p)
    return p


def configured_python(setting: str | None) -> Path | None:
    """The Python named by the setting, else by ``PLANNER_GIS_PYTHON``, else the default venv's if it exists."""
    for value in (setting, os.environ.get(ENV_VAR)):
        if value and str(value).strip():
            return python_in(value)
    default = venv_python(default_venv())
    return default if default.exists() else None


def subprocess_env() -> dict[str, str]:
    """The environment variables for the subprocess: QGIS's own Python and GDAL/PROJ settings removed."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_VARIABLES}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUTF8"] = "1"
    return env


def base_python() -> str | None:
    """A Python 3 to create a venv with (never the QGIS binary), or None."""
    if sys.platform.startswith("win"):
        return shutil.which("py") or shutil.which("python")
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def create_commands(source: str = PYPI_NAME, venv: Path | None = None) -> list[list[str]]:
    """The commands that create a venv with planner-gis installed from ``source``.

    Parameters
    ----------
    source : str
        What pip installs: ``planner-gis`` (PyPI), a wheel file or a source checkout folder.
    venv : Path, optional
        Where (default :func:`default_venv`).

    Examples
    --------
    >>> cmds = create_commands("/src/planner-gis", Path("/tmp/pg"))
    >>> cmds[0][-3:], cmds[-1][-3:]
    (['-m', 'venv', '/tmp/pg'], ['pip', 'install', '/src/planner-gis'])
    """
    venv = Path(venv or default_venv())
    base = base_python() or ("python" if sys.platform.startswith("win") else "python3")
    first = [base, "-3"] if base.endswith(("py", "py.exe")) else [base]
    py = str(venv_python(venv))
    return [
        [*first, "-m", "venv", str(venv)],
        [py, "-m", "pip", "install", "--upgrade", "pip"],
        [py, "-m", "pip", "install", source],
    ]


def shell_line(cmd: list[str]) -> str:
    """A command as one line a user can paste into a terminal."""
    return " ".join(f'"{c}"' if (" " in c or not c) else c for c in cmd)


def setup_fix(source: str = PYPI_NAME) -> str:
    """The fix text for a missing or broken environment."""
    cmds = " && ".join(shell_line(c) for c in create_commands(source))
    return ("click 'Set up the Python environment' in the planner-gis panel, or run in a terminal: "
            f"{cmds} ; then set Settings > Options > Processing > Providers > planner-gis > "
            f"'Python with planner-gis' to {venv_python(default_venv())} if it is not there "
            f"(a checkout's .venv made by scripts/setup.sh works too)")


def check(python: Path | None, timeout: float = CHECK_TIMEOUT) -> Environment:
    """Run ``PYTHON -m planner_gis info --json``; return the environment or say what is wrong.

    Raises
    ------
    EnvironmentProblem
        No Python configured, the file missing, planner-gis not installed in it,
        or the command failing for another reason (with its last lines).
    """
    if python is None:
        raise EnvironmentProblem("no Python environment with planner-gis is set up for the plugin", setup_fix())
    if not Path(python).exists():
        raise EnvironmentProblem(f"the Python for planner-gis, {python}, does not exist", setup_fix())
    cmd = [str(python), "-m", "planner_gis", "info", "--json"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=timeout, env=subprocess_env(), cwd=tempfile.gettempdir(),
                              **hidden_window())
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvironmentProblem(f"cannot run {python} ({exc})", setup_fix()) from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        if "No module named planner_gis" in proc.stderr:
            raise EnvironmentProblem(f"planner-gis is not installed in {python}",
                                     f"run: {shell_line([str(python), '-m', 'pip', 'install', PYPI_NAME])} "
                                     f"(or the path of a checkout or wheel), or {setup_fix()}")
        raise EnvironmentProblem(f"{python} cannot run planner-gis ({tail})", setup_fix())
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise EnvironmentProblem(f"{python} -m planner_gis info --json printed no JSON (too old a planner-gis?)",
                                 f"upgrade it: {shell_line([str(python), '-m', 'pip', 'install', '-U', PYPI_NAME])}"
                                 ) from None
    return Environment(python=str(python), info=info)


def hidden_window() -> dict:
    """Popen keyword arguments that keep a console window from flashing up on Windows."""
    if sys.platform.startswith("win"):
        return {"creationflags": getattr(subprocess, "CREATE_NO_WINDOW", 0)}
    return {}


def create_environment(source: str = PYPI_NAME, venv: Path | None = None, on_line=None,
                       canceled=None) -> Path:
    """Create a venv at ``venv`` and install planner-gis from ``source`` into it; returns its Python.

    Parameters
    ----------
    source : str
        ``planner-gis`` (PyPI), a wheel file or a source checkout folder.
    venv : Path, optional
        Where (default :func:`default_venv`); an existing venv is reused.
    on_line : callable, optional
        Receives every line the commands print.
    canceled : callable, optional
        Returns True to stop between and during the commands.

    Raises
    ------
    EnvironmentProblem
        A command failed (with its last lines) or the run was cancelled.
    """
    venv = Path(venv or default_venv())
    commands = create_commands(source, venv)
    if venv_python(venv).exists():
        commands = commands[1:]  # the venv is there: only install
    for cmd in commands:
        _run_streamed(cmd, on_line or (lambda line: None), canceled or (lambda: False))
    return venv_python(venv)


def _run_streamed(cmd: list[str], on_line, canceled) -> None:
    on_line("$ " + shell_line(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                            errors="replace", env=subprocess_env(), **hidden_window())
    tail: list[str] = []
    for line in iter(proc.stdout.readline, ""):
        line = line.rstrip()
        tail = (tail + [line])[-5:]
        on_line(line)
        if canceled():
            proc.kill()
            proc.wait()
            raise EnvironmentProblem("setting up the environment was cancelled", "start it again")
    if proc.wait() != 0:
        raise EnvironmentProblem(f"{shell_line(cmd)} failed: {' | '.join(tail)}",
                                 "check the source (a planner-gis checkout, wheel or 'planner-gis') and the "
                                 "network connection to the package index, then try again")
