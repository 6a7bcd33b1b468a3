"""Coverage web maps: self-contained, offline-safe Leaflet maps of audit and reach results.

Two functions build a :class:`folium.Map` and save nothing:

* :func:`audit_map` -- units coloured by coverage status (covered, contract
  expiring, several teams, unassigned), management areas as an outlined
  overlay, boundary gaps and overlaps highlighted, a popup per unit with its
  teams, a legend and a title.
* :func:`reach_map` -- a choropleth of the population share covered within the
  living-circle threshold, one toggleable layer per facility category (and per
  tier), underserved areas and isochrones when given.

:func:`save_map` writes the map as **one self-contained HTML file**, atomically,
refusing to overwrite inputs. Leaflet's JavaScript and CSS (and the images the
CSS needs, as ``data:`` URIs) are inlined from the ``XStatic-Leaflet`` package,
so the page works on an intranet without internet access. No request leaves
the page unless a basemap is asked for with ``tiles=`` (a tile URL template,
for example an intranet tile server or Tianditu); the default is no basemap.

Safety: every text that comes from data (unit, team and category names,
contacts, messages, attributions) is HTML-escaped before it reaches the page,
so a unit called ``<script>alert(1)</script>`` shows as that text in popups,
tooltips, layer names and the legend. Geometry is simplified for display in a
metric CRS with :func:`shapely.coverage_simplify`, so edges shared by two
units stay shared (no slivers or gaps appear between neighbours).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> units = gpd.GeoDataFrame(
...     {"unit_id": ["a", "b"], "name": ["右安门街道", "<b>B</b>"],
...      "unit_type": ["street", "street"], "status": ["covered", "unassigned"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:4548")
>>> m = audit_map(units, title="Demo")
>>> html = map_html(m)
>>> "<b>B</b>" in html, "<script src=" in html
(False, False)
"""

from __future__ import annotations

import base64
import functools
import html as _html
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import choose_metric_crs
from .errors import InputError, OutputError, PlannerGisError

PathLike = Union[str, os.PathLike]

#: Colour and legend label of each audit status.
STATUS_STYLES: dict = {
    "covered": ("#1a9850", "已覆盖 Covered"),
    "expiring": ("#fdae61", "合同即将到期 Contract expiring"),
    "multiple_teams": ("#7b3294", "多个团队 Several teams"),
    "unassigned": ("#d73027", "未分配 Unassigned"),
}
#: Colour of a status the map does not know.
OTHER_STATUS_COLOR = "#9e9e9e"

#: Colour of the management-area overlay outline.
OVERLAY_COLOR = "#08306b"
#: Colours of boundary findings.
GAP_COLOR = "#e31a1c"
OVERLAP_COLOR = "#ff7f00"

#: Class breaks of the covered-share choropleth (fractions) and their colours.
SHARE_BREAKS: tuple = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
SHARE_COLORS: tuple = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
#: Colour of units without residents (share undefined).
NO_DATA_COLOR = "#bdbdbd"

#: Attribution of OpenStreetMap-derived geometry (the shipped district outline).
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

#: Note shown on maps of the shipped demo data.
DEMO_NOTE = (
    "示意数据：街乡边界为示意，团队与设施为合成数据。 "
    "Demo data: unit boundaries are schematic; teams and facilities are synthetic."
)

#: Footnote shown on every map unless a review number is given.
REVIEW_FOOTNOTE = (
    "在中国公开发布的地图须取得审图号。 "
    "Maps published in China need a map review number (审图号)."
)

_TEMPLATE_KEYS = ("{x}", "{y}", "{z}")
FILL_PANE = "pgfills"
GEOMETRY_STORE = "pg_geometry"
TEXT_STORE = "pg_text"


# ----------------------------------------------------------------------------- small helpers


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


def _rows_table(rows: Sequence[tuple]) -> str:
    """An HTML table from (label, escaped value) rows; labels are trusted constants."""
    cells = "".join(
        f"<tr><th>{label}</th><td>{value if value != '' else '—'}</td></tr>" for label, value in rows
    )
    return f'<table class="pg-popup">{cells}</table>'


@functools.lru_cache(maxsize=1)
def leaflet_assets() -> tuple:
    """Leaflet's JavaScript, CSS (images inlined as data URIs) and version.

    The files come from the ``XStatic-Leaflet`` package, a maintained
    packaging of Leaflet's ``dist`` folder.

    Returns
    -------
    tuple of (str, str, str)
        ``(javascript, css, version)``.

    Raises
    ------
    PlannerGisError
        If XStatic-Leaflet is not installed.

    Examples
    --------
    >>> js, css, version = leaflet_assets()
    >>> version.startswith("1."), "url(images/" in css, "sourceMappingURL" in js
    (True, False, False)
    """
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError:
        raise PlannerGisError(
            "web maps need Leaflet's files from the package XStatic-Leaflet, which is not installed",
            fix="pip install XStatic-Leaflet",
        ) from None
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def _data_uri(match: "re.Match[str]") -> str:
        img = base / match.group(1)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", _data_uri, css)
    for text, what in ((js, "leaflet.js"), (css, "leaflet.css")):
        if "</script" in text.lower() or "</style" in text.lower():  # would end the inline block
            raise PlannerGisError(f"{base / what} contains a closing HTML tag and cannot be inlined",
                                  fix="reinstall XStatic-Leaflet")
    return js, css, str(xleaflet.VERSION)


# ----------------------------------------------------------------------------- geometry


def simplify_for_display(
    gdf: gpd.GeoDataFrame,
    tolerance_m: float = 10.0,
    metric_crs: Any = None,
    what: str = "layer",
    groups: Optional[Sequence[Any]] = None,
    as_coverage: bool = True,
) -> gpd.GeoDataFrame:
    """Simplify polygons for display, keeping shared edges shared; return WGS84 lon/lat.

    The polygons are simplified in a metric CRS (see :mod:`planner_gis.crs`)
    with :func:`shapely.coverage_simplify` when they form a valid coverage (no
    overlaps, neighbours share identical vertices), so an edge shared by two
    units is simplified once and stays shared. Otherwise (overlapping units,
    as in a layer with boundary errors) each polygon is simplified on its own
    with half the tolerance. Coordinates are then rounded to 1e-6 degrees
    (about 0.1 m); identical vertices round identically.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons with a CRS.
    tolerance_m : float
        Simplification tolerance in metres; 0 keeps every vertex. It is used
        as GEOS uses it (Visvalingam-Whyatt): a vertex is dropped when the
        triangle it forms with its neighbours has an area below
        ``tolerance_m ** 2``; the per-polygon fallback (Douglas-Peucker) uses
        ``tolerance_m / 2`` as a distance.
    metric_crs : optional
        Metric CRS to simplify in (default: chosen by the CRS policy).
    what : str
        Name of the data in error messages.
    groups : sequence, optional
        One label per row; each group is simplified as a coverage of its own
        (e.g. base units and the management areas overlaid on them).
    as_coverage : bool
        False for polygons that overlap by nature (isochrones): each is
        simplified on its own (Douglas-Peucker, ``tolerance_m / 2``).

    Returns
    -------
    GeoDataFrame
        A copy in EPSG:4326 with rows without geometry dropped.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> left = Polygon([(0, 0), (500, 0.1), (1000, 0), (1000, 1000), (0, 1000)])
    >>> right = Polygon([(1000, 0), (2000, 0), (2000, 1000), (1000, 1000)])
    >>> g = gpd.GeoDataFrame(geometry=[left, right], crs="EPSG:4548")
    >>> out = simplify_for_display(g, tolerance_m=10)
    >>> len(out.geometry.iloc[0].exterior.coords)   # the 10 cm kink is gone
    5
    >>> round(out.geometry.iloc[0].intersection(out.geometry.iloc[1]).length, 6) > 0
    True
    """
    if gdf.crs is None:
        from .crs import require_crs

        require_crs(gdf, what)
    keep = np.asarray(gdf.geometry.notna() & ~gdf.geometry.is_empty)
    labels = np.zeros(len(gdf), dtype=int) if groups is None else pd.factorize(pd.Series(list(groups)))[0]
    gdf, labels = gdf[keep].copy(), labels[keep]
    if len(gdf) == 0:
        return gdf.to_crs(4326)
    crs = choose_metric_crs(gdf, metric_crs, what)
    metric = gdf.to_crs(crs)
    geoms = np.asarray(shapely.make_valid(np.asarray(metric.geometry.values, dtype=object)), dtype=object)
    if tolerance_m and tolerance_m > 0:
        for label in np.unique(labels):
            sel = labels == label
            geoms[sel] = (_simplify_coverage(geoms[sel], tolerance_m) if as_coverage else
                          shapely.simplify(geoms[sel], tolerance_m / 2.0, preserve_topology=True))
    metric = metric.set_geometry(gpd.GeoSeries(geoms, index=metric.index, crs=crs))
    out = metric.to_crs(4326)
    rounded = shapely.transform(np.asarray(out.geometry.values, dtype=object), lambda c: np.round(c, 6))
    out = out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=4326))
    return out[~out.geometry.is_empty]


