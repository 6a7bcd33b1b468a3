"""Coordinate reference systems: the metric-CRS policy and Chinese offset datums.

:mod:`~planner_gis.crs.metric`
    The CRS policy: areas and distances in metres, in a projected CRS chosen
    explicitly (:func:`choose_metric_crs`, :func:`to_metric`) and recorded in
    every output; data without a CRS is refused, never guessed.
:mod:`~planner_gis.crs.offsets`
    GCJ-02 (Amap, Tencent) and BD-09 (Baidu) coordinates, converted to and
    from WGS84 (:func:`convert_gdf`, :func:`convert_coords`).
:mod:`~planner_gis.crs.detect`
    Undeclared GCJ-02 / BD-09 layers spotted against a reference (the walking
    network, the outline): a warning with figures, never a silent conversion
    (:func:`detect_offset_datum`, :class:`OffsetDatumWarning`).

See ``docs/crs.md``.

Examples
--------
>>> from planner_gis.crs import metric_crs_for_lonlat
>>> metric_crs_for_lonlat(116.3, 39.85).to_epsg()   # Beijing: CGCS2000 GK CM 117E
4548
>>> metric_crs_for_lonlat(2.35, 48.85).to_epsg()    # Paris: UTM 31N
32631
>>> from planner_gis.crs import gcj02_to_wgs84
>>> lon, lat = gcj02_to_wgs84(116.404, 39.915)      # Amap point near Tiananmen
>>> round(lon, 6), round(lat, 6)
(116.397756, 39.913596)
"""

from __future__ import annotations

from .metric import (
    CHINA_BBOX,
    GK3_FIRST_CM,
    GK3_FIRST_EPSG,
    GK3_LAST_CM,
    choose_metric_crs,
    crs_label,
    gauss_kruger_epsg,
    in_china,
    is_metric,
    metric_crs_for_lonlat,
    require_crs,
    to_metric,
    utm_epsg,
)
from .detect import OffsetDatumWarning, OffsetHint, detect_offset_datum, warn_offset_datum
from .offsets import (
    ArrayLike,
    INVERSE_MAX_ITER,
    INVERSE_TOL_DEG,
    OFFSET_BBOX,
    OFFSET_DATUMS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_coords,
    convert_gdf,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_offset_area,
    normalize_datum,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

__all__ = [
    "CHINA_BBOX",
    "GK3_FIRST_EPSG",
    "GK3_FIRST_CM",
    "GK3_LAST_CM",
    "in_china",
    "gauss_kruger_epsg",
    "utm_epsg",
    "metric_crs_for_lonlat",
    "is_metric",
    "require_crs",
    "choose_metric_crs",
    "to_metric",
    "crs_label",
    "OFFSET_DATUMS",
    "OFFSET_BBOX",
    "INVERSE_TOL_DEG",
    "INVERSE_MAX_ITER",
    "ArrayLike",
    "in_offset_area",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "normalize_datum",
    "convert_coords",
    "convert_gdf",
    "OffsetDatumWarning",
    "OffsetHint",
    "detect_offset_datum",
    "warn_offset_datum",
]
