"""The metric-CRS policy: which projected CRS in metres areas and distances are computed in.

CRS policy
----------
planner-gis measures areas and distances in metres, in a projected CRS chosen
explicitly and recorded in every output:

1. If the caller passes ``metric_crs`` (an EPSG code or anything pyproj
   accepts), that CRS is used. It must be projected with metre units.
2. Otherwise, if the data already is in a projected CRS with metre units, that
   CRS is kept: the user chose it.
3. Otherwise (geographic data such as WGS84 or CGCS2000 lon/lat) the CRS is
   derived from the centre of the data: inside China, the CGCS2000 3-degree
   Gauss-Kruger zone whose central meridian is nearest (EPSG:4534 for 75E up to
   EPSG:4554 for 135E); elsewhere the WGS84 UTM zone (EPSG:326xx / 327xx).

Data without a CRS is never guessed: it raises :class:`~planner_gis.errors.CRSError`
saying how to set one.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from pyproj import CRS

from ..errors import CRSError

# Rough bounding box of China (mainland, Hainan, Taiwan) in lon/lat degrees.
# Used to decide between CGCS2000 Gauss-Kruger and UTM; it is a choice of
# projection zone, not of datum, so a coarse box is enough.
CHINA_BBOX = (73.0, 3.5, 135.5, 53.6)

#: EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM 75E"; codes run in steps
#: of one per 3 degrees up to 4554 for CM 135E.
GK3_FIRST_EPSG = 4534
GK3_FIRST_CM = 75
GK3_LAST_CM = 135


def in_china(lon: float, lat: float) -> bool:
    """True if a lon/lat point lies in the coarse bounding box of China."""
    x0, y0, x1, y1 = CHINA_BBOX
    return bool(x0 <= lon <= x1 and y0 <= lat <= y1)


def gauss_kruger_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone nearest ``lon``.

    >>> gauss_kruger_epsg(116.4)   # CM 117E
    4548
    >>> gauss_kruger_epsg(106.55)  # Chongqing, CM 108E
    4545
    """
    cm = int(np.floor(lon / 3.0 + 0.5)) * 3
    cm = min(max(cm, GK3_FIRST_CM), GK3_LAST_CM)
    return GK3_FIRST_EPSG + (cm - GK3_FIRST_CM) // 3


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone of a lon/lat point.

    >>> utm_epsg(24.94, 60.17)   # Helsinki
    32635
    """
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def metric_crs_for_lonlat(lon: float, lat: float) -> CRS:
    """The metric CRS the policy picks for data centred at ``(lon, lat)``."""
    if in_china(lon, lat):
        return CRS.from_epsg(gauss_kruger_epsg(lon))
    return CRS.from_epsg(utm_epsg(lon, lat))


def is_metric(crs: Any) -> bool:
    """True if ``crs`` is projected with metre axis units."""
    if crs is None:
        return False
    crs = CRS.from_user_input(crs)
    if not crs.is_projected:
        return False
    units = {(ax.unit_name or "").lower() for ax in crs.axis_info}
    return units <= {"metre", "meter", "m"}


def require_crs(gdf: gpd.GeoDataFrame, what: str = "layer") -> CRS:
    """Return the CRS of ``gdf`` or raise a :class:`CRSError` saying how to set it."""
    if gdf.crs is None:
        raise CRSError(
            f"{what} has no coordinate reference system",
            fix=(
                "declare the CRS the coordinates are in with --crs, e.g. --crs 4326 for WGS84 lon/lat or "
                "--crs 4490 for CGCS2000 (Python: crs= of read_vector, or gdf.set_crs(4326)), or add a .prj "
                "file next to the shapefile; Amap/Baidu lon/lat are declared with the command's coords option "
                "as gcj02 or bd09 (Python: coords=)"
            ),
        )
    return CRS.from_user_input(gdf.crs)


def choose_metric_crs(gdf: gpd.GeoDataFrame, metric_crs: Any = None, what: str = "layer") -> CRS:
    """Pick the metric CRS for ``gdf`` following the module's CRS policy.

    Parameters
    ----------
    gdf : GeoDataFrame
        Data with a CRS.
    metric_crs : int, str or pyproj.CRS, optional
        A CRS to use instead of the automatic choice. Must be projected in metres.
    what : str
        How to name the data in error messages (e.g. the file name).

    Returns
    -------
    pyproj.CRS

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)], crs="EPSG:4326")
    >>> choose_metric_crs(g).name
    'CGCS2000 / 3-degree Gauss-Kruger CM 117E'
    >>> choose_metric_crs(g, metric_crs=32650).to_epsg()
    32650
    """
    if metric_crs is not None:
        try:
            crs = CRS.from_user_input(metric_crs)
        except Exception as exc:  # pyproj raises its own CRSError
            raise CRSError(
                f"metric CRS {metric_crs!r} is not a CRS pyproj knows ({exc})",
                fix="give an EPSG code such as 4548 (CGCS2000 GK CM 117E) or 32650 (UTM 50N)",
            ) from None
        if not is_metric(crs):
            raise CRSError(
                f"metric CRS {crs.to_string()} is not a projected CRS in metres",
                fix="choose a projected CRS with metre units, e.g. EPSG:4548 for Beijing",
            )
        return crs
    src = require_crs(gdf, what)
    if is_metric(src):
        return src
    if len(gdf) == 0 or gdf.geometry.is_empty.all():
        raise CRSError(f"{what} has no geometry to choose a metric CRS from",
                       fix="give the metric CRS with --metric-crs EPSG (Python: metric_crs=)")
    minx, miny, maxx, maxy = gdf.to_crs(4326).total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        raise CRSError(f"{what} has coordinates that cannot be converted to lon/lat",
                       fix="check the layer's CRS and coordinates")
    return metric_crs_for_lonlat((minx + maxx) / 2.0, (miny + maxy) / 2.0)


def to_metric(gdf: gpd.GeoDataFrame, metric_crs: Any = None, what: str = "layer") -> gpd.GeoDataFrame:
    """Return ``gdf`` reprojected to the CRS chosen by :func:`choose_metric_crs`.

    The input is never modified.

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)], crs="EPSG:4326")
    >>> to_metric(g).crs.to_epsg()
    4548
    """
    crs = choose_metric_crs(gdf, metric_crs, what)
    if gdf.crs is not None and CRS.from_user_input(gdf.crs) == crs:
        return gdf.copy()
    return gdf.to_crs(crs)


def crs_label(crs: Any) -> str:
    """A short label for outputs, e.g. ``'EPSG:4548 CGCS2000 / 3-degree Gauss-Kruger CM 117E'``."""
    crs = CRS.from_user_input(crs)
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name

