"""Population cells as polygons: lattices of cell centres, tracing cell unions, raster grids.

Underserved areas are unions of population cells. Origins on one metric
lattice are burnt into a small grid and traced (:func:`lattice_union`);
origins of a raster in another CRS are traced in the raster's own grid and
reprojected (:func:`grid_union`); other origins are drawn as their polygons or
as squares around their points (:func:`origin_cells`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS


def origin_cell_size(population: gpd.GeoDataFrame, cell_size: float | None) -> tuple[float, float]:
    """Width and height (m) of the square drawn for a point origin: ``cell_size``, the layer's, else 100 m."""
    if cell_size is not None:
        return float(cell_size), float(cell_size)
    w, h = population.attrs.get("cell_size", (100.0, 100.0))
    return float(w), float(h)


def origin_cells(population: gpd.GeoDataFrame, cell_size: float | None) -> np.ndarray:
    """Polygons drawn for population origins: polygons as given, points as square cells."""
    geoms = np.asarray(population.geometry.values, dtype=object)
    out = geoms.copy()
    is_pt = shapely.get_type_id(geoms) == 0
    if is_pt.any():
        w, h = origin_cell_size(population, cell_size)
        x, y = shapely.get_x(geoms[is_pt]), shapely.get_y(geoms[is_pt])
        out[is_pt] = shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return out


def raster_cells(population: gpd.GeoDataFrame, crs: CRS, xy: np.ndarray) -> tuple | None:
    """``(row, col, transform, transformer)`` of raster origins, or None.

    Needs ``attrs["raster_grid"]`` and integer ``row``/``col`` columns (see
    :func:`~planner_gis.reach.population_from_raster`) that still describe the points: cell
    centres of a sample of origins, reprojected to ``crs``, must lie within
    1 % of a cell of the origins (the layer may have been edited since).
    """
    from affine import Affine
    from pyproj import Transformer

    meta = population.attrs.get("raster_grid")
    if not isinstance(meta, dict) or "row" not in population.columns or "col" not in population.columns:
        return None
    try:
        transform = Affine(*[float(v) for v in meta["transform"]][:6])
        n_rows, n_cols = (int(v) for v in meta["shape"])
        src = CRS.from_user_input(meta["crs"])
        row = population["row"].to_numpy()
        col = population["col"].to_numpy()
    except Exception:
        return None
    if not (np.issubdtype(row.dtype, np.integer) and np.issubdtype(col.dtype, np.integer)) or \
            transform.determinant == 0:
        return None
    if len(row) == 0 or row.min() < 0 or col.min() < 0 or row.max() >= n_rows or col.max() >= n_cols:
        return None
    transformer = None if src == crs else Transformer.from_crs(src, crs, always_xy=True)
    sample = np.unique(np.linspace(0, len(row) - 1, min(len(row), 257)).astype(np.int64))
    pc, pr = col[sample] + 0.5, row[sample] + 0.5
    cx = transform.a * pc + transform.b * pr + transform.c
    cy = transform.d * pc + transform.e * pr + transform.f
    if transformer is not None:
        cx, cy = transformer.transform(cx, cy)
    w, h = population.attrs.get("cell_size", (1.0, 1.0))
    tol = 0.01 * min(float(w), float(h))
    if not (np.hypot(np.asarray(cx) - xy[sample, 0], np.asarray(cy) - xy[sample, 1]) <= tol).all():
        return None
    return row.astype(np.int64), col.astype(np.int64), transform, transformer


def cell_lattice(xy: np.ndarray, w: float, h: float,
                 tol: float = 1e-3) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Column/row numbers of points that are the centres of one ``w`` x ``h`` grid.

    Returns ``(i, j, x0, y0)`` with ``x = x0 + i * w`` and ``y = y0 + j * h``
    (within ``tol`` metres) for every point, or None if the points are not
    on such a lattice (e.g. a raster reprojected from another CRS, or
    scattered building points).

    >>> i, j, x0, y0 = cell_lattice(np.array([[50.0, 50], [250, 50], [150, 350]]), 100, 100)
    >>> i.tolist(), j.tolist(), x0, y0
    ([0, 2, 1], [0, 0, 3], 50.0, 50.0)
    >>> cell_lattice(np.array([[50.0, 50], [120, 50]]), 100, 100) is None
    True
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if len(xy) == 0 or not (w > 0 and h > 0) or not np.isfinite(xy).all():
        return None
    x0, y0 = float(xy[0, 0]), float(xy[0, 1])
    fi = (xy[:, 0] - x0) / w
    fj = (xy[:, 1] - y0) / h
    i, j = np.rint(fi), np.rint(fj)
    if np.abs(fi - i).max() * w > tol or np.abs(fj - j).max() * h > tol:
        return None
    if max(np.abs(i).max(), np.abs(j).max()) > 2**30:
        return None
    return i.astype(np.int64), j.astype(np.int64), x0, y0


def raster_env(active: bool) -> Any:
    """One rasterio environment around many :func:`lattice_union` calls (cheaper than one each)."""
    if not active:
        return contextlib.nullcontext()
    import rasterio

    return rasterio.Env()


