"""The facility catalogue: which facilities a living circle needs, and how far away.

The catalogue is a CSV table with one row per facility category. The default
(``planner_gis/data/catalogue.csv``) follows GB 50180-2018 《城市居住区规划设计标准》
(Standard for urban residential area planning and design):

* the 5-, 10- and 15-minute living circles (生活圈) are walks of 300 m,
  500 m and 800-1000 m (Table 3.0.4); 1000 m is used for the 15-minute tier;
* the facilities and their service radii come from Appendix B: Table B.0.1
  (15- and 10-minute living circles: 初中 <= 1000 m, 小学 <= 500 m,
  菜市场或生鲜超市 <= 500 m, 卫生服务中心, 养老院, 文化活动中心, 大型多功能运动场地)
  and Table B.0.2 (5-minute living circle: 幼儿园, 老年人日间照料中心,
  社区卫生服务站, 社区商业网点, 室外综合健身场地, each <= 300 m);
* parks come from Table 4.0.7 (公共绿地控制指标): a park counts for the
  5-, 10- or 15-minute tier from 0.4 ha, 1 ha and 5 ha respectively.

Each row also says how to recognise the category in data planners have:

``osm_tags``
    OpenStreetMap tag rules, alternatives separated by ``|``; an alternative
    is one or more conditions joined by ``&``. A condition is ``key=value``,
    ``key=*`` (any value except ``no``) or ``key~text`` (the value contains
    the regular expression ``text``), e.g.
    ``amenity=social_facility&social_facility=nursing_home|amenity=nursing_home``.
``poi_types``
    Amap (高德) / Baidu (百度) POI type prefixes, ``|``-separated, with the
    provider's ``;`` between levels, e.g. ``科教文化服务;学校;小学``.
``name_keywords``
    ``|``-separated words looked for in POI names when the type says nothing
    (Amap has no type for 养老驿站 or 健身广场).
``min_area_ha``
    Minimum area of a polygon feature; categories sharing the same
    ``osm_tags`` and having a minimum area form a *ladder* (the three park
    tiers): a polygon gets the highest rung it is large enough for.

Users replace the file with their own (``load_catalogue(path)``, ``--catalogue``
on the command line), e.g. to follow a local standard such as Beijing's
DB11/1100. The clause numbers in the default file are the authors' reading of
the standard; check them against the official text before citing them in a
statutory plan.

Examples
--------
>>> cat = load_catalogue()
>>> row = cat.set_index("category").loc["primary_school"]
>>> int(row.tier_min), float(row.threshold_m)
(10, 500.0)
>>> sorted(cat.groupby("tier_min").size().to_dict().items())
[(5, 6), (10, 3), (15, 6)]
"""

from __future__ import annotations

import json
import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import list_ids
from .crs import require_crs, to_metric
from .errors import GeometryError, InputError

PathLike = Union[str, os.PathLike]

#: Columns every catalogue must have.
REQUIRED_COLUMNS = (
    "category",
    "name_zh",
    "name_en",
    "tier_min",
    "threshold_m",
    "min_area_ha",
    "osm_tags",
    "poi_types",
)
#: Optional columns, filled with empty text when missing.
OPTIONAL_COLUMNS = ("name_keywords", "gb50180_ref")
#: The living-circle tiers of GB 50180-2018, in minutes.
TIERS = (5, 10, 15)

_CATEGORY_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")
_COND_RE = re.compile(r"^\s*([^=~&|]+?)\s*([=~])\s*(.*?)\s*$")


def default_catalogue_path() -> Path:
    """Path of the catalogue shipped with the package.

    >>> default_catalogue_path().name
    'catalogue.csv'
    """
    return Path(str(resources.files("planner_gis") / "data" / "catalogue.csv"))


# ----------------------------------------------------------------------------- OSM tag rules


