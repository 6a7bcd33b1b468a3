"""Kinds of work records and their Chinese spellings.

>>> normalise_kind("走访"), normalise_kind(" Meeting "), normalise_kind("座谈")
('visit', 'meeting', 'meeting')
>>> normalise_kind("lunch") is None
True
"""

from __future__ import annotations

#: The kinds of work a record can log, in this order.
RECORD_KINDS = ("visit", "survey", "meeting", "review", "publicity", "training", "event", "report")

#: Chinese label of each kind (the first of its spellings).
KIND_LABELS_ZH = {"visit": "走访", "survey": "调研", "meeting": "会议", "review": "审查", "publicity": "宣传",
                  "training": "培训", "event": "活动", "report": "报告"}

#: Accepted spellings (lower-cased English or Chinese) of each kind.
KIND_ALIASES = {
    "visit": "visit", "site_visit": "visit", "走访": "visit", "现场服务": "visit", "现场": "visit",
    "下沉服务": "visit", "驻点服务": "visit",
    "survey": "survey", "research": "survey", "调研": "survey", "实地调研": "survey", "踏勘": "survey",
    "meeting": "meeting", "workshop": "meeting", "会议": "meeting", "座谈": "meeting", "座谈会": "meeting",
    "议事会": "meeting",
    "review": "review", "consultation": "review", "审查": "review", "方案审查": "review", "技术审查": "review",
    "技术咨询": "review",
    "publicity": "publicity", "宣传": "publicity", "宣讲": "publicity",
    "training": "training", "培训": "training", "讲座": "training",
    "event": "event", "activity": "event", "活动": "event", "社区活动": "event", "社区营造": "event",
    "report": "report", "报告": "report", "述职": "report", "述职报告": "report", "年度报告": "report",
}


def normalise_kind(value: object) -> str | None:
    """The canonical kind of a spelling, or ``None`` if unknown."""
    if value is None:
        return None
    return KIND_ALIASES.get(str(value).strip().lower().replace(" ", "_"))


def allowed_kinds_text() -> str:
    """The kinds with their Chinese names, for messages: ``visit (走访), survey (调研), ...``."""
    return ", ".join(f"{k} ({KIND_LABELS_ZH[k]})" for k in RECORD_KINDS)
