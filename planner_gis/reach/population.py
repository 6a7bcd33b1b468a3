"""Population origins: residents per raster cell or per point/polygon, with their weights.

Every origin is a point weighted by its residents. A raster gives one origin
per populated cell centre (and keeps its grid so underserved areas can be
traced in it, see :mod:`planner_gis.reach.cells`); a point or polygon layer
gives one origin per feature (a polygon at its representative point).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._validate import require_columns
from ..constants import PathLike
from ..crs import to_metric
from ..errors import CRSError, InputError
from ..io import read_vector

#: File suffixes read as population rasters by :func:`read_population`.
RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".vrt", ".asc")


def population_from_raster(path: PathLike, metric_crs: Any = None, band: int = 1) -> gpd.GeoDataFrame:
    """Population points from a raster: one point per cell centre with a positive value.

    Cells equal to the raster's nodata value, non-finite or ``<= 0`` are
    skipped. Points are returned in the metric CRS (policy of
    :mod:`planner_gis.crs`), with the cell size in metres in
    ``gdf.attrs["cell_size"]`` (used to draw underserved cells).

    The raster's own grid is kept too: columns ``row`` and ``col`` of each
    origin's cell and ``gdf.attrs["raster_grid"]`` (``crs`` as WKT,
    ``transform`` as the 6 affine coefficients, ``shape`` as rows, columns).
    :func:`compute_coverage` uses them to trace underserved areas in the
    raster's grid (the true cell outlines, e.g. lon/lat quadrilaterals of a
    WorldPop grid in EPSG:4326) before reprojecting them.

    Parameters
    ----------
    path : str or Path
        Any raster rasterio reads (GeoTIFF, ...), e.g. WorldPop or a census grid.
    metric_crs : optional
        Metric CRS of the output.
    band : int
        Band to read.

    Returns
    -------
    GeoDataFrame
        Columns ``population`` (float) and ``row``, ``col`` of the cell.
    """
    import rasterio

    p = os.fspath(path)
    if not os.path.exists(p):
        raise InputError(f"{p}: file not found", fix="check the path of the population raster")
    try:
        with rasterio.open(p) as ds:
            arr = ds.read(band).astype(np.float64)
            nodata = ds.nodata
            transform = ds.transform
            crs = ds.crs
    except Exception as exc:
        raise InputError(f"{p}: cannot read as a raster ({exc})",
                         fix="give a GeoTIFF population grid (e.g. WorldPop)") from None
    if crs is None:
        raise CRSError(f"{p}: the population raster has no CRS",
                       fix="assign one, e.g. gdal_edit.py -a_srs EPSG:4326 file.tif")
    valid = np.isfinite(arr) & (arr > 0)
    if nodata is not None and np.isfinite(nodata):
        valid &= arr != nodata
    rows, cols = np.nonzero(valid)
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    gdf = gpd.GeoDataFrame(
        {"population": arr[rows, cols], "row": rows, "col": cols},
        geometry=gpd.points_from_xy(np.asarray(xs, float), np.asarray(ys, float)),
        crs=CRS.from_user_input(crs.to_wkt()),
    )
    out = to_metric(gdf, metric_crs, what=p) if len(gdf) else gdf.to_crs(metric_crs) if metric_crs else gdf
    # cell size in metres, measured at the raster centre
    r0, c0 = arr.shape[0] // 2, arr.shape[1] // 2
    cx, cy = rasterio.transform.xy(transform, [r0, r0, r0 + 1], [c0, c0 + 1, c0], offset="center")
    corners = gpd.GeoSeries.from_xy(cx, cy, crs=gdf.crs).to_crs(out.crs)
    c = shapely.get_coordinates(corners.values)
    out.attrs["cell_size"] = (float(np.hypot(*(c[1] - c[0]))), float(np.hypot(*(c[2] - c[0]))))
    # plain values (str, tuples): attrs survive copies, slicing and pandas' equality checks
    out.attrs["raster_grid"] = {"crs": gdf.crs.to_wkt(), "transform": tuple(float(v) for v in transform[:6]),
                                "shape": (int(arr.shape[0]), int(arr.shape[1]))}
    return out


def population_from_points(gdf: gpd.GeoDataFrame, column: str = "population") -> gpd.GeoDataFrame:
    """Validate a population layer (points, or polygons such as census blocks).

    Returns a copy with the weights in a float column ``population``. Rows
    with null geometry are refused; polygons are kept (their representative
    point is the origin, the polygon is drawn as underserved area).

    Raises
    ------
    InputError
        If the column is missing, not numeric, negative or not finite.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame({"pop": ["12", "3.5"]}, geometry=[Point(0, 0), Point(1, 1)], crs=32650)
    >>> population_from_points(g, "pop")["population"].tolist()
    [12.0, 3.5]
    """
    weights = population_weights(gdf, column)
    out = gdf.copy()
    if column != "population" and "population" in out.columns:
        out = out.drop(columns="population")
    out["population"] = weights
    out.attrs.update(gdf.attrs)
    return out


def population_weights(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """The checks of :func:`population_from_points`; return the weights (float64) without copying the layer."""
    if column not in gdf.columns:
        raise InputError(f"population layer has no column {column!r} (columns: {list(gdf.columns)})",
                         fix="name the column holding residents per point with population_column=")
    vals = pd.to_numeric(gdf[column], errors="coerce")
    bad = vals.isna() | ~np.isfinite(vals.astype(float)) | (vals < 0)
    if bad.any():
        rec = gdf.index[bad.to_numpy()][0]
        raise InputError(f"population layer: record {rec!r} has {column}={gdf[column].loc[rec]!r}, "
                         "not a non-negative number",
                         fix="fill the column with resident counts (0 for none)")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        rec = gdf.index[missing][0]
        raise InputError(f"population layer: record {rec!r} has no geometry",
                         fix="remove rows without location or give them coordinates")
    return vals.to_numpy(dtype=np.float64)



def read_population(
    source: PathLike | gpd.GeoDataFrame, column: str = "population", metric_crs: Any = None
) -> gpd.GeoDataFrame:
    """Population origins from a raster file (one per populated cell) or a point/polygon layer.

    Returns a layer with the weights in ``population`` (see
    :func:`population_from_raster` and :func:`population_from_points`).
    """
    if not isinstance(source, gpd.GeoDataFrame):
        path = Path(source)
        if path.suffix.lower() in RASTER_SUFFIXES:
            return population_from_raster(path, metric_crs=metric_crs)
        layer = read_vector(path)
        label = str(path)
    else:
        layer, label = source, "population layer"
    require_columns(layer, [column], label,
                    hint="name the column holding residents per feature (CLI: --population-column), "
                         "or give a population raster (.tif)")
    return population_from_points(layer, column)
