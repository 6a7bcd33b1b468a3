"""Recognition rules of the catalogue: OSM tag rules, ``|`` lists, ladders and picking the winner.

Shared by the catalogue checks (:mod:`~planner_gis.facilities.catalogue`) and
the classifiers (:mod:`~planner_gis.facilities.osm`,
:mod:`~planner_gis.facilities.poi`).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

_COND_RE = re.compile(r"^\s*([^=~&|]+?)\s*([=~])\s*(.*?)\s*$")


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


def split_list(text: Any) -> list[str]:
    """The non-blank items of a ``|``-separated cell (none for a missing value).

    >>> split_list("a| b ||c"), split_list(float("nan"))
    (['a', 'b', 'c'], [])
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [p.strip() for p in str(text).split("|") if p.strip()]


def ladders(catalogue: pd.DataFrame) -> dict[int, tuple[float, bool]]:
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


def pick_category(scores: np.ndarray, catalogue: pd.DataFrame) -> pd.Series:
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
