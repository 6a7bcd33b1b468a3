"""Geometry for display: simplified in metres, shared edges kept shared, small holes filled, cell sizes.

Geometry is simplified for display in a metric CRS with
:func:`shapely.coverage_simplify`, so edges shared by two units stay shared
(no slivers or gaps appear between neighbours), and returned in WGS84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import choose_metric_crs, require_crs

#: Holes of isochrones smaller than this (m2, about one street block) are filled for display.
ISOCHRONE_MIN_HOLE_M2 = 40000.0


def simplify_for_display(
    gdf: gpd.GeoDataFrame,
    tolerance_m: float = 10.0,
    metric_crs: Any = None,
    what: str = "layer",
    groups: Sequence[Any] | None = None,
    as_coverage: bool = True,
) -> gpd.GeoDataFrame:
    """Simplify polygons for display, keeping shared edges shared; return WGS84 lon/lat.

    The polygons are simplified in a metric CRS (see :mod:`planner_gis.crs`)
    with :func:`shapely.coverage_simplify` when they form a valid coverage (no
    overlaps, neighbours share identical vertices), so an edge shared by two
    units is simplified once and stays shared. Otherwise (overlapping units,
    as in a layer with boundary errors) each polygon is simplified on its own
    with half the tolerance. Coordinates are then rounded to 1e-6 degrees
    (about 0.1 m); identical vertices round identically.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons with a CRS.
    tolerance_m : float
        Simplification tolerance in metres; 0 keeps every vertex. It is used
        as GEOS uses it (Visvalingam-Whyatt): a vertex is dropped when the
        triangle it forms with its neighbours has an area below
        ``tolerance_m ** 2``; the per-polygon fallback (Douglas-Peucker) uses
        ``tolerance_m / 2`` as a distance.
    metric_crs : optional
        Metric CRS to simplify in (default: chosen by the CRS policy).
    what : str
        Name of the data in error messages.
    groups : sequence, optional
        One label per row; each group is simplified as a coverage of its own
        (e.g. base units and the management areas overlaid on them).
    as_coverage : bool
        False for polygons that overlap by nature (isochrones): each is
        simplified on its own (Douglas-Peucker, ``tolerance_m / 2``).

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:4326 with rows without geometry dropped.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> left = Polygon([(0, 0), (500, 0.1), (1000, 0), (1000, 1000), (0, 1000)])
    >>> right = Polygon([(1000, 0), (2000, 0), (2000, 1000), (1000, 1000)])
    >>> g = gpd.GeoDataFrame(geometry=[left, right], crs="EPSG:4548")
    >>> out = simplify_for_display(g, tolerance_m=10)
    >>> len(out.geometry.iloc[0].exterior.coords)   # the 10 cm kink is gone
    5
    >>> round(out.geometry.iloc[0].intersection(out.geometry.iloc[1]).length, 6) > 0
    True
    """
    if gdf.crs is None:
        require_crs(gdf, what)
    keep = np.asarray(gdf.geometry.notna() & ~gdf.geometry.is_empty)
    labels = np.zeros(len(gdf), dtype=int) if groups is None else pd.factorize(pd.Series(list(groups)))[0]
    gdf, labels = gdf[keep].copy(), labels[keep]
    if len(gdf) == 0:
        return gdf.to_crs(4326)
    crs = choose_metric_crs(gdf, metric_crs, what)
    metric = gdf.to_crs(crs)
    geoms = np.asarray(shapely.make_valid(np.asarray(metric.geometry.values, dtype=object)), dtype=object)
    if tolerance_m and tolerance_m > 0:
        for label in np.unique(labels):
            sel = labels == label
            geoms[sel] = (_simplify_coverage(geoms[sel], tolerance_m) if as_coverage else
                          shapely.simplify(geoms[sel], tolerance_m / 2.0, preserve_topology=True))
    metric = metric.set_geometry(gpd.GeoSeries(geoms, index=metric.index, crs=crs))
    out = metric.to_crs(4326)
    rounded = shapely.transform(np.asarray(out.geometry.values, dtype=object), lambda c: np.round(c, 6))
    out = out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=4326))
    return out[~out.geometry.is_empty]


def _simplify_coverage(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Coverage-simplify polygons if they form a valid coverage, else each on its own."""
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    if polygonal and bool(shapely.coverage_is_valid(geoms)):
        return np.asarray(shapely.coverage_simplify(geoms, tolerance_m, simplify_boundary=True), dtype=object)
    return np.asarray(shapely.simplify(geoms, tolerance_m / 2.0, preserve_topology=True), dtype=object)



