"""Facilities of the living circle: the catalogue, recognising facilities in data, and where they are reached.

Modules
-------
:mod:`~planner_gis.facilities.catalogue`
    The facility catalogue (GB 50180-2018 by default): loading and checking it
    (:func:`load_catalogue`).
:mod:`~planner_gis.facilities.rules`
    Its recognition rules: OSM tag rules, ladders of minimum areas.
:mod:`~planner_gis.facilities.osm`
    OpenStreetMap features by their tags (:func:`classify_osm`,
    :func:`osm_facilities`).
:mod:`~planner_gis.facilities.poi`
    Amap/Baidu POIs by their type strings and names (:func:`classify_poi_types`).
:mod:`~planner_gis.facilities.access`
    Access points: points, park entrances, points along boundaries
    (:func:`facility_access_points`).

A new facility category is a row of the catalogue CSV, not code.

Examples
--------
>>> cat = load_catalogue()
>>> float(cat.set_index("category").loc["kindergarten", "threshold_m"])
300.0
"""

from __future__ import annotations

from ..constants import TIERS
from .access import facility_access_points
from .catalogue import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, default_catalogue_path, load_catalogue
from .osm import classify_osm, osm_facilities, osm_filter
from .poi import classify_poi_types
from .rules import parse_osm_tags

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
