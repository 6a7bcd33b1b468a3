"""The living-circle job end to end: facilities, population and units to coverage layers.

:func:`assess_living_circle` is what ``planner-gis reach``, the QGIS
``planner_gis:reach`` algorithm and the demo all run. It takes a prepared
walking network (:func:`planner_gis.network.read_network`) and layers already
read into GeoDataFrames, and chains:

1. facility access points from the catalogue
   (:func:`planner_gis.catalogue.facility_access_points`: points stay, park
   polygons are reached at their entrances or along their boundary);
2. walking distances and coverage per unit, category and tier
   (:func:`planner_gis.reach.compute_coverage`);
3. optionally, isochrones of chosen categories at their catalogue thresholds
   (:func:`isochrone_layer`);
4. the unit polygons joined to the coverage table (:func:`coverage_units`,
   the layer :func:`planner_gis.webmap.reach_map` draws) and a summary.

Readers that depend on the file type stay with the caller; the helpers
:func:`read_population` (from :mod:`planner_gis.reach.population`) and
:func:`pick_facility_id` are shared by the CLI and the QGIS plugin so both
behave the same. (This module was ``planner_gis.coverage``, which remains as
an alias.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ._progress import ProgressCallback, report, scaled
from .constants import COVERAGE_COLUMNS, TIER_NAMES_ZH
from .crs import crs_label
from .errors import InputError
from .facilities import facility_access_points, load_catalogue
from .isochrones import isochrones
from .network import WalkNetwork
from .reach import ReachResult, compute_coverage
from .reach.population import RASTER_SUFFIXES, read_population
from .zones import read_zones

#: Facility id columns used when none is named, in this order.
ID_CANDIDATES = ("fac_id", "facility_id", "osm_id", "id")


@dataclasses.dataclass
class LivingCircle:
    """What :func:`assess_living_circle` returns.

    Attributes
    ----------
    coverage : DataFrame
        Exactly ``unit_id, category, tier_min, threshold_m, population,
        covered_population, share``.
    coverage_units : GeoDataFrame
        The same rows with the unit polygon, ``name`` and ``category_zh``.
    underserved, unreachable : GeoDataFrame
        As :class:`planner_gis.reach.ReachResult`.
    isochrones : GeoDataFrame or None
        ``facility_id, category, threshold_m`` polygons when asked for.
    access : GeoDataFrame
        Facility access points (index: facility id).
    reach : planner_gis.reach.ReachResult
        The engine's full result (``origin_distance`` per origin and category).
    summary : dict
        Counts, district-wide shares and unreachable records (JSON-ready).
    crs : pyproj.CRS
    """

    coverage: pd.DataFrame
    coverage_units: gpd.GeoDataFrame
    underserved: gpd.GeoDataFrame
    unreachable: gpd.GeoDataFrame
    isochrones: gpd.GeoDataFrame | None
    access: gpd.GeoDataFrame
    reach: ReachResult
    summary: dict
    crs: CRS

    def layers(self) -> dict:
        """The layers of ``reach.gpkg``: coverage, underserved, unreachable (and isochrones)."""
        out = {"coverage": self.coverage_units, "underserved": self.underserved, "unreachable": self.unreachable}
        if self.isochrones is not None:
            out["isochrones"] = self.isochrones
        return out


def pick_facility_id(facilities: gpd.GeoDataFrame, id_column: str | None = None,
                     what: str = "facilities") -> tuple[gpd.GeoDataFrame, str]:
    """The facility layer and the name of its id column.

    ``id_column`` if given (it must exist), else the first of
    :data:`ID_CANDIDATES` that is complete and unique, else a new
    ``row_number`` column.

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"id": [7, 7]}, geometry=[Point(0, 0), Point(1, 1)])
    >>> pick_facility_id(f)[1]   # 'id' is not unique
    'row_number'
    """
    if id_column:
        if id_column not in facilities.columns:
            raise InputError(f"{what}: no facility id column '{id_column}'",
                             fix="name an existing column (CLI: --facility-id), or leave it out")
        return facilities, id_column
    for col in ID_CANDIDATES:
        if col in facilities.columns and facilities[col].notna().all() and facilities[col].is_unique:
            return facilities, col
    return facilities.assign(row_number=np.arange(len(facilities))), "row_number"


def coverage_units(coverage: pd.DataFrame, zones: gpd.GeoDataFrame, catalogue: pd.DataFrame,
                   crs: Any) -> gpd.GeoDataFrame:
    """The coverage rows with each unit's polygon, ``name`` and Chinese ``category_zh``."""
    units = zones.to_crs(crs)[["unit_id", "name", "geometry"]]
    names = dict(zip(catalogue["category"], catalogue["name_zh"]))
    names.update(TIER_NAMES_ZH)
    layer = units.merge(coverage, on="unit_id", how="right")
    layer.insert(layer.columns.get_loc("category") + 1, "category_zh", layer["category"].map(names).fillna(""))
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=crs)


