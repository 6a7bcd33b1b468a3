"""Running one command over many cities: each city one task on dask.distributed (or serially).

Each city runs exactly the single-city command (``planner-gis reach`` /
``audit`` through :func:`planner_gis.cli.main`) into ``DIR/cities/NAME/``,
then writes its completion marker ``DIR/cities/NAME/_done.json`` last: a city
with a marker is done, and a re-run skips it (resume). A city that fails is
reported with its one-line error while the others go on. Tasks run one at a
time per worker (one thread each), so a worker holds one city in memory; a
task whose worker dies is run again on another worker by the scheduler
(dask's ``allowed-failures``), and a task that raises is retried once.
After the run, the per-city tables are combined with a leading ``city``
column (text copied as written, so rows equal the single runs' rows).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from collections.abc import Iterable, Sequence

from .._progress import ProgressCallback, report
from .cities import City

#: The completion marker of a city, written last.
MARKER = "_done.json"
#: Per-city CSV tables combined into one with a ``city`` column, per command.
COMBINED = {"reach": ("coverage.csv",), "audit": ("findings.csv", "workload.csv")}


def city_dir(out: str | Path, name: str) -> Path:
    """``DIR/cities/NAME``."""
    return Path(out) / "cities" / name


def is_done(out: str | Path, name: str, command: str) -> bool:
    """True if the city's marker exists and records ``command``."""
    marker = city_dir(out, name) / MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("command") == command
    except (OSError, ValueError):
        return False


def run_city(command: str, city: City, out: str, options: Sequence[str] = ()) -> dict:
    """Run ``command`` for one city (in a worker): its outputs, then its marker. Never raises on bad input.

    Returns
    -------
    dict
        ``name``, ``status`` (``done`` / ``failed``), ``seconds``, ``error`` (the
        command's one-line error), ``exit`` (its exit status).
    """
    import contextlib
    import io
    import os

    from ..cli import main
    from ..io import write_text

    d = city_dir(out, city.name)
    (d / MARKER).unlink(missing_ok=True)
    argv = [command, *city.arguments(command), "--out", str(d), *options, "--progress", "none", "--quiet"]
    err = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stderr(err):
        status = main(argv)
    seconds = time.perf_counter() - start
    result = {"name": city.name, "status": "done" if status == 0 else "failed", "seconds": round(seconds, 3),
              "exit": status, "worker_pid": os.getpid()}
    if status != 0:
        lines = [s for s in err.getvalue().splitlines() if s.strip()]
        result["error"] = lines[-1] if lines else f"exit status {status}"
        return result
    write_text(json.dumps({"command": command, "argv": argv, **result}, ensure_ascii=False, indent=2) + "\n",
               d / MARKER)
    return result


def _failed(city: City, error: str) -> dict:
    return {"name": city.name, "status": "failed", "seconds": None, "exit": None, "error": error}


def _run_dask(command: str, todo: list, out: str, options: list, workers: int, scheduler: str | None,
              progress: ProgressCallback | None, total: int, done_before: int) -> list:
    import logging
    import uuid
    from contextlib import ExitStack

    from dask.distributed import Client, LocalCluster, as_completed

    results = []
    with ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler, timeout="20s"))
        else:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None, silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        run_id = uuid.uuid4().hex[:8]
        futures = {client.submit(run_city, command, c, out, options, key=f"{command}-{c.name}-{run_id}",
                                 pure=False, retries=1): c for c in todo}
        for future in as_completed(futures):
            city = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a task that failed twice, or whose workers kept dying
                result = _failed(city, f"the task failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
            results.append(result)
            report(progress, (done_before + len(results)) / total, f"{city.name}: {result['status']}")
    return results


def run_batch(command: str, cities: Iterable[City], out: str | Path, options: Sequence[str] = (),
              workers: int = 1, scheduler: str | None = None, progress: ProgressCallback | None = None) -> list:
    """Run ``command`` for every city not done yet; return one result per city (``skipped`` when done before).

    Parameters
    ----------
    command : {"reach", "audit"}
    cities : list of City
        From :func:`planner_gis.batch.read_cities`.
    out : path
        The batch folder; each city writes into ``out/cities/NAME``.
    options : list of str
        Command-line options of the command given to every city (``--as-of 2026-03-31`` ...).
    workers : int
        Workers of the local dask cluster; 0 runs the cities one after the other in this process.
    scheduler : str, optional
        Address of an existing dask scheduler (``tcp://HOST:8786``); ``workers`` is then ignored.
    progress : callable, optional
        ``progress(fraction, message)`` after each city.
    """
    cities = list(cities)
    out = str(Path(out).resolve())
    skipped = [c for c in cities if is_done(out, c.name, command)]
    todo = [c for c in cities if c not in skipped]
    results = [{"name": c.name, "status": "skipped", "seconds": None, "exit": 0} for c in skipped]
    total = max(len(cities), 1)
    report(progress, len(results) / total, f"{len(skipped)} cities done before, {len(todo)} to run")
    if todo and (workers == 0 and not scheduler):
        for c in todo:
            results.append(run_city(command, c, out, list(options)))
            report(progress, len(results) / total, f"{c.name}: {results[-1]['status']}")
    elif todo:
        results += _run_dask(command, todo, out, list(options), workers, scheduler, progress, total, len(results))
    order = {c.name: i for i, c in enumerate(cities)}
    return sorted(results, key=lambda r: order[r["name"]])


def combine(command: str, cities: Iterable[City], out: str | Path) -> dict:
    """Write the combined tables of the done cities (``city`` column first) into ``out``; return their paths."""
    import pandas as pd

    from ..io import read_table, write_csv

    written = {}
    for name in COMBINED[command]:
        frames = []
        for c in cities:
            path = city_dir(out, c.name) / name
            if is_done(out, c.name, command) and path.exists():
                df = read_table(path)
                df.insert(0, "city", c.name)
                frames.append(df)
        if frames:
            written[name] = str(write_csv(pd.concat(frames, ignore_index=True), Path(out) / name))
    return written
