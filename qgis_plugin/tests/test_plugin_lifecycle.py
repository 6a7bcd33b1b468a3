"""The plugin, installed from the built zip, loads and unloads through qgis.utils."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from qgis.core import Qgis, QgsApplication

from conftest import REPO

PACKAGE = "planner_gis_qgis"


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_plugin_zip", REPO / "scripts" / "build_plugin_zip.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "build_plugin_zip.py"), "--out", str(out)],
                            capture_output=True, text=True, check=True)
    zips = list(out.glob("*.zip"))
    assert len(zips) == 1, result.stdout
    return zips[0]


def test_zip_contents(plugin_zip):
    build = _load_build_script()
    version = build.plugin_version()
    assert plugin_zip.name == f"{PACKAGE}-{version}.zip"
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
    assert all(n.startswith(f"{PACKAGE}/") for n in names)
    for needed in ("__init__.py", "metadata.txt", "icon.svg", "LICENSE", "provider.py", "dock.py",
                   "algorithms/audit.py", "algorithms/reach.py", "algorithms/isochrones.py", "algorithms/webmap.py"):
        assert f"{PACKAGE}/{needed}" in names
    assert not [n for n in names if n.endswith((".pyc", ".pyo", ".qrc")) or "__pycache__" in n
                or n.endswith("resources.py") or "/tests/" in n or Path(n).name.startswith("test_")]


def test_metadata_is_single_source():
    from planner_gis_qgis import about

    meta = about.read_metadata()
    assert meta["qgisMinimumVersion"] == "3.22"
    assert meta["hasProcessingProvider"] == "yes"
    assert about.PLUGIN_VERSION == meta["version"] == _load_build_script().plugin_version()
    assert about.ICON_PATH.exists() and about.ICON_PATH.suffix == ".svg"


def _forget_plugin_modules():
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


@pytest.fixture
def installed_plugin(plugin_zip, tmp_path, monkeypatch, qgis_iface):
    """The zip extracted into a temporary profile's plugin folder, on qgis.utils.plugin_paths."""
    import qgis.utils

    plugins_dir = tmp_path / "profile" / "python" / "plugins"
    plugins_dir.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugins_dir)
    registry = QgsApplication.processingRegistry()
    previous = registry.providerById("planner_gis")
    if previous is not None:  # registered by other tests: the plugin must register its own
        registry.removeProvider(previous)
    monkeypatch.setattr(qgis.utils, "plugin_paths", [str(plugins_dir)])
    monkeypatch.syspath_prepend(str(plugins_dir))
    _forget_plugin_modules()
    qgis.utils.updateAvailablePlugins()
    yield plugins_dir
    if qgis.utils.isPluginLoaded(PACKAGE):
        qgis.utils.unloadPlugin(PACKAGE)
    _forget_plugin_modules()
    monkeypatch.undo()
    qgis.utils.updateAvailablePlugins()


def test_load_and_unload_through_qgis_utils(installed_plugin, qgis_iface, qgis_processing):
    import qgis.utils

    assert PACKAGE in qgis.utils.available_plugins
    assert qgis.utils.loadPlugin(PACKAGE)
    module = sys.modules[PACKAGE]
    assert Path(module.__file__).parent == installed_plugin / PACKAGE  # the extracted zip, not the source tree
    assert qgis.utils.startPlugin(PACKAGE)
    plugin = qgis.utils.plugins[PACKAGE]
    assert type(plugin).__name__ == "PlannerGisPlugin"

    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("planner_gis")
    assert provider is not None
    assert {a.id() for a in provider.algorithms()} == {
        "planner_gis:audit", "planner_gis:reach", "planner_gis:isochrones", "planner_gis:webmap"}

    # toolbar button / menu action opens the dock
    assert plugin.action is not None and plugin.dock is None
    plugin.action.trigger()
    assert plugin.dock is not None and not plugin.dock.isHidden()  # main window itself is not shown
    plugin.action.trigger()
    assert plugin.dock.isHidden()

    assert qgis.utils.unloadPlugin(PACKAGE)
    assert registry.providerById("planner_gis") is None
    assert PACKAGE not in sys.modules
    assert plugin.dock is None and plugin.action is None