def isochrone_layer(net: WalkNetwork, access: gpd.GeoDataFrame, catalogue: pd.DataFrame, categories: Sequence[str],
                    max_snap: float = 200.0, progress: ProgressCallback | None = None) -> gpd.GeoDataFrame:
    """Isochrones per facility of ``categories`` at the catalogue's thresholds.

    A facility with several access points (a park) gets the union of their
    isochrones. Columns ``facility_id, category, threshold_m``.
    """
    thresholds = sorted(set(float(t) for t in catalogue["threshold_m"]))
    pts = access[access["category"].isin(list(categories)) & (access["category"] == access["facility_category"])]
    cols = ["facility_id", "category", "threshold_m", "geometry"]
    empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs=net.crs)
    if len(pts) == 0:
        return empty
    pts = pts.reset_index(drop=True)
    iso = isochrones(net, pts, thresholds=thresholds, max_snap=max_snap, progress=progress)
    if len(iso) == 0:
        return empty
    where = iso["point_id"].to_numpy()
    iso = iso.assign(facility_id=pts.loc[where, "facility_id"].astype(str).to_numpy(),
                     category=pts.loc[where, "category"].to_numpy())
    out = iso.dissolve(by=["facility_id", "category", "threshold_m"], as_index=False)[cols]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=net.crs)


def district_shares(origin_distance: pd.DataFrame, population: gpd.GeoDataFrame,
                    catalogue: pd.DataFrame) -> dict:
    """Share of all residents covered per category and per tier (each origin counted once)."""
    w = pd.to_numeric(population["population"], errors="coerce").fillna(0).to_numpy(float)
    total = w.sum()
    out: dict = {}
    if total <= 0:
        return out
    covered = {}
    for r in catalogue.itertuples():
        if r.category in origin_distance.columns:
            covered[r.category] = origin_distance[r.category].to_numpy() <= float(r.threshold_m)
            out[r.category] = round(float((w * covered[r.category]).sum() / total), 4)
    for t in sorted(set(int(x) for x in catalogue["tier_min"])):
        cats = [c for c in catalogue.loc[catalogue["tier_min"] == t, "category"] if c in covered]
        if cats:
            out[f"tier_{t}"] = round(float((w * np.logical_and.reduce([covered[c] for c in cats])).sum() / total), 4)
    return out


