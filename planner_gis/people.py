"""Team members and their yearly ratings: the people behind a registry's teams.

A **people table** (CSV or Excel) lists the members of the planner teams, one
row per person:

``person_id``
    Id of the person (unique in the table).
``team_id``
    The team of the registry the person works in.
``profession``
    ``planner`` (规划师), ``architect`` (建筑师) or ``engineer`` (工程师): the
    three professions Chongqing pairs with each community (三师进社区).
``title``
    Professional title: ``junior`` (初级), ``intermediate`` (中级), ``senior``
    (副高级) or ``professor`` (正高级); it sets the ability coefficient of
    Chongqing's service points.

Optional: ``name``.

A **ratings table** gives, per person and year, what the service points need
from outside the work records:

``person_id``, ``year``
    One row per person and year.
``satisfaction``
    Residents' satisfaction, as a fraction (``0.85``) or a percentage (``85``,
    ``85%``); empty when there was no survey.
``previous_points``
    Service points of the year before (for the carry-over); empty is 0.
``special_points``
    Points of special items (major activities covered by high-level media),
    separated by ``;`` (``5;15``); empty is none.

Chinese headers (人员编号, 团队编号, 专业, 职称, 年度, 满意度, 上年积分, 特别积分) are
recognised.

Examples
--------
>>> import pandas as pd
>>> people = read_people(pd.DataFrame({"人员编号": ["P1", "P2"], "团队编号": ["T1", "T1"],
...                                    "专业": ["规划师", "engineer"], "职称": ["副高级", "中级"]}))
>>> people[["person_id", "profession", "title"]].values.tolist()
[['P1', 'planner', 'senior'], ['P2', 'engineer', 'intermediate']]
>>> ratings = read_ratings(pd.DataFrame({"person_id": ["P1"], "year": ["2025"], "satisfaction": ["59%"],
...                                      "special_points": ["5;15"]}))
>>> r = ratings.iloc[0]
>>> float(r["satisfaction"]), float(r["previous_points"]), r["special_items"]
(0.59, 0.0, [5.0, 15.0])
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from . import _validate
from .constants import PathLike
from .errors import InputError
from .io import read_table, source_label

#: Canonical professions and their accepted spellings.
PROFESSIONS = ("planner", "architect", "engineer")
PROFESSION_ALIASES = {
    "planner": "planner", "规划师": "planner", "城乡规划师": "planner", "注册规划师": "planner",
    "注册城乡规划师": "planner", "社区规划师": "planner",
    "architect": "architect", "建筑师": "architect", "注册建筑师": "architect", "一级注册建筑师": "architect",
    "engineer": "engineer", "工程师": "engineer", "结构工程师": "engineer", "注册工程师": "engineer",
}
#: Canonical professional titles (lowest first) and their accepted spellings.
TITLES = ("junior", "intermediate", "senior", "professor")
TITLE_ALIASES = {
    "junior": "junior", "初级": "junior", "初级职称": "junior", "助理": "junior",
    "intermediate": "intermediate", "中级": "intermediate", "中级职称": "intermediate",
    "senior": "senior", "副高级": "senior", "副高": "senior", "高级": "senior", "高级职称": "senior",
    "professor": "professor", "正高级": "professor", "正高": "professor", "教授级高级": "professor",
}

PEOPLE_FIELDS = ("person_id", "team_id", "profession", "title", "name")
PEOPLE_REQUIRED = ("person_id", "team_id", "profession", "title")
PEOPLE_ALIASES = {
    "person_id": ("人员编号", "人员id", "个人编号", "工号"),
    "team_id": ("团队编号", "团队代码", "团队id"),
    "profession": ("专业", "职业", "专业类别", "类别"),
    "title": ("职称", "专业技术职称"),
    "name": ("姓名", "名字"),
}
RATINGS_FIELDS = ("person_id", "year", "satisfaction", "previous_points", "special_points")
RATINGS_REQUIRED = ("person_id", "year")
RATINGS_ALIASES = {
    "person_id": ("人员编号", "人员id", "个人编号", "工号"),
    "year": ("年度", "年份", "考核年度"),
    "satisfaction": ("满意度", "居民满意度", "满意率"),
    "previous_points": ("上年积分", "上一年积分", "上年服务积分"),
    "special_points": ("特别积分", "专项积分"),
}


def _frame(source: PathLike | pd.DataFrame, what: str, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
    """The table as strings (empty cells ``""``) and its label for messages."""
    if isinstance(source, pd.DataFrame):
        return source.astype(object).where(source.notna(), "").astype(str), what
    df = read_table(source, sheet=sheet).fillna("")
    df.columns = [str(c).strip() for c in df.columns]
    return df, source_label(source)


def _choice(value: str, aliases: Mapping[str, str], where: str, what: str, allowed: str) -> str:
    found = aliases.get(value.strip().lower())
    if found is None:
        raise InputError(f"{where}: unknown {what} '{value}'", fix=f"use {allowed}")
    return found


def read_people(source: PathLike | pd.DataFrame, sheet: str | int | None = None,
                columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and check a people table (``person_id, team_id, profession, title``).

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (UTF-8 or GBK) or ``.xlsx``, or a DataFrame.
    sheet : str or int, optional
        Excel sheet.
    columns : mapping, optional
        Field -> header, for headers that are neither the field nor a known alias.

    Returns
    -------
    DataFrame
        ``person_id``, ``team_id``, ``profession`` and ``title`` (canonical),
        ``name`` and ``row`` (the row in the file, header = row 1).

    Raises
    ------
    InputError
        Naming the file, the row and the fix: missing columns, empty or duplicate
        ids, unknown professions or titles.
    """
    df, label = _frame(source, "people table", sheet)
    df = _validate.canonical_table(df, PEOPLE_FIELDS, PEOPLE_ALIASES, label, PEOPLE_REQUIRED, columns)
    if len(df) == 0:
        raise InputError(f"{label}: the people table has no rows", fix="add one row per team member")
    rows = []
    for i, row in enumerate(df.to_dict("records")):
        where = f"{label}, row {i + 2}"
        pid, team = str(row["person_id"]).strip(), str(row["team_id"]).strip()
        if not pid or not team:
            raise InputError(f"{where}: empty {'person_id' if not pid else 'team_id'}",
                             fix="give every person an id and the id of their team")
        rows.append({
            "person_id": pid, "team_id": team,
            "profession": _choice(str(row["profession"]), PROFESSION_ALIASES, where, "profession",
                                  "planner, architect or engineer (规划师, 建筑师, 工程师)"),
            "title": _choice(str(row["title"]), TITLE_ALIASES, where, "title",
                             "junior, intermediate, senior or professor (初级, 中级, 副高级, 正高级)"),
            "name": str(row.get("name", "")).strip(), "row": i + 2,
        })
    out = pd.DataFrame.from_records(rows)
    _validate.require_unique(out["person_id"], label, "person_id")
    out.attrs["source"] = label
    return out


