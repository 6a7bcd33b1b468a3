"""Encoding data for the page: compact coordinates, shared text pieces, escaped HTML and script literals.

Safety: every text that comes from data (unit, team and category names,
contacts, messages, attributions) is HTML-escaped (:func:`escape_text`) before
it reaches the page, and every value written into a script goes through
:func:`js_literal`, so no data can break out of its place.
"""

from __future__ import annotations

import html as _html
import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

#: Coordinates are written to the page in units of 1e-5 degrees (about 1 m).
COORD_SCALE = 100_000


def escape_text(value: Any) -> str:
    """Return ``value`` as HTML-escaped text; missing values become an empty string.

    >>> escape_text("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    >>> escape_text(float("nan")), escape_text(None), escape_text(3)
    ('', '', '3')

    Braces become character references too: folium's page assembly treats
    ``{{ ... }}`` in rendered text as a template, so data such as a unit
    called ``{{ 7*7 }}`` must not reach it literally.

    >>> escape_text("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    """
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def rows_table(rows: Sequence[tuple]) -> str:
    """An HTML table from (label, escaped value) rows; labels are trusted constants."""
    cells = "".join(
        f"<tr><th>{label}</th><td>{value if value != '' else '—'}</td></tr>" for label, value in rows
    )
    return f'<table class="pg-popup">{cells}</table>'


def quantize_geometry(geom: Any, scale: int = COORD_SCALE) -> Any:
    """Round a lon/lat geometry to the page's precision (``1 / scale`` degrees).

    The page draws exactly these coordinates: identical input vertices stay
    identical, so edges shared by two units stay shared.

    >>> from shapely.geometry import Point
    >>> quantize_geometry(Point(116.2345678, 39.8765432)).coords[0]
    (116.23457, 39.87654)
    """
    return shapely.transform(geom, lambda c: np.round(c * scale) / scale)


