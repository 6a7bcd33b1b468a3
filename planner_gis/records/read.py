"""Reading work records: a table with coordinates (CSV, Excel) or any point layer.

Required columns: ``record_id``, ``team_id``, ``date``, ``kind``. Optional:
``person_id``, ``unit_id``, ``hours``, ``with_unit_head`` (met the
street/township head: yes/no, 是/否), ``notes``, ``coords`` (this record's
lon/lat convention: ``wgs84``, ``gcj02`` or ``bd09``, overriding the reader's
``coords=``). Tables give the place as ``lon``, ``lat`` (经度, 纬度; WGS84 unless
``records_crs`` says otherwise) or as ``x``, ``y`` in ``records_crs``; a record
without coordinates has no location (it is counted in its ``unit_id``). Dates
are written as the registry's (``2025-03-05``, ``2025/3/5``, ``2025年3月5日``);
kinds in English or Chinese (:data:`~planner_gis.records.kinds.KIND_ALIASES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .. import _validate
from ..constants import PathLike
from ..crs import convert_coords, normalize_datum
from ..errors import CRSError, GeometryError, InputError, PlannerGisError
from ..io import read_table, read_vector, split_layer
from ..postgis.url import is_database_url
from ..registry import _truthy, parse_date
from .kinds import allowed_kinds_text, normalise_kind

REQUIRED_COLUMNS = ("record_id", "team_id", "date", "kind")
OPTIONAL_COLUMNS = ("person_id", "unit_id", "hours", "with_unit_head", "notes", "coords")
COORDINATE_COLUMNS = ("lon", "lat", "x", "y")
#: Other spellings of the record table's headers (Chinese ledgers).
COLUMN_ALIASES = {
    "record_id": ("记录编号", "记录id", "台账编号"),
    "team_id": ("团队编号", "团队代码", "团队id"),
    "date": ("日期", "服务日期", "工作日期"),
    "kind": ("类型", "工作类型", "服务类型", "记录类型"),
    "person_id": ("人员编号", "人员id", "工号"),
    "unit_id": ("单元编码", "单元编号", "街道编码", "街镇编码", "街乡编码"),
    "hours": ("时长", "小时", "工作时长", "服务时长"),
    "with_unit_head": ("与街乡负责人交流", "当面交流", "与负责同志交流"),
    "notes": ("备注", "说明", "工作内容"),
    "coords": ("坐标系", "坐标类型"),
    "lon": ("经度", "longitude", "lng"),
    "lat": ("纬度", "latitude"),
    "x": ("x坐标", "横坐标"),
    "y": ("y坐标", "纵坐标"),
}
#: Columns of the frame :func:`read_records` returns (and its ``geometry``).
RECORD_COLUMNS = ["record_id", "team_id", "date", "kind", "person_id", "unit_id", "hours", "with_unit_head",
                  "notes", "row"]
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")
_DATE_FIX = "write dates as 2025-03-05, 2025/3/5 or 2025年3月5日"


def read_records(
    source: PathLike | pd.DataFrame,
    records_crs=None,
    coords: str | None = None,
    columns: Mapping[str, str] | None = None,
    layer: str | int | None = None,
    sheet: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read and check work records from a table with coordinates or a point layer.

    Parameters
    ----------
    source : path, DataFrame or GeoDataFrame
        ``.csv``/``.xlsx`` with ``lon,lat`` or ``x,y`` columns, any OGR point layer
        (``FILE:LAYER`` for one layer of a GeoPackage), or a (Geo)DataFrame.
    records_crs : optional
        CRS of the coordinates of a table (default EPSG:4326 for ``lon,lat``;
        needed for ``x,y``).
    coords : {None, "wgs84", "gcj02", "bd09"}
        Lon/lat convention of every record (Amap/Tencent apps record GCJ-02,
        Baidu BD-09); a ``coords`` column overrides it per record. Converted to
        WGS84 on reading.
    columns : mapping, optional
        Field -> header, for headers that are neither the field nor a known alias.
    layer, sheet : optional
        Layer of a multi-layer file; sheet of an Excel file.

    Returns
    -------
    GeoDataFrame
        :data:`RECORD_COLUMNS` (``date`` as ``datetime.date``, ``kind``
        canonical, ``hours`` float, ``with_unit_head`` True/False/None, ``row``
        the row in the file, header = row 1, or the feature number of a layer)
        and point geometry (None for records without a location).

    Raises
    ------
    InputError, CRSError, GeometryError
        Naming the file, the row and the fix: missing columns, empty or duplicate
        record ids, bad dates, unknown kinds, bad coordinates, ``x,y`` without a CRS.

    Examples
    --------
    >>> df = pd.DataFrame({"记录编号": ["R1", "R2"], "团队编号": ["T1", "T1"],
    ...                    "日期": ["2025年3月5日", "2025/3/6"], "类型": ["走访", "meeting"],
    ...                    "经度": ["116.30", ""], "纬度": ["39.85", ""], "unit_id": ["", "U1"]})
    >>> rec = read_records(df)
    >>> rec[["record_id", "kind", "unit_id"]].values.tolist()
    [['R1', 'visit', ''], ['R2', 'meeting', 'U1']]
    >>> rec.geometry.isna().tolist(), rec.crs.to_epsg()
    ([False, True], 4326)
    """
    default_datum = normalize_datum(coords, "coords") if coords else "wgs84"
    df, label, points, layer_crs, where = _source(source, layer, sheet)
    df = _validate.canonical_table(df, REQUIRED_COLUMNS + OPTIONAL_COLUMNS + COORDINATE_COLUMNS,
                                   COLUMN_ALIASES, label, REQUIRED_COLUMNS, columns, option_prefix="records")
    if len(df) == 0:
        raise InputError(f"{label}: no work records", fix="add one row per visit, meeting, review ...")
    rows = [_record(row, f"{label}, {where} {i + (2 if where == 'row' else 1)}", i + (2 if where == "row" else 1))
            for i, row in enumerate(df.to_dict("records"))]
    out = pd.DataFrame.from_records(rows, columns=RECORD_COLUMNS)
    _validate.require_unique(out["record_id"], label, "record_id")
    if points is None:
        x, y, crs = _table_xy(df, label, records_crs)
    else:
        x, y, crs = points[0], points[1], layer_crs
    datum = _datums(df, label, where, default_datum)
    x, y = _to_wgs84(x, y, datum, crs, label)
    geom = [None if not (np.isfinite(a) and np.isfinite(b)) else shapely.Point(a, b) for a, b in zip(x, y)]
    result = gpd.GeoDataFrame(out, geometry=geom, crs=crs)
    result.attrs["source"] = label
    result.attrs["where"] = where
    return result


