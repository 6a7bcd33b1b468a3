"""Chinese offset datums: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to and from WGS84.

Chinese offset coordinates (GCJ-02, BD-09)
------------------------------------------
Web maps in China do not publish WGS84 coordinates. Amap (Gaode), Tencent and
Google's China tiles use **GCJ-02** ("Mars coordinates"): WGS84 lon/lat moved
by a deliberate, smoothly varying offset of some hundreds of metres. Baidu uses
**BD-09**: GCJ-02 moved once more by a small rotation and shift. Both are
lon/lat numbers on a WGS84-like frame, but PROJ and EPSG know neither, so
files from these sources usually arrive with no CRS or with EPSG:4326 declared
although the points are hundreds of metres off. planner-gis treats them as a
*coordinate convention*, not a CRS:

- convert them to WGS84 before any other work, with :func:`convert_gdf` (or
  the ``coords="gcj02"`` / ``coords="bd09"`` option of
  :func:`planner_gis.io.read_vector`), or on plain arrays with
  :func:`gcj02_to_wgs84`, :func:`bd09_to_wgs84` and :func:`convert_coords`;
- GCJ-02 is computed with the published formula (Krasovsky ellipsoid
  a = 6378245 m, e^2 = 0.00669342162296594323 and the well-known offset
  polynomials); BD-09 from GCJ-02 with the published rotation about
  (0.0065, 0.006) degrees, x_pi = pi * 3000 / 180;
- the inverse transforms (to WGS84, to GCJ-02) are solved *iteratively* until
  the forward transform of the result reproduces the input to within
  1e-10 degree (about 0.01 mm), not with the usual one-step approximation,
  which is off by up to about 5 m (median 0.7 m over China);
- "inside China" for these offsets is the rectangle 72.004-137.8347 E,
  0.8293-55.8271 N used by the published reference implementations (it also
  covers parts of neighbouring countries). Points outside it keep their
  coordinates in all three conventions: Amap and Baidu show WGS84 abroad.
  The rectangle is tested on the coordinates being converted (the WGS84 ones
  for a forward transform, the GCJ-02/BD-09 ones for an inverse).

The offset conventions are lon/lat only: a layer in a projected CRS is refused
(Baidu's metric "BD09MC" Mercator coordinates are not supported).
"""

from __future__ import annotations

from typing import Any, TypeAlias
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from ..errors import CRSError
from .metric import crs_label

# GCJ-02 (Amap, Tencent) and BD-09 (Baidu). The numeric core works on numpy
# arrays; the public functions accept scalars or arrays (broadcast together)
# and return floats for scalar input, arrays otherwise.

#: Names accepted for the lon/lat conventions by :func:`convert_coords` and :func:`convert_gdf`.
OFFSET_DATUMS = ("wgs84", "gcj02", "bd09")

#: Rectangle (min lon, min lat, max lon, max lat) inside which the GCJ-02 and
#: BD-09 offsets apply; outside it all three conventions coincide.
OFFSET_BBOX = (72.004, 0.8293, 137.8347, 55.8271)

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
# BD-09 rotation constant.
_X_PI = np.pi * 3000.0 / 180.0

#: Inverse transforms iterate until the forward transform of the result is
#: within this many degrees of the input (1e-10 deg is about 0.01 mm).
INVERSE_TOL_DEG = 1e-10
#: Upper bound on inverse iterations (convergence takes 3 to 6 in practice).
INVERSE_MAX_ITER = 30

ArrayLike: TypeAlias = float | np.ndarray | list | tuple
_Coords = tuple[Any, Any]


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    scalar = lon_a.ndim == 0 and lat_a.ndim == 0
    lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
    return np.array(lon_a, dtype=float), np.array(lat_a, dtype=float), scalar


