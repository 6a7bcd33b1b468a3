"""The page's assets: Leaflet (from XStatic-Leaflet) and the project's own JavaScript and CSS.

The project's page code lives as package files, ``planner_gis/webmap/static/pg.js``
and ``pg.css``, read with :mod:`importlib.resources`; both are inlined into
every saved map with Leaflet, so a map needs no network.
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from pathlib import Path

from ..errors import PlannerGisError


@functools.lru_cache(maxsize=4)
def static_text(name: str) -> str:
    """Text of a file of ``planner_gis/webmap/static/``.

    >>> "function pgDecode" in static_text("pg.js"), ".pg-legend" in static_text("pg.css")
    (True, True)
    """
    return resources.files("planner_gis.webmap").joinpath("static", name).read_text(encoding="utf-8")


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

    def _data_uri(match: re.Match[str]) -> str:
        img = base / match.group(1)
        data = base64.b64encode(img.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", _data_uri, css)
    for text, what in ((js, "leaflet.js"), (css, "leaflet.css")):
        if "</script" in text.lower() or "</style" in text.lower():  # would end the inline block
            raise PlannerGisError(f"{base / what} contains a closing HTML tag and cannot be inlined",
                                  fix="reinstall XStatic-Leaflet")
    return js, css, str(xleaflet.VERSION)
