"""Shared fixtures: a throwaway PostgreSQL + PostGIS server (tests/pgserver.py) for the database tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def postgis_server():
    """A PostgreSQL 15 + PostGIS 3 server on 127.0.0.1 for the whole session; stopped at the end, also on failure.

    Skipped when no ``initdb`` is installed, except under CI (``CI=true``), where that is a failure.
    """
    import pgserver

    if pgserver.find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("no initdb: scripts/setup.sh should have installed postgresql-15-postgis-3")
        pytest.skip("no PostgreSQL server binaries (install postgresql-15-postgis-3: scripts/setup.sh)")
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def pg(postgis_server, monkeypatch):
    """The session's server, with its password in PGPASSWORD (as a user would give it) and no ~/.pgpass."""
    import pgserver

    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    monkeypatch.setenv("PGPASSFILE", os.path.join(pgserver.tempfile.gettempdir(), "planner-gis-no-such-pgpass"))
    return postgis_server
