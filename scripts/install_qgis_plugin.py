#!/usr/bin/env python3
r"""Install the planner-gis plugin zip into a QGIS profile, enabled, with its Python setting.

Used by ``scripts/install_qgis_plugin.sh``; standard library only (PyQt5's
QSettings is used when it is importable, so QGIS3.ini is written exactly as
QGIS writes it). ::

    python3 scripts/install_qgis_plugin.py --zip dist/planner_gis_qgis-0.1.0.zip \
        --profile-dir ~/.local/share/QGIS/QGIS3/profiles/default --python .venv/bin/python
"""

from __future__ import annotations

import argparse
import configparser
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "planner_gis_qgis"
#: QGIS3.ini keys (QSettings paths) the installer sets.
ENABLED_KEY = f"PythonPlugins/{PACKAGE}"
PYTHON_KEY = "Processing/Configuration/PLANNER_GIS_PYTHON"


def install_files(zip_path: Path, plugins_dir: Path) -> Path:
    """Unpack the zip's plugin folder into ``plugins_dir``, replacing an installed copy as one step."""
    plugins_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".planner-gis-install-", dir=plugins_dir))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(staging)
        target = plugins_dir / PACKAGE
        old = plugins_dir / f".{PACKAGE}.old"
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            target.rename(old)
        (staging / PACKAGE).rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_settings(ini: Path, values: dict) -> str:
    """Set ``values`` ({QSettings key: value}) in QGIS3.ini; returns how it was written."""
    ini.parent.mkdir(parents=True, exist_ok=True)
    try:
        from PyQt5.QtCore import QSettings
    except ImportError:
        return _write_settings_plain(ini, values)
    settings = QSettings(str(ini), QSettings.IniFormat)
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()
    if settings.status() != QSettings.NoError:
        raise SystemExit(f"install_qgis_plugin: cannot write {ini}")
    return "QSettings"


def _write_settings_plain(ini: Path, values: dict) -> str:
    """The same without PyQt5: sections are the first key part, the rest joined by backslashes."""
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    if ini.exists():
        parser.read(ini, encoding="utf-8")
    for key, value in values.items():
        section, _, name = key.partition("/")
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, name.replace("/", "\\"), "true" if value is True else str(value))
    tmp = ini.with_name(ini.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        parser.write(fh, space_around_delimiters=False)
    tmp.replace(ini)
    return "configparser"


def main(argv=None) -> int:
    """Install, enable, configure; print what was done."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--zip", required=True, type=Path, help="the plugin zip built by build_plugin_zip.py")
    p.add_argument("--profile-dir", required=True, type=Path, help="the QGIS profile folder")
    p.add_argument("--python", required=True, type=Path, help="the Python that has planner-gis")
    args = p.parse_args(argv)
    target = install_files(args.zip, args.profile_dir / "python" / "plugins")
    how = write_settings(args.profile_dir / "QGIS" / "QGIS3.ini",
                         {ENABLED_KEY: True, PYTHON_KEY: str(args.python.absolute())})
    print(f"installed {target}")
    print(f"enabled it and set 'Python with planner-gis' to {args.python.absolute()} "
          f"in {args.profile_dir / 'QGIS' / 'QGIS3.ini'} ({how})")
    print("start QGIS (qgis) and open Plugins > planner-gis > planner-gis panel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
