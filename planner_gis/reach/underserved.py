"""Underserved areas: the population cells of a unit that do not reach a facility category.

For each category and unit, the cells of the residents who are not covered
are united into one (multi)polygon and clipped to the unit. How cells are
drawn depends on the origins (see :mod:`planner_gis.reach.cells`): traced on
their metric lattice, traced in the raster's own grid and reprojected, or
united as polygons.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._progress import ProgressCallback, report
from .cells import (cell_lattice, grid_union, lattice_union, lattice_unions, origin_cell_size, origin_cells,
                    raster_cells, raster_env)

#: Columns of the underserved layer before the team columns are added.
UNDERSERVED_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "geometry"]


def cell_drawer(population: gpd.GeoDataFrame, xy: np.ndarray, crs: CRS,
                cell_size: float | None) -> tuple[Callable[[np.ndarray], Any], bool]:
    """A function drawing the union of the cells of origins ``idx``, and whether it traces rasters.

    Point origins on one metric lattice are traced on it; a raster in another
    CRS (e.g. WorldPop in EPSG:4326) is traced in its own grid and reprojected,
    unless ``cell_size`` is given; other origins are united as polygons
    (points as ``cell_size`` squares). The lattice drawer also has a
    ``groups(idx, group)`` attribute drawing the union of each group of
    origins in one tracing (:func:`lattice_unions`, the same geometries).
    """
    if (shapely.get_type_id(np.asarray(population.geometry.values, dtype=object)) == 0).all():
        cw, ch = origin_cell_size(population, cell_size)
        lattice = cell_lattice(xy, cw, ch)
        if lattice is not None:
            li, lj, lx0, ly0 = lattice

            def draw(idx: np.ndarray) -> Any:
                return lattice_union(li[idx], lj[idx], lx0, ly0, cw, ch)

            draw.groups = lambda idx, group: lattice_unions(li[idx], lj[idx], group, lx0, ly0, cw, ch)
            return draw, True
        grid = raster_cells(population, crs, xy) if cell_size is None else None
        if grid is not None:
            g_row, g_col, g_transform, g_transformer = grid
            return (lambda idx: grid_union(g_row[idx], g_col[idx], g_transform, g_transformer)), True
    cells = origin_cells(population, cell_size)
    return (lambda idx: shapely.union_all(cells[idx])), False


def underserved_areas(
    population: gpd.GeoDataFrame,
    xy: np.ndarray,
    zone_geoms: np.ndarray,
    unit_ids: np.ndarray,
    catalogue: pd.DataFrame,
    covered: np.ndarray,
    weights: np.ndarray,
    membership: tuple[np.ndarray, np.ndarray],
    crs: CRS,
    cell_size: float | None = None,
    progress: ProgressCallback | None = None,
) -> gpd.GeoDataFrame:
    """Uncovered population cells dissolved per unit and category.

    Parameters
    ----------
    population : GeoDataFrame
        The origins (points of a raster or any points/polygons).
    xy : ndarray, shape (n, 2)
        Origin coordinates in ``crs``.
    zone_geoms : ndarray of geometries
        Unit polygons in ``crs``; each area is clipped to its unit.
    unit_ids : ndarray
        Id of each unit.
    catalogue : DataFrame
        Validated catalogue rows (``category``, ``tier_min``, ``threshold_m``),
        in the order of the rows of ``covered``.
    covered : ndarray of bool, shape (categories, origins)
        Whether each origin reaches each category.
    weights : ndarray
        Residents per origin.
    membership : (ndarray, ndarray)
        Origin and unit indices of each (origin, unit) pair.
    crs : pyproj.CRS
        Metric CRS of everything.
    cell_size : float, optional
        Side of the squares drawn for point origins (see :func:`cell_drawer`).
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    GeoDataFrame
        Columns ``unit_id, category, tier_min, threshold_m, population``.
    """
    p_idx, z_idx = membership
    rows: list = []
    if len(p_idx):
        draw, traced = cell_drawer(population, xy, crs, cell_size)
        w_pair = weights[p_idx]
        one_unit_each = int(np.bincount(p_idx).max()) <= 1
        with raster_env(traced):
            for j, row in catalogue.iterrows():
                miss = ~covered[j, p_idx] & (w_pair > 0)
                if miss.any():
                    rows += _unit_areas(row, z_idx[miss], p_idx[miss], draw, zone_geoms, unit_ids, weights,
                                        one_unit_each)
                report(progress, (j + 1) / len(catalogue), f"underserved: {row['category']}")
    return gpd.GeoDataFrame(rows or {c: [] for c in UNDERSERVED_COLUMNS}, geometry="geometry", crs=crs)


def _unit_areas(row: pd.Series, zz: np.ndarray, pp: np.ndarray, draw: Callable[[np.ndarray], Any],
                zone_geoms: np.ndarray, unit_ids: np.ndarray, weights: np.ndarray, one_unit_each: bool) -> list:
    """One record per unit of the uncovered (unit, origin) pairs ``zz``, ``pp`` of one category.

    ``one_unit_each``: no origin is in two units (then all units are traced at once).
    """
    order = np.argsort(zz, kind="stable")
    zz, pp = zz[order], pp[order]
    bounds = np.flatnonzero(np.diff(zz)) + 1
    groups = np.split(pp, bounds)
    units = zz[np.r_[0, bounds]] if len(zz) else zz
    if hasattr(draw, "groups") and one_unit_each:
        # each origin in one unit: all units' areas in one tracing
        shapes = np.asarray(draw.groups(pp, np.repeat(np.arange(len(groups)), [len(g) for g in groups])),
                            dtype=object)
    else:
        shapes = np.asarray([draw(pg) for pg in groups] + [None], dtype=object)[:-1]
    clipped = shapely.intersection(shapes, zone_geoms[units])
    empty = shapely.is_empty(clipped)
    clipped[empty] = shapes[empty]
    # the row's values read once (a pandas lookup per record cost 0.25 s for 4k records)
    category, tier_min, threshold_m = row["category"], int(row["tier_min"]), float(row["threshold_m"])
    return [{"unit_id": unit_ids[z], "category": category, "tier_min": tier_min, "threshold_m": threshold_m,
             "population": float(weights[pg].sum()), "geometry": g}
            for z, pg, g in zip(units, groups, clipped)]
