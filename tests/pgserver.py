"""A throwaway PostgreSQL + PostGIS server for the tests (as pytest-postgresql does it).

:func:`start` runs ``initdb`` into a new temporary folder and ``pg_ctl start``
on 127.0.0.1 and a free port, with password authentication (scram-sha-256)
for every TCP connection, creates the database ``planner`` with the
``postgis`` extension; :meth:`Server.stop` stops the server and removes the
folder. ``initdb`` refuses to run as root: as root, the server runs as the
``postgres`` user (created by Debian's postgresql package) or ``nobody``.
The binaries are PostgreSQL 15's from Debian's ``postgresql-15-postgis-3``
(scripts/setup.sh installs it), or the first ``initdb`` on the PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "planner"
PASSWORD = "planner-test-pw"
DBNAME = "planner"


def find_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: PostgreSQL 15 first, then any version, then the PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/15/bin/initdb")) + \
        sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple:
    """``(["runuser", "-u", USER, "--"], USER)`` when running as root (initdb refuses root), else ``([], None)``."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], name
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists for initdb")


@dataclass
class Server:
    """A running server: where it listens and how to stop it."""

    bindir: Path
    root: Path
    port: int
    prefix: list
    host: str = "127.0.0.1"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, query: str) -> str:
        """``postgresql://planner@127.0.0.1:PORT/planner?QUERY``."""
        return f"postgresql://{USER}@{self.host}:{self.port}/{DBNAME}?{query}"

    def sqlalchemy_url(self) -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@{self.host}:{self.port}/{DBNAME}"

    def engine(self):
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        return sa.create_engine(self.sqlalchemy_url(), poolclass=NullPool)

    def stop(self) -> None:
        """Stop the server (immediately) and remove its folder; safe to call twice."""
        if self.data.exists():
            subprocess.run([*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                            "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def _wait_ready(server: Server, timeout: float = 30.0) -> None:
    import psycopg

    end = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(host=server.host, port=server.port, user=USER, password=PASSWORD,
                            dbname="postgres", connect_timeout=3).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def start() -> Server:
    """Start a server as described in the module's docstring (stopped again if any step fails)."""
    import psycopg

    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("no initdb: install postgresql-15-postgis-3 (scripts/setup.sh does)")
    prefix, owner = _run_as()
    # as root the server's user must reach the folder: /tmp, not a TMPDIR inside root's home
    root = Path(tempfile.mkdtemp(prefix="planner-gis-pg-", dir="/tmp" if owner and os.path.isdir("/tmp") else None))
    server = Server(bindir, root, _free_port(), prefix)
    try:
        pwfile = root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if owner:
            entry = pwd.getpwnam(owner)
            for p in (root, pwfile):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(server.data), "-U", USER, "-E", "UTF8",
                        "--locale=C", "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"],
                       check=True, capture_output=True, timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB")
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(server.data), "-o", options,
                        "-l", str(root / "server.log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True, timeout=120)
        _wait_ready(server)
        with psycopg.connect(host=server.host, port=server.port, user=USER, password=PASSWORD, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        with psycopg.connect(host=server.host, port=server.port, user=USER, password=PASSWORD, dbname=DBNAME,
                             autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
    except BaseException as exc:
        log = root / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        if isinstance(exc, subprocess.CalledProcessError):
            detail = (exc.stderr or b"").decode(errors="replace")[-2000:] + detail
        server.stop()
        raise RuntimeError(f"could not start the test PostgreSQL server: {exc}\n{detail}") from exc
    return server