def lattice_union(i: np.ndarray, j: np.ndarray, x0: float, y0: float, w: float, h: float) -> Any:
    """The union of the ``w`` x ``h`` cells centred at ``(x0 + i*w, y0 + j*h)``, as one geometry.

    The cells are burnt into a small grid and traced with
    :func:`rasterio.features.shapes`, which is much faster than a polygon
    union and gives outlines with vertices only at corners.

    >>> g = lattice_union(np.array([0, 1, 3]), np.array([0, 0, 0]), 5.0, 5.0, 10, 10)
    >>> g.geom_type, g.area, len(shapely.get_coordinates(g))
    ('MultiPolygon', 300.0, 10)
    """
    from affine import Affine

    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return shapely.Polygon()
    i0, j1 = int(i.min()), int(j.max())
    grid = np.zeros((j1 - int(j.min()) + 1, int(i.max()) - i0 + 1), dtype=np.uint8)
    grid[j1 - j, i - i0] = 1
    transform = Affine(w, 0.0, x0 + (i0 - 0.5) * w, 0.0, -h, y0 + (j1 + 0.5) * h)
    out = _trace(grid, transform)
    if not shapely.is_valid(out):
        out = shapely.make_valid(out)
    return out


def _trace(grid: np.ndarray, transform: Any) -> Any:
    """Outline of the nonzero cells of a uint8 ``grid`` placed by ``transform`` (one geometry)."""
    from rasterio.features import shapes

    coords: list = []
    ring_len: list = []
    rings_per_poly: list = []
    for geom, _ in shapes(grid, mask=grid.view(bool), connectivity=4, transform=transform):
        rings = geom["coordinates"]
        rings_per_poly.append(len(rings))
        for r in rings:
            ring_len.append(len(r))
            coords.extend(r)
    ring_off = np.zeros(len(ring_len) + 1, dtype=np.int64)
    np.cumsum(ring_len, out=ring_off[1:])
    poly_off = np.zeros(len(rings_per_poly) + 1, dtype=np.int64)
    np.cumsum(rings_per_poly, out=poly_off[1:])
    out = shapely.from_ragged_array(
        shapely.GeometryType.MULTIPOLYGON, np.asarray(coords, dtype=np.float64),
        (ring_off, poly_off, np.array([0, len(rings_per_poly)], dtype=np.int64)))[0]
    if len(rings_per_poly) == 1:
        out = shapely.get_geometry(out, 0)
    return out


def grid_union(row: np.ndarray, col: np.ndarray, transform: Any, transformer: Any = None) -> Any:
    """The union of raster cells ``(row, col)`` of a grid, optionally reprojected.

    The cells are traced in the raster's own grid with
    :func:`rasterio.features.shapes` (any affine ``transform``, also rotated
    or in degrees); the outline is then densified to one vertex per cell
    corner, so that each straight cell edge stays a straight segment between
    its reprojected corners, and reprojected with ``transformer`` (a
    :class:`pyproj.Transformer` with ``always_xy=True``; None keeps the
    raster's coordinates). The result equals the union of the exactly
    reprojected cell quadrilaterals.

    Parameters
    ----------
    row, col : ndarray of int
        Cell indices in the raster (row 0 at the top for a north-up raster).
    transform : affine.Affine
        The raster's transform (pixel corner ``(col, row)`` -> ``(x, y)``).
    transformer : pyproj.Transformer, optional
        From the raster CRS to the output CRS.

    Returns
    -------
    shapely geometry
        Polygon or MultiPolygon (empty Polygon for no cells).

    Examples
    --------
    Three cells of a 10 x 10 grid with its top-left corner at (0, 30):

    >>> from affine import Affine
    >>> g = grid_union(np.array([0, 1, 2]), np.array([0, 0, 2]), Affine(10, 0, 0, 0, -10, 30))
    >>> g.geom_type, g.area, g.bounds
    ('MultiPolygon', 300.0, (0.0, 0.0, 30.0, 30.0))
    """
    from affine import Affine

    row = np.asarray(row, dtype=np.int64)
    col = np.asarray(col, dtype=np.int64)
    if len(row) == 0:
        return shapely.Polygon()
    transform = Affine(*tuple(transform)[:6])
    r0, c0 = int(row.min()), int(col.min())
    grid = np.zeros((int(row.max()) - r0 + 1, int(col.max()) - c0 + 1), dtype=np.uint8)
    grid[row - r0, col - c0] = 1
    # traced in pixel units (cells are unit squares whatever the transform), then densified to
    # one vertex per cell corner (a hair over 1 so rounding adds no extra vertex) before the
    # affine transform and the reprojection
    out = _trace(grid, Affine.translation(c0, r0))
    if transformer is not None:
        out = shapely.segmentize(out, 1 + 1e-6)
    a, b, c, d, e, f = transform[:6]

    def _to_crs(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = a * px + b * py + c, d * px + e * py + f
        return (x, y) if transformer is None else transformer.transform(x, y)

    out = shapely.transform(out, _to_crs, interleaved=False)
    if not shapely.is_valid(out):
        out = shapely.make_valid(out)
    return out