def encode_polyline(latlon: np.ndarray, scale: int = COORD_SCALE, start: Sequence[int] = (0, 0)) -> str:
    """Encode ``(lat, lon)`` rows with the encoded-polyline algorithm.

    Each coordinate is rounded to ``1 / scale`` degrees and written as the
    difference to the previous one (the first to ``start``, in scaled
    integers), zig-zag encoded in 5-bit groups of printable ASCII
    (characters 63-126, none of which needs escaping in HTML). With
    ``scale=1e5`` this is the widely used Google encoded-polyline format.

    Parameters
    ----------
    latlon : array of shape (n, 2)
        Latitudes and longitudes in degrees.
    scale : int
        Coordinates per degree.
    start : pair of int
        Scaled position the first difference is taken from.

    Returns
    -------
    str

    Examples
    --------
    >>> encode_polyline(np.array([[38.5, -120.2], [40.7, -120.95], [43.252, -126.453]]))
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    return "".join(_encode_stream(np.asarray(latlon, dtype=float), [len(latlon)], scale, start)[0])


def _encode_stream(latlon: np.ndarray, lengths: Sequence[int], scale: int, start: Sequence[int] = (0, 0)) -> tuple:
    """Encode consecutive runs of points as one delta stream; return (list of run strings, end position)."""
    q = np.round(np.asarray(latlon, dtype=float).reshape(-1, 2) * scale).astype(np.int64)
    if len(q) == 0:
        return ["" for _ in lengths], tuple(int(s) for s in start)
    prev = np.vstack([np.asarray(start, dtype=np.int64).reshape(1, 2), q[:-1]])
    d = (q - prev).ravel()
    z = np.where(d < 0, ~(d << 1), d << 1).astype(np.int64)  # zig-zag: sign in the lowest bit
    nchunks = np.ones(len(z), dtype=np.int64)
    rest = z >> 5
    while rest.any():
        nchunks += rest > 0
        rest >>= 5
    width = int(nchunks.max())
    shifts = 5 * np.arange(width, dtype=np.int64)
    chunks = (z[:, None] >> shifts[None, :]) & 31
    k = np.arange(width)[None, :]
    chunks = chunks | np.where(k < nchunks[:, None] - 1, 32, 0)  # continuation bit
    chars = (chunks + 63).astype(np.uint8)[k < nchunks[:, None]]
    text = chars.tobytes().decode("ascii")
    per_point = nchunks.reshape(-1, 2).sum(axis=1)
    ends = np.cumsum(per_point)[np.cumsum(lengths) - 1] if len(lengths) else np.array([], dtype=int)
    starts = np.concatenate([[0], ends[:-1]]) if len(ends) else ends
    runs = []
    for s, e, n in zip(starts, ends, lengths):
        runs.append(text[s:e] if n else "")
    return runs, (int(q[-1, 0]), int(q[-1, 1]))


def encode_geometries(geoms: Sequence[Any], scale: int = COORD_SCALE) -> list:
    """Encode lon/lat polygons compactly for the page (decoded by the page's ``pgDecode``).

    Polygons and multipolygons become one string each: rings encoded with
    :func:`encode_polyline` in one delta stream over all geometries (a
    ring's first point is written relative to the previous ring's last one),
    the closing point left out, rings separated by a space and polygons by
    ``;``. Other geometries are kept as GeoJSON objects.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        In EPSG:4326 (lon, lat).
    scale : int
        Coordinates per degree.

    Returns
    -------
    list of str or dict

    Examples
    --------
    >>> from shapely.geometry import box, Point
    >>> encode_geometries([box(0, 0, 0.00001, 0.00001), Point(1, 2)])
    ['?AA??@@?', {'type': 'Point', 'coordinates': (1.0, 2.0)}]
    """
    out: list = [None] * len(geoms)
    ring_latlon, ring_len, ring_owner, ring_sep = [], [], [], []
    for gi, geom in enumerate(geoms):
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            out[gi] = None if geom is None else shapely.geometry.mapping(geom)
            continue
        for pi, poly in enumerate(shapely.get_parts(geom)):
            for ri, ring in enumerate(shapely.get_rings(poly)):
                xy = shapely.get_coordinates(ring)[:-1]  # the page closes the ring
                ring_latlon.append(xy[:, ::-1])
                ring_len.append(len(xy))
                ring_owner.append(gi)
                ring_sep.append("" if pi == 0 and ri == 0 else (" " if ri else ";"))
    if ring_len:
        runs, _ = _encode_stream(np.concatenate(ring_latlon), ring_len, scale)
        pieces: dict = {}
        for gi, sep, run in zip(ring_owner, ring_sep, runs):
            pieces.setdefault(gi, []).append(sep + run)
        for gi, parts in pieces.items():
            out[gi] = "".join(parts)
    return out


_TEXT_SPLIT = re.compile(r"(?=<tr>)|(?=</table>)|(?<= · )")


def split_text(text: str) -> list:
    """Split popup or tooltip text into pieces that repeat across features.

    Popups are split before each table row, tooltips after the `` · ``
    between a name and its value, so a unit's name row or a layer's label
    row is written to the page once however many popups show it.

    >>> split_text('<table class="pg-popup"><tr><th>a</th><td>1</td></tr></table>')
    ['<table class="pg-popup">', '<tr><th>a</th><td>1</td></tr>', '</table>']
    >>> "".join(split_text("甲 · park: 50%")) == "甲 · park: 50%"
    True
    """
    return [p for p in _TEXT_SPLIT.split(text) if p] or [""]


def js_literal(value: Any) -> str:
    r"""JSON for inline script that no data can break out of.

    ``<``, ``>`` and ``&`` are escaped so no string can close the script, and
    a ``{`` followed by ``{``, ``%`` or ``#`` (only possible inside strings)
    is escaped because folium's page assembly reads rendered text as a
    Jinja template.

    >>> js_literal({"a": "</script>{{x}}{%y"})
    '{"a":"\\u003c/script\\u003e\\u007b{x}}\\u007b%y"}'
    """
    text = (json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return re.sub(r"\{(?=[{%#])", lambda _: "\\u007b", text)


# Trusted page helpers: pgDecode turns the encoded geometries into GeoJSON
