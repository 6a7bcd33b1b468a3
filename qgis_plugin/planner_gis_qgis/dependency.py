"""Import guard: is the planner_gis library importable in QGIS's Python?

This module imports neither ``qgis`` nor ``planner_gis`` so it can run (and be
tested) anywhere. It builds the exact command that installs the library into
the Python interpreter QGIS runs on:

- Linux and macOS: that interpreter's ``python3.X -m pip install --user ...``
  (with ``--break-system-packages`` where the distribution marks its Python as
  externally managed, PEP 668, as Debian 12 and Ubuntu 24.04 do);
- Windows: ``python -m pip install ...`` typed in the *OSGeo4W Shell* that
  comes with QGIS (Start menu -> QGIS -> OSGeo4W Shell).

numpy is pinned to the version QGIS already has: QGIS's GDAL bindings are
compiled against it, and letting pip upgrade it (e.g. to numpy 2) breaks them.
"""

from __future__ import annotations

import importlib
import os
import sys
import sysconfig
from typing import Dict, Optional

#: Name of the library on PyPI.
PYPI_NAME = "planner-gis"


def library_import_error() -> Optional[str]:
    """Return why ``import planner_gis`` fails, or None if it works.

    Returns
    -------
    str or None
        ``"ModuleNotFoundError: No module named 'planner_gis'"`` and the like.
    """
    try:
        importlib.import_module("planner_gis")
    except ImportError as exc:  # also covers a missing dependency (geopandas, ...)
        return f"{type(exc).__name__}: {exc}"
    return None


def _numpy_pin() -> str:
    try:
        import numpy  # noqa: PLC0415
    except ImportError:
        return ""
    return f' "numpy=={numpy.__version__}"'


def _externally_managed() -> bool:
    if sys.prefix != sys.base_prefix:  # a virtual environment is never externally managed
        return False
    stdlib = sysconfig.get_path("stdlib") or ""
    return os.path.exists(os.path.join(stdlib, "EXTERNALLY-MANAGED"))


def _unix_python() -> str:
    exe = os.path.basename(sys.executable or "")
    if exe.startswith("python"):
        return sys.executable
    # Inside QGIS sys.executable may be the qgis binary: use the interpreter of
    # the same installation and version.
    return os.path.join(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")


def install_commands() -> Dict[str, str]:
    """Commands that install the library into the running Python.

    Returns
    -------
    dict
        ``{"linux": ..., "windows": ...}``; the Linux command also works on
        macOS.

    Examples
    --------
    >>> cmds = install_commands()
    >>> cmds["windows"].startswith("python -m pip install planner-gis")
    True
    >>> " -m pip install " in cmds["linux"] and cmds["linux"].split(" planner-gis")[0].count("pip") == 1
    True
    """
    pin = _numpy_pin()
    in_venv = sys.prefix != sys.base_prefix
    user = "" if in_venv else " --user"
    brk = " --break-system-packages" if _externally_managed() else ""
    linux = f"{_unix_python()} -m pip install{user}{brk} {PYPI_NAME}{pin}"
    if in_venv:
        linux = f"{sys.executable} -m pip install {PYPI_NAME}{pin}"
    windows = f"python -m pip install {PYPI_NAME}{pin}"
    return {"linux": linux, "windows": windows}


def missing_library_message(error: str, platform: Optional[str] = None) -> str:
    """The message-bar text shown when ``planner_gis`` cannot be imported.

    Parameters
    ----------
    error : str
        The import error, as returned by :func:`library_import_error`.
    platform : str, optional
        ``sys.platform``-like value; defaults to the running platform. The
        command for this platform comes first.

    Examples
    --------
    >>> msg = missing_library_message("ModuleNotFoundError: No module named 'planner_gis'", "win32")
    >>> "OSGeo4W Shell" in msg and "python -m pip install planner-gis" in msg
    True
    """
    platform = platform or sys.platform
    cmds = install_commands()
    linux = f"on Linux/macOS run in a terminal: {cmds['linux']}"
    windows = f"on Windows open the OSGeo4W Shell (Start menu > QGIS) and run: {cmds['windows']}"
    first, second = (windows, linux) if platform.startswith("win") else (linux, windows)
    return (
        f"the planner_gis Python library (or one of its dependencies) is not installed in QGIS's Python "
        f"({error}). "
        f"Install it, then restart QGIS: {first} ; {second}"
    )
