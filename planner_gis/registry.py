"""Team registries: which planner team serves which unit, in what role, and when.

A registry is a table (CSV or Excel) with one row per team, unit and contract
term. Required columns:

``team_id``
    Id of the team, group, chief planner or volunteer group.
``unit_id``
    The unit served, ``*`` for a district-wide role (the chief planner), or
    several ids separated by ``;`` (one planner over several townships).
``role``
    ``chief`` (总规划师), ``unit`` (责任规划师), ``group`` (one group of a team split
    into groups, as Liaocheng's "1+N"), ``volunteer`` (社区规划师 / 志愿者).
``start_date``, ``end_date``
    Contract term, inclusive; written ``2019-11-30``, ``2019/11/30`` or ``2019年11月30日``.

Optional: ``team_name``, ``org_type`` (``design_institute``, ``university``,
``individual``, ``joint``), ``full_time`` (yes/no), ``members`` (number of people,
e.g. volunteers in the row; default 1), ``contact``, ``parent_team_id`` (the team
a group belongs to), ``annual_fee`` (the service fee of the term per year, in yuan;
used by fee rules of :mod:`planner_gis.evaluation`).

The same layout expresses the common organisations: 1:1 (Beijing: one unit
team per street), 1+N (Liaocheng: one ``parent_team_id`` with N ``group`` rows),
1+24+N (Fengtai: one ``chief`` row with ``*``, 24 ``unit`` rows and ``volunteer``
rows attached to units) and one planner over 1-3 townships (Guangxi: the same
``team_id`` on several ``unit`` rows, or ``unit_id`` = ``a;b;c``).

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({
...     "team_id": ["T1", "T2"], "unit_id": ["U1", "U2;U3"], "role": ["unit", "责任规划师"],
...     "start_date": ["2019-11-30", "2019/11/30"], "end_date": ["2020年11月29日", "2020-11-29"]})
>>> reg = read_registry(rows)
>>> reg[["team_id", "unit_id", "role"]].values.tolist()
[['T1', 'U1', 'unit'], ['T2', 'U2', 'unit'], ['T2', 'U3', 'unit']]
>>> reg["end_date"].iloc[0]
datetime.date(2020, 11, 29)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping

import pandas as pd

from . import _validate
from .errors import PlannerGisError, RegistryError
from .io import read_table, source_label

REQUIRED_COLUMNS = ("team_id", "unit_id", "role", "start_date", "end_date")
OPTIONAL_COLUMNS = ("team_name", "org_type", "full_time", "members", "contact", "parent_team_id", "annual_fee")

#: Roles and their accepted spellings.
ROLE_ALIASES = {
    "chief": "chief", "chief_planner": "chief", "总规划师": "chief", "首席规划师": "chief", "总师": "chief",
    "unit": "unit", "unit_planner": "unit", "责任规划师": "unit", "街镇责任规划师": "unit",
    "group": "group", "小组": "group", "分组": "group",
    "volunteer": "volunteer", "community": "volunteer", "社区规划师": "volunteer", "志愿者": "volunteer",
    "社区规划志愿者": "volunteer",
}
#: Roles that make a unit "assigned".
UNIT_LEVEL_ROLES = ("unit", "group")

ORG_TYPE_ALIASES = {
    "design_institute": "design_institute", "institute": "design_institute", "设计院": "design_institute",
    "规划院": "design_institute",
    "university": "university", "高校": "university", "大学": "university",
    "individual": "individual", "个人": "individual",
    "joint": "joint", "sino_foreign": "joint", "联合体": "joint", "中外联合": "joint",
    "": "",
}

DISTRICT_WIDE = "*"

#: Other spellings of the registry's column headers, recognised without being named
#: (Chinese registries as planning bureaus keep them). Any other header is named with
#: ``columns={"team_id": "编号"}`` (CLI: ``--team-id-column 编号`` and so on).
COLUMN_ALIASES = {
    "team_id": ("团队编号", "团队代码", "团队id", "规划师编号"),
    "unit_id": ("单元编码", "单元编号", "单元代码", "责任单元编码", "街道编码", "街镇编码", "街乡编码"),
    "role": ("角色", "职责", "身份"),
    "start_date": ("开始日期", "起始日期", "聘任开始日期", "合同开始日期", "开始时间"),
    "end_date": ("结束日期", "截止日期", "到期日期", "聘任结束日期", "合同结束日期", "结束时间"),
    "team_name": ("团队名称", "规划师", "姓名", "名称"),
    "org_type": ("机构类型", "单位类型", "主体类型"),
    "full_time": ("是否全职", "全职"),
    "members": ("人数", "成员人数", "成员数"),
    "contact": ("联系人", "联系方式", "联系电话"),
    "parent_team_id": ("上级团队编号", "所属团队", "所属团队编号"),
    "annual_fee": ("年度服务费", "服务费", "年服务费", "年度服务费用"),
}
#: The command-line option that names the column of each field.
COLUMN_OPTIONS = {c: f"--{c.replace('_', '-')}-column" for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(value: object) -> dt.date | None:
    """Parse ``2019-11-30``, ``2019/11/30`` or ``2019年11月30日``; ``None`` if not one of them.

    >>> parse_date("2019年11月30日"), parse_date("2019/1/5")
    (datetime.date(2019, 11, 30), datetime.date(2019, 1, 5))
    >>> parse_date("30.11.2019") is None, parse_date("2019-02-30") is None
    (True, True)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def as_date(value: str | dt.date | None, what: str = "as_of") -> dt.date:
    """Parse a date argument (today when ``None``), raising :class:`RegistryError` if malformed."""
    if value is None:
        return dt.date.today()
    d = parse_date(value)
    if d is None:
        raise RegistryError(f"{what} date '{value}' is not a date",
                            fix="write it as YYYY-MM-DD, e.g. 2026-06-30")
    return d


