"""Progress reporting shared by long-running functions.

A progress callback is any callable ``callback(fraction, message)`` with
``fraction`` in ``[0, 1]``. The CLI feeds a tqdm bar from it, the QGIS plugin a
``QgsFeedback``. To cancel, the callback raises :class:`planner_gis.errors.Cancelled`.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]


def report(progress: ProgressCallback | None, fraction: float, message: str = "") -> None:
    """Call ``progress`` if given, clamping ``fraction`` to ``[0, 1]``."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))), message)


def scaled(progress: ProgressCallback | None, start: float, stop: float) -> ProgressCallback | None:
    """Return a callback mapping ``[0, 1]`` onto ``[start, stop]`` of ``progress``.

    Lets a function that reports its own 0..1 progress run as one stage of a
    larger job.
    """
    if progress is None:
        return None

    def _inner(fraction: float, message: str = "") -> None:
        report(progress, start + (stop - start) * fraction, message)

    return _inner