def test_missing_library_shows_install_command(installed_plugin, qgis_iface, monkeypatch):
    """With planner_gis unimportable the plugin loads, shows the command, and registers nothing."""
    import qgis.utils

    for name in [m for m in sys.modules if m == "planner_gis" or m.startswith("planner_gis.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "planner_gis", None)  # import planner_gis -> ImportError

    bar = qgis_iface.messageBar()
    bar.clear_messages()
    assert qgis.utils.loadPlugin(PACKAGE)
    assert qgis.utils.startPlugin(PACKAGE)
    plugin = qgis.utils.plugins[PACKAGE]
    assert type(plugin).__name__ == "MissingLibraryPlugin"
    critical = bar.get_messages(Qgis.Critical)
    assert len(critical) == 1
    text = critical[0]
    assert "planner_gis" in text and "pip install" in text and "planner-gis" in text
    assert "OSGeo4W Shell" in text and "python -m pip install planner-gis" in text
    assert "Traceback" not in text
    assert QgsApplication.processingRegistry().providerById("planner_gis") is None
    assert qgis.utils.unloadPlugin(PACKAGE)


def test_missing_library_in_a_fresh_process(plugin_zip, tmp_path):
    """Same, in a new interpreter where planner_gis really is absent from sys.path."""
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(tmp_path)
    script = f"""
import sys
sys.path.append("/usr/lib/python3/dist-packages")  # QGIS bindings only (run with -S: no site, no venv)
sys.path.insert(0, {str(tmp_path)!r})
try:
    import planner_gis
    print("LIBRARY-STILL-IMPORTABLE")
except ImportError:
    pass
from {PACKAGE} import classFactory
class Bar:
    def pushMessage(self, title, text, level, duration):
        print("MESSAGE", level, text)
class Iface:
    def messageBar(self):
        return Bar()
plugin = classFactory(Iface())
plugin.initGui()
plugin.unload()
print("OK", type(plugin).__name__)
"""
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "LIBRARY-STILL-IMPORTABLE" not in result.stdout
    assert "OK MissingLibraryPlugin" in result.stdout
    assert "No module named 'planner_gis'" in result.stdout
    assert "pip install" in result.stdout and "Traceback" not in result.stdout + result.stderr


def test_install_commands_pin_numpy_and_respect_pep668():
    import numpy
    from planner_gis_qgis import dependency

    cmds = dependency.install_commands()
    assert f'"numpy=={numpy.__version__}"' in cmds["linux"]
    assert f'"numpy=={numpy.__version__}"' in cmds["windows"]
    assert cmds["windows"].startswith("python -m pip install planner-gis")
    msg = dependency.missing_library_message("ModuleNotFoundError: No module named 'planner_gis'", "linux")
    assert msg.index(cmds["linux"]) < msg.index(cmds["windows"])
    msg = dependency.missing_library_message("x", "win32")
    assert msg.index(cmds["windows"]) < msg.index(cmds["linux"])


def test_dependency_docstring_examples():
    import doctest

    from planner_gis_qgis import dependency

    result = doctest.testmod(dependency)
    assert result.attempted >= 3 and result.failed == 0


def test_linux_command_inside_debian_qgis(monkeypatch):
    """Inside QGIS on Debian 12: the system python3.X, --user, and PEP 668's flag."""
    import os
    import sysconfig

    import numpy
    from planner_gis_qgis import dependency

    monkeypatch.setattr(sys, "prefix", sys.base_prefix)  # not a virtual environment
    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")  # QGIS's binary, not a python
    marker = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
    python = os.path.join(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")
    flag = " --break-system-packages" if marker else ""
    assert dependency.install_commands()["linux"] == (
        f'{python} -m pip install --user{flag} planner-gis "numpy=={numpy.__version__}"')
