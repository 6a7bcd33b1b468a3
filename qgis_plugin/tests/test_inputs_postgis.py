"""PostGIS layers as inputs: the data source URI becomes a postgresql:// URL, the password goes to PGPASSWORD.

No server is needed: the URL is built from the layer's URI, and checked
against the library's own URL parser (run in .venv, :func:`conftest.library`).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from conftest import library

from planner_gis_qgis.algorithms.inputs import _database_url, postgres_url

URI = ("dbname='city' host=db.example port=5433 user='planner' password='s3cret' sslmode=disable "
       "key='gid' srid=4548 type=MultiPolygon checkPrimaryKeyUnicity='1' table=\"plan\".\"units\" (geom) "
       "sql=\"district\" = '丰台' AND pop > 10")


def test_uri_becomes_a_url_without_the_password():
    url, password = postgres_url(URI)
    assert password == "s3cret" and "s3cret" not in url
    parts = urlsplit(url)
    assert (parts.scheme, parts.username, parts.hostname, parts.port, parts.path) == (
        "postgresql", "planner", "db.example", 5433, "/city")
    query = parse_qs(parts.query)
    assert query["table"] == ["plan.units"]
    assert query["where"] == ["\"district\" = '丰台' AND pop > 10"]


def test_the_library_reads_the_url_as_qgis_meant_it():
    url, _ = postgres_url(URI)
    got = library(
        "from planner_gis.postgis import parse_database_url\n"
        f"u = parse_database_url({url!r})\n"
        "result = [u.user, u.host, u.port, u.dbname, u.schema, u.table, u.where]")
    assert got == ["planner", "db.example", 5433, "city", "plan", "units", "\"district\" = '丰台' AND pop > 10"]


def test_service_and_query_layers():
    url, password = postgres_url("service='prod' table=\"public\".\"pois\" (geom)")
    assert url == "postgresql:///?service=prod&table=public.pois" and password == ""
    assert postgres_url("dbname='city' table=\"(SELECT * FROM x)\" (geom)") is None  # exported instead


class _Layer:
    """What _database_url asks of a layer."""

    def __init__(self, source: str):
        self._source = source

    def providerType(self):  # noqa: N802
        return "postgres"

    def source(self):
        return self._source

    def dataProvider(self):  # noqa: N802
        return self

    def crs(self):
        return 4548


class _Alg:
    pass


def test_passwords_go_to_the_environment_and_a_second_one_is_exported():
    alg = _Alg()
    url = _database_url(alg, _Layer(URI))
    assert url.startswith("postgresql://planner@db.example:5433/city?") and alg.secret_env == {"PGPASSWORD": "s3cret"}
    other = URI.replace("s3cret", "different")
    assert _database_url(alg, _Layer(other)) is None  # one PGPASSWORD per run: the other layer becomes a file
    assert _database_url(alg, _Layer(URI)) == url
