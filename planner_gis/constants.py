"""Definitions shared across the library, in one place.

>>> TIERS
(5, 10, 15)
>>> COVERAGE_COLUMNS[-1]
'share'
"""

from __future__ import annotations

import os
from typing import TypeAlias

#: A file path as the public functions accept it.
PathLike: TypeAlias = str | os.PathLike

#: The living-circle tiers of GB 50180-2018, in minutes.
TIERS = (5, 10, 15)

#: Columns of the coverage table (``coverage.csv``, ``ReachResult.coverage``), in this order.
COVERAGE_COLUMNS = ["unit_id", "category", "tier_min", "threshold_m", "population", "covered_population", "share"]

#: Chinese label of the rows ``tier_5``, ``tier_10``, ``tier_15`` (residents reaching every category of a tier).
TIER_NAMES_ZH = {f"tier_{t}": f"{t}分钟生活圈(全部设施)" for t in TIERS}

__all__ = ["PathLike", "TIERS", "COVERAGE_COLUMNS", "TIER_NAMES_ZH"]