def _truthy(value: object) -> bool | None:
    text = str(value).strip().lower()
    if text in ("", "nan", "none"):
        return None
    if text in ("1", "true", "yes", "y", "是", "全职"):
        return True
    if text in ("0", "false", "no", "n", "否", "兼职"):
        return False
    raise ValueError(text)


def read_registry(
    source: str | os.PathLike | pd.DataFrame,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read and validate a team registry from CSV, Excel or a DataFrame.

    Parameters
    ----------
    source : path or DataFrame
        ``.csv`` (UTF-8 or GBK) or ``.xlsx`` file, or a DataFrame of strings.
    sheet : str or int, optional
        Excel sheet (default the first).
    columns : mapping, optional
        Field -> the header holding it, for headers that are neither the field
        name nor one of :data:`COLUMN_ALIASES` (e.g. ``{"team_id": "编号"}``).

    Returns
    -------
    DataFrame
        One row per team, unit and term with columns ``team_id``, ``unit_id``,
        ``role`` (canonical), ``start_date``, ``end_date`` (``datetime.date``),
        ``team_name``, ``org_type``, ``full_time``, ``members`` (int),
        ``contact``, ``parent_team_id``, ``annual_fee`` (float yuan, NaN when not
        given) and ``row`` (the row number in the file, header = row 1).

    Raises
    ------
    RegistryError
        Naming the file, the row and the fix: missing columns, empty ids, unknown
        roles or organisation types, malformed dates, end before start.
    """
    if isinstance(source, pd.DataFrame):
        df, label = source.astype(object).where(source.notna(), "").astype(str), "registry"
    else:
        df, label = read_table(source, sheet=sheet), source_label(source)
        df = df.fillna("")
    df.columns = [str(c).strip() for c in df.columns]
    df = _canonical_columns(df, columns, label)
    if len(df) == 0:
        raise RegistryError(f"{label}: the registry has no rows", fix="add one row per team and unit")

    records = []
    for i, row in enumerate(df.to_dict("records")):
        records += _row_records(row, i + 2, label)  # header is row 1, as a spreadsheet shows it
    out = pd.DataFrame.from_records(records)
    out.attrs["source"] = label
    return out


def _row_records(row: dict, rowno: int, label: str) -> list:
    """The registry records of one table row (one per unit it names), checked field by field."""
    where = f"{label}, row {rowno}"
    team = str(row["team_id"]).strip()
    if not team:
        raise RegistryError(f"{where}: empty team_id", fix="give every row a team id")
    role = _role(row, where)
    start, end = _term(row, where)
    units = _units(row, role, where)
    common = {
        "team_id": team, "role": role, "start_date": start, "end_date": end,
        "team_name": str(row.get("team_name", "")).strip() or team,
        "org_type": _org_type(row, where), "full_time": _full_time(row, where), "members": _members(row, where),
        "contact": str(row.get("contact", "")).strip(),
        "parent_team_id": str(row.get("parent_team_id", "")).strip(),
        "annual_fee": _annual_fee(row, where), "row": rowno,
    }
    return [{**common, "unit_id": unit} for unit in units]


def _role(row: dict, where: str) -> str:
    role_raw = str(row["role"]).strip()
    role = ROLE_ALIASES.get(role_raw.lower())
    if role is None:
        raise RegistryError(f"{where}: unknown role '{role_raw}'",
                            fix="use chief, unit, group or volunteer (总规划师, 责任规划师, 小组, 社区规划师)")
    return role


def _term(row: dict, where: str) -> tuple:
    dates = {}
    for col in ("start_date", "end_date"):
        d = parse_date(row[col])
        if d is None:
            raise RegistryError(f"{where}: {col} '{row[col]}' is not a date",
                                fix="write dates as 2019-11-30, 2019/11/30 or 2019年11月30日")
        dates[col] = d
    if dates["end_date"] < dates["start_date"]:
        raise RegistryError(f"{where}: end_date {dates['end_date']} is before start_date {dates['start_date']}",
                            fix="swap or correct the dates")
    return dates["start_date"], dates["end_date"]


def _units(row: dict, role: str, where: str) -> list:
    units = [u.strip() for u in re.split(r"[;；]", str(row["unit_id"])) if u.strip()]
    if not units:
        raise RegistryError(f"{where}: empty unit_id",
                            fix="give the unit id, several ids separated by ';', or '*' for a district-wide role")
    if DISTRICT_WIDE in units and (len(units) > 1 or role != "chief"):
        raise RegistryError(f"{where}: unit_id '*' (district-wide) is only for the chief role",
                            fix="give the unit id for unit, group and volunteer rows")
    return units


def _org_type(row: dict, where: str) -> str:
    org_raw = str(row.get("org_type", "")).strip()
    org = ORG_TYPE_ALIASES.get(org_raw.lower())
    if org is None:
        raise RegistryError(f"{where}: unknown org_type '{org_raw}'",
                            fix="use design_institute, university, individual or joint (or leave it empty)")
    return org


def _full_time(row: dict, where: str) -> bool | None:
    try:
        return _truthy(row.get("full_time", ""))
    except ValueError:
        raise RegistryError(f"{where}: full_time '{row.get('full_time')}' is not yes/no",
                            fix="write yes or no (是/否)") from None


def _members(row: dict, where: str) -> int:
    members_raw = str(row.get("members", "")).strip()
    try:
        members = int(float(members_raw)) if members_raw not in ("", "nan") else 1
        if members < 0:
            raise ValueError
    except ValueError:
        raise RegistryError(f"{where}: members '{members_raw}' is not a whole number",
                            fix="give the number of people in this row, e.g. 3") from None
    return members


def _annual_fee(row: dict, where: str) -> float:
    """The yearly service fee in yuan (``300000``, ``300,000``, ``30万``); NaN when empty."""
    raw = str(row.get("annual_fee", "")).strip().replace(",", "").replace("，", "")
    if raw in ("", "nan", "None"):
        return float("nan")
    scale = 1.0
    for suffix, factor in (("万元", 1e4), ("万", 1e4), ("元", 1.0)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)].strip(), factor
            break
    try:
        fee = float(raw) * scale
        if not fee >= 0 or fee == float("inf"):
            raise ValueError
    except ValueError:
        raise RegistryError(f"{where}: annual_fee '{row.get('annual_fee')}' is not an amount of yuan",
                            fix="write the yearly fee as a number of yuan, e.g. 300000 (or 30万), or leave it "
                                "empty") from None
    return fee


def _canonical_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, label: str) -> pd.DataFrame:
    """Rename the registry's headers to the canonical field names (given, or known aliases)."""
    given = dict(columns or {})
    unknown = sorted(set(given) - set(COLUMN_OPTIONS))
    if unknown:
        raise RegistryError(f"unknown registry field(s) {', '.join(unknown)}",
                            fix=f"name columns for {', '.join(COLUMN_OPTIONS)}")
    wanted = {field: given.get(field) for field in COLUMN_OPTIONS}
    try:
        rename = _validate.resolve_columns(df.columns, wanted, COLUMN_ALIASES, label, COLUMN_OPTIONS,
                                           required=REQUIRED_COLUMNS)
    except PlannerGisError as exc:
        raise RegistryError(exc.problem, fix=exc.fix) from None
    # a column named for a field replaces a column that already has the field's name
    clash = [field for header, field in rename.items() if field in df.columns]
    return df.drop(columns=clash).rename(columns=rename)


def active_on(registry: pd.DataFrame, as_of: str | dt.date | None = None) -> pd.DataFrame:
    """Rows whose contract term contains ``as_of`` (inclusive).

    >>> import pandas as pd
    >>> reg = read_registry(pd.DataFrame({"team_id": ["T1"], "unit_id": ["U1"], "role": ["unit"],
    ...                                   "start_date": ["2020-01-01"], "end_date": ["2020-12-31"]}))
    >>> len(active_on(reg, "2020-12-31")), len(active_on(reg, "2021-01-01"))
    (1, 0)
    """
    d = as_date(as_of)
    mask = (registry["start_date"] <= d) & (registry["end_date"] >= d)
    return registry[mask]


def active_unit_teams(registry: pd.DataFrame, as_of: str | dt.date | None = None) -> pd.DataFrame:
    """The unit-level teams (roles ``unit`` and ``group``) active on ``as_of``.

    Returns
    -------
    DataFrame
        Columns ``unit_id``, ``team_id``, ``team_name``, ``role``, ``end_date``; one row
        per unit and team (a unit may have several).
    """
    act = active_on(registry, as_of)
    act = act[act["role"].isin(UNIT_LEVEL_ROLES)]
    cols = ["unit_id", "team_id", "team_name", "role", "end_date"]
    return (act.sort_values(["unit_id", "end_date"])
               .drop_duplicates(["unit_id", "team_id"], keep="last")[cols]
               .reset_index(drop=True))
