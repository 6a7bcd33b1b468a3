#!/usr/bin/env bash
# Install the planner-gis QGIS plugin for the current user, ready to use:
#   - builds the plugin zip (dist/planner_gis_qgis-<version>.zip);
#   - installs it into the QGIS profile (~/.local/share/QGIS/QGIS3/profiles/default/python/plugins,
#     or $QGIS_CUSTOM_CONFIG_PATH/profiles/<profile>/... when that is set), replacing an older copy;
#   - enables it, and points its setting "Python with planner-gis" at the .venv that
#     scripts/setup.sh made (or at $PLANNER_GIS_PYTHON).
# Then start `qgis`. Options: --profile NAME (default: default).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PROFILE="default"
if [ "${1:-}" = "--profile" ] && [ -n "${2:-}" ]; then PROFILE="$2"; fi
PYTHON="${PLANNER_GIS_PYTHON:-$ROOT/.venv/bin/python}"
if [ ! -x "$PYTHON" ]; then
  echo "install_qgis_plugin: $PYTHON not found. Fix: run 'bash scripts/setup.sh' first (or set PLANNER_GIS_PYTHON)" >&2
  exit 2
fi
if ! "$PYTHON" -m planner_gis info --json > /dev/null; then
  echo "install_qgis_plugin: $PYTHON cannot run planner-gis. Fix: run 'bash scripts/setup.sh' again" >&2
  exit 2
fi
BASE="${QGIS_CUSTOM_CONFIG_PATH:-$HOME/.local/share/QGIS/QGIS3}"
SYSPY=python3
if [ -x /usr/bin/python3 ]; then SYSPY=/usr/bin/python3; fi  # has PyQt5 next to QGIS: QGIS3.ini written by QSettings
ZIP="$("$SYSPY" scripts/build_plugin_zip.py --out "$ROOT/dist" | cut -d' ' -f1)"
"$SYSPY" scripts/install_qgis_plugin.py --zip "$ZIP" --profile-dir "$BASE/profiles/$PROFILE" --python "$PYTHON"
