"""Alias of :mod:`planner_gis.living_circle` (its former name), kept so that existing code keeps working.

>>> from planner_gis import coverage, living_circle
>>> coverage.assess_living_circle is living_circle.assess_living_circle
True
"""

from __future__ import annotations

from .living_circle import (
    COVERAGE_COLUMNS,
    ID_CANDIDATES,
    RASTER_SUFFIXES,
    TIER_NAMES_ZH,
    LivingCircle,
    assess_living_circle,
    coverage_units,
    district_shares,
    isochrone_layer,
    pick_facility_id,
    read_population,
)

__all__ = [
    "LivingCircle",
    "assess_living_circle",
    "read_population",
    "pick_facility_id",
    "coverage_units",
    "isochrone_layer",
    "district_shares",
    "COVERAGE_COLUMNS",
    "ID_CANDIDATES",
    "RASTER_SUFFIXES",
    "TIER_NAMES_ZH",
]