def parse_osm_tags(text: str) -> list[list[tuple[str, str, str]]]:
    """Parse an ``osm_tags`` cell into alternatives of ``(key, op, value)`` conditions.

    ``op`` is ``"="`` (equals; value ``*`` means any value but ``no``) or
    ``"~"`` (regular-expression search in the value).

    >>> parse_osm_tags("amenity=kindergarten|amenity=school&name~中学")
    [[('amenity', '=', 'kindergarten')], [('amenity', '=', 'school'), ('name', '~', '中学')]]
    >>> parse_osm_tags("")
    []
    """
    text = "" if text is None else str(text).strip()
    if not text:
        return []
    alternatives = []
    for alt in text.split("|"):
        conds = []
        for part in alt.split("&"):
            m = _COND_RE.match(part)
            if not m or not m.group(1) or not m.group(3):
                raise ValueError(f"condition {part.strip()!r} is not key=value, key=* or key~text")
            key, op, value = m.groups()
            if op == "~":
                re.compile(value)  # raises re.error on a bad pattern
            conds.append((key, op, value))
        alternatives.append(conds)
    return alternatives


def _split_list(text: Any) -> list[str]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [p.strip() for p in str(text).split("|") if p.strip()]


# ----------------------------------------------------------------------------- loading


def load_catalogue(path: Optional[PathLike] = None) -> pd.DataFrame:
    """Read and validate a facility catalogue CSV.

    Parameters
    ----------
    path : str or Path, optional
        A CSV (UTF-8 or GB18030) or Excel file with the columns
        ``category, name_zh, name_en, tier_min, threshold_m, min_area_ha,
        osm_tags, poi_types`` (and optionally ``name_keywords, gb50180_ref``).
        Default: the GB 50180-2018 catalogue shipped with planner-gis.

    Returns
    -------
    DataFrame
        One row per category, in file order: ``tier_min`` as int,
        ``threshold_m`` and ``min_area_ha`` as float (NaN when blank), the
        text columns as str. ``attrs["source"]`` holds the file path.

    Raises
    ------
    InputError
        Missing columns, a blank or duplicated category, a tier other than 5,
        10 or 15, a threshold that is not a positive number, a negative
        minimum area or an OSM rule that cannot be parsed. The message names
        the file, the CSV line and the fix.

    Examples
    --------
    >>> cat = load_catalogue()
    >>> row = cat.set_index("category").loc["park_10min"]
    >>> row.name_zh, float(row.min_area_ha)
    ('社区公园(≥1公顷)', 1.0)
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "cat.csv"
    >>> _ = bad.write_text(
    ...     "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\\n"
    ...     "school,小学,School,20,500,,amenity=school,\\n", encoding="utf-8")
    >>> load_catalogue(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.InputError: ...cat.csv line 2 (category 'school'): tier_min '20' is not one of 5, 10, 15...
    """
    from .io import read_table

    p = Path(path) if path is not None else default_catalogue_path()
    raw = read_table(p)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"catalogue {p}: missing column(s) {', '.join(missing)} "
            f"(columns present: {', '.join(raw.columns)})",
            fix="start from planner_gis/data/catalogue.csv and keep its header row",
        )
    if len(raw) == 0:
        raise InputError(f"catalogue {p}: no rows", fix="add one row per facility category")
    df = raw.copy()
    for col in OPTIONAL_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    for col in df.columns:
        df[col] = df[col].fillna("").astype(str).str.strip()

    tiers, thresholds, areas = [], [], []
    for i, row in df.iterrows():
        where = f"catalogue {p} line {int(i) + 2} (category {row['category']!r})"
        cat = row["category"]
        if not cat:
            raise InputError(f"catalogue {p} line {int(i) + 2}: blank category",
                             fix="give every row a category name such as 'kindergarten'")
        if not _CATEGORY_RE.match(cat):
            raise InputError(f"{where}: category name may only contain letters, digits, '_' and '-'",
                             fix="rename it, e.g. 'food_market'")
        try:
            tier = int(float(row["tier_min"]))
            ok = float(row["tier_min"]) == tier and tier in TIERS
        except ValueError:
            ok = False
        if not ok:
            raise InputError(f"{where}: tier_min {row['tier_min']!r} is not one of 5, 10, 15",
                             fix="use the living-circle tier in minutes of GB 50180-2018: 5, 10 or 15")
        try:
            thr = float(row["threshold_m"])
        except ValueError:
            thr = float("nan")
        if not (math.isfinite(thr) and thr > 0):
            raise InputError(f"{where}: threshold_m {row['threshold_m']!r} is not a positive number of metres",
                             fix="give the walking distance in metres, e.g. 300, 500 or 1000")
        area_txt = row["min_area_ha"]
        if area_txt == "":
            area = float("nan")
        else:
            try:
                area = float(area_txt)
            except ValueError:
                area = float("nan")
            if not (math.isfinite(area) and area >= 0):
                raise InputError(f"{where}: min_area_ha {area_txt!r} is not a number >= 0",
                                 fix="give the minimum area in hectares, or leave the cell empty")
        try:
            parse_osm_tags(row["osm_tags"])
        except (ValueError, re.error) as exc:
            raise InputError(f"{where}: osm_tags cannot be parsed ({exc})",
                             fix="write rules as key=value, key=* or key~text, joined by & and "
                                 "separated by |, e.g. 'amenity=school&name~中学|amenity=college'") from None
        tiers.append(tier)
        thresholds.append(thr)
        areas.append(area)
    dup = df["category"][df["category"].duplicated(keep=False)]
    if len(dup):
        lines = [int(i) + 2 for i in dup.index]
        raise InputError(f"catalogue {p}: category {dup.iloc[0]!r} appears more than once (lines {list_ids(lines)})",
                         fix="give every row its own category name, or merge the rows")
    df["tier_min"] = np.asarray(tiers, dtype=int)
    df["threshold_m"] = np.asarray(thresholds, dtype=float)
    df["min_area_ha"] = np.asarray(areas, dtype=float)
    cols = list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)
    df = df[cols + [c for c in df.columns if c not in cols]].reset_index(drop=True)
    df.attrs["source"] = str(p)
    return df


