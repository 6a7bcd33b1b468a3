"""Fresh memory for large arrays that are written once: without transparent huge pages.

On Linux numpy asks the kernel for transparent huge pages on every large
array (``madvise(MADV_HUGEPAGE)``). Where the kernel is set to ``defrag=madvise``
(the usual default), the first touch of such an array may stall while the
kernel compacts memory to find free 2 MB pages: measured on a 2-core VM, an
80 MB block took 0.12-0.30 s to fill the first time instead of 0.04 s, and
``compute_coverage()`` on 1M origins spent 0.3-0.6 s of its ~1.5 s there. The
engine's large arrays are filled once and read a few times, so they gain
nothing from huge pages. :func:`small_pages` turns numpy's advice off for the
duration of a call and restores it afterwards (numpy's own switch, the one
its ``NUMPY_MADVISE_HUGEPAGE`` environment variable sets at import).

Examples
--------
>>> import numpy as np
>>> with small_pages():
...     a = np.zeros(10)
>>> float(a.sum())
0.0
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any



def _switch() -> Callable[[bool], bool] | None:
    """The ``_set_madvise_hugepage`` switch of numpy (returns the previous setting), or None."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            mod = __import__(name, fromlist=["_set_madvise_hugepage"])
        except ImportError:
            continue
        fn = getattr(mod, "_set_madvise_hugepage", None)
        if fn is not None:
            return fn
    return None


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """Within the block, numpy does not advise huge pages for new arrays (restored on exit)."""
    switch = _switch()
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)


def with_small_pages(fn: Callable) -> Callable:
    """Decorator: run ``fn`` within :func:`small_pages`."""

    @wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with small_pages():
            return fn(*args, **kwargs)

    return run
