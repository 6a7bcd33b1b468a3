"""The plugin, installed from the built zip, loads and unloads through qgis.utils."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from qgis.core import QgsApplication

from conftest import LIBRARY_PYTHON, REPO

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
                   "environment.py", "process.py", "i18n/planner_gis_zh.qm",
                   "algorithms/audit.py", "algorithms/reach.py", "algorithms/isochrones.py", "algorithms/webmap.py"):
        assert f"{PACKAGE}/{needed}" in names
    assert not [n for n in names if n.endswith((".pyc", ".pyo", ".qrc")) or "__pycache__" in n
                or n.endswith(("resources.py", ".ts")) or "/tests/" in n or Path(n).name.startswith("test_")]


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
        "planner_gis:audit", "planner_gis:reach", "planner_gis:isochrones", "planner_gis:suggest", "planner_gis:webmap"}

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


def test_settings_page_has_the_python_setting(installed_plugin, qgis_iface, qgis_processing):
    """Settings > Options > Processing > Providers > planner-gis > 'Python with planner-gis'."""
    import qgis.utils
    from processing.core.ProcessingConfig import ProcessingConfig

    assert qgis.utils.loadPlugin(PACKAGE) and qgis.utils.startPlugin(PACKAGE)
    settings = ProcessingConfig.getSettings()
    assert "planner-gis" in settings
    names = [s.name for s in settings["planner-gis"]]
    assert names == ["PLANNER_GIS_PYTHON"]
    assert qgis.utils.unloadPlugin(PACKAGE)
    assert "PLANNER_GIS_PYTHON" not in ProcessingConfig.settings


def test_plugin_sources_import_no_library():
    """Neither planner_gis nor a geo wheel is imported anywhere in the plugin's sources."""
    import ast

    banned = {"planner_gis", "geopandas", "shapely", "pyproj", "pyogrio", "rasterio", "fiona", "numpy", "pandas"}
    found = []
    for path in (REPO / "qgis_plugin" / PACKAGE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in banned]
    assert found == []


def test_broken_environment_is_one_message_with_the_fix(qgis_iface, provider, monkeypatch, tmp_path, town):
    """A missing Python: the algorithm fails with what is wrong and how to set it up."""
    import processing
    from qgis.core import QgsProcessingException

    from planner_gis_qgis import settings

    monkeypatch.setenv("PLANNER_GIS_PYTHON", str(tmp_path / "nowhere" / "python"))
    settings.forget_environment()
    try:
        with pytest.raises(QgsProcessingException) as err:
            processing.run("planner_gis:isochrones", {"NETWORK": town["street"], "POINTS": town["population"],
                                                      "OUTPUT": "TEMPORARY_OUTPUT"})
    finally:
        settings.forget_environment()
    text = str(err.value)
    assert f"the Python for planner-gis, {tmp_path / 'nowhere' / 'python'}, does not exist" in text
    assert "Set up the Python environment" in text and "-m venv" in text and "Traceback" not in text


def test_install_script_sets_up_a_profile(tmp_path):
    """scripts/install_qgis_plugin.sh: the plugin in the profile, enabled, pointing at .venv."""
    env = {**os.environ, "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "QGIS3")}
    proc = subprocess.run(["bash", str(REPO / "scripts" / "install_qgis_plugin.sh")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    profile = tmp_path / "QGIS3" / "profiles" / "default"
    assert (profile / "python" / "plugins" / PACKAGE / "metadata.txt").exists()
    assert (profile / "python" / "plugins" / PACKAGE / "i18n" / "planner_gis_zh.qm").exists()
    from qgis.PyQt.QtCore import QSettings

    ini = QSettings(str(profile / "QGIS" / "QGIS3.ini"), QSettings.IniFormat)
    assert ini.value("PythonPlugins/planner_gis_qgis") in (True, "true")
    assert ini.value("Processing/Configuration/PLANNER_GIS_PYTHON") == str(LIBRARY_PYTHON)
    # run again: replaces the installed copy, keeps the settings
    proc = subprocess.run(["bash", str(REPO / "scripts" / "install_qgis_plugin.sh")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (profile / "python" / "plugins").iterdir()) == [PACKAGE]
