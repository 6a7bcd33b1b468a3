"""The report a street office receives: one document per unit, and a district summary.

The numbers are assembled on plain tables first (:mod:`~planner_gis.report.tables`:
indicators of a :mod:`profile <planner_gis.report.profiles>` from the reach's
coverage table, gaps, evaluation rows), then formatted
(:mod:`~planner_gis.report.context`), laid out by Jinja2 templates
(``report/templates/``) and printed to PDF by WeasyPrint, with matplotlib maps
and charts (:mod:`~planner_gis.report.charts`) embedded.

>>> from planner_gis.report import load_profile
>>> load_profile().id
'checkup'
"""

from .inputs import ReportInputs, read_inputs
from .profiles import DEFAULT_PROFILE, Indicator, Profile, builtin_profiles, load_profile
from .render import FORMATS, Report, build_report, make_report, output_names, write_report
from .tables import district_indicators, gap_table, indicator_table, unit_evaluation

__all__ = [
    "DEFAULT_PROFILE",
    "FORMATS",
    "Indicator",
    "Profile",
    "Report",
    "ReportInputs",
    "build_report",
    "builtin_profiles",
    "district_indicators",
    "gap_table",
    "indicator_table",
    "load_profile",
    "make_report",
    "output_names",
    "read_inputs",
    "unit_evaluation",
    "write_report",
]