def _result(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> _Coords:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def in_offset_area(lon: ArrayLike, lat: ArrayLike) -> Any:
    """True where a lon/lat point lies inside the area where GCJ-02/BD-09 offsets apply.

    The area is the rectangle :data:`OFFSET_BBOX` of the published reference
    implementations. NaN coordinates are outside.

    >>> in_offset_area(116.4, 39.9), in_offset_area(2.35, 48.85)
    (True, False)
    >>> in_offset_area([116.4, 139.7], [39.9, 35.7]).tolist()   # Beijing, Tokyo
    [True, False]
    """
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    x0, y0, x1, y1 = OFFSET_BBOX
    inside = (lon_a >= x0) & (lon_a <= x1) & (lat_a >= y0) & (lat_a <= y1)
    return bool(inside) if inside.ndim == 0 else inside


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 (degrees) at WGS84 ``lon``, ``lat``, with no area test."""
    x = lon - 105.0
    y = lat - 35.0
    px = np.pi * x
    py = np.pi * y
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * px) + 20.0 * np.sin(2.0 * px)) * (2.0 / 3.0)
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(py) + 40.0 * np.sin(py / 3.0)) * (2.0 / 3.0)
        + (160.0 * np.sin(py / 12.0) + 320.0 * np.sin(py / 30.0)) * (2.0 / 3.0)
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(px) + 40.0 * np.sin(px / 3.0)) * (2.0 / 3.0)
        + (150.0 * np.sin(px / 12.0) + 300.0 * np.sin(px / 30.0)) * (2.0 / 3.0)
    )
    phi = np.radians(lat)
    w2 = 1.0 - _GCJ_EE * np.sin(phi) ** 2
    w = np.sqrt(w2)
    meridian_radius = _GCJ_A * (1.0 - _GCJ_EE) / (w2 * w)
    parallel_radius = _GCJ_A / w * np.cos(phi)
    return (np.degrees(d_lon / parallel_radius), np.degrees(d_lat / meridian_radius))


def _gcj_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _bd_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 -> BD-09 rotation, with no area test."""
    r = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return r * np.cos(theta) + 0.0065, r * np.sin(theta) + 0.006


def _bd_backward_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The usual one-step BD-09 -> GCJ-02 approximation (start of the iteration)."""
    x = lon - 0.0065
    y = lat - 0.006
    r = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return r * np.cos(theta), r * np.sin(theta)


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lon_t: np.ndarray,
    lat_t: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(lon, lat) == (lon_t, lat_t)`` by fixed-point iteration.

    The offsets change slowly with position (their derivatives are of order
    1e-5), so ``x <- x - (forward(x) - target)`` contracts fast. Only points
    not yet within :data:`INVERSE_TOL_DEG` are iterated further.
    """
    lon = lon.copy()
    lat = lat.copy()
    todo = np.arange(lon.size)
    lon_f, lat_f, lon_tf, lat_tf = lon.reshape(-1), lat.reshape(-1), lon_t.reshape(-1), lat_t.reshape(-1)
    for _ in range(INVERSE_MAX_ITER):
        if todo.size == 0:
            break
        f_lon, f_lat = forward(lon_f[todo], lat_f[todo])
        r_lon = f_lon - lon_tf[todo]
        r_lat = f_lat - lat_tf[todo]
        lon_f[todo] -= r_lon
        lat_f[todo] -= r_lat
        # residual before this step was <= tol: the step made it ~1e-15; done
        done = (np.abs(r_lon) <= INVERSE_TOL_DEG) & (np.abs(r_lat) <= INVERSE_TOL_DEG)
        todo = todo[~done]
    return lon_f.reshape(lon.shape), lat_f.reshape(lat.shape)


def _wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = in_offset_area(lon, lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if np.any(inside):
        out_lon[inside], out_lat[inside] = _gcj_forward(lon[inside], lat[inside])
    return out_lon, out_lat


def _gcj_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = in_offset_area(lon, lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if np.any(inside):
        g_lon, g_lat = lon[inside], lat[inside]
        d_lon, d_lat = _gcj_offset(g_lon, g_lat)  # one-step estimate as the start
        out_lon[inside], out_lat[inside] = _invert(_gcj_forward, g_lon, g_lat, g_lon - d_lon, g_lat - d_lat)
    return out_lon, out_lat


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = in_offset_area(lon, lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if np.any(inside):
        out_lon[inside], out_lat[inside] = _bd_forward(lon[inside], lat[inside])
    return out_lon, out_lat


def _bd_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = in_offset_area(lon, lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if np.any(inside):
        b_lon, b_lat = lon[inside], lat[inside]
        s_lon, s_lat = _bd_backward_approx(b_lon, b_lat)
        out_lon[inside], out_lat[inside] = _invert(_bd_forward, b_lon, b_lat, s_lon, s_lat)
    return out_lon, out_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert WGS84 lon/lat to GCJ-02 (Amap, Tencent).

    Parameters
    ----------
    lon, lat : float or array-like
        WGS84 longitude and latitude in degrees; broadcast together.

    Returns
    -------
    (lon, lat) : tuple of floats (scalar input) or of numpy arrays
        Points outside :data:`OFFSET_BBOX` are returned unchanged.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.404, 39.915)
    >>> round(lon, 6), round(lat, 6)
    (116.410244, 39.916404)
    >>> wgs84_to_gcj02(2.35, 48.85)        # Paris: outside China, unchanged
    (2.35, 48.85)
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_wgs_to_gcj(lon_a, lat_a), scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert GCJ-02 lon/lat to WGS84 by iterating the forward transform.

    The result reproduces the input through :func:`wgs84_to_gcj02` to within
    :data:`INVERSE_TOL_DEG` degree (about 0.01 mm).

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.410244, 39.916404)
    >>> round(lon, 5), round(lat, 5)
    (116.404, 39.915)
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_wgs(lon_a, lat_a), scalar)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert GCJ-02 lon/lat to BD-09 (Baidu).

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(116.404, 39.915)
    >>> round(lon, 6), round(lat, 6)
    (116.410369, 39.921337)
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_bd(lon_a, lat_a), scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert BD-09 lon/lat to GCJ-02 by iterating the forward rotation.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(116.410369, 39.921337)
    >>> round(lon, 5), round(lat, 5)
    (116.404, 39.915)
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_bd_to_gcj(lon_a, lat_a), scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert WGS84 lon/lat to BD-09 (through GCJ-02).

    Examples
    --------
    >>> import numpy as np
    >>> lon, lat = wgs84_to_bd09(np.array([116.404, 2.35]), np.array([39.915, 48.85]))
    >>> lon.round(4).tolist(), lat.round(4).tolist()
    ([116.4166, 2.35], [39.9227, 48.85])
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_bd(*_wgs_to_gcj(lon_a, lat_a)), scalar)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> _Coords:
    """Convert BD-09 lon/lat to WGS84 (through GCJ-02, both steps iterative).

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(116.404, 39.915))
    >>> round(lon, 9), round(lat, 9)
    (116.404, 39.915)
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_wgs(*_bd_to_gcj(lon_a, lat_a)), scalar)


def normalize_datum(name: Any, what: str = "coords") -> str:
    """Return the canonical name (``"wgs84"``, ``"gcj02"``, ``"bd09"``) of a lon/lat convention.

    Case, ``-`` and ``_`` are ignored, so ``"GCJ-02"`` and ``"BD09"`` work;
    ``"bd09ll"`` means ``"bd09"``.

    Raises
    ------
    CRSError
        For any other value, naming the allowed ones.

    >>> normalize_datum("GCJ-02"), normalize_datum("bd09ll")
    ('gcj02', 'bd09')
    """
    key = str(name).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    key = {"bd09ll": "bd09", "wgs1984": "wgs84", "gps": "wgs84"}.get(key, key)
    if key not in OFFSET_DATUMS:
        raise CRSError(
            f"{what}={name!r} is not a known lon/lat convention",
            fix="use one of 'wgs84' (GPS, OpenStreetMap), 'gcj02' (Amap/Gaode, Tencent) or 'bd09' (Baidu)",
        )
    return key


_CONVERTERS = {
    ("wgs84", "gcj02"): lambda lo, la: _wgs_to_gcj(lo, la),
    ("gcj02", "wgs84"): lambda lo, la: _gcj_to_wgs(lo, la),
    ("gcj02", "bd09"): lambda lo, la: _gcj_to_bd(lo, la),
    ("bd09", "gcj02"): lambda lo, la: _bd_to_gcj(lo, la),
    ("wgs84", "bd09"): lambda lo, la: _gcj_to_bd(*_wgs_to_gcj(lo, la)),
    ("bd09", "wgs84"): lambda lo, la: _gcj_to_wgs(*_bd_to_gcj(lo, la)),
}


def convert_coords(lon: ArrayLike, lat: ArrayLike, src: str, dst: str) -> _Coords:
    """Convert lon/lat between the WGS84, GCJ-02 and BD-09 conventions.

    Parameters
    ----------
    lon, lat : float or array-like
        Coordinates in degrees; broadcast together.
    src, dst : {"wgs84", "gcj02", "bd09"}
        Source and target convention (see :func:`normalize_datum` for spellings).

    Returns
    -------
    (lon, lat) : tuple of floats (scalar input) or of new numpy arrays

    Raises
    ------
    CRSError
        If ``src`` or ``dst`` is not a known convention.

    Examples
    --------
    >>> lon, lat = convert_coords(116.404, 39.915, "gcj02", "bd09")
    >>> round(lon, 6), round(lat, 6)
    (116.410369, 39.921337)
    >>> convert_coords([1.0], [2.0], "wgs84", "wgs84")
    (array([1.]), array([2.]))
    """
    s = normalize_datum(src, "src")
    d = normalize_datum(dst, "dst")
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    if s == d:
        return _result(lon_a, lat_a, scalar)
    return _result(*_CONVERTERS[(s, d)](lon_a, lat_a), scalar)


def convert_gdf(gdf: gpd.GeoDataFrame, src: str, dst: str, what: str = "layer") -> gpd.GeoDataFrame:
    """Return a copy of a lon/lat layer with every coordinate converted from ``src`` to ``dst``.

    All vertices of all geometry types (points, lines, polygons, multi-part and
    collections) are converted; vertex counts and ring structure are kept and
    Z values are left as they are. The result has CRS EPSG:4326: GCJ-02 and
    BD-09 are lon/lat numbers on a WGS84-like frame, and after conversion to
    WGS84 the declaration is exact.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Lon/lat data. Amap/Baidu exports usually have no CRS or declare
        EPSG:4326; both are accepted, as is any other geographic CRS.
    src, dst : {"wgs84", "gcj02", "bd09"}
        Source and target convention.
    what : str
        How to name the data in error messages (e.g. the file name).

    Returns
    -------
    GeoDataFrame (or GeoSeries), CRS EPSG:4326

    Raises
    ------
    CRSError
        If ``src``/``dst`` is unknown, the layer is in a projected CRS, or its
        coordinates are not lon/lat degrees.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> amap = gpd.GeoDataFrame({"name": ["天安门"]}, geometry=[Point(116.404, 39.915)])
    >>> wgs = convert_gdf(amap, "gcj02", "wgs84")
    >>> wgs.crs.to_epsg(), round(float(wgs.geometry.x[0]), 4), round(float(wgs.geometry.y[0]), 4)
    (4326, 116.3978, 39.9136)
    """
    s = normalize_datum(src, "src")
    d = normalize_datum(dst, "dst")
    if gdf.crs is not None:
        crs = CRS.from_user_input(gdf.crs)
        if not crs.is_geographic:
            raise CRSError(
                f"{what} is in the projected CRS {crs_label(crs)}, but {s.upper()} and "
                f"{d.upper()} coordinates are lon/lat degrees",
                fix=(
                    "give the layer in lon/lat as Amap/Baidu exported it (degrees), or leave out the coords "
                    "option if it is not GCJ-02/BD-09; "
                    "Baidu Mercator metres (BD09MC) are not supported"
                ),
            )
    geoms = gdf.geometry.values if isinstance(gdf, gpd.GeoDataFrame) else gdf.values
    arr = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if np.any(present):
        minx, miny, maxx, maxy = shapely.total_bounds(arr[present])
        if not (-180.0 <= minx and maxx <= 180.0 and -90.0 <= miny and maxy <= 90.0):
            raise CRSError(
                f"{what} has coordinates outside the lon/lat range "
                f"(x {minx:.6g}..{maxx:.6g}, y {miny:.6g}..{maxy:.6g}), so they are not "
                f"{s.upper()} degrees",
                fix="check that the file holds longitude/latitude (x = longitude); "
                "projected or Baidu Mercator (BD09MC) coordinates cannot be converted",
            )
    out = gdf.copy()
    if s != d:
        convert = _CONVERTERS[(s, d)]

        def _transform(xy: np.ndarray) -> np.ndarray:
            res = np.array(xy, dtype=float, copy=True)
            res[:, 0], res[:, 1] = convert(res[:, 0].copy(), res[:, 1].copy())
            return res

        new = shapely.transform(arr, _transform, include_z=None)
        if isinstance(out, gpd.GeoDataFrame):
            out[out.geometry.name] = gpd.GeoSeries(new, index=out.index, crs=None)
        else:
            out = gpd.GeoSeries(new, index=out.index, name=out.name)
    return out.set_crs("EPSG:4326", allow_override=True)
