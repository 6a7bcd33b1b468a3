"""Contract periods inside a calendar year, as day masks: the time base of every rule.

A team's contract rows for a unit (consecutive yearly terms, a term starting
mid-year, a term cut short) are united into one boolean mask over the days of
the year; rules count days and whole months on it.

>>> import datetime as dt
>>> rows = [(dt.date(2024, 7, 1), dt.date(2025, 6, 30))]
>>> mask = day_mask(rows, 2024)
>>> int(mask.sum()), full_months(mask, 2024)
(184, [7, 8, 9, 10, 11, 12])
>>> days_in_year(2024), add_years(dt.date(2024, 2, 29), 1)
(366, datetime.date(2025, 2, 28))
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..registry import UNIT_LEVEL_ROLES


def days_in_year(year: int) -> int:
    """366 in a leap year, else 365."""
    return 366 if calendar.isleap(year) else 365


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def day_index(days: Iterable[dt.date], year: int) -> np.ndarray:
    """Day of the year (0-based) of each date; dates of other years give -1."""
    first = dt.date(year, 1, 1).toordinal()
    n = days_in_year(year)
    idx = np.array([d.toordinal() - first for d in days], dtype=np.int64)
    return np.where((idx >= 0) & (idx < n), idx, -1)


def day_mask(terms: Iterable[tuple], year: int) -> np.ndarray:
    """Days of ``year`` covered by any of the ``(start, end)`` terms (inclusive)."""
    n = days_in_year(year)
    first = dt.date(year, 1, 1).toordinal()
    mask = np.zeros(n, dtype=bool)
    for start, end in terms:
        a = max(start.toordinal() - first, 0)
        b = min(end.toordinal() - first, n - 1)
        if a <= b:
            mask[a:b + 1] = True
    return mask


def month_bounds(year: int) -> list:
    """``(first, last + 1)`` day indices of each month of ``year``."""
    out, start = [], 0
    for m in range(1, 13):
        n = calendar.monthrange(year, m)[1]
        out.append((start, start + n))
        start += n
    return out


def full_months(mask: np.ndarray, year: int) -> list:
    """The months (1-12) lying wholly inside the mask."""
    return [m + 1 for m, (a, b) in enumerate(month_bounds(year)) if mask[a:b].all()]


def day_text(index: int, year: int) -> str:
    """ISO date of a day index of ``year``."""
    return (dt.date(year, 1, 1) + dt.timedelta(days=int(index))).isoformat()


@dataclasses.dataclass
class Period:
    """The part of a year one team served one unit under contract.

    Attributes
    ----------
    team_id, unit_id : str
    year : int
    mask : bool array
        The days of the year under contract.
    fee : float array
        The yearly fee (``annual_fee``) in force on each day (NaN where unknown).
    terms : list of (date, date)
        The contract rows that overlap the year.
    """

    team_id: str
    unit_id: str
    year: int
    mask: np.ndarray
    fee: np.ndarray
    terms: list

    @property
    def days(self) -> int:
        """Days of the year under contract."""
        return int(self.mask.sum())

    @property
    def months(self) -> list:
        """Months lying wholly inside the contract."""
        return full_months(self.mask, self.year)

    @property
    def annual_fee(self) -> float:
        """The yearly fee over the contract days (their mean if it changed); NaN if unknown on any day."""
        fees = self.fee[self.mask]
        if not len(fees) or not np.isfinite(fees).all():
            return float("nan")
        distinct = np.unique(fees)
        return float(distinct[0]) if len(distinct) == 1 else float(fees.mean())


def contract_periods(registry: pd.DataFrame, year: int, roles: tuple = UNIT_LEVEL_ROLES) -> list:
    """The :class:`Period` of every team and unit with a contract row of ``roles`` overlapping ``year``.

    Parameters
    ----------
    registry : DataFrame
        From :func:`planner_gis.registry.read_registry` (``annual_fee`` optional).
    year : int
    roles : tuple of str
        Roles whose rows are contracts to evaluate (unit planners and groups).

    Returns
    -------
    list of Period
        Sorted by team and unit.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = registry[registry["role"].isin(roles) & (registry["start_date"] <= last)
                    & (registry["end_date"] >= first)]
    out = []
    for (team, unit), grp in rows.groupby(["team_id", "unit_id"], sort=True):
        grp = grp.sort_values("start_date")
        terms = list(zip(grp["start_date"], grp["end_date"]))
        fee = np.full(days_in_year(year), np.nan)
        fees = grp["annual_fee"] if "annual_fee" in grp.columns else pd.Series(np.nan, index=grp.index)
        for term, value in zip(terms, fees):
            fee[day_mask([term], year)] = float(value) if pd.notna(value) else np.nan
        out.append(Period(str(team), str(unit), year, day_mask(terms, year), fee, terms))
    return out
