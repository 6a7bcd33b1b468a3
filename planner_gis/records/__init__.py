"""Work records of responsibility planners: reading them and placing each in a unit.

:mod:`~planner_gis.records.kinds`
    The kinds of work (visit, survey, meeting, review, publicity, training,
    event, report) and their Chinese spellings (走访, 调研, 会议, 审查 ...).
:mod:`~planner_gis.records.read`
    :func:`read_records`: a CSV/Excel table with ``lon,lat`` or ``x,y``, or any
    point layer; GCJ-02 / BD-09 points converted; dates as in the registry.
:mod:`~planner_gis.records.place`
    :func:`place_records`: each record in the unit its team served on that day
    and whose polygon holds the point (within a tolerance), with the findings
    ``outside_unit``, ``outside_contract``, ``unknown_team`` and ``no_location``;
    :func:`choose_units` is its core on plain arrays.
"""

from .kinds import KIND_ALIASES, KIND_LABELS_ZH, RECORD_KINDS, normalise_kind
from .place import FINDING_KINDS, NOT_COUNTED, PlacedRecords, choose_units, place_records
from .read import COLUMN_ALIASES, RECORD_COLUMNS, read_records

__all__ = [
    "RECORD_KINDS",
    "KIND_ALIASES",
    "KIND_LABELS_ZH",
    "normalise_kind",
    "read_records",
    "RECORD_COLUMNS",
    "COLUMN_ALIASES",
    "place_records",
    "choose_units",
    "PlacedRecords",
    "FINDING_KINDS",
    "NOT_COUNTED",
]
