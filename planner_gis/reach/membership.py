"""Which points lie in which zones: the (point, zone) pairs of overlapping unit polygons."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from .. import _jit


def zone_membership(xy: np.ndarray, zones: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """All (point, zone) pairs where the point lies in or on the zone polygon.

    Zones may overlap; a point on a shared border belongs to both. Points
    without finite coordinates are in no zone.

    Returns
    -------
    (ndarray, ndarray)
        Point and zone indices (int64), grouped by zone in zone order and
        sorted by point index within a zone.

    >>> from shapely.geometry import box
    >>> z = gpd.GeoSeries([box(0, 0, 10, 10), box(5, 0, 20, 10)])
    >>> p, z_ = zone_membership(np.array([[1.0, 1], [7, 1], [30, 1]]), z)
    >>> sorted(zip(p.tolist(), z_.tolist()))
    [(0, 0), (1, 0), (1, 1)]
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    geoms = np.asarray(zones.values, dtype=object)
    finite = np.flatnonzero(np.isfinite(xy).all(axis=1))
    empty = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(finite) == 0 or len(geoms) == 0:
        return empty
    # bucket the points on a coarse grid (~16 points per bucket), sorted by bucket
    # and, within a bucket, by index: a zone's candidates are then one slice of
    # the sorted points per bucket row of its bounding box
    x, y = xy[finite, 0], xy[finite, 1]
    x0, y0 = float(x.min()), float(y.min())
    nb = int(min(max(np.sqrt(len(finite) / 16.0), 1), 2048))
    sx = (float(x.max()) - x0) / nb or 1.0
    sy = (float(y.max()) - y0) / nb or 1.0

    def bucket(v: Any, v0: float, step: float) -> Any:
        return np.clip(np.floor((np.asarray(v) - v0) / step), 0, nb - 1).astype(np.int64)

    key = (bucket(y, y0, sy) * nb + bucket(x, x0, sx)).astype(np.int32)
    compiled = _jit.worth(len(finite))
    if compiled:
        from . import _kernels as K

        order = finite[K.bucket_sort(key, nb * nb)]  # the same order as the stable argsort
    else:
        order = finite[np.argsort(key, kind="stable")]
    ptr = np.zeros(nb * nb + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=nb * nb), out=ptr[1:])
    del key
    pts, zs = [], []
    empty_geom = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    for j, g in enumerate(geoms):
        if empty_geom[j]:
            continue
        gx0, gy0, gx1, gy1 = shapely.bounds(g)
        if not (np.isfinite([gx0, gy0, gx1, gy1]).all()):
            continue
        c0, c1 = bucket([gx0, gx1], x0, sx)
        r0, r1 = bucket([gy0, gy1], y0, sy)
        box = np.array([gx0, gy0, gx1, gy1])
        if compiled:
            cand, cx, cy = K.box_candidates(order, ptr, xy, nb, int(r0), int(r1), int(c0), int(c1), box)
        else:
            cand, cx, cy = _box_candidates(order, ptr, xy, nb, (r0, r1, c0, c1), box)
        if len(cand) == 0:
            continue
        shapely.prepare(g)
        inside = shapely.intersects_xy(g, cx, cy)
        hit = np.sort(cand[inside])
        pts.append(hit)
        zs.append(np.full(len(hit), j, dtype=np.int64))
    if not pts:
        return empty
    return np.concatenate(pts), np.concatenate(zs)



def _box_candidates(order: np.ndarray, ptr: np.ndarray, xy: np.ndarray, nb: int, cells: tuple,
                    box: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bucketed points of bucket rows ``r0..r1``, columns ``c0..c1`` within the box ``(x0, y0, x1, y1)``.

    Returns the point indices (bucket order) and their x and y.
    """
    r0, r1, c0, c1 = cells
    rows = np.arange(r0, r1 + 1)
    lo, hi = ptr[rows * nb + c0], ptr[rows * nb + c1 + 1]
    cnt = hi - lo
    total = int(cnt.sum())
    cand = order[np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)]
    cx, cy = xy[cand, 0], xy[cand, 1]
    inside = (cx >= box[0]) & (cx <= box[2]) & (cy >= box[1]) & (cy <= box[3])
    return cand[inside], cx[inside], cy[inside]
