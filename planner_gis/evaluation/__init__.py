"""The annual evaluation of planner work, with each city's rules as data.

:mod:`~planner_gis.evaluation.rules`
    Rule sets as TOML files (``planner_gis/data/rules/*.toml``: Liaocheng,
    Chongqing, Guangxi, Hunan, Beijing), loaded and checked by :func:`load_rules`.
:mod:`~planner_gis.evaluation.periods`
    Contract periods inside a year as day masks.
:mod:`~planner_gis.evaluation.checks`, :mod:`~planner_gis.evaluation.points`
    The checks on plain tables (visits per month, service days, fee cuts,
    terms, professions, townships per team, one planner per township, reports,
    satisfaction) and Chongqing's service points and stars.
:mod:`~planner_gis.evaluation.core`
    :func:`assess`: counted records x contracts x rules -> compliance, fees, points.
:mod:`~planner_gis.evaluation.gaps`
    Records inside the underserved areas of a living-circle reach.
:mod:`~planner_gis.evaluation.evaluate`
    :func:`evaluate`: files in, records placed, rules applied (what the CLI runs).

Examples
--------
>>> from planner_gis import datasets
>>> result = evaluate(datasets.demo_records_path(), datasets.demo_registry_path(), datasets.demo_units_path(),
...                   "liaocheng", datasets.DEMO_EVALUATION_YEAR)
>>> sorted(result.findings["kind"].unique())
['no_location', 'outside_contract', 'outside_unit', 'unknown_team']
>>> bool((result.fees["deduction"] > 0).any())
True
"""

from .core import FEE_COLUMNS, Assessment, assess
from .checks import COMPLIANCE_COLUMNS
from .evaluate import evaluate
from .gaps import GAP_COLUMNS, read_underserved, records_in_gaps, select_gaps
from .periods import Period, contract_periods
from .points import POINTS_COLUMNS
from .result import COMPLIANCE_CLASSES, EvaluationResult
from .rules import BUILTIN_RULES, Rule, RuleSet, load_rules, rules_path

__all__ = [
    "evaluate",
    "EvaluationResult",
    "assess",
    "Assessment",
    "load_rules",
    "rules_path",
    "Rule",
    "RuleSet",
    "BUILTIN_RULES",
    "contract_periods",
    "Period",
    "records_in_gaps",
    "read_underserved",
    "select_gaps",
    "COMPLIANCE_COLUMNS",
    "FEE_COLUMNS",
    "POINTS_COLUMNS",
    "GAP_COLUMNS",
    "COMPLIANCE_CLASSES",
]
