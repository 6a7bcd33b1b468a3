"""The folium elements of the web maps: inlined assets, shared geometry and text stores, compact layers.

This module imports folium, so the rest of :mod:`planner_gis.webmap` imports
it only when a map is built (``import planner_gis`` stays light).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import shapely
from branca.element import MacroElement
from folium.template import Template

from .assets import leaflet_assets, static_text
from .encoding import COORD_SCALE, encode_geometries, js_literal, quantize_geometry, split_text


class InlineAssets(MacroElement):
    """Leaflet and the page helpers, inlined into the page's head (no CDN link)."""

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
        self.extra_css = static_text("pg.css")
        self.pg_js = static_text("pg.js")


class GeometryStore(MacroElement):
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
        """The encoded geometries as a script literal."""
        return js_literal(encode_geometries(self.geometries, self.scale))


class TextStore(MacroElement):
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
        """The text pieces as a script literal."""
        return js_literal(self.pieces)


class CompactGeoJson(folium.GeoJson):
    """A folium GeoJson layer whose geometry lives in the map's :class:`GeometryStore`.

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
        self.js_options = js_literal(self.options)

    def render(self, **kwargs):
        """Write the layer: geometry indices, text references and a table of the distinct styles."""
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
        self.spec = js_literal(spec)
        folium.map.Layer.render(self, **kwargs)


class Panel(MacroElement):
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


class Title(MacroElement):
    """The map title, over the map (``content`` already escaped)."""

    _template = Template(
        "{% macro html(this, kwargs) %}"
        '<div class="pg-title">{{ this.content }}</div>'
        "{% endmacro %}"
    )

    def __init__(self, content: str):
        super().__init__()
        self._name = "Title"
        self.content = content


class Attribution(MacroElement):
    """The metric scale bar and the attributions of the data (``texts`` already escaped)."""

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


class Script(MacroElement):
    """A trusted script snippet; ``__PG_MAP__`` is replaced by the map's variable name."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.code.replace('__PG_MAP__', this._parent.get_name()) }}\n"
        "{% endmacro %}"
    )

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code

