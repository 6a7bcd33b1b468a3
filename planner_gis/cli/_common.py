"""Helpers shared by the CLI sub-commands (progress bars, output folders)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .._progress import ProgressCallback
from ..errors import OutputError
from ..io import check_not_inputs


@contextlib.contextmanager
def progress_bar(desc: str) -> Iterator[ProgressCallback]:
    """Yield a progress callback that drives a tqdm bar on stderr (0..100 %)."""
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False,
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


def prepare_out_dir(out: str, outputs: Iterable[str], inputs: Iterable[Optional[str]]) -> Path:
    """Create the output folder and refuse outputs that are inputs.

    ``outputs`` are file names inside ``out``.
    """
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise OutputError(f"--out {d} is a file, not a folder", fix="give a folder path for --out")
    check_not_inputs([d / o for o in outputs], inputs)
    d.mkdir(parents=True, exist_ok=True)
    return d
