"""The page of a web map: the shared options, a new (or existing) map, layers, notes, saving.

Every web map is one :class:`folium.Map` carrying the page's scaffolding:
Leaflet and the page helpers inlined (no CDN), a pane for area fills, and a
store of every polygon and every piece of popup text written once. The layer
functions (:func:`~planner_gis.webmap.audit_map`,
:func:`~planner_gis.webmap.reach_map`) make such a map, or add their layers to
one given as ``m=`` (as geopandas' ``explore(m=...)``), so an audit and a
reach can share one page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..constants import PathLike
from ..crs import require_crs
from ..errors import InputError, OutputError
from ..io import check_not_inputs, write_text
from .encoding import escape_text
from .simplify import simplify_for_display

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
#: Child names of the map's page elements.
ASSETS = "pg_inline_assets"
NOTES = "pg_notes"
ATTRIBUTION = "pg_attribution"
#: The page function binding a feature's ``_tip`` and ``_popup`` (``static/pg.js``).
BIND_TEXT = "pgBindText"


@dataclasses.dataclass(frozen=True)
class MapOptions:
    """The settings shared by every web map, as one object (reuse one for several maps).

    Attributes
    ----------
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
        Display simplification tolerance in metres (see
        :func:`~planner_gis.webmap.simplify_for_display`).
    metric_crs : optional
        Metric CRS for simplification (default by the CRS policy).

    Examples
    --------
    >>> opts = MapOptions(review_number="京S(2024)001号")
    >>> merge_options(opts, simplify_m=0.0).review_number, merge_options(opts, simplify_m=0.0).simplify_m
    ('京S(2024)001号', 0.0)
    """

    tiles: str | None = None
    tiles_attribution: str | None = None
    attribution: str | Sequence[str] | None = None
    note: str | None = None
    review_number: str | None = None
    simplify_m: float = 10.0
    metric_crs: Any = None


def merge_options(options: MapOptions | None, **keywords: Any) -> MapOptions:
    """``options`` (default :class:`MapOptions`) with the keywords that differ from their default put in."""
    defaults = MapOptions()
    changed = {k: v for k, v in keywords.items() if v is not getattr(defaults, k) and v != getattr(defaults, k)}
    return dataclasses.replace(options if options is not None else defaults, **changed)


def folium_module():
    """The folium module, imported when a map is built (``import planner_gis`` stays light)."""
    import folium

    return folium


def _elements():
    """The page's folium elements (:mod:`planner_gis.webmap.elements`, which imports folium)."""
    from . import elements  # imports folium

    return elements


def check_tiles(tiles: str | None) -> None:
    """Refuse a ``tiles`` value that is not a tile URL template with ``{z}``, ``{x}`` and ``{y}``."""
    if tiles is None:
        return
    if not isinstance(tiles, str) or not all(k in tiles for k in _TEMPLATE_KEYS):
        raise InputError(
            f"tiles={tiles!r} is not a tile URL template",
            fix="give a URL with {z}, {x} and {y}, e.g. an intranet tile server "
                "'http://tiles.local/{z}/{x}/{y}.png', or leave tiles=None for no basemap",
        )



