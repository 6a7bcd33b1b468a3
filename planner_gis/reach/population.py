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

from .._validate import MAX_LISTED, list_ids, require_columns
from ..constants import PathLike
from ..crs import to_metric
from ..errors import CRSError, InputError
from ..io import check_input_file, declared_crs, read_vector, record_names

#: File suffixes read as population rasters by :func:`read_population`.
RASTER_SUFFIXES = (".tif", ".tiff", ".img", ".vrt", ".asc")


def population_from_raster(path: PathLike, metric_crs: Any = None, band: int = 1, crs: Any = None) -> gpd.GeoDataFrame:
    """Population points from a raster: one point per cell centre with a positive value.

    Cells equal to the raster's nodata value, NaN or ``0`` are skipped; a
    negative cell (not nodata) is refused, naming its row and column. Points
    are returned in the metric CRS (policy of :mod:`planner_gis.crs`), with
    the cell size in metres in ``gdf.attrs["cell_size"]`` (used to draw
    underserved cells).

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
    crs : optional
        The CRS of a raster that declares none (CLI: ``--crs``).

    Returns
    -------
    GeoDataFrame
        Columns ``population`` (float) and ``row``, ``col`` of the cell.

    Raises
    ------
    InputError
        The file is missing or not a raster, or a cell is negative (its row and
        column, counted from 1, and the coordinates of its centre are named).
    """
    import rasterio

    p = os.fspath(path)
    check_input_file(Path(p), what="population raster", expect="raster")
    try:
        with rasterio.open(p) as ds:
            arr = ds.read(band).astype(np.float64)
            nodata = ds.nodata
            transform = ds.transform
            crs = ds.crs or (declared_crs(crs) if crs is not None else None)
    except Exception as exc:
        raise InputError(f"{p}: cannot read as a raster ({' '.join(str(exc).split())[:200]})",
                         fix="give a GeoTIFF population grid (e.g. WorldPop)") from None
    _refuse_negative_cells(arr, nodata, transform, p)
    if crs is None:
        raise CRSError(f"{p}: the population raster has no CRS",
                       fix="declare it with --crs, e.g. --crs 4326 (Python: crs=), or assign one with "
                           "gdal_edit.py -a_srs EPSG:4326 file.tif")
    valid = np.isfinite(arr) & (arr > 0)
    if nodata is not None and np.isfinite(nodata):
        valid &= arr != nodata
    crs = crs if isinstance(crs, CRS) else CRS.from_user_input(crs.to_wkt())
    rows, cols = np.nonzero(valid)
    xs, ys = rasterio.transform.xy(transform, rows, cols, offset="center")
    gdf = gpd.GeoDataFrame(
        {"population": arr[rows, cols], "row": rows, "col": cols},
        geometry=gpd.points_from_xy(np.asarray(xs, float), np.asarray(ys, float)),
        crs=crs,
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


def _refuse_negative_cells(arr: np.ndarray, nodata: Any, transform: Any, path: str) -> None:
    """Refuse negative population cells (other than nodata), naming rows and columns as a GIS shows them."""
    bad = np.isfinite(arr) & (arr < 0)
    if nodata is not None and np.isfinite(nodata):
        bad &= arr != nodata
    if not bad.any():
        return
    import rasterio

    rows, cols = np.nonzero(bad)
    x, y = rasterio.transform.xy(transform, rows[:1], cols[:1], offset="center")
    cells = [f"row {r + 1}, column {c + 1} ({_plain(arr[r, c])})" for r, c in zip(rows, cols)]
    raise InputError(
        f"{path}: {len(rows)} cell(s) with a negative population: {list_ids(cells, 5)} "
        f"(rows and columns counted from 1; the first cell's centre is at ({float(x[0]):.6g}, {float(y[0]):.6g}))",
        fix="set these cells to 0, or declare their value as the raster's nodata "
            "(gdal_edit.py -a_nodata VALUE file.tif)")


def _plain(value: Any) -> str:
    """A cell or field value as a person writes it: ``12``, ``-3.5``, ``'abc'``, ``empty``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "empty"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return f"{float(value):g}"
    text = str(value)
    return "empty" if not text.strip() else repr(text)


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
    """The checks of :func:`population_from_points`; return the weights (float64) without copying the layer.

    Refusals name the file (``gdf.attrs["source"]``, set by
    :func:`planner_gis.io.read_vector`) and each record as the user finds it
    (:func:`planner_gis.io.record_names`: the GeoPackage fid, the CSV line).
    """
    label = gdf.attrs.get("source", "population layer")
    if column not in gdf.columns:
        have = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(f"{label}: no population column {column!r} (columns: {have})",
                         fix="name the column holding residents per feature with --population-column "
                             "(Python: column=)")
    vals = pd.to_numeric(gdf[column], errors="coerce")
    bad = (vals.isna() | ~np.isfinite(vals.astype(float)) | (vals < 0)).to_numpy()
    if bad.any():
        pos = np.flatnonzero(bad)
        raw = gdf[column].to_numpy()
        names = [f"{n} ({_plain(raw[i])})" for n, i in zip(record_names(gdf, pos[:MAX_LISTED]), pos)]
        raise InputError(f"{label}: {len(pos)} record(s) whose {column} is not a number >= 0: "
                         f"{', '.join(names)}{_more(len(pos))}",
                         fix="fill the column with resident counts (0 for none)")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        pos = np.flatnonzero(missing)
        raise InputError(f"{label}: {len(pos)} record(s) without a location: "
                         f"{', '.join(record_names(gdf, pos[:MAX_LISTED]))}{_more(len(pos))}",
                         fix="remove rows without location or give them coordinates")
    return vals.to_numpy(dtype=np.float64)


def _more(n: int) -> str:
    return f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""


def read_population(
    source: PathLike | gpd.GeoDataFrame, column: str = "population", metric_crs: Any = None, crs: Any = None,
    coords: str | None = None,
) -> gpd.GeoDataFrame:
    """Population origins from a raster file (one per populated cell) or a point/polygon layer.

    Returns a layer with the weights in ``population`` (see
    :func:`population_from_raster` and :func:`population_from_points`).
    ``crs`` declares the CRS of a file that has none (CLI: ``--crs``); a
    layer file may be ``FILE:LAYER``; ``coords="gcj02"`` or ``"bd09"`` declares
    Amap / Baidu lon/lat of a layer (see :func:`planner_gis.io.read_vector`).
    """
    if not isinstance(source, gpd.GeoDataFrame):
        path = Path(source)
        if path.suffix.lower() in RASTER_SUFFIXES:
            if coords not in (None, "wgs84"):
                raise InputError(f"{path}: a population raster in {coords} coordinates cannot be converted",
                                 fix="give the population as points or polygons to convert them, or a raster "
                                     "in a real CRS (leave out --population-coords)")
            return population_from_raster(path, metric_crs=metric_crs, crs=crs)
        layer = read_vector(path, crs=crs, coords=coords)
        label = str(path)
    else:
        layer, label = source, source.attrs.get("source", "population layer")
    require_columns(layer, [column], label,
                    hint="name the column holding residents per feature with --population-column "
                         "(Python: column=), or give a population raster (.tif)")
    return population_from_points(layer, column)
