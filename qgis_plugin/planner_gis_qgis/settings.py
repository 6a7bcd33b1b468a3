"""The plugin's settings: the planner-gis Python (a Processing setting) and the dock's last inputs."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsSettings

from .environment import SETTING, Environment, EnvironmentProblem, check, configured_python

#: QgsSettings key of the Processing setting (what Settings > Options > Processing shows).
PYTHON_KEY = f"Processing/Configuration/{SETTING}"
#: Prefix of the dock's remembered inputs.
DOCK_PREFIX = "planner_gis/dock/"

_cache: dict = {}


def python_setting() -> str:
    """The value of the *Python with planner-gis* setting ('' if unset)."""
    return str(QgsSettings().value(PYTHON_KEY, "") or "")


def set_python_setting(value: str) -> None:
    """Set the *Python with planner-gis* setting (and forget the last check)."""
    QgsSettings().setValue(PYTHON_KEY, value)
    _cache.clear()


def environment(refresh: bool = False) -> Environment:
    """The configured environment, checked once per Python path (``refresh`` checks again).

    Raises
    ------
    EnvironmentProblem
        With the message and the fix.
    """
    python = configured_python(python_setting())
    key = str(python)
    if refresh or key not in _cache:
        try:
            _cache[key] = check(python)
        except EnvironmentProblem as exc:
            _cache[key] = exc
    value = _cache[key]
    if isinstance(value, EnvironmentProblem):
        raise value
    return value


def forget_environment() -> None:
    """Drop the cached check (after the environment was created or changed)."""
    _cache.clear()


def remember(name: str, value: Any) -> None:
    """Store a dock input for the next session."""
    QgsSettings().setValue(DOCK_PREFIX + name, value)


def recall(name: str, default: Any | None = None) -> Any:
    """A dock input stored by :func:`remember` (``default`` if none)."""
    return QgsSettings().value(DOCK_PREFIX + name, default)
