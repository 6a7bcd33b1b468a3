"""Compiled kernels: numba when it is installed and allowed, else the numpy code paths.

The hot loops of the reach engine (snapping, bounded searches, per-origin
distances, zone membership, coverage sums) have two implementations that give
bitwise identical results: vectorised numpy (always available, the reference)
and small loop kernels compiled by numba (``*_kernels.py`` modules, same
operations in the same order). numba ships wheels for Linux, Windows and macOS,
so no compiler is needed; compiled machine code is cached on disk (next to the
kernel modules, or numba's user cache folder when that is read-only), so only
the first run on a machine pays the compilation.

Set the environment variable ``PLANNER_GIS_NO_NUMBA=1`` to use the numpy paths
(also when numba is installed), e.g. to compare both.

Kernel modules import :func:`njit` from here: without numba it returns the
plain Python function, so the modules still import (and run, slowly, on tiny
inputs) everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any

#: Environment variable that switches the compiled kernels off.
DISABLE_ENV = "PLANNER_GIS_NO_NUMBA"


@cache
def _numba() -> Any:
    """The numba module, or None when it is missing, broken or switched off."""
    if os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
        return None
    try:
        import numba
    except Exception:  # not installed, or an llvmlite/numpy it cannot load
        return None
    return numba


def enabled() -> bool:
    """True when the compiled kernels are used (numba importable and not switched off).

    >>> isinstance(enabled(), bool)
    True
    """
    return _numba() is not None


#: Below this many items (points, edges, pairs) the numpy paths are used: the kernels would
#: gain less than loading numba costs (~0.5 s once per process: import and cached code).
MIN_ITEMS = 100_000


def worth(n_items: int) -> bool:
    """Whether to use the compiled kernels for a step over ``n_items`` (enabled and big enough).

    Small inputs keep the numpy paths without importing numba; both give the
    same results.

    >>> worth(10)
    False
    """
    return n_items >= MIN_ITEMS and enabled()


def njit(fn: Callable | None = None, *, inline: bool = False) -> Any:
    """``numba.njit`` (cached on disk, no GIL) when numba is installed, else ``fn`` itself.

    ``inline=True`` inlines the function into its callers when numba compiles
    them (for small helpers that take arrays: a call would count references
    to each array, which costs more than the helper's work).

    Only kernel modules use it; they are imported by the code paths that
    checked :func:`enabled`. The decision is taken once, when the module is
    imported.
    """
    if fn is None:
        return lambda f: njit(f, inline=inline)
    try:
        import numba
    except Exception:
        return fn
    return numba.njit(cache=True, nogil=True, inline="always" if inline else "never")(fn)
