"""Coverage web maps: self-contained, offline-safe Leaflet maps of audit and reach results.

Two layer functions build a :class:`folium.Map` (or add to one given as
``m=``, like geopandas' ``explore(m=...)``) and save nothing:

* :func:`audit_map` -- units coloured by coverage status (covered, contract
  expiring, several teams, unassigned), management areas as an outlined
  overlay, boundary gaps and overlaps highlighted, a popup per unit with its
  teams, a legend and a title.
* :func:`reach_map` -- a choropleth of the population share covered within the
  living-circle threshold, one toggleable layer per facility category (and per
  tier), underserved areas and isochrones when given.
* :func:`suggest_map` -- suggested facility sites and the areas they newly
  cover (add them to the reach map with ``m=``).

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

Modules: :mod:`~planner_gis.webmap.audit` and :mod:`~planner_gis.webmap.reach`
(the layer functions), :mod:`~planner_gis.webmap.page` (the map, its shared
:class:`MapOptions`, notes, saving), :mod:`~planner_gis.webmap.symbology`
(classes and colours from ``data/map_styles.json``),
:mod:`~planner_gis.webmap.encoding` (compact coordinates, escaped text),
:mod:`~planner_gis.webmap.simplify` (display geometry),
:mod:`~planner_gis.webmap.elements` and :mod:`~planner_gis.webmap.assets`
(the page's folium elements, Leaflet and ``static/pg.js``, ``static/pg.css``).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> units = gpd.GeoDataFrame(
...     {"unit_id": ["a", "b"], "name": ["右安门街道", "<b>B</b>"],
...      "unit_type": ["street", "street"], "status": ["covered", "unassigned"]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)], crs="EPSG:4548")
>>> m = audit_map(units, title="Demo")
>>> m = reach_map(gpd.GeoDataFrame({"unit_id": ["a"], "category": ["park"], "share": [0.8]},
...                                geometry=[box(0, 0, 1000, 1000)], crs="EPSG:4548"), m=m)
>>> html = map_html(m)
>>> "<b>B</b>" in html, "<script src=" in html
(False, False)
>>> sorted(layer_names(m))
['park', '街乡 Units by status']
"""

from __future__ import annotations

from .assets import leaflet_assets
from .audit import audit_map
from .encoding import COORD_SCALE, encode_geometries, encode_polyline, escape_text, quantize_geometry, split_text
from .page import DEMO_NOTE, OSM_ATTRIBUTION, REVIEW_FOOTNOTE, MapOptions, layer_names, map_html, save_map
from .reach import reach_map
from .suggest import suggest_map
from .simplify import ISOCHRONE_MIN_HOLE_M2, infer_cell_size, simplify_for_display
from .symbology import (
    GAP_COLOR,
    NO_DATA_COLOR,
    OTHER_STATUS_COLOR,
    OVERLAP_COLOR,
    OVERLAY_COLOR,
    SHARE_BREAKS,
    SHARE_COLORS,
    STATUS_STYLES,
)

__all__ = [
    "audit_map",
    "reach_map",
    "suggest_map",
    "save_map",
    "map_html",
    "layer_names",
    "MapOptions",
    "simplify_for_display",
    "infer_cell_size",
    "leaflet_assets",
    "escape_text",
    "encode_polyline",
    "encode_geometries",
    "quantize_geometry",
    "split_text",
    "COORD_SCALE",
    "ISOCHRONE_MIN_HOLE_M2",
    "STATUS_STYLES",
    "OTHER_STATUS_COLOR",
    "OVERLAY_COLOR",
    "GAP_COLOR",
    "OVERLAP_COLOR",
    "SHARE_BREAKS",
    "SHARE_COLORS",
    "NO_DATA_COLOR",
    "OSM_ATTRIBUTION",
    "DEMO_NOTE",
    "REVIEW_FOOTNOTE",
]
