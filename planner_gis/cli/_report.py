"""How a command reports progress, results and errors: for people or for programs.

Every sub-command reports through one :class:`Reporter`, chosen by the global
``--progress`` option (``planner-gis --progress MODE COMMAND ...`` or
``planner-gis COMMAND ... --progress MODE``):

``auto`` (default)
    a progress bar when stderr is a terminal, else ``lines``;
``bar``
    a tqdm progress bar on stderr;
``lines``
    one line per stage on stderr (``reach: 25% reading the network``), for
    logs and pipes;
``jsonl``
    one JSON object per line on stderr, for programs such as the QGIS plugin:
    ``{"event": "progress", "fraction": 0.25, "stage": "...", "message": "..."}``,
    ``{"event": "warning", "message": "..."}``,
    ``{"event": "done", "exit": 0, "summary": "...", "outputs": {...}}`` and on
    failure ``{"event": "error", "exit": 2, "message": "...", "problem": "...",
    "fix": "..."}``;
``none``
    no progress (``--quiet`` also silences the summary on stdout).

Examples
--------
>>> import io
>>> stream = io.StringIO()
>>> rep = Reporter("jsonl", stream=stream)
>>> with rep.progress("reach") as cb:
...     cb(0.25, "reading the network")
>>> rep.done("35% of residents reach every 15-minute facility", {"coverage": "out/coverage.csv"})
>>> [json.loads(line)["event"] for line in stream.getvalue().splitlines()]
['progress', 'done']
>>> json.loads(stream.getvalue().splitlines()[0])["stage"]
'reading the network'
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import warnings
from typing import Any, TextIO
from collections.abc import Iterator

from .._progress import ProgressCallback

#: The accepted values of ``--progress``.
MODES = ("auto", "bar", "lines", "jsonl", "none")
#: jsonl progress events are sent at most this often (seconds), stage changes always.
JSONL_INTERVAL = 0.1


class Reporter:
    """Progress, warnings, the result summary and errors of one command run.

    Parameters
    ----------
    mode : str
        One of :data:`MODES`.
    quiet : bool
        Print no summary on stdout and no progress.
    stream : file, optional
        Where progress and events go (default ``sys.stderr``).
    """

    def __init__(self, mode: str = "auto", quiet: bool = False, stream: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "bar" if _isatty(self.stream) else "lines"
        self.mode = "none" if quiet and mode != "jsonl" else mode
        self.quiet = quiet

    # ------------------------------------------------------------------ events
    def event(self, **fields: Any) -> None:
        """Write one JSON event line (jsonl mode only)."""
        if self.mode == "jsonl":
            self.stream.write(json.dumps(fields, ensure_ascii=False, default=str) + "\n")
            self.stream.flush()

    def say(self, text: str = "") -> None:
        """Print a line of the human summary on stdout (not with ``--quiet``)."""
        if not self.quiet:
            print(text)

    def warn(self, message: str) -> None:
        """Report a warning: a jsonl event, or a line on stderr."""
        if self.mode == "jsonl":
            self.event(event="warning", message=message)
        else:
            print(f"warning: {message}", file=self.stream)

    def done(self, summary: str, outputs: dict | None = None, **data: Any) -> None:
        """Report the result of a run that worked (``summary`` is one line; ``data`` more JSON fields)."""
        self.event(event="done", exit=0, summary=summary, outputs=outputs or {}, **data)

    def error(self, command: str, exc: BaseException, status: int, detail: str = "") -> None:
        """Report an error: one line on stderr, or one jsonl event."""
        problem = getattr(exc, "problem", str(exc))
        fix = getattr(exc, "fix", None)
        if self.mode == "jsonl":
            self.event(event="error", exit=status, command=command, kind=type(exc).__name__, message=str(exc),
                       problem=problem, fix=fix, detail=detail)
        else:
            print(f"planner-gis {command}: error: {exc}", file=self.stream)

    # ---------------------------------------------------------------- progress
    @contextlib.contextmanager
    def progress(self, desc: str) -> Iterator[ProgressCallback]:
        """Yield a ``callback(fraction, message)`` that reports in this reporter's mode."""
        if self.mode == "bar":
            with _tqdm_progress(desc, self.stream) as cb:
                yield cb
        elif self.mode == "lines":
            yield _lines_progress(desc, self.stream)
        elif self.mode == "jsonl":
            yield _jsonl_progress(desc, self)
        else:
            yield lambda fraction, message="": None

    @contextlib.contextmanager
    def capture_warnings(self) -> Iterator[None]:
        """Route Python warnings raised by the library through :meth:`warn`."""
        previous = warnings.showwarning

        def _show(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
            self.warn(str(message))

        warnings.showwarning = _show
        try:
            yield
        finally:
            warnings.showwarning = previous


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def _tqdm_progress(desc: str, stream: TextIO) -> Iterator[ProgressCallback]:
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", file=stream, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")
    state = {"n": 0}

    def _cb(fraction: float, message: str = "") -> None:
        n = int(round(fraction * 100))
        if n > state["n"]:
            bar.update(n - state["n"])
            state["n"] = n
        if message:
            bar.set_postfix_str(message, refresh=True)

    try:
        yield _cb
    finally:
        bar.close()


def _lines_progress(desc: str, stream: TextIO) -> ProgressCallback:
    """One line per stage (a new message), e.g. ``reach: 25% reading the network``."""
    state = {"message": None}

    def _cb(fraction: float, message: str = "") -> None:
        if message and message != state["message"]:
            state["message"] = message
            stream.write(f"{desc}: {fraction:4.0%} {message}\n")
            stream.flush()

    return _cb


def _jsonl_progress(desc: str, reporter: Reporter) -> ProgressCallback:
    """Progress events; a new stage is always sent, the same stage at most every 0.1 s."""
    state = {"message": None, "sent": 0.0, "fraction": -1.0}

    def _cb(fraction: float, message: str = "") -> None:
        now = time.monotonic()
        stage = message or state["message"] or desc
        new_stage = stage != state["message"]
        if not new_stage and (now - state["sent"] < JSONL_INTERVAL or fraction == state["fraction"]):
            return
        state.update(message=stage, sent=now, fraction=fraction)
        reporter.event(event="progress", command=desc, fraction=round(float(fraction), 4), stage=stage,
                       message=stage if stage.startswith(desc) else f"{desc}: {stage}")

    return _cb
