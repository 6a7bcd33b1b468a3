"""planner-gis: GIS for China's responsibility planner (责任规划师) system.

The public API is what this module exports; everything else is internal.

>>> import planner_gis
>>> result = planner_gis.audit(planner_gis.datasets.demo_units_path(),
...                            planner_gis.datasets.demo_registry_path(), as_of="2026-03-31")
>>> int((result.units["status"] == "unassigned").sum())
1
"""

from . import (catalogue, coverage, crs, datasets, errors, facilities, isochrones, living_circle, network, reach,
               scenario, suggest, webmap)
from .audit import AuditResult, audit
from .facilities import classify_osm, classify_poi_types, facility_access_points, load_catalogue, osm_facilities
from .living_circle import LivingCircle, assess_living_circle
from .crs import (
    bd09_to_wgs84,
    choose_metric_crs,
    convert_coords,
    convert_gdf,
    gcj02_to_wgs84,
    to_metric,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from .errors import (
    Cancelled,
    CRSError,
    GeometryError,
    InputError,
    NetworkError,
    OutputError,
    PlannerGisError,
    RegistryError,
)
from .io import read_vector
from .isochrones import isochrones as walk_isochrones
from .network import WalkNetwork, build_network, load_network, read_network, save_network, snap_points
from .reach import (
    ReachResult,
    compute_coverage,
    count_within,
    nearest_distance,
    population_from_points,
    population_from_raster,
    read_population,
)
from .registry import active_unit_teams, read_registry
from .scenario import Scenario, open_reach, scenario_from_layers
from .suggest import SiteSuggestion, coverage_matrix, covering_to_target, maximal_covering, suggest_sites
from .webmap import audit_map, reach_map, save_map
from .zones import read_zones



def _version() -> str:
    """The installed distribution's version (one source: ``version`` in setup.cfg)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("planner-gis")
    except PackageNotFoundError:  # a source tree on sys.path without installing it
        return "0+unknown"


__version__ = _version()

__all__ = [
    "__version__",
    # modules
    "catalogue",
    "coverage",
    "crs",
    "datasets",
    "errors",
    "facilities",
    "isochrones",
    "living_circle",
    "network",
    "reach",
    "scenario",
    "suggest",
    "webmap",
    # zones and audit
    "read_zones",
    "read_registry",
    "active_unit_teams",
    "audit",
    "AuditResult",
    # living circle
    "load_catalogue",
    "classify_osm",
    "classify_poi_types",
    "facility_access_points",
    "osm_facilities",
    "WalkNetwork",
    "build_network",
    "read_network",
    "save_network",
    "load_network",
    "snap_points",
    "nearest_distance",
    "count_within",
    "population_from_raster",
    "population_from_points",
    "read_population",
    "compute_coverage",
    "ReachResult",
    "assess_living_circle",
    "LivingCircle",
    "walk_isochrones",
    # new sites and what-if
    "suggest_sites",
    "SiteSuggestion",
    "coverage_matrix",
    "maximal_covering",
    "covering_to_target",
    "Scenario",
    "open_reach",
    "scenario_from_layers",
    # web maps
    "audit_map",
    "reach_map",
    "save_map",
    # coordinates and reading
    "choose_metric_crs",
    "to_metric",
    "convert_gdf",
    "convert_coords",
    "gcj02_to_wgs84",
    "bd09_to_wgs84",
    "wgs84_to_gcj02",
    "wgs84_to_bd09",
    "read_vector",
    # errors
    "PlannerGisError",
    "InputError",
    "CRSError",
    "GeometryError",
    "RegistryError",
    "NetworkError",
    "OutputError",
    "Cancelled",
]