def _check_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(catalogue, pd.DataFrame) or any(c not in catalogue.columns for c in REQUIRED_COLUMNS):
        raise InputError("catalogue: not a catalogue table (columns missing)",
                         fix="load it with planner_gis.catalogue.load_catalogue(path)")
    return catalogue.reset_index(drop=True)


def _ladders(catalogue: pd.DataFrame) -> dict[int, tuple[float, bool]]:
    """For each catalogue row with a minimum area: (min area, is lowest rung of its ladder).

    A ladder is the set of rows with a minimum area that share the same
    recognition rule (``key``).
    """
    out: dict[int, tuple[float, bool]] = {}
    for _key, grp in catalogue[catalogue["min_area_ha"].notna()].groupby("_rule", sort=False):
        lowest = grp["min_area_ha"].min()
        for i, a in grp["min_area_ha"].items():
            out[int(i)] = (float(a), bool(a == lowest))
    return out


def _pick(scores: np.ndarray, catalogue: pd.DataFrame) -> pd.Series:
    """Per row of ``scores`` (n x k; -1 = no match), the winning category or NA.

    Highest score wins, then the larger minimum area (ladders), then catalogue order.
    """
    n, k = scores.shape
    if k == 0 or n == 0:
        return pd.Series([pd.NA] * n, dtype="object")
    area = catalogue["min_area_ha"].fillna(-1.0).to_numpy()
    area_rank = np.argsort(np.argsort(area, kind="stable"), kind="stable")  # 0..k-1
    order = np.arange(k)
    key = scores.astype(np.int64) * (k * k) + area_rank[None, :] * k + (k - 1 - order)[None, :]
    key = np.where(scores >= 0, key, -1)
    best = key.argmax(axis=1)
    matched = key.max(axis=1) >= 0
    cats = catalogue["category"].to_numpy(dtype=object)
    values = np.where(matched, cats[best], None)
    return pd.Series(values, dtype="object").where(matched, pd.NA)


# ----------------------------------------------------------------------------- classification


def _tag_values(gdf: pd.DataFrame, key: str, parsed_tags: Optional[list]) -> pd.Series:
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


def _parse_tags_column(gdf: pd.DataFrame) -> Optional[list]:
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
    present = values.notna().to_numpy()
    if op == "=":
        if value == "*":
            return present & (values.fillna("").str.lower() != "no").to_numpy()
        return present & (values.fillna("") == value).to_numpy()
    return present & values.fillna("").str.contains(value, regex=True).to_numpy()


