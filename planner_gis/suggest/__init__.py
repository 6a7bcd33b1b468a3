"""Where to put new facilities: covering models on walking distance.

Modules
-------
:mod:`~planner_gis.suggest.problem`
    The numeric core: :class:`CoverageProblem` (a sparse candidates x origins
    coverage matrix and residents) built with :func:`from_cost_matrix` or
    :func:`from_coverage_matrix`, as spopt's ``from_cost_matrix``.
:mod:`~planner_gis.suggest.solve`
    The models: :func:`maximal_covering` (MCLP, ``k`` sites) and
    :func:`covering_to_target` (fewest sites to a covered share), exact with
    HiGHS or greedy with a reported bound.
:mod:`~planner_gis.suggest.matrix`
    :func:`coverage_matrix`: the matrix from bounded searches on the walking
    network, under the reach engine's distance contract.
:mod:`~planner_gis.suggest.candidates`
    Candidate sites from layers (points, polygons at gates or boundary points)
    or every M metres along the network.
:mod:`~planner_gis.suggest.sites`
    :func:`from_geodataframe` (a problem from point layers, as spopt's
    ``from_geodataframe`` but on walking distance) and :func:`suggest_sites`:
    the GeoDataFrame adapter (what the CLI, the QGIS
    plugin and the notebook run), returning a :class:`SiteSuggestion`.
"""

from __future__ import annotations

from .candidates import Candidates, every_candidates, layer_candidates, network_points, parse_every
from .matrix import coverage_matrix
from .problem import CoverageProblem, from_cost_matrix, from_coverage_matrix
from .sites import NEWLY_COVERED_COLUMNS, SITES_COLUMNS, SiteSuggestion, from_geodataframe, suggest_sites
from .solve import Solution, covering_to_target, greedy, highs_available, maximal_covering, rank_order

__all__ = [
    "CoverageProblem",
    "from_cost_matrix",
    "from_coverage_matrix",
    "from_geodataframe",
    "coverage_matrix",
    "Solution",
    "maximal_covering",
    "covering_to_target",
    "greedy",
    "rank_order",
    "highs_available",
    "Candidates",
    "network_points",
    "every_candidates",
    "layer_candidates",
    "parse_every",
    "SiteSuggestion",
    "suggest_sites",
    "SITES_COLUMNS",
    "NEWLY_COVERED_COLUMNS",
]
