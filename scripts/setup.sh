#!/usr/bin/env bash
# One-command set-up on a fresh Debian 12 / Ubuntu machine:
#   - Debian packages the tests need (QGIS for the plugin tier, Chromium for the web-map
#     browser tests, a CJK font for Chinese labels in plots);
#   - .venv: the library with current numpy/pandas and the test extras;
#   - .venv-qgis: Debian's python3 with system site-packages (QGIS bindings) and pytest-qgis,
#     for the plugin's tests; the plugin runs the library from .venv in a subprocess.
# Re-running it is safe. Set PLANNER_GIS_SKIP_APT=1 to skip the apt step.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="qgis python3-qgis qgis-providers python3-venv python3-pip chromium chromium-driver fonts-noto-cjk xauth xvfb postgresql-15-postgis-3 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils qttools5-dev-tools"

if [ "${PLANNER_GIS_SKIP_APT:-0}" != "1" ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  missing=""
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "== apt-get install:$missing"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
  fi
fi

PY="${PYTHON:-python3}"
echo "== library venv (.venv) with $($PY --version)"
[ -x .venv/bin/python ] || $PY -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,bench,postgis,parquet,batch]"

echo "== QGIS test venv (.venv-qgis): Debian's /usr/bin/python3 with QGIS's bindings, pytest and pytest-qgis only"
# The plugin never imports the library: it runs .venv's planner-gis command in a subprocess, so
# QGIS's Python gets no geopandas/shapely/pyproj wheels (their GEOS/PROJ/GDAL clash with QGIS's).
[ -x .venv-qgis/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv-qgis
.venv-qgis/bin/python -m pip install -q --upgrade pip
.venv-qgis/bin/python -m pip install -q "pytest" "pytest-qgis"
if .venv-qgis/bin/python -c "import planner_gis" 2>/dev/null; then  # left by an older set-up
  .venv-qgis/bin/python -m pip uninstall -q -y planner-gis
fi
echo "== set-up done. Run the tests with: bash scripts/test.sh"
