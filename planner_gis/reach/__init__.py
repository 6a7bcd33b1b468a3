"""Walking reach: network distances from residents to everyday facilities, and coverage per unit.

Modules
-------
:mod:`~planner_gis.reach.engine`
    The numeric core on plain arrays: the distance contract, the source graph,
    bounded multi-source searches (:func:`nearest_distance`,
    :func:`nearest_from_snapped`, :func:`nearest_per_group`) and counts
    (:func:`count_within`).
:mod:`~planner_gis.reach.population`
    Population origins from rasters or point/polygon layers
    (:func:`population_from_raster`, :func:`population_from_points`,
    :func:`read_population`).
:mod:`~planner_gis.reach.membership`
    Which origins lie in which (possibly overlapping) units (:func:`zone_membership`).
:mod:`~planner_gis.reach.cells` and :mod:`~planner_gis.reach.underserved`
    Population cells as polygons (lattices, raster grids, tracing) and the
    underserved areas drawn from them.
:mod:`~planner_gis.reach.result`
    :func:`compute_coverage` and its :class:`ReachResult`.

Examples
--------
A 300 m street with a clinic at 250 m; residents at 0 m and 100 m, 10 m off the
street:

>>> import numpy as np
>>> from planner_gis.network import WalkNetwork
>>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [300, 0]]), [0, 1], [1, 2])
>>> homes = np.array([[0.0, 10], [100, 10]])
>>> nearest_distance(net, homes, np.array([[250.0, 0]])).tolist()
[260.0, 160.0]
"""

from __future__ import annotations

from ..constants import COVERAGE_COLUMNS, TIERS
from .cells import cell_lattice, grid_union, lattice_union
from .engine import (
    count_from_snapped,
    count_within,
    distances_from_nodes,
    nearest_distance,
    nearest_from_snapped,
    nearest_per_group,
    source_graph,
)
from .membership import zone_membership
from .population import RASTER_SUFFIXES, population_from_points, population_from_raster, read_population
from .result import ReachResult, compute_coverage

__all__ = [
    "nearest_distance",
    "count_within",
    "population_from_raster",
    "population_from_points",
    "read_population",
    "compute_coverage",
    "zone_membership",
    "grid_union",
    "cell_lattice",
    "lattice_union",
    "ReachResult",
    "source_graph",
    "nearest_from_snapped",
    "nearest_per_group",
    "count_from_snapped",
    "distances_from_nodes",
    "COVERAGE_COLUMNS",
    "TIERS",
    "RASTER_SUFFIXES",
]
