#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: ``dist/planner_gis_qgis-<version>.zip``.

The zip holds one folder, ``planner_gis_qgis/``, as QGIS's "Install from ZIP"
expects. Name and version come from ``metadata.txt`` (their single source).
Left out: byte-code (``__pycache__``, ``*.pyc``), tests, compiled Qt resources
(``resources.py``, ``*.qrc``), editor and OS leftovers. The repository's
``LICENSE`` is added, as the QGIS plugin repository requires. Only the standard
library is used, so any Python 3 runs it::

    python3 scripts/build_plugin_zip.py            # -> dist/planner_gis_qgis-0.1.0.zip
    python3 scripts/build_plugin_zip.py --out /tmp # another folder
"""

from __future__ import annotations

import argparse
import configparser
import importlib.util
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_DIR = ROOT / "qgis_plugin" / "planner_gis_qgis"
PACKAGE = PLUGIN_DIR.name

EXCLUDED_DIRS = {"__pycache__", "tests", "test", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git"}
EXCLUDED_NAMES = {"resources.py", "resources_rc.py", ".DS_Store", "Thumbs.db"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".qrc", ".ts", ".orig", ".rej", ".swp", "~")
# A fixed timestamp keeps the zip reproducible (same sources -> same bytes).
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def _load_atomic_path():
    """The library's ``atomic_path``, loaded from its file (stdlib-only) without importing planner_gis."""
    spec = importlib.util.spec_from_file_location("_planner_gis_atomic", ROOT / "planner_gis" / "_atomic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.atomic_path


atomic_path = _load_atomic_path()


def plugin_version(plugin_dir: Path = PLUGIN_DIR) -> str:
    """The ``version`` of ``metadata.txt``."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(plugin_dir / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"]


def plugin_files(plugin_dir: Path = PLUGIN_DIR) -> list:
    """Files that go into the zip, relative to ``plugin_dir``, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(plugin_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name in EXCLUDED_NAMES or name.endswith(EXCLUDED_SUFFIXES) or name.startswith("test_"):
                continue
            out.append((Path(dirpath) / name).relative_to(plugin_dir))
    return out


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add one file with the fixed timestamp and plain read permissions."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def build_zip(out_dir: Path, plugin_dir: Path = PLUGIN_DIR) -> Path:
    """Write the zip into ``out_dir`` atomically and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{plugin_dir.name}-{plugin_version(plugin_dir)}.zip"
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in plugin_files(plugin_dir):
            _add(zf, f"{plugin_dir.name}/{rel.as_posix()}", (plugin_dir / rel).read_bytes())
        licence = plugin_dir.parent.parent / "LICENSE"
        if licence.exists() and not (plugin_dir / "LICENSE").exists():
            # the QGIS plugin repository wants the licence inside the plugin folder
            _add(zf, f"{plugin_dir.name}/LICENSE", licence.read_bytes())
    return target


def main(argv=None) -> int:
    """Build the zip and print its path and number of files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    target = build_zip(Path(args.out))
    with zipfile.ZipFile(target) as zf:
        n = len(zf.namelist())
    print(f"{target} ({n} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
