"""Amap (高德) and Baidu (百度) POIs: classifying them by their type strings and names."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .catalogue import check_catalogue
from .rules import ladders, pick_category, split_list


def _split_type(t: str) -> list[str]:
    """The ``;``-separated levels of a POI type."""
    return [s.strip() for s in str(t).split(";") if s.strip()]


def classify_poi_types(
    types: pd.Series | Sequence[str | None],
    catalogue: pd.DataFrame | None = None,
    names: pd.Series | Sequence[str | None] | None = None,
    areas_ha: pd.Series | Sequence[float | None] | None = None,
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
    cat = check_catalogue(catalogue)
    cat = cat.assign(_rule=cat["poi_types"].str.replace(r"\s+", "", regex=True))
    index = types.index if isinstance(types, pd.Series) else None
    tlist = list(types)
    prefixes = [[_split_type(p) for p in split_list(t)] for t in cat["poi_types"]]
    keywords = [split_list(k) for k in cat["name_keywords"]] if "name_keywords" in cat else [[]] * len(cat)

    scores = _type_scores(tlist, prefixes)
    if names is not None:
        _keyword_scores(scores, list(names), keywords)
    ladder = ladders(cat)
    if ladder:
        _apply_areas(scores, ladder, areas_ha)
    out = pick_category(scores, cat)
    if index is not None:
        out.index = index
    out.name = "category"
    return out


def _type_scores(types: list, prefixes: list) -> np.ndarray:
    """Score (n x categories) of the longest catalogue prefix matching each type; -1 for no match."""
    scores = np.full((len(types), len(prefixes)), -1, dtype=np.int64)
    for i, t in enumerate(types):
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
    return scores


def _keyword_scores(scores: np.ndarray, names: list, keywords: list) -> None:
    """Score POIs whose type matched nothing by the longest ``name_keywords`` word in their name, in place."""
    n = len(scores)
    if len(names) != n:
        raise InputError(f"classify_poi_types: {len(names)} names for {n} types",
                         fix="pass one name per POI")
    for i, name in enumerate(names):
        if scores[i].max() >= 0 or name is None or (isinstance(name, float) and math.isnan(name)):
            continue
        for j, kws in enumerate(keywords):
            hits = [len(k) for k in kws if k in str(name)]
            if hits:
                scores[i, j] = max(hits)


def _apply_areas(scores: np.ndarray, ladder: dict, areas_ha: Sequence | None) -> None:
    """Drop ladder rungs a POI's area is too small for (no area: only the lowest rung), in place."""
    n = len(scores)
    if areas_ha is None:
        area = np.full(n, np.nan)
    else:
        area = pd.to_numeric(pd.Series(list(areas_ha), dtype="object"), errors="coerce").to_numpy(float)
        if len(area) != n:
            raise InputError(f"classify_poi_types: {len(area)} areas for {n} types",
                             fix="pass one area per POI (NaN when unknown)")
    known = np.isfinite(area)
    for j, (amin, lowest) in ladder.items():
        ok = np.where(known, area >= amin - 1e-9, lowest)
        scores[:, j] = np.where(ok, scores[:, j], -1)