def parse_share(value: object) -> float:
    """A satisfaction as a fraction: ``0.85``, ``85``, ``85%`` all give 0.85; NaN when empty.

    Values above 1 are percentages.

    >>> parse_share("59%"), parse_share(60), parse_share("0.6"), parse_share("")
    (0.59, 0.6, 0.6, nan)
    """
    text = str(value).strip().replace("％", "%")
    if text in ("", "nan", "None"):
        return float("nan")
    percent = text.endswith("%")
    number = float(text.rstrip("%").strip())
    if percent or number > 1:
        number = number / 100.0
    if not 0 <= number <= 1:
        raise ValueError(text)
    return round(number, 10)


def _points(text: str) -> list:
    items = [t.strip() for t in re.split(r"[;；,，]", text) if t.strip() and t.strip() not in ("nan", "None")]
    values = [float(t) for t in items]
    if any(v < 0 for v in values):
        raise ValueError(text)
    return values


def _rating_row(row: dict, where: str) -> dict:
    pid = str(row["person_id"]).strip()
    if not pid:
        raise InputError(f"{where}: empty person_id", fix="give the id of the person each rating is for")
    year = str(row["year"]).strip()
    if not re.fullmatch(r"\d{4}(\.0)?", year):
        raise InputError(f"{where}: year '{year}' is not a year", fix="write the year as four digits, e.g. 2025")
    try:
        satisfaction = parse_share(row.get("satisfaction", ""))
    except ValueError:
        raise InputError(f"{where}: satisfaction '{row.get('satisfaction')}' is not a share",
                         fix="give it as a fraction 0-1 (0.85) or a percentage (85 or 85%)") from None
    try:
        previous = _points(str(row.get("previous_points", "")))
        special = _points(str(row.get("special_points", "")))
        if len(previous) > 1:
            raise ValueError
    except ValueError:
        raise InputError(f"{where}: points '{row.get('previous_points', '')}' / '{row.get('special_points', '')}' "
                         "are not numbers",
                         fix="give previous_points as one number and special_points as numbers separated by ';' "
                             "(e.g. 5;15)") from None
    return {"person_id": pid, "year": int(float(year)), "satisfaction": satisfaction,
            "previous_points": previous[0] if previous else 0.0, "special_items": special}


def read_ratings(source: PathLike | pd.DataFrame, sheet: str | int | None = None,
                 columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read and check a ratings table (``person_id, year, satisfaction, previous_points, special_points``).

    Returns
    -------
    DataFrame
        ``person_id``, ``year`` (int), ``satisfaction`` (fraction 0-1, NaN when
        not given), ``previous_points`` (float, 0 when empty), ``special_items``
        (list of floats) and ``row``.

    Raises
    ------
    InputError
        Missing columns, bad years, shares or points, a person rated twice in one year.
    """
    df, label = _frame(source, "ratings table", sheet)
    df = _validate.canonical_table(df, RATINGS_FIELDS, RATINGS_ALIASES, label, RATINGS_REQUIRED, columns)
    rows = []
    for i, row in enumerate(df.to_dict("records")):
        rows.append({**_rating_row(row, f"{label}, row {i + 2}"), "row": i + 2})
    out = pd.DataFrame.from_records(rows, columns=["person_id", "year", "satisfaction", "previous_points",
                                                   "special_items", "row"])
    key = out["person_id"] + " in " + out["year"].astype(str)
    _validate.require_unique(key, label, "rating (person_id and year)")
    out.attrs["source"] = label
    return out
