"""What-if on a reach result: facilities and park gates added, removed or moved; coverage updated incrementally.

:class:`Scenario` (:mod:`~planner_gis.scenario.state`) holds the state and
applies changes; :mod:`~planner_gis.scenario.files` reads and writes the
``scenario.npz`` sidecar of a reach output folder (``planner-gis reach
--scenario``) and builds a scenario from layers; :mod:`~planner_gis.scenario.serve`
answers one JSON request per line (``planner-gis whatif REACH_DIR --serve``,
used by the QGIS plugin's what-if tool).
"""

from __future__ import annotations

from .files import FORMAT_TAG, SIDECAR, load_scenario, open_reach, save_scenario, scenario_from_layers
from .state import DIFF_COLUMNS, Scenario, Step

__all__ = ["Scenario", "Step", "DIFF_COLUMNS", "scenario_from_layers", "save_scenario", "load_scenario",
           "open_reach", "FORMAT_TAG", "SIDECAR"]
