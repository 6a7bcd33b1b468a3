"""PostGIS tables as inputs and a PostGIS schema as the output of a command.

Inputs: every layer or table argument may be
``postgresql://USER@HOST:PORT/DB?table=SCHEMA.TABLE[&where=FILTER]``;
:func:`planner_gis.io.read_vector` and :func:`planner_gis.io.read_table` read
it with :func:`read_layer` / :func:`read_plain_table` in a read-only
transaction. Outputs: ``--out postgresql://USER@HOST:PORT/DB?schema=SCHEMA``
writes the command's tables and a row of the ``runs`` table in one transaction
(:func:`write_tables`). The password is never in the URL: libpq reads
``PGPASSWORD``, ``~/.pgpass`` or a ``service=``. SQLAlchemy, GeoAlchemy2 and
psycopg (the ``postgis`` extra) are imported only when a URL is used.
"""

from .url import DatabaseUrl, is_database_url, parse_database_url
from .read import check_table, has_geometry, read_layer, read_plain_table
from .write import RUNS_TABLE, check_output_tables, write_tables

__all__ = [
    "DatabaseUrl",
    "is_database_url",
    "parse_database_url",
    "check_table",
    "has_geometry",
    "read_layer",
    "read_plain_table",
    "RUNS_TABLE",
    "check_output_tables",
    "write_tables",
]
