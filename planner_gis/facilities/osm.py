"""OpenStreetMap facilities: classifying features by their tags and reading them from extracts.

The catalogue's ``osm_tags`` rules (:func:`~planner_gis.facilities.rules.parse_osm_tags`)
say which tags make a category; :func:`classify_osm` applies them to features,
:func:`osm_facilities` reads and classifies the features of an ``.osm.pbf``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..constants import PathLike
from ..crs import require_crs, to_metric
from ..errors import InputError
from .catalogue import check_catalogue
from .rules import ladders, parse_osm_tags, pick_category


def _tag_values(gdf: pd.DataFrame, key: str, parsed_tags: list | None) -> pd.Series:
    """Values of OSM tag ``key`` per feature: the column if present, else the ``tags`` JSON."""
    if key in gdf.columns:
        col = gdf[key]
        s = col.astype("object").where(col.notna(), None)
        s = s.map(lambda v: None if v is None else str(v))
        if parsed_tags is None:
            return s.reset_index(drop=True)
        extra = pd.Series([t.get(key) if t else None for t in parsed_tags], dtype="object")
        s = s.reset_index(drop=True)
        return s.where(s.notna(), extra)
    if parsed_tags is None:
        return pd.Series([None] * len(gdf), dtype="object")
    return pd.Series([None if not t or t.get(key) is None else str(t.get(key)) for t in parsed_tags],
                     dtype="object")



def _parse_tags_column(gdf: pd.DataFrame) -> list | None:
    """The ``tags`` column of pyrosm features as dicts (None where not a JSON object; None without the column)."""
    if "tags" not in gdf.columns:
        return None
    out = []
    for v in gdf["tags"]:
        if isinstance(v, dict):
            out.append(v)
        elif isinstance(v, str) and v.strip().startswith("{"):
            try:
                d = json.loads(v)
                out.append(d if isinstance(d, dict) else None)
            except ValueError:
                out.append(None)
        else:
            out.append(None)
    return out



def _cond_mask(values: pd.Series, op: str, value: str) -> np.ndarray:
    """Which values meet one condition ``key op value`` (values of ``key``, None where absent)."""
    present = values.notna().to_numpy()
    if op == "=":
        if value == "*":
            return present & (values.fillna("").str.lower() != "no").to_numpy()
        return present & (values.fillna("") == value).to_numpy()
    return present & values.fillna("").str.contains(value, regex=True).to_numpy()


def classify_osm(gdf: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> pd.Series:
    """Category of each OpenStreetMap feature, from its tags.

    Tags are read from columns named after the keys (as pyrosm's ``get_pois``
    and ``get_data_by_custom_criteria`` return them) and, for keys without a
    column, from the JSON text of pyrosm's ``tags`` column.

    Rules: a feature gets the category whose ``osm_tags`` alternative matches
    with the most conditions (``amenity=school&name~中学`` beats
    ``amenity=school``); ties go to the earlier catalogue row. Categories with
    a ``min_area_ha`` (parks) need a polygon at least that large, measured in
    the metric CRS of :func:`planner_gis.crs.to_metric`; of the rungs of a
    ladder the largest one the polygon qualifies for wins. A point or line
    with a ladder's tags gets the lowest rung (its area is unknown). Polygons
    smaller than the lowest rung get no category.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        OSM features. A GeoDataFrame with a CRS is needed only when the
        catalogue has minimum areas.
    catalogue : DataFrame, optional
        From :func:`load_catalogue`; default the shipped catalogue.

    Returns
    -------
    Series
        Category name or ``<NA>``, index aligned with ``gdf``, named ``category``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> g = gpd.GeoDataFrame({
    ...     "amenity": ["school", "school", "bench", None, None],
    ...     "leisure": [None, None, None, "park", "park"],
    ...     "name": ["第一小学", "第八中学", None, "大公园", "小绿地"],
    ... }, geometry=[Point(0, 0), Point(1, 1), Point(2, 2),
    ...              box(0, 0, 300, 200), box(0, 0, 50, 50)], crs="EPSG:4548")
    >>> classify_osm(g).tolist()
    ['primary_school', 'middle_school', <NA>, 'park_15min', <NA>]
    """
    cat = check_catalogue(catalogue)
    cat = cat.assign(_rule=cat["osm_tags"].str.replace(r"\s+", "", regex=True))
    n = len(gdf)
    rules = [parse_osm_tags(t) for t in cat["osm_tags"]]
    keys = {c[0] for alts in rules for alt in alts for c in alt}
    parsed = _parse_tags_column(gdf) if any(k not in gdf.columns for k in keys) else None
    values = {k: _tag_values(gdf, k, parsed) for k in keys}

    scores = np.full((n, len(cat)), -1, dtype=np.int64)
    for j, alts in enumerate(rules):
        for alt in alts:
            m = np.ones(n, dtype=bool)
            for key, op, value in alt:
                m &= _cond_mask(values[key], op, value)
            scores[:, j] = np.where(m, np.maximum(scores[:, j], len(alt)), scores[:, j])

    ladder = ladders(cat)
    if ladder and scores[:, list(ladder)].max(initial=-1) >= 0:
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InputError("classify_osm: the catalogue has minimum areas but the features have no geometry",
                             fix="pass a GeoDataFrame with a CRS")
        require_crs(gdf, "OSM features")
        metric = to_metric(gdf, what="OSM features")
        geom = metric.geometry.to_numpy()
        polygonal = np.isin(shapely.get_type_id(geom), [3, 6])  # Polygon, MultiPolygon
        area_ha = np.where(polygonal, shapely.area(geom) / 10_000.0, np.nan)
        for j, (amin, lowest) in ladder.items():
            ok = np.where(polygonal, area_ha >= amin - 1e-9, lowest)
            scores[:, j] = np.where(ok, scores[:, j], -1)
    out = pick_category(scores, cat)
    out.index = gdf.index
    out.name = "category"
    return out



def osm_filter(catalogue: pd.DataFrame | None = None) -> dict[str, bool | list[str]]:
    """The pyrosm ``custom_filter`` that fetches every feature the catalogue can classify.

    The first condition of each ``osm_tags`` alternative names the key to ask
    for; ``key=value`` conditions ask for those values, ``key=*`` and
    ``key~text`` for every value.

    >>> f = osm_filter()
    >>> f["amenity"][:3], f["leisure"][:2]
    (['arts_centre', 'childcare', 'clinic'], ['fitness_centre', 'fitness_station'])
    """
    cat = check_catalogue(catalogue)
    wanted: dict[str, bool | set] = {}
    for text in cat["osm_tags"]:
        for alt in parse_osm_tags(text):
            key, op, value = alt[0]
            if op == "~" or value == "*":
                wanted[key] = True
            elif wanted.get(key) is not True:
                wanted.setdefault(key, set()).add(value)
    return {k: (True if v is True else sorted(v)) for k, v in sorted(wanted.items())}


def osm_facilities(path: PathLike, catalogue: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Facilities of an OpenStreetMap extract (``.osm.pbf``), classified by the catalogue.

    Reads the features :func:`osm_filter` asks for with pyrosm's ``get_pois``,
    classifies them with :func:`classify_osm` and keeps the classified ones.

    Returns
    -------
    GeoDataFrame
        Columns ``osm_id``, ``osm_type``, ``name``, ``category`` and geometry
        (points and polygons), in WGS84.

    Raises
    ------
    InputError
        If pyrosm is missing or cannot read the file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file not found", fix="check the path of the OpenStreetMap extract")
    try:
        from pyrosm import OSM
    except ImportError:
        raise InputError(f"{p}: reading .osm.pbf needs pyrosm",
                         fix="pip install 'planner-gis[osm]' (or pip install pyrosm)") from None
    cat = check_catalogue(catalogue)
    try:
        pois = OSM(str(p)).get_pois(custom_filter=osm_filter(cat))
    except Exception as exc:
        raise InputError(f"{p}: pyrosm cannot read facilities ({exc})",
                         fix="check that the file is an OpenStreetMap .osm.pbf extract") from None
    cols = ["osm_id", "osm_type", "name", "category", "geometry"]
    if pois is None or len(pois) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry="geometry", crs="EPSG:4326")
    pois = pois[pois.geometry.notna() & ~pois.geometry.is_empty]
    category = classify_osm(pois, cat)
    keep = category.notna()
    out = gpd.GeoDataFrame(
        {
            "osm_id": pois["id"].to_numpy()[keep.to_numpy()] if "id" in pois else np.arange(int(keep.sum())),
            "osm_type": pois["osm_type"].to_numpy()[keep.to_numpy()] if "osm_type" in pois else "",
            "name": pois["name"].to_numpy()[keep.to_numpy()] if "name" in pois else None,
            "category": category[keep].to_numpy(),
        },
        geometry=pois.geometry.to_numpy()[keep.to_numpy()],
        crs=pois.crs or "EPSG:4326",
    )
    return out


