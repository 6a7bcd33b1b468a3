"""``postgresql://`` URLs naming a table to read or a schema to write.

Forms::

    postgresql://USER@HOST:PORT/DB?table=SCHEMA.TABLE[&where=SQL]   (an input)
    postgresql://USER@HOST:PORT/DB?schema=SCHEMA                    (an output)
    postgresql:///DB?service=NAME&table=...                         (host, user ... from pg_service.conf)

The password is never part of the URL: libpq takes it from ``PGPASSWORD``,
``~/.pgpass`` or the service file. Standard library only (no database
driver is needed to parse a URL).

Examples
--------
>>> u = parse_database_url("postgresql://planner@db.example:5433/city?table=plan.units&where=district%3D'fengtai'")
>>> (u.user, u.host, u.port, u.dbname, u.schema, u.table, u.where)
('planner', 'db.example', 5433, 'city', 'plan', 'units', "district='fengtai'")
>>> u.label
'postgresql://planner@db.example:5433/city?table=plan.units'
>>> parse_database_url("postgresql://planner:secret@db/city?table=units")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
planner_gis.errors.InputError: postgresql://planner@db/city?table=units: the URL holds a password. Fix: ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from ..errors import InputError, OutputError

#: URL schemes read as PostgreSQL connections.
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: libpq connection parameters a URL may carry besides table, where and schema.
LIBPQ_PARAMS = ("service", "sslmode", "sslrootcert", "connect_timeout", "application_name", "options",
                "target_session_attrs")
#: The fix of every password problem.
PASSWORD_FIX = ("remove the password from the URL and give it in PGPASSWORD, in ~/.pgpass "
                "(HOST:PORT:DB:USER:PASSWORD, chmod 600) or in a pg_service.conf service (?service=NAME)")


def is_database_url(source: object) -> bool:
    """True if ``source`` is a ``postgresql://`` (or ``postgres://``) URL rather than a file path.

    >>> is_database_url("postgresql://me@localhost/gis?table=units"), is_database_url("units.gpkg")
    (True, False)
    """
    if not isinstance(source, (str, os.PathLike)):
        return False
    text = os.fspath(source)
    return isinstance(text, str) and text.split(":", 1)[0].lower() in SCHEMES and ":" in text


@dataclass(frozen=True)
class DatabaseUrl:
    """A parsed ``postgresql://`` URL (see the module's docstring)."""

    user: str | None
    host: str | None
    port: int | None
    dbname: str | None
    schema: str | None = None
    table: str | None = None
    where: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def server(self) -> str:
        """``postgresql://USER@HOST:PORT/DB`` (no password, no query)."""
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{self.host or ''}{port}/{self.dbname or ''}"

    @property
    def label(self) -> str:
        """The URL as messages name it: the server and the table or schema (no password, no filter)."""
        query = [f"{k}={v}" for k, v in self.params.items() if k == "service"]
        if self.table:
            query.append(f"table={self.schema}.{self.table}")
        elif self.schema:
            query.append(f"schema={self.schema}")
        return self.server + ("?" + "&".join(query) if query else "")

    def table_url(self, table: str) -> str:
        """The input URL of ``table`` in this URL's schema (how a later command reads an output)."""
        query = [f"{k}={v}" for k, v in self.params.items() if k == "service"]
        return f"{self.server}?{'&'.join([*query, f'table={self.schema}.{table}'])}"

    def same_database(self, other: DatabaseUrl) -> bool:
        """True if both URLs name the same database on the same server (as far as the URLs tell)."""
        return ((self.host or "", self.port or 5432, self.dbname, self.params.get("service"))
                == (other.host or "", other.port or 5432, other.dbname, other.params.get("service")))


def _split_table(text: str, label: str, error) -> tuple[str, str]:
    schema, dot, table = text.partition(".")
    if not dot:
        schema, table = "public", schema
    if not schema or not table:
        raise error(f"{label}: table={text!r} is not SCHEMA.TABLE", fix="give e.g. table=public.units")
    return schema, table


def parse_database_url(text: str, role: str = "input") -> DatabaseUrl:
    """Parse a ``postgresql://`` URL naming an input table (``role="input"``) or an output schema (``"output"``).

    Raises
    ------
    InputError, OutputError
        A password in the URL, a port that is not a number, an unknown query
        parameter, an input without ``table=`` or an output without ``schema=``.
    """
    error = InputError if role == "input" else OutputError
    try:
        parts = urlsplit(str(text))
        port = parts.port
    except ValueError as exc:
        raise error(f"{text}: not a database URL ({exc})",
                    fix="write it as postgresql://USER@HOST:PORT/DB?table=SCHEMA.TABLE") from None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    user = parts.username
    dbname = parts.path.lstrip("/") or None
    url = DatabaseUrl(user, parts.hostname, port, dbname,
                      params={k: v for k, v in query.items() if k in LIBPQ_PARAMS})
    label = DatabaseUrl(user, parts.hostname, port, dbname, params=url.params).label
    if parts.password is not None:
        full = label + (f"?{parts.query}" if parts.query and "?" not in label else "")
        raise error(f"{full}: the URL holds a password", fix=PASSWORD_FIX)
    unknown = sorted(set(query) - set(LIBPQ_PARAMS) - {"table", "where", "schema"})
    if unknown:
        raise error(f"{label}: unknown URL parameter(s) {', '.join(unknown)}",
                    fix="use table=SCHEMA.TABLE and where=FILTER for inputs, schema=SCHEMA for outputs "
                        f"(and libpq's {', '.join(LIBPQ_PARAMS)})")
    if not dbname and "service" not in query:
        raise error(f"{label}: no database name", fix="write it as postgresql://USER@HOST:PORT/DB?...")
    if role == "input":
        if not query.get("table"):
            raise error(f"{label}: no table= in the URL", fix="add ?table=SCHEMA.TABLE, e.g. ?table=public.units")
        schema, table = _split_table(query["table"], label, error)
        return DatabaseUrl(user, parts.hostname, port, dbname, schema, table, query.get("where") or None, url.params)
    if not query.get("schema") or "table" in query or "where" in query:
        raise error(f"{label}: an output URL names a schema and nothing else",
                    fix="write --out postgresql://USER@HOST:PORT/DB?schema=SCHEMA (the command names its tables)")
    return DatabaseUrl(user, parts.hostname, port, dbname, schema=query["schema"], params=url.params)
