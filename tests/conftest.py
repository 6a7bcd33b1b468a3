"""Shared fixtures: a PostgreSQL + PostGIS server and the reach engine's two code paths.

The server (tests/pgserver.py) is a throwaway cluster for the database tests; the
``kernels`` fixture runs a test on the numpy code and on the compiled (numba) kernels.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from planner_gis import _jit


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


@pytest.fixture(params=["numpy", "compiled"])
def kernels(request, monkeypatch):
    """Run a test once on the numpy code paths and once on the compiled (numba) kernels.

    The kernels are normally used only for inputs of ``_jit.MIN_ITEMS`` items or
    more; here the threshold is lowered to 1 so that hand-sized cases go through
    them. ``numpy`` switches numba off as ``PLANNER_GIS_NO_NUMBA=1`` does.
    """
    if request.param == "numpy":
        monkeypatch.setenv(_jit.DISABLE_ENV, "1")
    else:
        if importlib.util.find_spec("numba") is None:
            pytest.skip("numba is not installed")
        monkeypatch.delenv(_jit.DISABLE_ENV, raising=False)
        monkeypatch.setattr(_jit, "MIN_ITEMS", 1)
    _jit._numba.cache_clear()
    assert _jit.enabled() == (request.param == "compiled")
    yield request.param
    monkeypatch.undo()
    _jit._numba.cache_clear()
