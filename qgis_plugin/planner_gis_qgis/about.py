"""Name and version of the plugin, read from ``metadata.txt`` (their single source)."""

from __future__ import annotations

import configparser
from pathlib import Path

PLUGIN_DIR = Path(__file__).resolve().parent
ICON_PATH = PLUGIN_DIR / "icon.svg"


def read_metadata() -> dict[str, str]:
    """Return the ``[general]`` section of ``metadata.txt`` as a dict."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep keys as written (qgisMinimumVersion)
    parser.read(PLUGIN_DIR / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


_META = read_metadata()
PLUGIN_NAME: str = _META["name"]
PLUGIN_VERSION: str = _META["version"]
