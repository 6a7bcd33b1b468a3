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


def lattice_unions(i: np.ndarray, j: np.ndarray, group: np.ndarray, x0: float, y0: float, w: float,
                   h: float) -> list:
    """:func:`lattice_union` of the cells of each group at once: one tracing of one grid, the same geometries.

    The cells of all groups (``group``: 0, 1, ... per cell; a cell in one group
    only) are burnt into one grid with their group number and traced once in
    pixel units; each group's outline then gets the coordinates
    :func:`lattice_union` gives it on its own grid (the same affine
    arithmetic: bit for bit the same geometry), which saves a tracing call
    per group (units x categories calls in ``compute_coverage``).

    Returns
    -------
    list
        One geometry per group ``0 .. group.max()`` (an empty Polygon for a
        group without cells).

    >>> g = lattice_unions(np.array([0, 1, 3]), np.array([0, 0, 0]), np.array([0, 0, 1]), 5.0, 5.0, 10, 10)
    >>> [(x.geom_type, x.area) for x in g]
    [('Polygon', 200.0), ('Polygon', 100.0)]
    >>> g[0].equals(lattice_union(np.array([0, 1]), np.array([0, 0]), 5.0, 5.0, 10, 10))
    True
    """
    from affine import Affine
    from rasterio.features import shapes

    i, j, group = (np.asarray(a, dtype=np.int64) for a in (i, j, group))
    n_groups = int(group.max()) + 1 if len(group) else 0
    if n_groups == 0:
        return []
    gi0, gj1 = int(i.min()), int(j.max())
    grid = np.zeros((gj1 - int(j.min()) + 1, int(i.max()) - gi0 + 1), dtype=np.int32)
    grid[gj1 - j, i - gi0] = group + 1
    polys: list = [[] for _ in range(n_groups)]
    for geom, val in shapes(grid, mask=grid > 0, connectivity=4, transform=Affine.identity()):
        polys[int(val) - 1].append(geom["coordinates"])
    # each group's own grid: its first column i0 and top row j1 (as lattice_union)
    i0 = np.full(n_groups, np.iinfo(np.int64).max)
    j1 = np.full(n_groups, np.iinfo(np.int64).min)
    np.minimum.at(i0, group, i)
    np.maximum.at(j1, group, j)
    coords, vertex_group, ragged = _flatten(polys)
    # pixel corners (col, row) of this grid -> columns and rows of the group's grid -> its affine
    g = vertex_group
    c, f = x0 + (i0 - 0.5) * w, y0 + (j1 + 0.5) * h
    x = c[g] + w * (coords[:, 0] - (i0[g] - gi0))
    y = f[g] + (-h) * (coords[:, 1] - (gj1 - j1[g]))
    out = _ragged_multipolygons(np.column_stack([x, y]), *ragged)
    valid = shapely.is_valid(out)
    return [g if ok else shapely.make_valid(g) for g, ok in zip(out, valid)]


def _flatten(polys: list) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Vertices of traced polygons per group (lists of polygons, each a list of rings).

    Returns the vertices (V x 2), the group of each vertex and the ragged
    counts (vertices per ring, rings per polygon, polygons per group).
    """
    coords: list = []
    ring_len: list = []
    rings_per_poly: list = []
    for group in polys:
        for rings in group:
            rings_per_poly.append(len(rings))
            for r in rings:
                ring_len.append(len(r))
                coords.extend(r)
    polys_per_group = np.array([len(p) for p in polys], dtype=np.int64)
    ring_len_a = np.array(ring_len, dtype=np.int64)
    rings_a = np.array(rings_per_poly, dtype=np.int64)
    group_of_ring = np.repeat(np.repeat(np.arange(len(polys)), polys_per_group), rings_a)
    xy = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    return xy, np.repeat(group_of_ring, ring_len_a), (ring_len_a, rings_a, polys_per_group)


def _ragged_multipolygons(xy: np.ndarray, ring_len: np.ndarray, rings_per_poly: np.ndarray,
                          polys_per_group: np.ndarray) -> np.ndarray:
    """One geometry per group: a MultiPolygon, the Polygon of a one-part group, an empty Polygon for none."""
    offsets = [np.r_[0, np.cumsum(a)].astype(np.int64) for a in (ring_len, rings_per_poly, polys_per_group)]
    out = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, tuple(offsets))
    one = polys_per_group == 1
    out[one] = shapely.get_geometry(out[one], 0)
    none = np.flatnonzero(polys_per_group == 0)
    out[none] = [shapely.Polygon() for _ in none]
    return out


def _trace(grid: np.ndarray, transform: Any) -> Any:
    """Outline of the nonzero cells of a uint8 ``grid`` placed by ``transform`` (one geometry)."""
    from rasterio.features import shapes

    polys = [geom["coordinates"] for geom, _ in shapes(grid, mask=grid.view(bool), connectivity=4,
                                                       transform=transform)]
    xy, _, ragged = _flatten([polys])
    return _ragged_multipolygons(xy, *ragged)[0]


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