def fill_small_holes(gdf: gpd.GeoDataFrame, min_area_m2: float, metric_crs: Any) -> gpd.GeoDataFrame:
    """Fill holes smaller than ``min_area_m2`` (block interiors in street-following isochrones).

    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> ring = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    >>> holes = [[(10, 10), (60, 10), (60, 60), (10, 60)], [(200, 200), (700, 200), (700, 700), (200, 700)]]
    >>> g = gpd.GeoDataFrame(geometry=[Polygon(ring, holes)], crs="EPSG:4548")
    >>> len(fill_small_holes(g, 10000, None).geometry.iloc[0].interiors)   # the 50 m hole is filled
    1
    """
    if len(gdf) == 0 or not min_area_m2:
        return gdf
    crs = choose_metric_crs(gdf, metric_crs, "isochrones")
    metric = gdf.to_crs(crs)

    def fill(geom):
        if geom is None or geom.is_empty:
            return geom
        parts = []
        for p in shapely.get_parts(geom):
            if p.geom_type != "Polygon":
                parts.append(p)
                continue
            keep = [r for r in p.interiors if shapely.Polygon(r).area >= min_area_m2]
            parts.append(shapely.Polygon(p.exterior, keep))
        return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)

    filled = [fill(g) for g in metric.geometry.values]
    return metric.set_geometry(gpd.GeoSeries(filled, index=metric.index, crs=crs))


#: Holes of isochrones smaller than this (m2, about one street block) are filled for display.
ISOCHRONE_MIN_HOLE_M2 = 40000.0


def infer_cell_size(gdf: gpd.GeoDataFrame, metric_crs: Any = None) -> float | None:
    """Cell size (m) of polygons traced from a grid, such as underserved areas; None if not gridded.

    Uses ``gdf.attrs["cell_size"]`` when the reach engine set it (a number or
    a ``(width, height)`` pair; the larger is returned). Otherwise the
    outlines are measured in a metric CRS: when most of their edges are
    axis-parallel, the most common edge length (to 0.1 m) is the cell size,
    provided most edge lengths are whole multiples of it (a staircase traced
    from cells).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(x, 0, x + 100, 100) for x in (0, 200, 400)] + [box(0, 200, 200, 300)]
    >>> infer_cell_size(gpd.GeoDataFrame(geometry=cells, crs="EPSG:4548"))
    100.0
    >>> infer_cell_size(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1).buffer(50)], crs="EPSG:4548")) is None
    True
    """
    size = gdf.attrs.get("cell_size") if hasattr(gdf, "attrs") else None
    if size is not None:
        try:
            value = float(np.max(np.asarray(size, dtype=float)))
        except (TypeError, ValueError):
            value = float("nan")
        if math.isfinite(value) and value > 0:
            return value
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(geoms) == 0:
        return None
    if gdf.crs is not None and not gdf.crs.is_projected:
        geoms = geoms.to_crs(choose_metric_crs(gdf, metric_crs, "underserved areas"))
    rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms.values, dtype=object)))
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[1:] == idx[:-1]
    d = np.diff(coords, axis=0)[same]
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0
    d, length = d[ok], length[ok]
    axis = (np.abs(d[:, 0]) <= 1e-6 * length) | (np.abs(d[:, 1]) <= 1e-6 * length)
    if axis.sum() < 8 or axis.mean() < 0.5:
        return None
    lengths = np.round(length[axis], 1)
    values, counts = np.unique(lengths, return_counts=True)
    cell = float(values[np.argmax(counts)])
    ratio = lengths / cell
    if cell <= 0 or np.mean(np.abs(ratio - np.round(ratio)) < 0.01) < 0.5:
        return None
    return cell