def _simplify_coverage(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Coverage-simplify polygons if they form a valid coverage, else each on its own."""
    polygonal = all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    if polygonal and bool(shapely.coverage_is_valid(geoms)):
        return np.asarray(shapely.coverage_simplify(geoms, tolerance_m, simplify_boundary=True), dtype=object)
    return np.asarray(shapely.simplify(geoms, tolerance_m / 2.0, preserve_topology=True), dtype=object)


def _feature_collection(gdf: gpd.GeoDataFrame, props: Sequence[Mapping[str, Any]]) -> dict:
    feats = []
    for i, (geom, p) in enumerate(zip(gdf.geometry.values, props)):
        feats.append({"type": "Feature", "id": str(i), "properties": dict(p),
                      "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


# ----------------------------------------------------------------------------- compact geometry

#: Coordinates are written to the page in units of 1e-5 degrees (about 1 m).
COORD_SCALE = 100_000


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


def _js_literal(value: Any) -> str:
    """JSON for inline script that no data can break out of.

    ``<``, ``>`` and ``&`` are escaped so no string can close the script, and
    a ``{`` followed by ``{``, ``%`` or ``#`` (only possible inside strings)
    is escaped because folium's page assembly reads rendered text as a
    Jinja template.

    >>> _js_literal({"a": "</script>{{x}}{%y"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u007b{x}}\\\\u007b%y"}'
    """
    text = (json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return re.sub(r"\{(?=[{%#])", lambda _: "\\u007b", text)


# Trusted page helpers: pgDecode turns the encoded geometries into GeoJSON
# geometries once; pgLayer makes an L.geoJson whose features (shared
# geometry + own properties and style) are only built when first shown.
_PG_JS = r"""
function pgDecode(items, scale) {
  var lat = 0, lon = 0;
  function ring(s) {
    var pts = [], i = 0, n = s.length;
    while (i < n) {
      for (var k = 0; k < 2; k++) {
        var shift = 0, result = 0, b;
        do { b = s.charCodeAt(i++) - 63; result |= (b & 31) << shift; shift += 5; } while (b >= 32);
        var d = (result & 1) ? ~(result >> 1) : (result >> 1);
        if (k === 0) { lat += d; } else { lon += d; }
      }
      pts.push([lon / scale, lat / scale]);
    }
    if (pts.length) { pts.push(pts[0]); }
    return pts;
  }
  return items.map(function (item) {
    if (typeof item !== 'string') { return item; }
    var polys = item.split(';').map(function (p) { return p.split(' ').map(ring); });
    return polys.length === 1 ? {type: 'Polygon', coordinates: polys[0]}
                              : {type: 'MultiPolygon', coordinates: polys};
  });
}
function pgLayer(store, texts, spec, options, onEach) {
  var opts = Object.assign({}, options);
  opts.style = function (f) { return spec.S[spec.s[f.pgIndex]]; };
  var layer;
  opts.onEachFeature = function (feature, sub) {
    if (onEach) { onEach(feature, sub); }
    if (spec.H) {
      sub.on({
        mouseover: function (e) { e.target.setStyle(spec.H[spec.h[feature.pgIndex]]); },
        mouseout: function (e) { layer.resetStyle(e.target); }
      });
    }
  };
  layer = L.geoJson(null, opts);
  var loaded = false, onAdd = layer.onAdd;
  layer.pgLoad = function () {
    if (loaded) { return; }
    loaded = true;
    layer.addData({type: 'FeatureCollection', features: spec.g.map(function (gi, i) {
      var props = {};
      Object.keys(spec.p[i]).forEach(function (k) {
        props[k] = spec.p[i][k].map(function (t) { return texts[t]; }).join('');
      });
      return {type: 'Feature', pgIndex: i, properties: props, geometry: store[gi]};
    })});
  };
  layer.onAdd = function (map) { layer.pgLoad(); return onAdd.call(this, map); };
  return layer;
}
"""


# ----------------------------------------------------------------------------- folium elements


def _folium():
    import folium  # late import: keep `import planner_gis` light

    return folium


def _elements():
    """Create (once) the folium element classes used by the maps."""
    if "_InlineAssets" in _ELEMENTS:
        return _ELEMENTS
    folium = _folium()
    from branca.element import MacroElement
    from folium.template import Template

    class _InlineAssets(MacroElement):
        _template = Template(
            "{% macro header(this, kwargs) %}"
            '<meta charset="utf-8">\n'
            "<style>{{ this.css }}</style>\n<style>{{ this.extra_css }}</style>\n"
            "<script>{{ this.js }}</script>\n<script>{{ this.pg_js }}</script>\n"
            "{% endmacro %}"
        )

        def __init__(self):
            super().__init__()
            self._name = "InlineAssets"
            self.js, self.css, self.version = leaflet_assets()
            self.extra_css = _EXTRA_CSS
            self.pg_js = _PG_JS

    class _GeometryStore(MacroElement):
        """Every polygon drawn on a map, each distinct one written once, encoded (see :func:`encode_geometries`)."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = pgDecode({{ this.payload() }}, {{ this.scale }});\n"
            "{% endmacro %}"
        )

        def __init__(self, scale: int = COORD_SCALE):
            super().__init__()
            self._name = "GeometryStore"
            self.scale = int(scale)
            self._index: dict = {}
            self.geometries: list = []

        def add(self, geom: Any) -> int:
            """Index of a (quantized) geometry in the store; equal geometries share one entry."""
            key = shapely.to_wkb(geom)
            if key not in self._index:
                self._index[key] = len(self.geometries)
                self.geometries.append(geom)
            return self._index[key]

        def payload(self) -> str:
            return _js_literal(encode_geometries(self.geometries, self.scale))

    class _TextStore(MacroElement):
        """Pieces of popup and tooltip text, each distinct one written once (see :func:`split_text`)."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = {{ this.payload() }};\n"
            "{% endmacro %}"
        )

        def __init__(self):
            super().__init__()
            self._name = "TextStore"
            self._index: dict = {}
            self.pieces: list = []

        def add(self, text: str) -> list:
            """Indices of the pieces of ``text``; joined they give ``text`` back."""
            out = []
            for piece in split_text(text):
                if piece not in self._index:
                    self._index[piece] = len(self.pieces)
                    self.pieces.append(piece)
                out.append(self._index[piece])
            return out

        def payload(self) -> str:
            return _js_literal(self.pieces)

    class _CompactGeoJson(folium.GeoJson):
        """A folium GeoJson layer whose geometry lives in the map's :class:`_GeometryStore`.

        ``data`` keeps the full features (geometry rounded to the page's
        precision, as drawn) for inspection in Python; the page gets only
        geometry indices, the ``_tip``/``_popup`` properties and a table of
        the distinct styles, and builds the features when the layer is first
        shown.
        """

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "var {{ this.get_name() }} = pgLayer({{ this.store.get_name() }}, {{ this.texts.get_name() }}, "
            "{{ this.spec }}, "
            "{{ this.js_options }}, {{ this.on_each_feature.js_code if this.on_each_feature else 'null' }});\n"
            "{% endmacro %}"
        )

        def __init__(self, data: dict, store: Any, texts: Any, style_function: Any, **kwargs: Any):
            feats = data["features"]
            geoms = [quantize_geometry(shapely.geometry.shape(f["geometry"])) for f in feats]
            for f, g in zip(feats, geoms):
                f["geometry"] = shapely.geometry.mapping(g)
            super().__init__(data, style_function=style_function, **kwargs)
            self._name = "CompactGeoJson"
            self.store = store
            self.texts = texts
            # registered now: the stores are written before the layers when the page is rendered
            self.text_refs = [{k: texts.add(str(v)) for k, v in f.get("properties", {}).items()
                               if k in ("_tip", "_popup")} for f in feats]
            self.refs = [store.add(g) for g in geoms]
            self.spec = "null"
            self.js_options = _js_literal(self.options)

        def render(self, **kwargs):
            feats = self.data["features"]

            def table(func):
                styles, index, keys = [], [], {}
                for f in feats:
                    key = json.dumps(func(f), sort_keys=True)
                    if key not in keys:
                        keys[key] = len(styles)
                        styles.append(json.loads(key))
                    index.append(keys[key])
                return styles, index

            spec = {"g": self.refs,
                    "p": self.text_refs}
            spec["S"], spec["s"] = table(self.style_function)
            if self.highlight:
                spec["H"], spec["h"] = table(self.highlight_function)
            self.spec = _js_literal(spec)
            folium.map.Layer.render(self, **kwargs)

    class _Panel(MacroElement):
        """A Leaflet control whose content is HTML built (and escaped) in Python."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "(function () {\n"
            "  var ctl = L.control({position: {{ this.position|tojson }}});\n"
            "  ctl.onAdd = function () {\n"
            "    var div = L.DomUtil.create('div', {{ this.css_class|tojson }});\n"
            "    div.innerHTML = {{ this.content|tojson }};\n"
            "    L.DomEvent.disableClickPropagation(div);\n"
            "    L.DomEvent.disableScrollPropagation(div);\n"
            "    return div;\n"
            "  };\n"
            "  ctl.addTo({{ this._parent.get_name() }});\n"
            "})();\n"
            "{% endmacro %}"
        )

        def __init__(self, content: str, position: str, css_class: str):
            super().__init__()
            self._name = "Panel"
            self.content = content
            self.position = position
            self.css_class = css_class

    class _Title(MacroElement):
        _template = Template(
            "{% macro html(this, kwargs) %}"
            '<div class="pg-title">{{ this.content }}</div>'
            "{% endmacro %}"
        )

        def __init__(self, content: str):
            super().__init__()
            self._name = "Title"
            self.content = content

    class _Attribution(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "L.control.scale({imperial: false, maxWidth: 150}).addTo({{ this._parent.get_name() }});\n"
            "{% for text in this.texts %}"
            "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ text|tojson }});\n"
            "{% endfor %}"
            "{% endmacro %}"
        )

        def __init__(self, texts: Sequence[str]):
            super().__init__()
            self._name = "Attribution"
            self.texts = list(texts)

    class _Script(MacroElement):
        """A trusted script snippet; ``__PG_MAP__`` is replaced by the map's variable name."""

        _template = Template(
            "{% macro script(this, kwargs) %}{{ this.code.replace('__PG_MAP__', this._parent.get_name()) }}\n"
            "{% endmacro %}"
        )

        def __init__(self, code: str):
            super().__init__()
            self._name = "Script"
            self.code = code

    _ELEMENTS.update(folium=folium, _Script=_Script, _InlineAssets=_InlineAssets, _Panel=_Panel, _Title=_Title,
                     _Attribution=_Attribution, _GeometryStore=_GeometryStore, _TextStore=_TextStore,
                     _CompactGeoJson=_CompactGeoJson)
    return _ELEMENTS


_ELEMENTS: dict = {}

_EXTRA_CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.leaflet-container { background: #f4f4f0; }
.pg-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 1000;
  background: rgba(255,255,255,0.92); padding: 6px 14px; border-radius: 4px; font-size: 16px;
  font-weight: bold; box-shadow: 0 1px 4px rgba(0,0,0,0.3); pointer-events: none; max-width: 60%;
  text-align: center; }
.pg-legend, .pg-note { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 18px; max-width: 320px; }
.pg-legend h4 { margin: 0 0 4px 0; font-size: 13px; }
.pg-legend i { display: inline-block; width: 16px; height: 12px; margin-right: 6px;
  vertical-align: middle; border: 1px solid #555; }
.pg-legend i.pg-line { background: transparent; border-width: 2px; }
.pg-note p { margin: 2px 0; }
table.pg-popup { border-collapse: collapse; font-size: 12px; }
table.pg-popup th { text-align: left; padding: 1px 8px 1px 0; color: #444; font-weight: normal;
  white-space: nowrap; vertical-align: top; }
table.pg-popup td { padding: 1px 0; }
"""


def _legend_html(title: str, items: Sequence[tuple]) -> str:
    """Legend HTML; ``title`` and item labels must already be escaped.

    ``items`` are ``(colour, label, kind)`` with kind "fill" or "line".
    """
    rows = [f"<h4>{title}</h4>"]
    for color, label, kind in items:
        if kind == "line":
            rows.append(f'<div><i class="pg-line" style="border-color:{color}"></i>{label}</div>')
        else:
            rows.append(f'<div><i style="background:{color}"></i>{label}</div>')
    return "".join(rows)


def _check_tiles(tiles: Optional[str]) -> None:
    if tiles is None:
        return
    if not isinstance(tiles, str) or not all(k in tiles for k in _TEMPLATE_KEYS):
        raise InputError(
            f"tiles={tiles!r} is not a tile URL template",
            fix="give a URL with {z}, {x} and {y}, e.g. an intranet tile server "
                "'http://tiles.local/{z}/{x}/{y}.png', or leave tiles=None for no basemap",
        )


def _new_map(bounds_wgs84: Sequence[float], tiles: Optional[str], tiles_attribution: Optional[str],
             title: Optional[str]):
    el = _elements()
    folium = el["folium"]
    _check_tiles(tiles)
    minx, miny, maxx, maxy = bounds_wgs84
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        minx, miny, maxx, maxy = 116.1, 39.7, 116.6, 40.1  # Beijing, for an empty map
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=False,
                   prefer_canvas=False, zoom_start=12, zoom_snap=0.25)
    # No CDN links: Leaflet is inlined by _InlineAssets; folium's other defaults
    # (jQuery, Bootstrap, awesome-markers) are not needed by these maps.
    m.default_js = []
    m.default_css = []
    m.add_child(el["_InlineAssets"](), name="pg_inline_assets")
    # Area fills live in a pane below the default overlay pane, so outlines,
    # findings and underserved areas stay on top whichever layer is toggled.
    folium.map.CustomPane(FILL_PANE, z_index=350, pointer_events=True).add_to(m)
    # every polygon of the map, written once; the layers refer to it (before them in the page)
    m.add_child(el["_GeometryStore"](), name=GEOMETRY_STORE)
    m.add_child(el["_TextStore"](), name=TEXT_STORE)
    if tiles is not None:
        attr = escape_text(tiles_attribution) if tiles_attribution else escape_text(
            "basemap: " + re.sub(r"^[a-z]+://", "", tiles).split("/")[0])
        folium.TileLayer(tiles=tiles, attr=attr, name="底图 Basemap", overlay=False, control=False).add_to(m)
    if title:
        m.add_child(el["_Title"](escape_text(title)), name="pg_title")
        m.get_root().title = escape_text(title)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _geojson(m, data: dict, **kwargs: Any):
    """A layer of ``data`` whose geometry is stored once in the map ``m`` (see ``_CompactGeoJson``)."""
    return _elements()["_CompactGeoJson"](data, store=m._children[GEOMETRY_STORE], texts=m._children[TEXT_STORE],
                                          **kwargs)


def _add_notes(m, note: Optional[str], review_number: Optional[str], attributions: Sequence[str]) -> None:
    el = _elements()
    parts = []
    if note:
        parts.append(f"<p>{escape_text(note)}</p>")
    if review_number:
        parts.append(f"<p>审图号 Map review number: {escape_text(review_number)}</p>")
    else:
        parts.append(f"<p>{escape_text(REVIEW_FOOTNOTE)}</p>")
    m.add_child(el["_Panel"]("".join(parts), "bottomleft", "pg-note"), name="pg_notes")
    texts = [escape_text(a) for a in attributions if a]
    # also adds the metric scale bar
    m.add_child(el["_Attribution"](texts), name="pg_attribution")


def _is_demo(*frames: Optional[pd.DataFrame]) -> bool:
    for f in frames:
        if f is None:
            continue
        for col in ("geometry_quality", "data_quality", "source"):
            if col in f.columns:
                vals = f[col].astype(str).str.lower()
                if vals.str.contains("schematic|synthetic", regex=True).any():
                    return True
    return False


def _outline_attribution(outline: Optional[gpd.GeoDataFrame]) -> list:
    if outline is None:
        return []
    for col in ("source", "attribution"):
        if col in outline.columns and outline[col].astype(str).str.contains("OpenStreetMap", case=False).any():
            return [OSM_ATTRIBUTION]
    return []


def _add_outline(m, outline: Optional[gpd.GeoDataFrame], tolerance_m: float, metric_crs: Any) -> None:
    if outline is None or len(outline) == 0:
        return
    folium = _folium()
    out = simplify_for_display(outline, tolerance_m, metric_crs, what="outline")
    data = _feature_collection(out, [{} for _ in range(len(out))])
    _geojson(
        m, data, name="区界 District outline", interactive=False,
        style_function=lambda f: {"color": "#252525", "weight": 2.5, "fill": False, "dashArray": "6 4"},
    ).add_to(m)


def _frame_crs_check(gdf: gpd.GeoDataFrame, what: str) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what} is a {type(gdf).__name__}, not a GeoDataFrame",
                         fix="pass the GeoDataFrame (or the AuditResult) the audit or reach step returned")
    if gdf.crs is None:
        from .crs import require_crs

        require_crs(gdf, what)


def _require_columns(gdf: pd.DataFrame, columns: Iterable[str], what: str, fix: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise InputError(f"{what} has no column(s) {', '.join(missing)} (it has: {', '.join(map(str, gdf.columns))})",
                         fix=fix)


# The layer names are already HTML-escaped in Python, as Leaflet's layer control
# shows them as HTML; the legend shows the same escaped HTML.
_LEGEND_FOLLOWS_LAYER = (
    "__PG_MAP__.on('baselayerchange', function (e) {\n"
    "  var els = document.querySelectorAll('.pg-legend-layer');\n"
    "  for (var i = 0; i < els.length; i++) { els[i].innerHTML = e.name; }\n"
    "});"
)

def _follow_script(follow: Sequence[tuple], initial: str) -> str:
    """JS that fills each group with the members of the choropleth layer shown."""
    spec = "[" + ",".join(
        "{group: %s, members: {%s}}" % (
            group, ",".join("%s: [%s]" % (json.dumps(label).replace("<", "\\u003c").replace(">", "\\u003e")
                                          .replace("&", "\\u0026"), ",".join(names))
                            for label, names in members.items()))
        for group, members in follow) + "]"
    init = json.dumps(initial).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        "(function () {\n"
        f"  var groups = {spec};\n"
        "  function sync(label) {\n"
        "    groups.forEach(function (g) {\n"
        "      g.group.clearLayers();\n"
        "      (g.members[label] || []).forEach(function (l) { g.group.addLayer(l); });\n"
        "    });\n"
        "  }\n"
        "  __PG_MAP__.on('baselayerchange', function (e) { sync(e.name); });\n"
        f"  sync({init});\n"
        "})();"
    )


def _fill_small_holes(gdf: gpd.GeoDataFrame, min_area_m2: float, metric_crs: Any) -> gpd.GeoDataFrame:
    """Fill holes smaller than ``min_area_m2`` (block interiors in street-following isochrones).

    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> ring = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    >>> holes = [[(10, 10), (60, 10), (60, 60), (10, 60)], [(200, 200), (700, 200), (700, 700), (200, 700)]]
    >>> g = gpd.GeoDataFrame(geometry=[Polygon(ring, holes)], crs="EPSG:4548")
    >>> len(_fill_small_holes(g, 10000, None).geometry.iloc[0].interiors)   # the 50 m hole is filled
    1
    """
    if len(gdf) == 0 or not min_area_m2:
        return gdf
    crs = choose_metric_crs(gdf, metric_crs, "isochrones")
    metric = gdf.to_crs(crs)

    def fill(geom):
        if geom is None or geom.is_empty:
            return geom
        parts = []
        for p in shapely.get_parts(geom):
            if p.geom_type != "Polygon":
                parts.append(p)
                continue
            keep = [r for r in p.interiors if shapely.Polygon(r).area >= min_area_m2]
            parts.append(shapely.Polygon(p.exterior, keep))
        return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)

    filled = [fill(g) for g in metric.geometry.values]
    return metric.set_geometry(gpd.GeoSeries(filled, index=metric.index, crs=crs))


#: Holes of isochrones smaller than this (m2, about one street block) are filled for display.
ISOCHRONE_MIN_HOLE_M2 = 40000.0


def infer_cell_size(gdf: gpd.GeoDataFrame, metric_crs: Any = None) -> Optional[float]:
    """Cell size (m) of polygons traced from a grid, such as underserved areas; None if not gridded.

    Uses ``gdf.attrs["cell_size"]`` when the reach engine set it (a number or
    a ``(width, height)`` pair; the larger is returned). Otherwise the
    outlines are measured in a metric CRS: when most of their edges are
    axis-parallel, the most common edge length (to 0.1 m) is the cell size,
    provided most edge lengths are whole multiples of it (a staircase traced
    from cells).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cells = [box(x, 0, x + 100, 100) for x in (0, 200, 400)] + [box(0, 200, 200, 300)]
    >>> infer_cell_size(gpd.GeoDataFrame(geometry=cells, crs="EPSG:4548"))
    100.0
    >>> infer_cell_size(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1).buffer(50)], crs="EPSG:4548")) is None
    True
    """
    size = gdf.attrs.get("cell_size") if hasattr(gdf, "attrs") else None
    if size is not None:
        try:
            value = float(np.max(np.asarray(size, dtype=float)))
        except (TypeError, ValueError):
            value = float("nan")
        if math.isfinite(value) and value > 0:
            return value
    geoms = gdf.geometry[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(geoms) == 0:
        return None
    if gdf.crs is not None and not gdf.crs.is_projected:
        geoms = geoms.to_crs(choose_metric_crs(gdf, metric_crs, "underserved areas"))
    rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms.values, dtype=object)))
    coords, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[1:] == idx[:-1]
    d = np.diff(coords, axis=0)[same]
    length = np.hypot(d[:, 0], d[:, 1])
    ok = length > 0
    d, length = d[ok], length[ok]
    axis = (np.abs(d[:, 0]) <= 1e-6 * length) | (np.abs(d[:, 1]) <= 1e-6 * length)
    if axis.sum() < 8 or axis.mean() < 0.5:
        return None
    lengths = np.round(length[axis], 1)
    values, counts = np.unique(lengths, return_counts=True)
    cell = float(values[np.argmax(counts)])
    ratio = lengths / cell
    if cell <= 0 or np.mean(np.abs(ratio - np.round(ratio)) < 0.01) < 0.5:
        return None
    return cell


def _by_category(gdf: gpd.GeoDataFrame) -> list:
    if "category" not in gdf.columns:
        return [("", gdf)]
    cats = gdf["category"].astype(str)
    return [(c, gdf[cats == c]) for c in sorted(cats.unique())]


_UNDERSERVED_LABELS = {
    "unit_id": "街乡 Unit id", "category": "设施 Category", "tier_min": "圈层 Tier (min)",
    "threshold_m": "阈值 Threshold (m)", "population": "未覆盖人口 Uncovered residents",
    "team_id": "团队编号 Team id", "team_name": "责任规划师团队 Team",
}

_HIGHLIGHT = {"weight": 3, "color": "#000000"}

_ON_EACH_FEATURE = (
    "function (feature, layer) {\n"
    "  var p = feature.properties || {};\n"
    "  if (p._tip) { layer.bindTooltip(p._tip, {sticky: true}); }\n"
    "  if (p._popup) { layer.bindPopup(p._popup, {maxWidth: 380, autoPanPaddingTopLeft: [60, 70],\n"
    "                                                autoPanPaddingBottomRight: [20, 20]}); }\n"
    "}"
)


# ----------------------------------------------------------------------------- audit map


_UNIT_TYPE_LABELS = {
    "street": "街道 street", "township": "乡 township", "town": "镇 town",
    "area": "地区/管理区 area", "community": "社区 community",
}


def _unit_popup(row: Mapping[str, Any]) -> str:
    status = str(row.get("status", ""))
    status_label = STATUS_STYLES.get(status, (None, escape_text(status)))[1]
    utype = row.get("unit_type", "")
    rows = [
        ("名称 Name", escape_text(row.get("name"))),
        ("编码 Unit id", escape_text(row.get("unit_id"))),
        ("类型 Type", escape_text(_UNIT_TYPE_LABELS.get(str(utype), utype))),
        ("状态 Status", escape_text(status_label)),
        ("团队 Team(s)", escape_text(row.get("team_names")) or escape_text(row.get("team_ids"))),
        ("角色 Role", escape_text(row.get("roles"))),
        ("机构类型 Organisation", escape_text(row.get("org_types"))),
        ("合同截止 Contract end", escape_text(row.get("contract_end"))),
        ("志愿者 Volunteers", escape_text(row.get("volunteers"))),
    ]
    return _rows_table(rows)


def audit_map(
    result_or_units: Any,
    findings: Optional[gpd.GeoDataFrame] = None,
    *,
    outline: Optional[gpd.GeoDataFrame] = None,
    title: Optional[str] = "责任规划师覆盖审查 Responsibility planner coverage audit",
    tiles: Optional[str] = None,
    tiles_attribution: Optional[str] = None,
    attribution: Union[str, Sequence[str], None] = None,
    note: Optional[str] = None,
    review_number: Optional[str] = None,
    simplify_m: float = 10.0,
    metric_crs: Any = None,
):
    """Build a web map of an audit: units coloured by status, overlays and boundary findings.

    Parameters
    ----------
    result_or_units : AuditResult or GeoDataFrame
        The result of :func:`planner_gis.audit.audit` (its ``units`` and
        ``findings`` are used), or its ``units`` frame. Needed columns:
        ``unit_id``, ``name``, ``status``; used when present: ``unit_type``,
        ``level``, ``team_ids``, ``team_names``, ``roles``, ``org_types``,
        ``contract_end``, ``volunteers``.
    findings : GeoDataFrame, optional
        Audit findings; ``boundary_gap`` and ``boundary_overlap`` rows with a
        polygon are drawn. Defaults to the result's findings.
    outline : GeoDataFrame, optional
        District outline to draw. If its ``source`` column mentions
        OpenStreetMap the ODbL attribution is added.
    title : str, optional
        Map title (escaped).
    tiles : str, optional
        Basemap tile URL template with ``{z}``, ``{x}``, ``{y}``. Default: no
        basemap and no request leaves the page.
    tiles_attribution : str, optional
        Attribution of the basemap.
    attribution : str or list of str, optional
        Further attributions of the data (escaped).
    note : str, optional
        Note on the data. Default: :data:`DEMO_NOTE` when a
        ``geometry_quality`` (or ``source``) column says schematic/synthetic.
    review_number : str, optional
        The map review number (审图号); without it a footnote says one is needed.
    simplify_m : float
        Display simplification tolerance in metres (see :func:`simplify_for_display`).
    metric_crs : optional
        Metric CRS for simplification (default by the CRS policy).

    Returns
    -------
    folium.Map
        Nothing is saved: use :func:`save_map`.

    Raises
    ------
    InputError
        If the units lack needed columns or ``tiles`` is not a URL template.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"unit_id": ["1", "2", "A"], "name": ["甲街道", "乙街道", "丙地区"],
    ...      "unit_type": ["street", "street", "area"], "level": ["base", "base", "overlay"],
    ...      "status": ["covered", "expiring", "unassigned"], "team_names": ["清华团队", "", ""]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(500, 200, 1500, 800)],
    ...     crs="EPSG:4548")
    >>> m = audit_map(units)
    >>> sorted(layer_names(m))
    ['管理区 Management areas (overlay)', '街乡 Units by status']
    """
    el = _elements()
    folium = el["folium"]
    if hasattr(result_or_units, "units"):
        units = result_or_units.units
        if findings is None:
            findings = getattr(result_or_units, "findings", None)
    else:
        units = result_or_units
    _frame_crs_check(units, "audit units")
    _require_columns(units, ("unit_id", "name", "status"), "audit units",
                     fix="pass AuditResult.units or the 'units' layer of audit.gpkg written by `planner-gis audit`")
    units = units.copy()
    for col in ("unit_type", "level", "team_ids", "team_names", "roles", "org_types", "contract_end", "volunteers"):
        if col not in units.columns:
            units[col] = ""
    level = units["level"].astype(str).str.lower()
    utype = units["unit_type"].astype(str).str.lower()
    is_overlay = (level == "overlay") | ((level.isin(["", "nan", "none"])) & (utype == "area"))

    shown = simplify_for_display(units, simplify_m, metric_crs, what="audit units", groups=is_overlay.to_numpy())
    wgs = units.to_crs(4326) if len(units) else units
    m = _new_map(wgs.total_bounds if len(wgs) else [np.nan] * 4, tiles, tiles_attribution, title)

    def _unit_props(frame: gpd.GeoDataFrame) -> list:
        props = []
        for _, row in frame.iterrows():
            status = str(row["status"])
            props.append({
                "_s": status if status in STATUS_STYLES else "other",
                "_tip": f"{escape_text(row['name'])} · {escape_text(STATUS_STYLES.get(status, ('', status))[1])}",
                "_popup": _unit_popup(row),
            })
        return props

    base = shown[~is_overlay.reindex(shown.index).fillna(False).astype(bool)]
    over = shown[is_overlay.reindex(shown.index).fillna(False).astype(bool)]

    def _status_style(feature: dict) -> dict:
        s = feature["properties"]["_s"]
        color = STATUS_STYLES[s][0] if s in STATUS_STYLES else OTHER_STATUS_COLOR
        return {"fillColor": color, "color": "#ffffff", "weight": 1.2, "fillOpacity": 0.65}

    if len(base):
        _geojson(
            m, _feature_collection(base, _unit_props(base)), name="街乡 Units by status",
            style_function=_status_style, highlight_function=lambda f: _HIGHLIGHT,
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE), pane=FILL_PANE,
        ).add_to(m)
    if len(over):
        _geojson(
            m, _feature_collection(over, _unit_props(over)), name="管理区 Management areas (overlay)",
            style_function=lambda f: {"color": OVERLAY_COLOR, "weight": 2.5, "fill": False, "dashArray": "8 4"},
            highlight_function=lambda f: {"weight": 4},
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
        ).add_to(m)

    kinds_drawn = []
    if findings is not None and len(findings) and "kind" in findings.columns and isinstance(findings, gpd.GeoDataFrame):
        for kind, color, label in (("boundary_gap", GAP_COLOR, "边界缺口 Boundary gaps"),
                                   ("boundary_overlap", OVERLAP_COLOR, "边界重叠 Boundary overlaps")):
            sel = findings[(findings["kind"].astype(str) == kind)]
            sel = sel[sel.geometry.notna() & ~sel.geometry.is_empty]
            if len(sel) == 0:
                continue
            _frame_crs_check(sel, "audit findings")
            fshown = simplify_for_display(sel, 0.0, metric_crs, what="audit findings")
            props = []
            for _, row in fshown.iterrows():
                props.append({
                    "_tip": escape_text(label),
                    "_popup": _rows_table([
                        ("问题 Finding", escape_text(label)),
                        ("级别 Severity", escape_text(row.get("severity"))),
                        ("街乡 Unit", escape_text(row.get("unit_id"))),
                        ("说明 Message", escape_text(row.get("message"))),
                    ]),
                })
            _geojson(
                m, _feature_collection(fshown, props), name=label,
                style_function=lambda f, c=color: {"color": c, "weight": 2.5, "fillColor": c, "fillOpacity": 0.55},
                on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
            ).add_to(m)
            kinds_drawn.append((color, escape_text(label), "fill"))

    _add_outline(m, outline, simplify_m, metric_crs)

    present = set(units["status"].astype(str))
    items = [(c, escape_text(lbl), "fill") for s, (c, lbl) in STATUS_STYLES.items() if s in present]
    others = sorted(present - set(STATUS_STYLES))
    if others:
        items.append((OTHER_STATUS_COLOR, escape_text("其他 Other: " + ", ".join(others)), "fill"))
    if len(over):
        items.append((OVERLAY_COLOR, escape_text("管理区 Management area"), "line"))
    items.extend(kinds_drawn)
    m.add_child(el["_Panel"](_legend_html("覆盖状态 Coverage status", items), "bottomright", "pg-legend"),
                name="pg_legend")
    if note is None and _is_demo(units, outline):
        note = DEMO_NOTE
    attributions = _as_list(attribution) + _outline_attribution(outline)
    _add_notes(m, note, review_number, attributions)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _as_list(value: Union[str, Sequence[str], None]) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


# ----------------------------------------------------------------------------- reach map


def _share_color(share: float) -> str:
    """Colour of a covered share (fraction 0..1) on the choropleth scale.

    >>> _share_color(0.0), _share_color(0.2), _share_color(1.0), _share_color(float("nan"))
    ('#d7191c', '#fdae61', '#1a9641', '#bdbdbd')
    """
    if share is None or not math.isfinite(share):
        return NO_DATA_COLOR
    for i in range(len(SHARE_COLORS)):
        if share < SHARE_BREAKS[i + 1]:
            return SHARE_COLORS[i]
    return SHARE_COLORS[-1]


def _fmt_share(share: float) -> str:
    return "—" if share is None or not math.isfinite(share) else f"{share * 100:.0f}%"


def _fmt_num(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return escape_text(value)
    if not math.isfinite(v):
        return ""
    return f"{v:,.0f}"


def _tier_key(category: Any) -> Optional[int]:
    """Minutes of a tier selector such as 15, "15", "15min", "15分钟"; else None.

    >>> _tier_key("15min"), _tier_key(10), _tier_key("park")
    (15, 10, None)
    """
    if isinstance(category, (int, np.integer)):
        return int(category)
    mt = re.fullmatch(r"\s*(\d+)\s*(min|minutes?|分钟)?\s*", str(category))
    return int(mt.group(1)) if mt else None


def reach_map(
    coverage_units: gpd.GeoDataFrame,
    underserved: Optional[gpd.GeoDataFrame] = None,
    isochrones: Optional[gpd.GeoDataFrame] = None,
    category: Any = None,
    *,
    outline: Optional[gpd.GeoDataFrame] = None,
    title: Optional[str] = "15分钟生活圈可达性 15-minute living circle reach",
    tiles: Optional[str] = None,
    tiles_attribution: Optional[str] = None,
    attribution: Union[str, Sequence[str], None] = None,
    note: Optional[str] = None,
    review_number: Optional[str] = None,
    simplify_m: float = 10.0,
    metric_crs: Any = None,
):
    """Build a choropleth web map of the population share within reach, per category.

    Parameters
    ----------
    coverage_units : GeoDataFrame
        Long format, one row per unit x category: ``unit_id``, ``category``
        and ``share`` (0..1; or ``population`` and ``covered_population`` to
        compute it); used when present: ``name``, ``tier_min``,
        ``threshold_m``, ``population``, ``covered_population``.
    underserved : GeoDataFrame, optional
        Underserved polygons, drawn hatched-red with a popup of their columns.
    isochrones : GeoDataFrame, optional
        Isochrone polygons, drawn as outlines; per category when they have a
        ``category`` column.
    category : str or int, optional
        Layer shown first: a category name, or a tier in minutes (``15``,
        ``"15min"``) for the mean covered share of that tier's categories.
        Default: the first category. Every category (and every tier) gets its
        own toggleable layer.
    outline, title, tiles, tiles_attribution, attribution, note, review_number, simplify_m, metric_crs
        As in :func:`audit_map`.

    Returns
    -------
    folium.Map

    Raises
    ------
    InputError
        If columns are missing or ``category`` is not in the data.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> cov = gpd.GeoDataFrame(
    ...     {"unit_id": ["1", "1", "2", "2"], "name": ["甲", "甲", "乙", "乙"],
    ...      "category": ["park", "clinic", "park", "clinic"], "tier_min": [15, 15, 15, 15],
    ...      "share": [0.9, 0.1, 0.5, None]},
    ...     geometry=[box(0, 0, 1000, 1000)] * 2 + [box(1000, 0, 2000, 1000)] * 2, crs="EPSG:4548")
    >>> m = reach_map(cov, category="park")
    >>> layer_names(m)
    ['clinic', 'park', '15分钟生活圈 15-min tier: mean of 2 categories']
    """
    el = _elements()
    folium = el["folium"]
    _frame_crs_check(coverage_units, "reach coverage")
    fix = "pass the 'coverage' layer of reach.gpkg written by `planner-gis reach` (one row per unit and category)"
    _require_columns(coverage_units, ("unit_id", "category"), "reach coverage", fix)
    cov = coverage_units.copy()
    if "share" not in cov.columns:
        _require_columns(cov, ("population", "covered_population"), "reach coverage (no 'share' column)", fix)
        pop = pd.to_numeric(cov["population"], errors="coerce")
        cov["share"] = pd.to_numeric(cov["covered_population"], errors="coerce") / pop.where(pop > 0)
    cov["share"] = pd.to_numeric(cov["share"], errors="coerce").astype(float)
    cov["category"] = cov["category"].astype(str)
    if "name" not in cov.columns:
        cov["name"] = cov["unit_id"]
    has_tier = "tier_min" in cov.columns
    if has_tier:
        cov["tier_min"] = pd.to_numeric(cov["tier_min"], errors="coerce")
    categories = sorted(cov["category"].unique())
    tier_rows = cov["category"].str.fullmatch(r"tier_\d+")
    plain_categories = sorted(cov.loc[~tier_rows, "category"].unique())
    tiers = sorted(int(t) for t in cov["tier_min"].dropna().unique()) if has_tier else []
    tiers = sorted(set(tiers) | {int(c[5:]) for c in cov.loc[tier_rows, "category"].unique()})

    shown_key: tuple
    if category is None:
        if not categories:
            raise InputError("reach coverage has no rows", fix=fix)
        shown_key = ("category", (plain_categories or categories)[0])
    elif str(category) in categories and str(category) not in ("tier_%d" % t for t in tiers):
        shown_key = ("category", str(category))
    elif re.fullmatch(r"tier_\d+", str(category)) and int(str(category)[5:]) in tiers:
        shown_key = ("tier", int(str(category)[5:]))
        shown_key = ("category", str(category))
    elif _tier_key(category) is not None and _tier_key(category) in tiers:
        shown_key = ("tier", _tier_key(category))
    else:
        raise InputError(
            f"category {category!r} is not in the reach coverage (categories: {', '.join(categories)}"
            + (f"; tiers: {', '.join(str(t) for t in tiers)} min" if tiers else "") + ")",
            fix="choose one of the listed categories or a tier in minutes",
        )

    # unit geometries, simplified once
    units = cov.drop_duplicates("unit_id")[["unit_id", "name", "geometry"]]
    units = gpd.GeoDataFrame(units, geometry="geometry", crs=cov.crs).set_index("unit_id", drop=False)
    groups = None
    if "level" in cov.columns:
        groups = cov.drop_duplicates("unit_id")["level"].astype(str).to_numpy()
    elif "unit_type" in cov.columns:
        groups = (cov.drop_duplicates("unit_id")["unit_type"].astype(str) == "area").to_numpy()
    shown_units = simplify_for_display(units, simplify_m, metric_crs, what="reach coverage", groups=groups)
    wgs = units.to_crs(4326)
    m = _new_map(wgs.total_bounds, tiles, tiles_attribution, title)

    def _add_choropleth(label: str, per_unit: pd.DataFrame, show: bool, detail: str) -> None:
        per_unit = per_unit.reindex(shown_units.index)
        props = []
        for uid, row in per_unit.iterrows():
            share = row["share"]
            share = float(share) if pd.notna(share) else float("nan")
            name = shown_units.at[uid, "name"]
            rows = [("名称 Name", escape_text(name)), ("编码 Unit id", escape_text(uid)),
                    ("图层 Layer", escape_text(label)), ("覆盖率 Covered share", _fmt_share(share))]
            for col, lbl in (("population", "人口 Population"), ("covered_population", "覆盖人口 Covered"),
                             ("threshold_m", "阈值 Threshold (m)"), ("tier_min", "圈层 Tier (min)")):
                if col in row.index and pd.notna(row[col]):
                    rows.append((lbl, _fmt_num(row[col])))
            if detail:
                rows.append(("说明 Note", escape_text(detail)))
            props.append({"_c": _share_color(share),
                          "_tip": f"{escape_text(name)} · {escape_text(label)}: {_fmt_share(share)}",
                          "_popup": _rows_table(rows)})
        _geojson(
            m, _feature_collection(shown_units, props), name=escape_text(label), show=show, overlay=False,
            pane=FILL_PANE,
            style_function=lambda f: {"fillColor": f["properties"]["_c"], "color": "#ffffff",
                                      "weight": 1.0, "fillOpacity": 0.75},
            highlight_function=lambda f: _HIGHLIGHT,
            on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
        ).add_to(m)

    shown_tier_label = ""
    numeric_cols = [c for c in ("population", "covered_population", "threshold_m", "tier_min") if c in cov.columns]
    zh = {}
    if "category_zh" in cov.columns:
        zh = {str(k): str(v) for k, v in cov.drop_duplicates("category").set_index("category")["category_zh"].items()
              if pd.notna(v) and str(v).strip() and str(v) != str(k)}
    cat_label: dict = {}  # category -> choropleth layer label (unescaped)
    tier_cats: dict = {}  # tier label -> categories it stands for
    for cat in plain_categories:
        sub = cov[cov["category"] == cat].drop_duplicates("unit_id").set_index("unit_id")
        label = f"{zh[cat]} {cat}" if cat in zh else cat
        cat_label[cat] = label
        if shown_key == ("category", cat):
            shown_tier_label = label
        _add_choropleth(label, sub[["share"] + numeric_cols], shown_key == ("category", cat), "")
    for t in tiers:
        if f"tier_{t}" in categories:  # the reach engine's joint coverage of the tier
            cat = f"tier_{t}"
            sub = cov[cov["category"] == cat].drop_duplicates("unit_id").set_index("unit_id")
            label = f"{t}分钟生活圈 {t}-min tier: all categories ({cat})"
            cat_label[cat] = label
            if has_tier:
                tier_cats[label] = sorted(cov.loc[(cov["tier_min"] == t) & cov["category"].isin(plain_categories),
                                                  "category"].unique())
            if shown_key in (("tier", t), ("category", cat)):
                shown_tier_label = label
                shown_key = ("tier", t)
            _add_choropleth(label, sub[["share"] + numeric_cols], shown_key == ("tier", t),
                            "share of residents who reach every category of the tier")
            continue
        sub = cov[(cov["tier_min"] == t) & cov["category"].isin(plain_categories)]
        cats_t = sorted(sub["category"].unique())
        agg = sub.groupby("unit_id").agg(share=("share", "mean"))
        if "population" in sub.columns:
            agg["population"] = pd.to_numeric(sub.groupby("unit_id")["population"].first(), errors="coerce")
        agg["tier_min"] = t
        label = (f"{t}分钟生活圈 {t}-min tier: mean of {len(cats_t)} "
                 + ("category" if len(cats_t) == 1 else "categories"))
        tier_cats[label] = cats_t
        if shown_key == ("tier", t):
            shown_tier_label = label
        _add_choropleth(label, agg, shown_key == ("tier", t),
                        f"mean covered share of: {', '.join(cats_t)}")

    def labels_of(cat: str, tiers: bool = True) -> list:
        """Escaped choropleth labels under which a category's extra layers are shown."""
        if cat == "":  # no category column: shown with every choropleth
            return [escape_text(lbl) for lbl in [*cat_label.values(), *tier_cats]]
        out = [cat_label[cat]] if cat in cat_label else []
        if tiers:
            out += [lbl for lbl, cats in tier_cats.items() if cat in cats]
        return [escape_text(lbl) for lbl in out]

    # Isochrones and underserved areas follow the choropleth shown: one overlay
    # each, whose content is swapped when another category is picked.
    follow = []
    if isochrones is not None and len(isochrones):
        _frame_crs_check(isochrones, "isochrones")
        iso = isochrones
        if "threshold_m" in iso.columns and "category" in iso.columns and "threshold_m" in cov.columns:
            # draw each category's isochrones at its own threshold only
            own = cov.drop_duplicates("category").set_index("category")["threshold_m"]
            own = pd.to_numeric(own, errors="coerce")
            want = iso["category"].astype(str).map(own)
            keep = want.isna() | (pd.to_numeric(iso["threshold_m"], errors="coerce") == want)
            iso = iso[keep.to_numpy()]
        if "category" in iso.columns and len(iso):
            # one outline per category: the area within reach of any of its facilities
            iso = iso[iso.geometry.notna()]
            iso = gpd.GeoDataFrame(
                {"category": sorted(iso["category"].astype(str).unique())},
                geometry=[shapely.union_all(np.asarray(g.geometry.values, dtype=object))
                          for _, g in sorted(iso.groupby(iso["category"].astype(str)), key=lambda kv: kv[0])],
                crs=iso.crs)
        iso = simplify_for_display(_fill_small_holes(iso, ISOCHRONE_MIN_HOLE_M2, metric_crs), simplify_m,
                                   metric_crs, what="isochrones", as_coverage=False)
        group = folium.FeatureGroup(name="等时圈 Isochrones", overlay=True, show=True).add_to(m)
        members: dict = {}
        for cat, g in _by_category(iso):
            layer = _geojson(
                m, _feature_collection(g, [{} for _ in range(len(g))]), show=False, control=False, interactive=False,
                style_function=lambda f: {"color": "#2171b5", "weight": 0.8, "fill": True,
                                          "fillColor": "#6baed6", "fillOpacity": 0.15},
            ).add_to(group)
            for label in labels_of(cat):
                members.setdefault(label, []).append(layer.get_name())
        follow.append((group.get_name(), members))

    if underserved is not None and len(underserved):
        _frame_crs_check(underserved, "underserved areas")
        # traced from population cells: their staircase outlines are only
        # accurate to a cell, so each is simplified (Douglas-Peucker) to
        # within half a cell; pieces of neighbouring units are not a clean
        # coverage (clipped cells), so per polygon
        cell = infer_cell_size(underserved, metric_crs)
        und_tol = max(simplify_m, cell) if (cell and simplify_m) else simplify_m
        und = simplify_for_display(
            underserved, und_tol, metric_crs, what="underserved areas", as_coverage=False,
            groups=underserved["category"].astype(str).to_numpy() if "category" in underserved.columns else None)
        group = folium.FeatureGroup(name="服务不足 Underserved", overlay=True, show=True).add_to(m)
        members = {}
        for cat, g in _by_category(und):
            cols = [c for c in g.columns if c != g.geometry.name][:10]
            props = []
            for _, row in g.iterrows():
                rows = [(_UNDERSERVED_LABELS.get(c, escape_text(c)),
                         _fmt_num(row[c]) if isinstance(row[c], (float, np.floating)) else escape_text(row[c]))
                        for c in cols]
                props.append({"_tip": f"服务不足 Underserved · {escape_text(cat_label.get(cat, cat))}".rstrip(" ·"),
                              "_popup": _rows_table(rows)})
            layer = _geojson(
                m, _feature_collection(g, props), show=False, control=False,
                style_function=lambda f: {"color": "#67000d", "weight": 1, "fillColor": "#67000d",
                                          "fillOpacity": 0.35},
                on_each_feature=folium.JsCode(_ON_EACH_FEATURE),
            ).add_to(group)
            # a tier's map would be cluttered by all its categories' areas: exact category only
            for label in labels_of(cat, tiers=False):
                members.setdefault(label, []).append(layer.get_name())
        follow.append((group.get_name(), members))

    _add_outline(m, outline, simplify_m, metric_crs)
    items = []
    for i, color in enumerate(SHARE_COLORS):
        lo, hi = SHARE_BREAKS[i] * 100, SHARE_BREAKS[i + 1] * 100
        items.append((color, f"{lo:.0f}–{hi:.0f}%" if i < len(SHARE_COLORS) - 1 else f"{lo:.0f}–{hi:.0f}%", "fill"))
    items.append((NO_DATA_COLOR, escape_text("无居民 No residents"), "fill"))
    if underserved is not None and len(underserved):
        items.append(("#67000d", escape_text("服务不足 Underserved"), "fill"))
    if isochrones is not None and len(isochrones):
        items.append(("#2171b5", escape_text("等时圈 Isochrone"), "line"))
    shown_label = shown_tier_label
    legend_title = ("覆盖人口比例 Covered share: "
                    f'<span class="pg-legend-layer">{escape_text(shown_label)}</span>')
    m.add_child(el["_Panel"](_legend_html(legend_title, items), "bottomright", "pg-legend"), name="pg_legend")
    m.add_child(el["_Script"](_LEGEND_FOLLOWS_LAYER), name="pg_legend_follow")
    if follow:
        m.add_child(el["_Script"](_follow_script(follow, escape_text(shown_label))), name="pg_follow")
    if note is None and _is_demo(coverage_units, underserved, outline):
        note = DEMO_NOTE
    _add_notes(m, note, review_number, _as_list(attribution) + _outline_attribution(outline))
    # a long list of categories would cover the legend: fold it into the layers button
    folium.LayerControl(collapsed=len(layer_names(m)) > 10).add_to(m)
    return m


