"""Reading PostGIS tables: layers (``geopandas.read_postgis``) and plain tables (as strings, like a CSV).

Every read runs in a read-only transaction, so an input table is never
written (not even by a ``where=`` filter). Rows come in the order of the
table's primary key when it has a one-column key, and records are then named
by it in messages (``gid 12``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from .connect import connect, qualified, quote_ident, short
from .url import DatabaseUrl, parse_database_url

#: Column types read as geometry.
GEOMETRY_TYPES = ("geometry", "geography")


@dataclass
class TableInfo:
    """The columns of a table, its geometry columns with their SRIDs, and its one-column primary key."""

    columns: list
    geometry: list
    srid: dict
    key: str | None


def _list_tables(conn, schema: str) -> list:
    import sqlalchemy as sa

    rows = conn.execute(sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                                "ORDER BY table_name"), {"s": schema}).fetchall()
    return [r[0] for r in rows]


def table_info(conn, url: DatabaseUrl) -> TableInfo:
    """The :class:`TableInfo` of the URL's table.

    Raises
    ------
    InputError
        If the table (or view) does not exist; the message lists the schema's tables.
    """
    import sqlalchemy as sa

    rows = conn.execute(sa.text(
        "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
        "ORDER BY ordinal_position"), {"s": url.schema, "t": url.table}).fetchall()
    if not rows:
        tables = _list_tables(conn, url.schema)
        have = f"tables in schema {url.schema}: {', '.join(tables[:15])}" if tables else \
            f"schema {url.schema} has no tables"
        raise InputError(f"{url.label}: no table {url.schema}.{url.table} in database {url.dbname} ({have})",
                         fix="correct table=SCHEMA.TABLE in the URL")
    columns = [r[0] for r in rows]
    geometry = [r[0] for r in rows if r[1] in GEOMETRY_TYPES]
    srid = {r[0]: 4326 for r in rows if r[1] == "geography"}  # geography is lon/lat WGS84 unless declared
    if geometry and conn.execute(sa.text("SELECT to_regclass('geometry_columns')")).scalar() is not None:
        for view in ("geometry_columns", "geography_columns"):
            column = "f_geometry_column" if view == "geometry_columns" else "f_geography_column"
            srid.update((k, v) for k, v in conn.execute(sa.text(
                f"SELECT {column}, srid FROM {view} WHERE f_table_schema = :s AND f_table_name = :t"),
                {"s": url.schema, "t": url.table}).fetchall() if v)
    keys = conn.execute(sa.text(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(:q) AND i.indisprimary"), {"q": qualified(url.schema, url.table)}).fetchall()
    return TableInfo(columns, geometry, srid, keys[0][0] if len(keys) == 1 else None)


def _select(url: DatabaseUrl, info: TableInfo, geometry: str | None) -> str:
    cols = [c for c in info.columns if c not in info.geometry or c == geometry]
    parts = [f"{quote_ident(c)}::geometry AS {quote_ident(c)}" if c == geometry else quote_ident(c) for c in cols]
    sql = f"SELECT {', '.join(parts) or '*'} FROM {qualified(url.schema, url.table)}"
    if url.where:
        sql += f" WHERE ({url.where})"
    if info.key:
        sql += f" ORDER BY {quote_ident(info.key)}"
    return sql


def _query_error(url: DatabaseUrl, exc: BaseException) -> InputError:
    if url.where:
        return InputError(f"{url.label}: reading with where={url.where!r} failed ({short(exc)})",
                          fix="correct the where= filter (an SQL condition on the table's columns, URL-encoded)")
    return InputError(f"{url.label}: cannot read the table ({short(exc)})",
                      fix="check that your user may SELECT from the table")


def as_url(source: Any) -> DatabaseUrl:
    """``source`` as a :class:`DatabaseUrl` (parsing a string)."""
    return source if isinstance(source, DatabaseUrl) else parse_database_url(str(source))


def read_layer(source: Any, crs: Any = None) -> gpd.GeoDataFrame:
    """Read a PostGIS table or view as a GeoDataFrame (its first geometry column; the others are left out).

    ``crs`` is used when the column declares no SRID (0). The layer's
    ``attrs["source"]`` is the URL's label and ``attrs["record_key"]`` the
    primary key naming records in messages.

    Raises
    ------
    InputError
        Bad URL, no connection, no such table, no geometry column, failing ``where=``.
    """
    import sqlalchemy as sa

    url = as_url(source)
    with connect(url) as conn:
        info = table_info(conn, url)
        if not info.geometry:
            raise InputError(f"{url.label}: the table has no geometry column (columns: {', '.join(info.columns)})",
                             fix="give a table with a PostGIS geometry column where a layer is asked for")
        geom = info.geometry[0]
        try:
            gdf = gpd.read_postgis(sa.text(_select(url, info, geom)), conn, geom_col=geom)
        except sa.exc.DBAPIError as exc:
            raise _query_error(url, exc) from None
    srid = int(info.srid.get(geom) or 0)
    gdf = gdf.set_crs(srid if srid > 0 else None, allow_override=True)
    if crs is not None and gdf.crs is None:
        from ..io import declared_crs

        gdf = gdf.set_crs(declared_crs(crs))
    gdf.attrs["source"] = url.label
    if info.key:
        gdf.attrs["record_key"] = info.key
    return gdf


def read_plain_table(source: Any) -> pd.DataFrame:
    """Read a table's non-geometry columns as strings (NULL as empty), as :func:`planner_gis.io.read_table` reads CSV.

    Raises
    ------
    InputError
        Bad URL, no connection, no such table, failing ``where=``.
    """
    import sqlalchemy as sa

    url = as_url(source)
    with connect(url) as conn:
        info = table_info(conn, url)
        try:
            result = conn.execute(sa.text(_select(url, info, None)))
        except sa.exc.DBAPIError as exc:
            raise _query_error(url, exc) from None
        columns, rows = list(result.keys()), result.fetchall()
    df = pd.DataFrame([["" if v is None else str(v) for v in row] for row in rows], columns=columns,
                      dtype=object).astype(str)  # the string dtype of read_csv(dtype=str)
    df.attrs["source"] = url.label
    return df


def has_geometry(source: Any) -> bool:
    """True if the URL's table has a geometry (or geography) column.

    Raises
    ------
    InputError
        Bad URL, no connection, no such table.
    """
    url = as_url(source)
    with connect(url) as conn:
        return bool(table_info(conn, url).geometry)


def check_table(source: Any, role: str) -> None:
    """Check that an input table can be read in ``role`` (``vector``, ``table``, ``network`` ...), reading no rows.

    Raises
    ------
    InputError
        Bad URL, no connection, no such table, no geometry column for a layer,
        a raster role (rasters are read from files only).
    """
    url = as_url(source)
    if role == "raster":
        raise InputError(f"{url.label}: a database table cannot be a raster",
                         fix="give the population grid as a GeoTIFF file, or as points in a table")
    import sqlalchemy as sa

    with connect(url) as conn:
        info = table_info(conn, url)
        try:  # the where= filter and the permissions, on no rows
            conn.execute(sa.text(_select(url, info, (info.geometry or [None])[0]) + " LIMIT 0"))
        except sa.exc.DBAPIError as exc:
            raise _query_error(url, exc) from None
    if role in ("vector", "network") and not info.geometry:
        raise InputError(f"{url.label}: the table has no geometry column (columns: {', '.join(info.columns)})",
                         fix="give a table with a PostGIS geometry column where a layer is asked for")