def assess_living_circle(
    net: WalkNetwork,
    facilities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    catalogue: pd.DataFrame | None = None,
    *,
    category_column: str = "category",
    zone_id: str = "unit_id",
    facility_id: str | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    teams: pd.DataFrame | None = None,
    max_snap: float = 200.0,
    isochrone_categories: Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> LivingCircle:
    """Coverage of the 5/10/15-minute living circle per unit, with underserved places.

    Parameters
    ----------
    net : WalkNetwork
        From :func:`planner_gis.network.read_network` or ``build_network``.
    facilities : GeoDataFrame
        Facility points or polygons with ``category_column`` (catalogue categories;
        others are ignored and counted in ``summary["counts"]["ignored_categories"]``).
    population : GeoDataFrame
        Origins with a ``population`` column (:func:`read_population`).
    zones : GeoDataFrame
        Unit polygons with ``zone_id`` (validated with :func:`planner_gis.zones.read_zones`
        if not already); they may overlap.
    catalogue : DataFrame, optional
        :func:`planner_gis.catalogue.load_catalogue` (default: the GB 50180-2018 catalogue).
    facility_id : str, optional
        Facility id column (default per :func:`pick_facility_id`).
    entrances : GeoDataFrame, optional
        Entrance points of polygon facilities (park gates).
    teams : DataFrame, optional
        ``unit_id, team_id, team_name`` (:func:`planner_gis.registry.active_unit_teams`):
        names the team responsible for each underserved place.
    max_snap : float
        Points farther than this (m) from every walking edge are unreachable.
    isochrone_categories : sequence of str, optional
        Draw isochrones for the facilities of these categories.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    LivingCircle
    """
    catalogue, iso_cats = _check_request(catalogue, isochrone_categories, facilities, max_snap)
    if not {"unit_id", "name", "level"} <= set(zones.columns):
        zones = read_zones(zones, zone_id=zone_id, type_column=None, default_type="area")
    for layer, name in ((facilities, "facilities"), (entrances, "entrances"), (population, "population")):
        check_offset_datum(net, layer, name)
    report(progress, 0.0, "facility access points")
    fac, id_col = pick_facility_id(facilities, facility_id)
    access = facility_access_points(fac, catalogue, category_column=category_column, entrances=entrances,
                                    id_column=id_col, metric_crs=net.crs, unknown="ignore")
    access.index = pd.Index(access["facility_id"].astype(str), name="facility_id")
    result = compute_coverage(net, access, population, zones, catalogue, category_column="category",
                              population_column="population", zone_id="unit_id", max_snap=max_snap,
                              teams=teams, progress=scaled(progress, 0.05, 0.9 if iso_cats else 1.0))
    iso = None
    if iso_cats:
        iso = isochrone_layer(net, access, catalogue, iso_cats, max_snap, progress=scaled(progress, 0.9, 1.0))
    report(progress, 1.0, "done")
    coverage = result.coverage[COVERAGE_COLUMNS]
    summary = {
        "crs": crs_label(result.crs),
        "max_snap_m": float(max_snap),
        "network": {"nodes": int(net.n_nodes), "edges": int(net.n_edges),
                    "length_km": round(float(net.edge_length.sum()) / 1000.0, 3),
                    "components": int(net.n_components)},
        "counts": _counts(zones, population, fac, access),
        "unreachable": _unreachable_summary(result.unreachable, access, population),
        "district_share": district_shares(result.origin_distance, population, catalogue),
        "engine": result.summary,
        "isochrones": ({"categories": iso_cats, "thresholds_m": sorted(set(float(t) for t in catalogue["threshold_m"])),
                        "polygons": int(len(iso))} if iso is not None else None),
    }
    return LivingCircle(
        coverage=coverage,
        coverage_units=coverage_units(coverage, zones, catalogue, result.crs),
        underserved=result.underserved,
        unreachable=result.unreachable,
        isochrones=iso,
        access=access,
        reach=result,
        summary=summary,
        crs=result.crs,
    )


def check_offset_datum(net: WalkNetwork, layer: gpd.GeoDataFrame | None, name: str) -> None:
    """Warn when a lon/lat layer sits off the network and reading it as GCJ-02 / BD-09 brings it onto it.

    ``name`` is the input (``facilities``, ``entrances``, ``population``); the warning names the
    option that declares it (``--facilities-coords ...``). Nothing is converted (see
    :mod:`planner_gis.crs.detect`).
    """
    if layer is None or layer.crs is None or not len(layer) or not CRS.from_user_input(layer.crs).is_geographic:
        return
    from pyproj import Transformer

    from .crs import warn_offset_datum
    from .network import points_xy, snap_points

    lonlat = points_xy(layer, 4326, name)
    to_net = Transformer.from_crs(4326, net.crs, always_xy=True)

    def distance(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        x, y = to_net.transform(lon, lat)
        return snap_points(net, np.column_stack([x, y]), max_snap=np.inf).distance

    source = layer.attrs.get("source")
    warn_offset_datum(lonlat[:, 0], lonlat[:, 1], distance, f"{name} {source}" if source else name,
                      "the walking network", f"--{name}-coords")


def _check_request(catalogue: pd.DataFrame | None, isochrone_categories: Sequence[str] | None,
                   facilities: gpd.GeoDataFrame, max_snap: float) -> tuple[pd.DataFrame, list]:
    """The catalogue (default if None) and the isochrone categories, after checking the request."""
    if max_snap <= 0:
        raise InputError(f"max_snap {max_snap:g} must be a positive distance in metres",
                         fix="e.g. max_snap=200 (CLI: --max-snap 200)")
    catalogue = load_catalogue() if catalogue is None else catalogue
    iso_cats = list(isochrone_categories or [])
    unknown = [c for c in iso_cats if c not in set(catalogue["category"])]
    if unknown:
        raise InputError(f"isochrone categories {', '.join(unknown)} are not in the catalogue",
                         fix=f"choose from {', '.join(catalogue['category'])}")
    if len(facilities) == 0:
        raise InputError("the facility layer has no features", fix="check the file and layer")
    return catalogue, iso_cats


def _counts(zones: gpd.GeoDataFrame, population: gpd.GeoDataFrame, fac: gpd.GeoDataFrame,
            access: gpd.GeoDataFrame) -> dict:
    """Units, origins, residents, facilities (per category), access points and ignored categories."""
    weights = pd.to_numeric(population["population"], errors="coerce").fillna(0)
    ignored = access.attrs.get("ignored_categories", {})
    return {
        "units": int(len(zones)),
        "origins": int(len(population)),
        "population": float(weights.sum()),
        "facilities": int(len(fac)),
        "facilities_by_category": {
            str(k): int(v) for k, v in access.drop_duplicates(["facility_id", "facility_category"])
            ["facility_category"].value_counts().sort_index().items()},
        "access_points": int(len(access)),
        "ignored_categories": {str(k): int(v) for k, v in ignored.items()},
    }


def _unreachable_summary(unreachable: gpd.GeoDataFrame, access: gpd.GeoDataFrame,
                         population: gpd.GeoDataFrame) -> dict:
    """Unreachable origins (and their residents) and facilities with unreachable access points."""
    kinds = unreachable["kind"] if len(unreachable) else pd.Series(dtype=object)
    un_origins = unreachable[kinds == "origin"]
    un_fac = unreachable[kinds == "facility"]
    points_per_facility = access.groupby(level=0).size()
    bad_points = un_fac["record"].astype(str).value_counts()
    dead = sorted(f for f, n in bad_points.items() if n >= points_per_facility.get(f, 0))
    un_population = 0.0
    if len(un_origins):  # records are the population index as text (converted only when needed)
        weights = pd.to_numeric(population["population"], errors="coerce").fillna(0)
        pos = pd.Index(population.index.astype(str)).get_indexer(un_origins["record"].astype(str))
        un_population = float(weights.to_numpy()[pos[pos >= 0]].sum())
    return {
        "origins": int(len(un_origins)),
        "origin_population": un_population,
        "facility_access_points": int(len(un_fac)),
        "facilities": len(dead),
        "facilities_with_unreachable_points": {
            f: {"unreachable_points": int(n), "access_points": int(points_per_facility.get(f, 0)),
                "category": str(access.loc[[f], "facility_category"].iloc[0]) if f in access.index else ""}
            for f, n in bad_points.items()},
    }


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