# ----------------------------------------------------------------------------- inspecting and saving


def layer_names(m) -> list:
    """Names of the layers in a map's layer control (HTML-escaped, as in the page).

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"unit_id": ["1"], "name": ["x"], "status": ["covered"]},
    ...                      geometry=[box(0, 0, 10, 10)], crs="EPSG:4548")
    >>> layer_names(audit_map(u))
    ['街乡 Units by status']
    """
    folium = _folium()
    out = []
    for child in m._children.values():
        if isinstance(child, folium.map.Layer) and child.control and not isinstance(child, folium.TileLayer):
            out.append(child.layer_name)
    return out


def map_html(m) -> str:
    """Render a map to the text of its self-contained HTML page."""
    return m.get_root().render()


def save_map(m, path: PathLike, inputs: Iterable[Optional[PathLike]] = ()) -> Path:
    """Save a map as one self-contained UTF-8 HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`audit_map` or :func:`reach_map` (any folium map works,
        but only these inline Leaflet instead of linking a CDN).
    path : str or Path
        Target ``.html`` file. Written to a temporary file first and renamed.
    inputs : iterable of paths
        Input files the map was made from; ``path`` may not be one of them.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        If ``path`` is an input, a folder, or not an ``.html``/``.htm`` file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"unit_id": ["1"], "name": ["x"], "status": ["covered"]},
    ...                      geometry=[box(0, 0, 10, 10)], crs="EPSG:4548")
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = save_map(audit_map(u), d / "map.html")
    >>> p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    >>> save_map(audit_map(u), d / "map.html", inputs=[d / "map.html"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.OutputError: output ... would overwrite the input .... Fix: choose another output folder or file name
    """
    from .io import check_not_inputs, write_text

    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a folder", fix="give a file name ending in .html")
    if target.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"{target}: a web map must be saved as .html", fix="give a file name ending in .html")
    check_not_inputs([target], list(inputs))
    return write_text(map_html(m), target)


__all__ = [
    "audit_map",
    "reach_map",
    "save_map",
    "map_html",
    "layer_names",
    "simplify_for_display",
    "leaflet_assets",
    "escape_text",
    "STATUS_STYLES",
    "SHARE_BREAKS",
    "SHARE_COLORS",
    "OSM_ATTRIBUTION",
    "DEMO_NOTE",
    "REVIEW_FOOTNOTE",
]
