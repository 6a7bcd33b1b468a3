"""Spotting undeclared GCJ-02 / BD-09 coordinates: warn with figures, never convert.

POIs exported from Amap (高德) or Baidu are offset by several hundred metres,
and the files usually say EPSG:4326. When a lon/lat layer sits systematically
off its reference (facilities off the walking network, units off the district
outline) and reading it as GCJ-02 or BD-09 brings it onto the reference,
:func:`detect_offset_datum` says so with the median distances before and after,
and :func:`warn_offset_datum` turns that into an :class:`OffsetDatumWarning`
naming the option to pass. Nothing is converted: only a declaration
(``coords="gcj02"``, the CLI's ``--coords`` options) converts data.

The numeric core takes lon/lat arrays and a distance function (metres from
WGS84 lon/lat points to the reference), so the test is independent of what
the reference is.

Examples
--------
Points 10 m north of a street along latitude 39.9, exported from Amap:

>>> import numpy as np
>>> from planner_gis.crs import wgs84_to_gcj02
>>> lon = np.linspace(116.30, 116.40, 50)
>>> lat = np.full(50, 39.9 + 10 / 111_000)
>>> glon, glat = wgs84_to_gcj02(lon, lat)
>>> street = lambda lo, la: np.abs(la - 39.9) * 111_000  # metres from the street (north-south only)
>>> hint = detect_offset_datum(glon, glat, street)
>>> hint.datum, round(hint.before_m), round(hint.after_m)
('gcj02', 160, 10)
>>> detect_offset_datum(lon, lat, street) is None  # WGS84 points: nothing to say
True
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from .offsets import convert_coords, in_offset_area

#: A layer is reported only if its median distance to the reference is at least this (metres) ...
MIN_OFFSET_M = 50.0
#: ... and reading it as GCJ-02 / BD-09 at least halves that distance.
MAX_RATIO = 0.5
#: At most this many points are tested (an even sample of larger layers).
SAMPLE = 2000


class OffsetDatumWarning(UserWarning):
    """A lon/lat layer looks like undeclared GCJ-02 or BD-09 coordinates."""


@dataclasses.dataclass(frozen=True)
class OffsetHint:
    """The evidence of an undeclared offset datum.

    Attributes
    ----------
    datum : str
        ``"gcj02"`` or ``"bd09"``: read as this, the layer fits its reference.
    before_m, after_m : float
        Median distance (metres) of the layer's points to the reference, as they are and read as ``datum``.
    points : int
        How many points were measured.
    """

    datum: str
    before_m: float
    after_m: float
    points: int


def detect_offset_datum(lon: np.ndarray, lat: np.ndarray,
                        distance: Callable[[np.ndarray, np.ndarray], np.ndarray],
                        min_offset: float = MIN_OFFSET_M, max_ratio: float = MAX_RATIO,
                        sample: int = SAMPLE) -> OffsetHint | None:
    """An :class:`OffsetHint` if points read as GCJ-02 or BD-09 lie much nearer their reference; else None.

    Parameters
    ----------
    lon, lat : array
        The layer's points as read (taken for WGS84).
    distance : callable
        ``distance(lon, lat)``: metres from WGS84 lon/lat points to the reference.
    min_offset : float
        The median distance as read must be at least this many metres.
    max_ratio : float
        The median distance read as the datum must be at most this fraction of it.
    sample : int
        Points tested (evenly spaced through the layer).
    """
    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    ok = np.isfinite(lon) & np.isfinite(lat) & np.asarray(in_offset_area(lon, lat), dtype=bool)
    lon, lat = lon[ok], lat[ok]
    if len(lon) == 0:
        return None
    if len(lon) > sample:
        pick = np.linspace(0, len(lon) - 1, sample).astype(int)
        lon, lat = lon[pick], lat[pick]
    before = float(np.median(distance(lon, lat)))
    if not before >= min_offset:
        return None
    best = None
    for datum in ("gcj02", "bd09"):
        wlon, wlat = convert_coords(lon, lat, datum, "wgs84")
        after = float(np.median(distance(np.asarray(wlon), np.asarray(wlat))))
        if after <= max_ratio * before and (best is None or after < best.after_m):
            best = OffsetHint(datum, before, after, int(len(lon)))
    return best


#: How messages name each offset datum.
DATUM_NAMES = {"gcj02": "GCJ-02 (Amap, Tencent)", "bd09": "BD-09 (Baidu)"}


def offset_message(hint: OffsetHint, what: str, reference: str, option: str) -> str:
    """The warning text: the figures and the option that declares the datum.

    >>> offset_message(OffsetHint("gcj02", 480.0, 10.0, 300), "facilities fac.gpkg", "the walking network",
    ...                "--facilities-coords")  # doctest: +NORMALIZE_WHITESPACE
    'facilities fac.gpkg sit off the walking network: median 480 m from it as read, 10 m if their lon/lat
     are GCJ-02 (Amap, Tencent) (300 points measured). If they come from Amap or Tencent, declare it with
     --facilities-coords gcj02 (Python: coords="gcj02"); they were not converted'
    """
    source = "Amap or Tencent" if hint.datum == "gcj02" else "Baidu"
    return (f"{what} sit off {reference}: median {hint.before_m:,.0f} m from it as read, {hint.after_m:,.0f} m if "
            f"their lon/lat are {DATUM_NAMES[hint.datum]} ({hint.points} points measured). If they come from "
            f"{source}, declare it with {option} {hint.datum} (Python: coords=\"{hint.datum}\"); they were not "
            "converted")


def warn_offset_datum(lon: np.ndarray, lat: np.ndarray, distance: Callable[[np.ndarray, np.ndarray], np.ndarray],
                      what: str, reference: str, option: str) -> OffsetHint | None:
    """Warn (:class:`OffsetDatumWarning`) when :func:`detect_offset_datum` finds an offset; return the hint."""
    hint = detect_offset_datum(lon, lat, distance)
    if hint is not None:
        warnings.warn(offset_message(hint, what, reference, option), OffsetDatumWarning, stacklevel=3)
    return hint
