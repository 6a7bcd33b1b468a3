"""The built wheel, installed (not editable) into a fresh virtual environment, works on its own.

The wheel is built from a copy of the sources (nothing is written into the checkout), installed
with its dependencies (from pip's cache and the configured indexes) into a new venv, and then,
from a folder outside the checkout: ``planner-gis demo`` runs on the demo data shipped inside the
package, and every docstring example of the installed package passes.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What the wheel is built from (the rest of the checkout is not needed).
SOURCES = ("planner_gis", "setup.cfg", "pyproject.toml", "README.md", "LICENSE")

DOCTEST_RUNNER = r"""
import doctest, importlib, pkgutil, sys
import planner_gis
failed = tried = 0
for info in pkgutil.walk_packages(planner_gis.__path__, "planner_gis."):
    module = importlib.import_module(info.name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    failed += result.failed
    tried += result.attempted
print(f"doctests: {tried} tried, {failed} failed")
sys.exit(1 if failed or tried < 100 else 0)
"""


def _clean_env() -> dict:
    """The environment without anything that would import the checkout instead of the wheel."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PLANNER_GIS_DATA", "VIRTUAL_ENV")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel built from the sources installed into it; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(
            ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__", "*.pyc")}
                                        if (ROOT / name).is_dir() else {}))
    env = _clean_env()
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"),
                            str(src)], capture_output=True, text=True, env=env, cwd=tmp)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp / "dist").glob("planner_gis-*.whl"))
    venv.EnvBuilder(with_pip=True).create(tmp / "venv")
    bindir = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin")
    done = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True, env=env, cwd=tmp)
    assert done.returncode == 0, done.stderr[-3000:]
    return bindir


@pytest.mark.slow
def test_wheel_ships_demo_data_and_licences(installed, tmp_path):
    code = ("import planner_gis, pathlib; from planner_gis import datasets; "
            "print(planner_gis.__file__); print(datasets.demo_population_path()); "
            "print('|'.join(p.read_text(encoding='utf-8') for p in datasets.demo_readme_paths()))")
    proc = subprocess.run([str(installed / "python"), "-c", code], capture_output=True, text=True,
                          env=_clean_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    module, population, readmes = proc.stdout.split("\n", 2)
    site = str(installed.parent)
    assert module.startswith(site) and population.startswith(site)  # the installed copy, not the checkout
    assert "ODbL" in readmes and "OpenStreetMap" in readmes and "SYNTHETIC" in readmes


@pytest.mark.slow
def test_wheel_runs_the_demo(installed, tmp_path):
    proc = subprocess.run([str(installed / "planner-gis"), "demo", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=_clean_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in ("audit/findings.csv", "reach/coverage.csv", "audit_map.html", "reach_map.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    from test_readme import check_demo_output

    check_demo_output(proc.stdout, tmp_path / "out")


@pytest.mark.slow
def test_wheel_docstring_examples_pass(installed, tmp_path):
    proc = subprocess.run([str(installed / "python"), "-c", DOCTEST_RUNNER], capture_output=True, text=True,
                          env=_clean_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
