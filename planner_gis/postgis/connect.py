"""Connections to PostgreSQL through SQLAlchemy and psycopg (v3), with one-line errors.

The password comes from libpq (``PGPASSWORD``, ``~/.pgpass``, a service
file); a failure to connect becomes an :class:`~planner_gis.errors.InputError`
(or ``OutputError`` for an output) saying why and what to do.
"""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator

from ..errors import InputError, OutputError, PlannerGisError
from .url import PASSWORD_FIX, DatabaseUrl

#: What the extra installs, for the message when it is missing.
EXTRA_FIX = "install the PostGIS extra: pip install 'planner-gis[postgis]' (SQLAlchemy, GeoAlchemy2, psycopg)"


def engine(url: DatabaseUrl):
    """A SQLAlchemy engine for ``url`` (no pooling: each command opens what it needs).

    Raises
    ------
    InputError
        If SQLAlchemy or psycopg is not installed.
    """
    try:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        import psycopg  # noqa: F401 - the driver of postgresql+psycopg
    except ImportError as exc:
        raise InputError(f"{url.label}: reading and writing PostGIS needs {exc.name}", fix=EXTRA_FIX) from None
    query = {k: str(v) for k, v in url.params.items()}
    query.setdefault("connect_timeout", "10")
    sa_url = sa.engine.URL.create("postgresql+psycopg", username=url.user, host=url.host, port=url.port,
                                  database=url.dbname, query=query)
    return sa.create_engine(sa_url, poolclass=NullPool)


def short(exc: BaseException) -> str:
    """The first line of a driver's message (without SQLAlchemy's background links), at most 200 characters."""
    orig = getattr(exc, "orig", None) or exc
    lines = [s.strip() for s in str(orig).splitlines() if s.strip()]
    text = lines[0] if lines else type(orig).__name__
    for line in lines[1:]:
        if line.startswith(("DETAIL:", "HINT:")) or "FATAL" in line:
            text += f" ({line})"
            break
    return text if len(text) <= 200 else text[:197] + "..."


def connection_error(url: DatabaseUrl, exc: BaseException, output: bool = False) -> PlannerGisError:
    """The error to raise for a failed connection to ``url``."""
    error = OutputError if output else InputError
    msg = short(exc)
    low = msg.lower()
    where = f"{url.host or 'the local socket'}:{url.port or 5432}"
    if "connection refused" in low or "no such file or directory" in low:
        return error(f"{url.label}: cannot connect: connection refused (no PostgreSQL server at {where})",
                     fix="start the server, or correct the host and port in the URL")
    if "no password supplied" in low:
        return error(f"{url.label}: the server asks for a password and none was given", fix=PASSWORD_FIX)
    if "password authentication failed" in low:
        return error(f"{url.label}: password authentication failed for user {url.user or '(default)'}",
                     fix="correct the password in PGPASSWORD or ~/.pgpass, or the user in the URL")
    if "does not exist" in low and "database" in low:
        return error(f"{url.label}: database {url.dbname!r} does not exist on {where}",
                     fix="correct the database name in the URL (psql -l lists them)")
    if "translate host name" in low or "name or service not known" in low:
        return error(f"{url.label}: unknown host {url.host!r}", fix="correct the host name in the URL")
    if "timeout" in low:
        return error(f"{url.label}: the server at {where} did not answer ({msg})",
                     fix="check that the server runs and that a firewall lets you reach it")
    return error(f"{url.label}: cannot connect ({msg})", fix="check the URL, the server and your credentials")


@contextmanager
def connect(url: DatabaseUrl, readonly: bool = True, output: bool = False) -> Iterator:
    """A connection to ``url`` inside one transaction: read-only for inputs, committed at the end for outputs.

    A failure to connect raises :func:`connection_error`; an exception inside
    the block rolls the transaction back.
    """
    import sqlalchemy as sa

    eng = engine(url)
    try:
        try:
            conn = eng.connect()
        except sa.exc.DBAPIError as exc:
            raise connection_error(url, exc, output=output) from None
        with conn:
            if readonly:
                conn = conn.execution_options(postgresql_readonly=True)
            with conn.begin():
                yield conn
    finally:
        eng.dispose()


def quote_ident(name: str) -> str:
    """A SQL identifier in double quotes.

    >>> quote_ident('x"y')
    '"x""y"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    """``"schema"."table"``."""
    return f"{quote_ident(schema)}.{quote_ident(table)}"