def new_map(bounds_wgs84: Sequence[float], title: str | None, options: MapOptions):
    """An empty map fitted to ``bounds_wgs84`` with the page's scaffolding, basemap and title."""
    folium = folium_module()
    el = _elements()
    check_tiles(options.tiles)
    minx, miny, maxx, maxy = bounds_wgs84
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        minx, miny, maxx, maxy = 116.1, 39.7, 116.6, 40.1  # Beijing, for an empty map
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, control_scale=False,
                   prefer_canvas=False, zoom_start=12, zoom_snap=0.25)
    prepare_page(m)
    if options.tiles is not None:
        tiles = options.tiles
        attr = escape_text(options.tiles_attribution) if options.tiles_attribution else escape_text(
            "basemap: " + re.sub(r"^[a-z]+://", "", tiles).split("/")[0])
        folium.TileLayer(tiles=tiles, attr=attr, name="底图 Basemap", overlay=False, control=False).add_to(m)
    if title:
        m.add_child(el.Title(escape_text(title)), name="pg_title")
        m.get_root().title = escape_text(title)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def prepare_page(m) -> None:
    """Give a folium map the page's scaffolding, once: inlined assets, the fill pane and the stores."""
    if ASSETS in m._children:
        return
    folium = folium_module()
    el = _elements()
    # No CDN links: Leaflet is inlined by InlineAssets; folium's other defaults
    # (jQuery, Bootstrap, awesome-markers) are not needed by these maps.
    m.default_js = []
    m.default_css = []
    m.add_child(el.InlineAssets(), name=ASSETS)
    # Area fills live in a pane below the default overlay pane, so outlines,
    # findings and underserved areas stay on top whichever layer is toggled.
    folium.map.CustomPane(FILL_PANE, z_index=350, pointer_events=True).add_to(m)
    # every polygon of the map, written once; the layers refer to it (before them in the page)
    m.add_child(el.GeometryStore(), name=GEOMETRY_STORE)
    m.add_child(el.TextStore(), name=TEXT_STORE)


def map_for(m, bounds_gdf: gpd.GeoDataFrame, title: str | None, options: MapOptions):
    """``m`` prepared for more layers, or a new map fitted to ``bounds_gdf`` when ``m`` is None."""
    if m is not None:
        prepare_page(m)
        return m
    wgs = bounds_gdf.to_crs(4326) if len(bounds_gdf) else bounds_gdf
    return new_map(wgs.total_bounds if len(wgs) else [np.nan] * 4, title, options)


def geojson_layer(m, data: dict, **kwargs: Any):
    """A layer of ``data`` whose geometry is stored once in the map ``m`` (see ``CompactGeoJson``)."""
    return _elements().CompactGeoJson(data, store=m._children[GEOMETRY_STORE], texts=m._children[TEXT_STORE],
                                      **kwargs)


def bind_text():
    """The ``on_each_feature`` code that binds each feature's tooltip and popup."""
    return folium_module().JsCode(BIND_TEXT)


