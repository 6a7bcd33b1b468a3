"""Run one ``planner-gis`` command in a subprocess and follow its jsonl events.

The command runs with ``--progress jsonl``: every line it writes on stderr is a
JSON event (``progress``, ``warning``, ``done`` or ``error``, see
``planner_gis.cli._report``). :func:`run_command` turns them into calls of the
given callbacks (a Processing feedback in the plugin), polls for Cancel every
0.1 s and stops the subprocess within a second when asked: SIGTERM first (the
command unwinds and removes its temporary files), SIGKILL after half a second.

Plain Python (no ``qgis`` import), tested without QGIS.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from .environment import hidden_window, subprocess_env

#: Seconds between two looks at the Cancel flag.
POLL = 0.1
#: Seconds the command gets to unwind after SIGTERM before it is killed.
GRACE = 0.5


class CommandFailed(Exception):
    """The command reported an error (or died). ``str()`` is its message with the fix.

    Attributes
    ----------
    problem, fix : str
        What was wrong and how to fix it, as the command said.
    detail : str
        A traceback or the last lines of stderr, for the log panel.
    exit_code : int
    """

    def __init__(self, message: str, problem: str = "", fix: str = "", detail: str = "", exit_code: int = 1):
        super().__init__(message)
        self.problem = problem or message
        self.fix = fix
        self.detail = detail
        self.exit_code = exit_code


class CommandCancelled(Exception):
    """The run was cancelled and the subprocess stopped."""


@dataclass
class CommandResult:
    """What a command that worked reported."""

    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Callbacks:
    """What :func:`run_command` reports to; override what you need (defaults do nothing)."""

    def progress(self, fraction: float, stage: str) -> None:
        """A progress event: ``fraction`` in 0..1 and the stage text."""

    def info(self, line: str) -> None:
        """A line the command printed for people (stdout) or a stray stderr line."""

    def warning(self, message: str) -> None:
        """A warning event."""

    def canceled(self) -> bool:
        """True when the user asked to stop."""
        return False


def _reader(stream, name: str, sink: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        sink.put((name, line.rstrip("\r\n")))
    sink.put((name, None))


def _popen(command: list[str], cwd: str | None, env: dict | None = None) -> subprocess.Popen:
    kwargs = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                  encoding="utf-8", errors="replace", env={**subprocess_env(), **(env or {})}, cwd=cwd, bufsize=1)
    if sys.platform.startswith("win"):
        kwargs["creationflags"] = (getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
                                   | hidden_window().get("creationflags", 0))
    else:
        kwargs["start_new_session"] = True  # its own process group: Cancel stops any child too
    return subprocess.Popen(command, **kwargs)


def stop(proc: subprocess.Popen, grace: float = GRACE) -> None:
    """Stop ``proc`` (and its process group): terminate, then kill after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    try:
        if sys.platform.startswith("win"):
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        if sys.platform.startswith("win"):
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass


def run_command(command: list[str], callbacks: Callbacks | None = None, cwd: str | None = None,
                env: dict | None = None) -> CommandResult:
    """Run ``command`` (a ``planner-gis ... --progress jsonl`` command line) to the end.

    ``env`` adds variables to the subprocess's environment (the ``PGPASSWORD`` of
    PostGIS inputs, which never goes on the command line).

    Returns
    -------
    CommandResult
        The ``done`` event's summary and outputs, stdout lines and warnings.

    Raises
    ------
    CommandCancelled
        When ``callbacks.canceled()`` turned true; the subprocess is stopped first.
    CommandFailed
        When the command reported an error or exited with a non-zero status.
    """
    cb = callbacks or Callbacks()
    started = time.monotonic()
    proc = _popen(command, cwd, env)
    lines: queue.Queue = queue.Queue()
    readers = [threading.Thread(target=_reader, args=(proc.stdout, "stdout", lines), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, "stderr", lines), daemon=True)]
    for t in readers:
        t.start()
    state = _State()
    open_streams = 2
    try:
        while open_streams:
            if cb.canceled():
                stop(proc)
                raise CommandCancelled("cancelled by the user")
            try:
                name, line = lines.get(timeout=POLL)
            except queue.Empty:
                continue
            if line is None:
                open_streams -= 1
            else:
                state.take(name, line, cb)
        code = proc.wait()
    finally:
        if proc.poll() is None:
            stop(proc)
    state.result.seconds = time.monotonic() - started
    return state.finish(code)


class _State:
    """What the events of one run said so far."""

    def __init__(self):
        self.result = CommandResult()
        self.error: dict | None = None
        self.stray: list[str] = []

    def take(self, stream: str, line: str, cb: Callbacks) -> None:
        if stream == "stdout":
            self.result.stdout.append(line)
            cb.info(line)
            return
        event = _event(line)
        if event is None:
            if line.strip():
                self.stray.append(line)
                cb.info(line)
            return
        kind = event.get("event")
        if kind == "progress":
            cb.progress(float(event.get("fraction", 0.0)), str(event.get("stage") or event.get("message") or ""))
        elif kind == "warning":
            self.result.warnings.append(str(event.get("message", "")))
            cb.warning(str(event.get("message", "")))
        elif kind == "done":
            self.result.summary = str(event.get("summary", ""))
            self.result.outputs = dict(event.get("outputs") or {})
            self.result.data = {k: v for k, v in event.items() if k not in ("event", "summary", "outputs")}
        elif kind == "error":
            self.error = event

    def finish(self, code: int) -> CommandResult:
        if self.error is not None:
            e = self.error
            raise CommandFailed(str(e.get("message", "")), problem=str(e.get("problem") or ""),
                                fix=str(e.get("fix") or ""), detail=str(e.get("detail") or ""),
                                exit_code=int(e.get("exit", code or 1)))
        if code != 0:
            tail = "\n".join(self.stray[-20:])
            raise CommandFailed(f"planner-gis stopped with exit status {code}", detail=tail, exit_code=code)
        return self.result


def _event(line: str) -> dict | None:
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "event" in value else None
