"""Writing a command's tables into a PostGIS schema, all in one transaction.

:func:`check_output_tables` runs before any long work: it connects, refuses
tables that exist (unless ``replace``) and tables that are inputs of the run.
:func:`write_tables` then writes every table (geometry columns with their SRID
and a GiST spatial index, through ``GeoDataFrame.to_postgis``) and appends a
row to the schema's ``runs`` table, in one transaction: if any step fails,
nothing is written and the schema stays as it was.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any
from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd

from ..errors import OutputError, PlannerGisError
from .connect import connect, qualified, quote_ident, short
from .url import DatabaseUrl, is_database_url, parse_database_url

#: The table every run appends one row to.
RUNS_TABLE = "runs"
RUNS_DDL = """CREATE TABLE IF NOT EXISTS {table} (
    run_id bigserial PRIMARY KEY,
    command text NOT NULL,
    inputs jsonb NOT NULL,
    options jsonb NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    metric_crs text,
    tables text[] NOT NULL,
    summary jsonb,
    planner_gis_version text
)"""


def _existing(conn, schema: str) -> set:
    import sqlalchemy as sa

    rows = conn.execute(sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                        {"s": schema}).fetchall()
    return {r[0] for r in rows}


def check_output_tables(target: DatabaseUrl, tables: Iterable[str], inputs: Iterable[Any] = (),
                        replace: bool = False) -> None:
    """Refuse a run whose tables exist in the target schema (without ``replace``) or are among its inputs.

    Raises
    ------
    OutputError
        No connection, a table that would overwrite an input table, existing
        tables without ``replace``.
    """
    names = list(tables)
    for source in inputs:
        if not is_database_url(source):
            continue
        url = parse_database_url(str(source))
        if url.same_database(target) and url.schema == target.schema and url.table in [*names, RUNS_TABLE]:
            raise OutputError(f"output table {target.schema}.{url.table} would overwrite the input {url.label}",
                              fix="write the outputs into another schema (--out ...?schema=OTHER)")
    with connect(target, output=True) as conn:
        existing = sorted(set(names) & _existing(conn, target.schema))
    if existing and not replace:
        raise OutputError(f"{target.label}: table(s) {', '.join(existing)} already exist in schema {target.schema}",
                          fix="add --replace to replace them (in one transaction), or choose another schema")


def _jsonable(v: Any) -> Any:
    import numpy as np

    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    return str(v)


def _spatial_index(conn, schema: str, table: str, geom: str) -> None:
    """A GiST index on the geometry column, unless GeoAlchemy2 made one when it created the table."""
    import sqlalchemy as sa

    found = conn.execute(sa.text("SELECT 1 FROM pg_indexes WHERE schemaname = :s AND tablename = :t "
                                 "AND indexdef ILIKE '%USING gist%'"), {"s": schema, "t": table}).first()
    if found is None:
        conn.execute(sa.text(f"CREATE INDEX {quote_ident(f'idx_{table}_{geom}')} ON {qualified(schema, table)} "
                             f"USING gist ({quote_ident(geom)})"))


def _write_one(conn, target: DatabaseUrl, name: str, df: pd.DataFrame, replace: bool, existing: set) -> None:
    import sqlalchemy as sa

    if name in existing:
        if not replace:
            raise OutputError(f"{target.label}: table {name} already exists in schema {target.schema}",
                              fix="add --replace to replace it, or choose another schema")
        conn.execute(sa.text(f"DROP TABLE {qualified(target.schema, name)} CASCADE"))
    df = df.reset_index(drop=True)
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        geom = df.geometry.name
        if len(df) and df.geometry.isna().all():  # to_postgis refuses a column of NULLs: no type to declare
            from geoalchemy2 import Geometry

            srid = df.crs.to_epsg() if df.crs is not None else None
            plain = pd.DataFrame(df).assign(**{geom: None})
            plain.to_sql(name, conn, schema=target.schema, if_exists="fail", index=False,
                         dtype={geom: Geometry("GEOMETRY", srid=srid or -1)})
        else:
            df.to_postgis(name, conn, schema=target.schema, if_exists="fail", index=False)
        _spatial_index(conn, target.schema, name, geom)
    else:
        pd.DataFrame(df).to_sql(name, conn, schema=target.schema, if_exists="fail", index=False)


def write_tables(target: DatabaseUrl, tables: Mapping[str, pd.DataFrame], run: Mapping[str, Any],
                 replace: bool = False) -> list:
    """Write ``tables`` into the target schema and append ``run`` to its ``runs`` table, in one transaction.

    Parameters
    ----------
    target : DatabaseUrl
        An output URL (``?schema=SCHEMA``); the schema is created if missing.
    tables : mapping
        Table name -> DataFrame or GeoDataFrame (written with its CRS as SRID
        and a spatial index).
    run : mapping
        ``command``, ``inputs``, ``options``, ``started_at`` (datetime),
        ``metric_crs`` and ``summary`` of the run.
    replace : bool
        Drop and write again tables that exist (else they are refused).

    Returns
    -------
    list of str
        The names of the tables written (and ``runs``).

    Raises
    ------
    OutputError
        When a table exists without ``replace``, or any statement fails; the
        transaction is then rolled back and the schema is as it was.
    """
    import sqlalchemy as sa

    from .. import __version__

    step = "connecting"
    try:
        with connect(target, readonly=False, output=True) as conn:
            step = f"creating schema {target.schema}"
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(target.schema)}"))
            existing = _existing(conn, target.schema)
            for name, df in tables.items():
                step = f"writing table {target.schema}.{name}"
                _write_one(conn, target, name, df, replace, existing)
            step = f"adding the run to {target.schema}.{RUNS_TABLE}"
            runs = qualified(target.schema, RUNS_TABLE)
            conn.execute(sa.text(RUNS_DDL.format(table=runs)))
            started = run.get("started_at") or _dt.datetime.now(_dt.timezone.utc)
            conn.execute(sa.text(
                f"INSERT INTO {runs} (command, inputs, options, started_at, metric_crs, tables, summary, "
                "planner_gis_version) VALUES (:command, CAST(:inputs AS jsonb), CAST(:options AS jsonb), :started, "
                ":crs, :tables, CAST(:summary AS jsonb), :version)"),
                {"command": run["command"], "inputs": json.dumps(_jsonable(run.get("inputs", {})), ensure_ascii=False),
                 "options": json.dumps(_jsonable(run.get("options", {})), ensure_ascii=False), "started": started,
                 "crs": run.get("metric_crs"), "tables": list(tables),
                 "summary": json.dumps(_jsonable(run.get("summary", {})), ensure_ascii=False), "version": __version__})
    except PlannerGisError:
        raise
    except sa.exc.DBAPIError as exc:
        raise OutputError(f"{target.label}: {step} failed ({short(exc)}); nothing was written (the transaction "
                          "was rolled back)", fix="remove the conflicting object from the schema, or write into "
                                                  "another schema") from None
    except ValueError as exc:  # pandas / geopandas refusals (e.g. a column type they cannot store)
        raise OutputError(f"{target.label}: {step} failed ({short(exc)}); nothing was written (the transaction "
                          "was rolled back)", fix="write into files instead (--out DIR) and report the problem") \
            from None
    return [*tables, RUNS_TABLE]