def classify_osm(gdf: pd.DataFrame, catalogue: Optional[pd.DataFrame] = None) -> pd.Series:
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
    cat = _check_catalogue(catalogue if catalogue is not None else load_catalogue())
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

    ladders = _ladders(cat)
    if ladders and scores[:, list(ladders)].max(initial=-1) >= 0:
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise InputError("classify_osm: the catalogue has minimum areas but the features have no geometry",
                             fix="pass a GeoDataFrame with a CRS")
        require_crs(gdf, "OSM features")
        metric = to_metric(gdf, what="OSM features")
        geom = metric.geometry.to_numpy()
        polygonal = np.isin(shapely.get_type_id(geom), [3, 6])  # Polygon, MultiPolygon
        area_ha = np.where(polygonal, shapely.area(geom) / 10_000.0, np.nan)
        for j, (amin, lowest) in ladders.items():
            ok = np.where(polygonal, area_ha >= amin - 1e-9, lowest)
            scores[:, j] = np.where(ok, scores[:, j], -1)
    out = _pick(scores, cat)
    out.index = gdf.index
    out.name = "category"
    return out


def _split_type(t: str) -> list[str]:
    return [s.strip() for s in str(t).split(";") if s.strip()]


def classify_poi_types(
    types: Union[pd.Series, Sequence[Optional[str]]],
    catalogue: Optional[pd.DataFrame] = None,
    names: Optional[Union[pd.Series, Sequence[Optional[str]]]] = None,
    areas_ha: Optional[Union[pd.Series, Sequence[Optional[float]]]] = None,
) -> pd.Series:
    """Category of each Amap / Baidu POI from its type string (longest-prefix match).

    A POI type such as ``科教文化服务;学校;小学`` (Amap) or ``教育培训;小学``
    (Baidu) matches a catalogue prefix when the prefix's ``;``-separated levels
    equal the type's first levels; the prefix with the most levels wins (then
    the longer text, then the earlier catalogue row). Several types in one
    string (Amap joins them with ``|``) are all tried. POIs whose type matches
    nothing are matched by ``name_keywords`` in ``names`` (longest keyword
    wins). For ladder categories (parks) ``areas_ha`` picks the rung; without
    an area a POI gets the lowest rung.

    Parameters
    ----------
    types : Series or sequence of str
        The POI type strings (``type`` of Amap, ``tag`` of Baidu); None allowed.
    catalogue : DataFrame, optional
        From :func:`load_catalogue`; default the shipped catalogue.
    names : Series or sequence of str, optional
        POI names, for the keyword fallback.
    areas_ha : Series or sequence of float, optional
        Area of each POI's polygon (AOI) in hectares, when known.

    Returns
    -------
    Series
        Category or ``<NA>``, index aligned with ``types`` when it is a Series.

    Examples
    --------
    >>> classify_poi_types(["科教文化服务;学校;小学", "教育培训;幼儿园", "餐饮服务;中餐厅;中餐厅",
    ...                     "购物服务;便民商店/便利店;便民商店/便利店|购物服务;超级市场;超市"]).tolist()
    ['primary_school', 'kindergarten', <NA>, 'convenience_store']
    >>> classify_poi_types(["生活服务;生活服务场所;生活服务场所", None],
    ...                    names=["卢沟桥养老驿站", "某某敬老院"]).tolist()
    ['elderly_daycare', 'elderly_home']
    >>> classify_poi_types(["风景名胜;公园广场;公园"] * 3, areas_ha=[0.2, 2.0, None]).tolist()
    [<NA>, 'park_10min', 'park_5min']
    """
    cat = _check_catalogue(catalogue if catalogue is not None else load_catalogue())
    cat = cat.assign(_rule=cat["poi_types"].str.replace(r"\s+", "", regex=True))
    index = types.index if isinstance(types, pd.Series) else None
    tlist = list(types)
    n = len(tlist)
    prefixes = [[_split_type(p) for p in _split_list(t)] for t in cat["poi_types"]]
    keywords = [_split_list(k) for k in cat["name_keywords"]] if "name_keywords" in cat else [[]] * len(cat)

    scores = np.full((n, len(cat)), -1, dtype=np.int64)
    for i, t in enumerate(tlist):
        if t is None or (isinstance(t, float) and math.isnan(t)):
            continue
        parts = [_split_type(x) for x in str(t).split("|") if x.strip()]
        for j, plist in enumerate(prefixes):
            best = -1
            for pre in plist:
                for part in parts:
                    if len(pre) <= len(part) and part[: len(pre)] == pre:
                        best = max(best, len(pre) * 1000 + len("".join(pre)))
            scores[i, j] = best
    if names is not None:
        nlist = list(names)
        if len(nlist) != n:
            raise InputError(f"classify_poi_types: {len(nlist)} names for {n} types",
                             fix="pass one name per POI")
        for i, name in enumerate(nlist):
            if scores[i].max() >= 0 or name is None or (isinstance(name, float) and math.isnan(name)):
                continue
            for j, kws in enumerate(keywords):
                hits = [len(k) for k in kws if k in str(name)]
                if hits:
                    scores[i, j] = max(hits)

    ladders = _ladders(cat)
    if ladders:
        if areas_ha is None:
            area = np.full(n, np.nan)
        else:
            area = pd.to_numeric(pd.Series(list(areas_ha), dtype="object"), errors="coerce").to_numpy(float)
            if len(area) != n:
                raise InputError(f"classify_poi_types: {len(area)} areas for {n} types",
                                 fix="pass one area per POI (NaN when unknown)")
        known = np.isfinite(area)
        for j, (amin, lowest) in ladders.items():
            ok = np.where(known, area >= amin - 1e-9, lowest)
            scores[:, j] = np.where(ok, scores[:, j], -1)
    out = _pick(scores, cat)
    if index is not None:
        out.index = index
    out.name = "category"
    return out


