#!/usr/bin/env bash
# Runs every test tier: the library (with docstring examples, browser tests, notebooks)
# in .venv, then the QGIS plugin on a real headless QGIS in .venv-qgis.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
echo "== tier 1: library"
.venv/bin/python -m pytest -q -p no:cacheprovider --doctest-modules planner_gis tests "$@" || status=$?
if [ -d qgis_plugin/tests ]; then
  echo "== tier 2: QGIS plugin"
  QT_QPA_PLATFORM=offscreen .venv-qgis/bin/python -m pytest -q -p no:cacheprovider qgis_plugin/tests "$@" || status=$?
fi
exit $status
