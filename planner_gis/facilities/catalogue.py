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

import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .._validate import list_ids
from ..constants import TIERS, PathLike
from ..errors import InputError
from ..io import read_table
from .rules import parse_osm_tags

#: Columns every catalogue must have (the contract of the reach command).
REQUIRED_COLUMNS = ("category", "name_zh", "tier_min", "threshold_m")
#: Optional columns and what a catalogue without them gets: no English name (the category is
#: shown), no minimum area, and no OSM or Amap/Baidu classification rules for the category.
OPTIONAL_COLUMNS = ("name_en", "min_area_ha", "osm_tags", "poi_types", "name_keywords", "gb50180_ref")
#: The living-circle tiers of GB 50180-2018, in minutes.
_CATEGORY_RE = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")


def default_catalogue_path() -> Path:
    """Path of the catalogue shipped with the package.

    >>> default_catalogue_path().name
    'catalogue.csv'
    """
    return Path(str(resources.files("planner_gis") / "data" / "catalogue.csv"))


def load_catalogue(path: PathLike | None = None) -> pd.DataFrame:
    r"""Read and validate a facility catalogue CSV.

    Parameters
    ----------
    path : str or Path, optional
        A CSV (UTF-8 or GB18030) or Excel file with at least the columns
        ``category, name_zh, tier_min, threshold_m``; optional columns
        (:data:`OPTIONAL_COLUMNS`) are filled when missing: ``name_en`` with the
        category, ``min_area_ha`` blank, ``osm_tags``, ``poi_types``,
        ``name_keywords`` and ``gb50180_ref`` empty (no OSM or POI
        classification for those categories). Default: the GB 50180-2018
        catalogue shipped with planner-gis.

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
    ...     "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"
    ...     "school,小学,School,20,500,,amenity=school,\n", encoding="utf-8")
    >>> load_catalogue(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.InputError: ...cat.csv line 2 (category 'school'): tier_min '20' is not one of 5, 10, 15...
    """
    p = Path(path) if path is not None else default_catalogue_path()
    raw = read_table(p)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"catalogue {p}: missing column(s) {', '.join(missing)} "
            f"(columns present: {', '.join(raw.columns)})",
            fix="give at least the columns category, name_zh, tier_min and threshold_m (start from "
                "planner_gis/data/catalogue.csv, which `planner-gis info` lists)",
        )
    if len(raw) == 0:
        raise InputError(f"catalogue {p}: no rows", fix="add one row per facility category")
    df = _with_optional_columns(raw)
    values = [_row_values(row, f"catalogue {p} line {int(i) + 2}") for i, row in df.iterrows()]
    dup = df["category"][df["category"].duplicated(keep=False)]
    if len(dup):
        lines = [int(i) + 2 for i in dup.index]
        raise InputError(f"catalogue {p}: category {dup.iloc[0]!r} appears more than once (lines {list_ids(lines)})",
                         fix="give every row its own category name, or merge the rows")
    df["tier_min"] = np.asarray([v[0] for v in values], dtype=int)
    df["threshold_m"] = np.asarray([v[1] for v in values], dtype=float)
    df["min_area_ha"] = np.asarray([v[2] for v in values], dtype=float)
    cols = list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)
    df = df[cols + [c for c in df.columns if c not in cols]].reset_index(drop=True)
    df.attrs["source"] = str(p)
    return df


def _with_optional_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """A copy with every optional column (defaults for missing ones) and all cells as stripped text."""
    df = raw.copy()
    for col in df.columns:
        df[col] = df[col].fillna("").astype(str).str.strip()
    for col in OPTIONAL_COLUMNS:
        if col not in df.columns:
            df[col] = df["category"] if col == "name_en" else ""
    return df


def _row_values(row: pd.Series, line: str) -> tuple[int, float, float]:
    """``(tier_min, threshold_m, min_area_ha)`` of a catalogue row, after checking every cell of it."""
    where = f"{line} (category {row['category']!r})"
    cat = row["category"]
    if not cat:
        raise InputError(f"{line}: blank category",
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
    area = _min_area(row["min_area_ha"], where)
    try:
        parse_osm_tags(row["osm_tags"])
    except (ValueError, re.error) as exc:
        raise InputError(f"{where}: osm_tags cannot be parsed ({exc})",
                         fix="write rules as key=value, key=* or key~text, joined by & and "
                             "separated by |, e.g. 'amenity=school&name~中学|amenity=college'") from None
    return tier, thr, area


def _min_area(text: str, where: str) -> float:
    """The ``min_area_ha`` cell as a number (NaN when blank)."""
    if text == "":
        return float("nan")
    try:
        area = float(text)
    except ValueError:
        area = float("nan")
    if not (math.isfinite(area) and area >= 0):
        raise InputError(f"{where}: min_area_ha {text!r} is not a number >= 0",
                         fix="give the minimum area in hectares, or leave the cell empty")
    return area


def check_catalogue(catalogue: pd.DataFrame | None) -> pd.DataFrame:
    """The catalogue (the shipped one if None), refused if it is not a catalogue table.

    A table with the required columns but not all optional ones (made in
    Python) gets the defaults of :func:`load_catalogue`.
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    if not isinstance(catalogue, pd.DataFrame) or any(c not in catalogue.columns for c in REQUIRED_COLUMNS):
        raise InputError("catalogue: not a catalogue table (columns missing)",
                         fix="load it with planner_gis.catalogue.load_catalogue(path)")
    missing = [c for c in OPTIONAL_COLUMNS if c not in catalogue.columns]
    if missing:
        catalogue = catalogue.copy()
        for col in missing:
            catalogue[col] = catalogue["category"].astype(str) if col == "name_en" else (
                np.nan if col == "min_area_ha" else "")
    return catalogue.reset_index(drop=True)