# ----------------------------------------------------------------------------- access points


def _ring_points(ring: shapely.Geometry, spacing: float) -> np.ndarray:
    length = ring.length
    if length <= 0:
        return np.asarray([shapely.get_point(ring, 0)], dtype=object)
    closed = bool(shapely.is_closed(ring))
    n = max(1, int(math.ceil(length / spacing - 1e-9)))
    if closed:
        d = np.arange(n) * (length / n)
    else:
        d = np.linspace(0.0, length, n + 1)
    return shapely.line_interpolate_point(ring, d)


def facility_access_points(
    facilities: gpd.GeoDataFrame,
    catalogue: Optional[pd.DataFrame] = None,
    category_column: str = "category",
    entrances: Optional[gpd.GeoDataFrame] = None,
    spacing: float = 50.0,
    entrance_tolerance: float = 5.0,
    id_column: Optional[str] = None,
    nest: bool = True,
    metric_crs: Any = None,
    unknown: str = "raise",
) -> gpd.GeoDataFrame:
    """Points at which walkers reach each facility.

    Rule:

    * a point facility is reached at its point (multi-points at each point);
    * a polygon facility (a park, a school ground) is reached at its
      entrances where known: the points of ``entrances`` lying within
      ``entrance_tolerance`` metres of the polygon's outer boundary; a polygon
      without such an entrance is reached at points along its outer boundary,
      evenly spaced at most ``spacing`` metres apart (the first at the ring's
      start vertex); holes are not entry points;
    * a line facility is reached at points along it, at most ``spacing``
      metres apart, both ends included;
    * with ``nest=True`` a polygon of a ladder category (parks) also serves
      the lower rungs: a 6 ha park (``park_15min``) is a park of at least 1 ha
      and 0.4 ha too, so its access points are repeated for ``park_10min``
      and ``park_5min``.

    Features with a blank category are skipped (unclassified data).

    Parameters
    ----------
    facilities : GeoDataFrame
        Facilities with a CRS and a category column.
    catalogue : DataFrame, optional
        From :func:`load_catalogue`; default the shipped catalogue.
    category_column : str
        Column holding the catalogue category of each facility.
    entrances : GeoDataFrame, optional
        Entrance points (OSM ``entrance=*``, ``barrier=gate``, surveyed gates).
    spacing : float
        Maximum distance in metres between boundary points.
    entrance_tolerance : float
        How close (metres) an entrance must be to a boundary to belong to it.
    id_column : str, optional
        Column identifying a facility; default the index.
    nest : bool
        Repeat ladder polygons for the lower rungs (see above).
    metric_crs : int, str or pyproj.CRS, optional
        Metric CRS to work in; default chosen by :func:`planner_gis.crs.to_metric`.
    unknown : {"raise", "ignore"}
        What to do with categories the catalogue does not know: raise an
        :class:`InputError`, or skip those features and count them in
        ``result.attrs["ignored_categories"]`` (``{category: count}``).

    Returns
    -------
    GeoDataFrame
        Columns ``facility_id``, ``category`` (the category served),
        ``facility_category`` (the facility's own category), ``access``
        (``point``, ``entrance``, ``boundary`` or ``line``) and point
        ``geometry``, in the metric CRS.

    Raises
    ------
    InputError
        The category column is missing or holds categories the catalogue does not know.
    GeometryError
        A facility has no geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> fac = gpd.GeoDataFrame({"category": ["kindergarten", "park_10min"]},
    ...     geometry=[Point(10, 10), box(0, 0, 100, 100)], crs="EPSG:4548")
    >>> pts = facility_access_points(fac)
    >>> pts.groupby(["category", "access"]).size().to_dict()
    {('kindergarten', 'point'): 1, ('park_10min', 'boundary'): 8, ('park_5min', 'boundary'): 8}
    >>> gate = gpd.GeoDataFrame(geometry=[Point(50, -2), Point(500, 500)], crs="EPSG:4548")
    >>> pts = facility_access_points(fac, entrances=gate, nest=False)
    >>> [(r.category, r.access, r.geometry.x, r.geometry.y) for r in pts.itertuples()]
    [('kindergarten', 'point', 10.0, 10.0), ('park_10min', 'entrance', 50.0, -2.0)]
    """
    cat = _check_catalogue(catalogue if catalogue is not None else load_catalogue())
    if category_column not in facilities.columns:
        have = ", ".join(str(c) for c in facilities.columns if c != facilities.geometry.name)
        raise InputError(
            f"facilities: no category column '{category_column}' (columns present: {have})",
            fix="name the column holding the catalogue category (--category-column), "
                "or classify the features first with classify_osm / classify_poi_types",
        )
    if not (spacing > 0):
        raise InputError(f"spacing {spacing!r} is not a positive number of metres", fix="use e.g. spacing=50")
    require_crs(facilities, "facilities")
    fac = to_metric(facilities, metric_crs, what="facilities")
    crs = fac.crs
    ids = fac[id_column] if id_column is not None else pd.Series(fac.index, index=fac.index)
    cats = fac[category_column].astype("object")
    blank = cats.isna() | (cats.astype(str).str.strip() == "")
    if unknown not in ("raise", "ignore"):
        raise ValueError(f"unknown={unknown!r}: use 'raise' or 'ignore'")
    known = set(cat["category"])
    stripped = cats.astype(str).str.strip()
    strange = sorted({c for c in stripped[~blank]} - known)
    ignored: dict[str, int] = {}
    if strange and unknown == "ignore":
        is_strange = ~blank & ~stripped.isin(known)
        ignored = {str(k): int(v) for k, v in stripped[is_strange].value_counts().sort_index().items()}
        blank = blank | is_strange
    elif strange:
        unknown_list = strange
        raise InputError(
            f"facilities: column '{category_column}' has categories the catalogue does not know: "
            f"{list_ids(unknown_list)} (known: {', '.join(cat['category'])})",
            fix="correct the values, or add rows for them to the catalogue CSV (--catalogue)",
        )
    fac = fac[~blank]
    ids = ids[~blank]
    geoms = fac.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise GeometryError(
            f"facilities: {int(bad.sum())} facility(ies) without geometry (id {list_ids(ids[bad])})",
            fix="delete these features or give them a location",
        )

    # lower rungs served by each ladder category
    tmp = cat.assign(_rule=cat["osm_tags"].str.replace(r"\s+", "", regex=True))
    lower: dict[str, list[str]] = {c: [] for c in cat["category"]}
    if nest:
        for _key, grp in tmp[tmp["min_area_ha"].notna()].groupby("_rule", sort=False):
            for c, a in zip(grp["category"], grp["min_area_ha"]):
                lower[c] = [c2 for c2, a2 in zip(grp["category"], grp["min_area_ha"]) if a2 < a]

    ent_tree = None
    ent_geoms = None
    if entrances is not None and len(entrances):
        require_crs(entrances, "entrances")
        ent = entrances.to_crs(crs)
        ent = ent.explode(index_parts=False)
        ent_geoms = ent.geometry.to_numpy()
        ent_geoms = ent_geoms[shapely.get_type_id(ent_geoms) == 0]
        ent_tree = shapely.STRtree(ent_geoms)

    rows_id, rows_cat, rows_fcat, rows_acc, rows_geom = [], [], [], [], []

    def emit(fid, fcat, access, points, polygonal):
        served = [fcat] + (lower[fcat] if polygonal else [])
        for c in served:
            for p in points:
                rows_id.append(fid)
                rows_cat.append(c)
                rows_fcat.append(fcat)
                rows_acc.append(access)
                rows_geom.append(p)

    for fid, fcat, g in zip(ids.tolist(), cats[~blank].astype(str).str.strip().tolist(), geoms):
        tid = shapely.get_type_id(g)
        if tid in (0, 4):  # Point, MultiPoint
            emit(fid, fcat, "point", list(shapely.get_parts(g)), False)
        elif tid in (1, 2, 5):  # LineString, LinearRing, MultiLineString
            pts = [p for part in shapely.get_parts(g) for p in _ring_points(part, spacing)]
            emit(fid, fcat, "line", pts, False)
        elif tid in (3, 6):  # Polygon, MultiPolygon
            parts = shapely.get_parts(g)
            rings = [shapely.get_exterior_ring(p) for p in parts]
            found = []
            if ent_tree is not None:
                for ring in rings:
                    hit = ent_tree.query(ring, predicate="dwithin", distance=entrance_tolerance)
                    found.extend(ent_geoms[np.sort(hit)])
            if found:
                emit(fid, fcat, "entrance", found, True)
            else:
                pts = [p for ring in rings for p in _ring_points(ring, spacing)]
                emit(fid, fcat, "boundary", pts, True)
        else:  # GeometryCollection: use its parts' representative points
            emit(fid, fcat, "point", [shapely.point_on_surface(p) for p in shapely.get_parts(g)], False)

    out = gpd.GeoDataFrame(
        {
            "facility_id": pd.Series(rows_id, dtype="object"),
            "category": pd.Series(rows_cat, dtype="object"),
            "facility_category": pd.Series(rows_fcat, dtype="object"),
            "access": pd.Series(rows_acc, dtype="object"),
        },
        geometry=gpd.GeoSeries(rows_geom, crs=crs),
        crs=crs,
    )
    out.attrs["ignored_categories"] = ignored
    return out


