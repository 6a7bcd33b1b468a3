#!/usr/bin/env bash
# Runs every test tier: the library (with docstring examples, browser tests, notebooks)
# in .venv; the QGIS plugin's unit tests on a headless QGIS (pytest-qgis) in .venv-qgis;
# the plugin in the real QGIS Desktop binary under Xvfb, installed by scripts/install_qgis_plugin.sh
# into a fresh profile (screenshots in test-artifacts/desktop/).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== tier 1: library"
.venv/bin/python -m pytest -q -p no:cacheprovider --doctest-modules planner_gis tests "$@" || status=$?
if [ -d qgis_plugin/tests ]; then
  echo "== tier 2: QGIS plugin"
  QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest -q -p no:cacheprovider qgis_plugin/tests "$@" || status=$?
fi
if [ -d qgis_plugin/desktop ]; then
  echo "== tier 3: QGIS Desktop (real qgis under Xvfb)"
  .venv/bin/python -m pytest -q -p no:cacheprovider qgis_plugin/desktop "$@" || status=$?
fi
exit $status
