"""Atomic file writing with the standard library only.

:func:`atomic_path` is the one implementation of "write beside, then rename"
in the project. It imports nothing but the standard library, so that
``scripts/build_plugin_zip.py`` (which must run with any Python 3, without
planner-gis or its dependencies installed) loads this file directly instead of
re-implementing it; :mod:`planner_gis.io` re-exports it for the library.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On error the temporary file is removed and ``target`` is left as it was.
    SQLite side files of the temporary path (a GeoPackage's ``-journal``,
    ``-wal``, ``-shm``) are removed too.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # let writers (GDAL) create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
        for side in (Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            if side.exists():
                side.unlink()