def feature_collection(gdf: gpd.GeoDataFrame, props: Sequence[Mapping[str, Any]]) -> dict:
    """A GeoJSON FeatureCollection of the geometries of ``gdf`` with the properties ``props``."""
    feats = []
    for i, (geom, p) in enumerate(zip(gdf.geometry.values, props)):
        feats.append({"type": "Feature", "id": str(i), "properties": dict(p),
                      "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


def add_panel(m, name: str, html: str, position: str = "bottomright", css_class: str = "pg-legend") -> None:
    """Add (or replace) a control ``name`` showing ``html`` (already escaped)."""
    m.add_child(_elements().Panel(html, position, css_class), name=name)


def add_script(m, name: str, code: str) -> None:
    """Add (or replace) a trusted script ``name``; ``__PG_MAP__`` stands for the map."""
    m.add_child(_elements().Script(code), name=name)


def add_notes(m, options: MapOptions, attributions: Sequence[str], demo: bool) -> None:
    """The notes panel (data note, review number or its footnote) and the attributions, merged over calls.

    A map that gets layers from several functions keeps every note and
    attribution once; the review footnote shows until one of them gives a
    review number.
    """
    state = m.__dict__.setdefault("_pg_notes", {"notes": [], "review": [], "attributions": []})
    note = options.note if options.note is not None else (DEMO_NOTE if demo else None)
    for key, values in (("notes", [note]), ("review", [options.review_number]),
                        ("attributions", [*as_list(options.attribution), *attributions])):
        state[key] += [v for v in values if v and v not in state[key]]
    parts = [f"<p>{escape_text(n)}</p>" for n in state["notes"]]
    if state["review"]:
        parts += [f"<p>审图号 Map review number: {escape_text(r)}</p>" for r in state["review"]]
    else:
        parts.append(f"<p>{escape_text(REVIEW_FOOTNOTE)}</p>")
    add_panel(m, NOTES, "".join(parts), "bottomleft", "pg-note")
    # also adds the metric scale bar
    m.add_child(_elements().Attribution([escape_text(a) for a in state["attributions"]]), name=ATTRIBUTION)


def add_layer_control(m) -> None:
    """The layer control, last (one per map; folded when many layers would cover the legend)."""
    folium = folium_module()
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]
    folium.LayerControl(collapsed=len(layer_names(m)) > 10).add_to(m)


def is_demo(*frames: pd.DataFrame | None) -> bool:
    """True if a ``geometry_quality``, ``data_quality`` or ``source`` column says schematic or synthetic."""
    for f in frames:
        if f is None:
            continue
        for col in ("geometry_quality", "data_quality", "source"):
            if col in f.columns:
                vals = f[col].astype(str).str.lower()
                if vals.str.contains("schematic|synthetic", regex=True).any():
                    return True
    return False


def outline_attribution(outline: gpd.GeoDataFrame | None) -> list:
    """The ODbL attribution when the outline's ``source``/``attribution`` mentions OpenStreetMap."""
    if outline is None:
        return []
    for col in ("source", "attribution"):
        if col in outline.columns and outline[col].astype(str).str.contains("OpenStreetMap", case=False).any():
            return [OSM_ATTRIBUTION]
    return []


def add_outline(m, outline: gpd.GeoDataFrame | None, options: MapOptions) -> None:
    """Draw the district outline (dashed, not interactive)."""
    if outline is None or len(outline) == 0:
        return
    out = simplify_for_display(outline, options.simplify_m, options.metric_crs, what="outline")
    data = feature_collection(out, [{} for _ in range(len(out))])
    geojson_layer(
        m, data, name="区界 District outline", interactive=False,
        style_function=lambda f: {"color": "#252525", "weight": 2.5, "fill": False, "dashArray": "6 4"},
    ).add_to(m)


def check_frame(gdf: gpd.GeoDataFrame, what: str) -> None:
    """Refuse anything but a GeoDataFrame with a CRS."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(f"{what} is a {type(gdf).__name__}, not a GeoDataFrame",
                         fix="pass the GeoDataFrame (or the AuditResult) the audit or reach step returned")
    if gdf.crs is None:
        require_crs(gdf, what)


def as_list(value: str | Sequence[str] | None) -> list:
    """``value`` as a list of strings (one string is one item)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def by_category(gdf: gpd.GeoDataFrame) -> list:
    """``(category, rows)`` pairs in category order; one pair ``("", gdf)`` without a category column."""
    if "category" not in gdf.columns:
        return [("", gdf)]
    cats = gdf["category"].astype(str)
    return [(c, gdf[cats == c]) for c in sorted(cats.unique())]


# ----------------------------------------------------------------------------- inspecting and saving


def layer_names(m) -> list:
    """Names of the layers in a map's layer control (HTML-escaped, as in the page).

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from planner_gis.webmap import audit_map
    >>> u = gpd.GeoDataFrame({"unit_id": ["1"], "name": ["x"], "status": ["covered"]},
    ...                      geometry=[box(0, 0, 10, 10)], crs="EPSG:4548")
    >>> layer_names(audit_map(u))
    ['街乡 Units by status']
    """
    folium = folium_module()
    out = []
    for child in m._children.values():
        if isinstance(child, folium.map.Layer) and child.control and not isinstance(child, folium.TileLayer):
            out.append(child.layer_name)
    return out


def map_html(m) -> str:
    """Render a map to the text of its self-contained HTML page."""
    return m.get_root().render()


def save_map(m, path: PathLike, inputs: Iterable[PathLike | None] = ()) -> Path:
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
    >>> from planner_gis.webmap import audit_map
    >>> u = gpd.GeoDataFrame({"unit_id": ["1"], "name": ["x"], "status": ["covered"]},
    ...                      geometry=[box(0, 0, 10, 10)], crs="EPSG:4548")
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = save_map(audit_map(u), d / "map.html")
    >>> p.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    >>> save_map(audit_map(u), d / "map.html", inputs=[d / "map.html"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.OutputError: output ... would overwrite the input .... Fix: choose another output folder ...
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a folder", fix="give a file name ending in .html")
    if target.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"{target}: a web map must be saved as .html", fix="give a file name ending in .html")
    check_not_inputs([target], list(inputs))
    return write_text(map_html(m), target)


