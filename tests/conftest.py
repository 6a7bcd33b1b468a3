"""Shared fixtures: the reach engine's two code paths (numpy and compiled kernels)."""

from __future__ import annotations

import importlib.util

import pytest

from planner_gis import _jit


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