def _source(source, layer, sheet) -> tuple:
    """``(table of strings, label, (x, y) of a point layer or None, its CRS, 'row'|'feature')``."""
    if isinstance(source, gpd.GeoDataFrame):
        return _layer_frame(source, "records layer")
    if isinstance(source, pd.DataFrame):
        return source.astype(object).where(source.notna(), "").astype(str), "records table", None, None, "row"
    if is_database_url(source):  # a point layer, or a table with lon/lat columns
        from ..postgis import has_geometry

        if not has_geometry(source):
            df = read_table(source)
            return df, df.attrs["source"], None, None, "row"
        gdf = read_vector(source)
        return _layer_frame(gdf, gdf.attrs["source"])
    path, named = split_layer(source)
    if path.suffix.lower() in TABLE_SUFFIXES:
        df = read_table(path, sheet=sheet).fillna("")
        df.columns = [str(c).strip() for c in df.columns]
        return df, str(path), None, None, "row"
    gdf = read_vector(source, layer=layer)
    return _layer_frame(gdf, str(Path(source)))


def _layer_frame(gdf: gpd.GeoDataFrame, label: str) -> tuple:
    """The attributes of a point layer as strings and its point coordinates."""
    from ..crs import require_crs

    crs = require_crs(gdf, label)
    geom = gdf.geometry.to_numpy()
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    kinds = shapely.get_type_id(geom)
    single_multi = (kinds == 4) & (shapely.get_num_geometries(geom) == 1)
    bad = ~empty & ~((kinds == 0) | single_multi)
    if bad.any():
        raise GeometryError(f"{label}: feature(s) {_validate.list_ids(np.flatnonzero(bad) + 1)} are not points",
                            fix="give work records as points (one place per record), or as a table with lon,lat")
    pts = np.array([None if e else (g if k == 0 else shapely.get_geometry(g, 0))
                    for g, e, k in zip(geom, empty, kinds)], dtype=object)
    x = np.array([np.nan if p is None else p.x for p in pts], dtype=float)
    y = np.array([np.nan if p is None else p.y for p in pts], dtype=float)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    attrs = attrs.astype(object).where(attrs.notna(), "").astype(str)
    return attrs, label, (x, y), crs, "feature"