# ----------------------------------------------------------------------------- OSM extracts


def osm_filter(catalogue: Optional[pd.DataFrame] = None) -> dict[str, Union[bool, list[str]]]:
    """The pyrosm ``custom_filter`` that fetches every feature the catalogue can classify.

    The first condition of each ``osm_tags`` alternative names the key to ask
    for; ``key=value`` conditions ask for those values, ``key=*`` and
    ``key~text`` for every value.

    >>> f = osm_filter()
    >>> f["amenity"][:3], f["leisure"][:2]
    (['arts_centre', 'childcare', 'clinic'], ['fitness_centre', 'fitness_station'])
    """
    cat = _check_catalogue(catalogue if catalogue is not None else load_catalogue())
    wanted: dict[str, Union[bool, set]] = {}
    for text in cat["osm_tags"]:
        for alt in parse_osm_tags(text):
            key, op, value = alt[0]
            if op == "~" or value == "*":
                wanted[key] = True
            elif wanted.get(key) is not True:
                wanted.setdefault(key, set()).add(value)
    return {k: (True if v is True else sorted(v)) for k, v in sorted(wanted.items())}


def osm_facilities(path: PathLike, catalogue: Optional[pd.DataFrame] = None) -> gpd.GeoDataFrame:
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
    cat = _check_catalogue(catalogue if catalogue is not None else load_catalogue())
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


__all__ = [
    "REQUIRED_COLUMNS",
    "TIERS",
    "default_catalogue_path",
    "load_catalogue",
    "parse_osm_tags",
    "classify_osm",
    "classify_poi_types",
    "facility_access_points",
    "osm_filter",
    "osm_facilities",
]
