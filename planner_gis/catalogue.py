"""The facility catalogue and facility recognition, under their first name.

Everything here lives in :mod:`planner_gis.facilities` (the catalogue, OSM
and POI classification, access points); this module keeps
``planner_gis.catalogue.load_catalogue`` and the other names working.

>>> from planner_gis import catalogue, facilities
>>> catalogue.load_catalogue is facilities.load_catalogue
True
"""

from __future__ import annotations

from .facilities import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TIERS,
    classify_osm,
    classify_poi_types,
    default_catalogue_path,
    facility_access_points,
    load_catalogue,
    osm_facilities,
    osm_filter,
    parse_osm_tags,
)

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "TIERS",
    "default_catalogue_path",
    "load_catalogue",
    "parse_osm_tags",
    "classify_osm",
    "classify_poi_types",
    "facility_access_points",
    "osm_filter",
    "osm_facilities",
]
