"""Fixtures for the plugin tests on a real (headless) QGIS, via pytest-qgis.

Run with ``QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest -q qgis_plugin/tests``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PLUGIN_PARENT = Path(__file__).resolve().parents[1]  # qgis_plugin/
REPO = PLUGIN_PARENT.parent
if str(PLUGIN_PARENT) not in sys.path:
    sys.path.insert(0, str(PLUGIN_PARENT))
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"  # Processing lives here on Debian
if QGIS_PLUGINS not in sys.path:
    sys.path.append(QGIS_PLUGINS)


_KEEP: list = []


def ensure_provider():
    """Register the planner_gis provider unless it is registered; return it."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    current = registry.providerById("planner_gis")
    if current is None:
        from planner_gis_qgis.provider import PlannerGisProvider

        current = PlannerGisProvider()
        assert registry.addProvider(current)
        _KEEP.append(current)  # the Python object must outlive the registration (as the plugin's self.provider)
    return current


@pytest.fixture
def provider(qgis_processing):
    """The planner_gis Processing provider, registered (again, if a plugin-unload test removed it)."""
    return ensure_provider()