def _record(row: dict, where: str, rowno: int) -> dict:
    """One record, checked field by field."""
    rid, team = str(row["record_id"]).strip(), str(row["team_id"]).strip()
    if not rid or not team:
        raise InputError(f"{where}: empty {'record_id' if not rid else 'team_id'}",
                         fix="give every record an id and the id of the team that did the work")
    day = parse_date(row["date"])
    if day is None:
        raise InputError(f"{where}: date '{row['date']}' is not a date", fix=_DATE_FIX)
    kind = normalise_kind(row["kind"])
    if kind is None:
        raise InputError(f"{where}: unknown kind '{str(row['kind']).strip()}'", fix=f"use {allowed_kinds_text()}")
    hours_raw = str(row.get("hours", "")).strip()
    try:
        hours = float(hours_raw) if hours_raw not in ("", "nan") else float("nan")
        if hours < 0:
            raise ValueError
    except ValueError:
        raise InputError(f"{where}: hours '{hours_raw}' is not a number of hours",
                         fix="give the hours as a number, e.g. 3.5, or leave it empty") from None
    try:
        head = _truthy(row.get("with_unit_head", ""))
    except ValueError:
        raise InputError(f"{where}: with_unit_head '{row.get('with_unit_head')}' is not yes/no",
                         fix="write yes or no (是/否), or leave it empty") from None
    return {"record_id": rid, "team_id": team, "date": day, "kind": kind,
            "person_id": str(row.get("person_id", "")).strip(), "unit_id": str(row.get("unit_id", "")).strip(),
            "hours": hours, "with_unit_head": head, "notes": str(row.get("notes", "")).strip(), "row": rowno}


def _numbers(values: pd.Series, name: str, label: str) -> np.ndarray:
    """A coordinate column as floats (NaN for empty cells); a bad cell raises naming its row."""
    text = values.astype(str).str.strip()
    out = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(out) & (text != "").to_numpy())
    if len(bad):
        raise InputError(f"{label}, row {bad[0] + 2}: {name} '{text.iloc[bad[0]]}' is not a number",
                         fix=f"write {name} as a decimal number (e.g. 116.3912), or leave both coordinates empty")
    return out


def _table_xy(df: pd.DataFrame, label: str, records_crs) -> tuple:
    """Coordinates of a table from ``lon,lat`` or ``x,y``, and their CRS."""
    have = [c for c in COORDINATE_COLUMNS if c in df.columns]
    pairs = [p for p in (("lon", "lat"), ("x", "y")) if set(p) <= set(have)]
    if len(pairs) > 1 or any(not any(c in p for p in pairs) for c in have):
        raise InputError(f"{label}: coordinate columns {', '.join(have)} do not make one pair",
                         fix="give either lon and lat (经度, 纬度) or x and y (with --records-crs)")
    if not pairs:
        return np.full(len(df), np.nan), np.full(len(df), np.nan), CRS.from_epsg(4326)
    cx, cy = pairs[0]
    if cx == "x" and records_crs is None:
        raise CRSError(f"{label}: x,y coordinates without a CRS",
                       fix="say which CRS they are in with --records-crs EPSG (Python: records_crs=), e.g. 4548")
    try:
        crs = CRS.from_user_input(records_crs) if records_crs is not None else CRS.from_epsg(4326)
    except Exception as exc:  # noqa: BLE001 - pyproj's own error type
        raise CRSError(f"records CRS {records_crs!r} is not a CRS pyproj knows ({exc})",
                       fix="give an EPSG code, e.g. 4326 for lon/lat or 4548 for CGCS2000 GK CM 117E") from None
    x, y = _numbers(df[cx], cx, label), _numbers(df[cy], cy, label)
    half = np.flatnonzero(np.isnan(x) != np.isnan(y))
    if len(half):
        raise InputError(f"{label}, row {half[0] + 2}: only one of {cx}, {cy} is given",
                         fix="give both coordinates of the place, or neither (the record is counted by its unit_id)")
    return x, y, crs


def _datums(df: pd.DataFrame, label: str, where: str, default: str) -> np.ndarray:
    """The lon/lat convention of every record: its ``coords`` cell, else ``default``."""
    if "coords" not in df.columns:
        return np.full(len(df), default, dtype=object)
    out = []
    for i, value in enumerate(df["coords"].astype(str).str.strip()):
        try:
            out.append(normalize_datum(value, "coords") if value else default)
        except PlannerGisError:
            raise CRSError(f"{label}, {where} {i + (2 if where == 'row' else 1)}: coords '{value}' is not a "
                           "lon/lat convention",
                           fix="write wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu), or leave it empty") from None
    return np.array(out, dtype=object)


def _to_wgs84(x: np.ndarray, y: np.ndarray, datum: np.ndarray, crs: CRS, label: str) -> tuple:
    """GCJ-02 / BD-09 lon/lat converted to WGS84 (only lon/lat can carry these offsets)."""
    x, y = x.copy(), y.copy()
    shifted = (datum != "wgs84") & np.isfinite(x)
    if not shifted.any():
        return x, y
    if not crs.is_geographic:
        raise CRSError(f"{label}: GCJ-02/BD-09 coordinates given in the projected CRS {crs.to_string()}",
                       fix="these offsets apply to lon/lat only: give lon,lat, or drop --coords and the coords column")
    for name in ("gcj02", "bd09"):
        sel = shifted & (datum == name)
        if sel.any():
            x[sel], y[sel] = convert_coords(x[sel], y[sel], name, "wgs84")
    return x, y
