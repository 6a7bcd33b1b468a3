"""Rule sets: each city's rules for planner work as data files (TOML), loaded and checked.

A rule set is a TOML file with a ``[ruleset]`` table (``id``, ``name``,
``source``) and ``[[rules]]`` entries. Every rule has an ``id``, a ``check``
(what the library computes, see :data:`CHECKS`), its numbers, the ``source`` it
comes from, the ``quote`` of the source text, and ``assumption = true`` where
the source does not state the number. The built-in sets are
``planner_gis/data/rules/{liaocheng,chongqing,guangxi,hunan,beijing}.toml``;
a city's own file is loaded by path (copy a built-in one and change it).

TOML, not YAML: the parser is in the standard library from Python 3.11
(``tomli`` before), it has comments, and it never guesses a type (YAML reads
``no`` as false and ``2025-01-01`` as a date).

Examples
--------
>>> rules = load_rules("liaocheng")
>>> [r.id for r in rules.rules]
['LC-visits', 'LC-days', 'LC-fee', 'LC-term']
>>> rules.rule("LC-days").params["days"], rules.has_fees, rules.has_points
(30, True, False)
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import pandas as pd

from ..constants import PathLike
from ..errors import InputError
from ..people import PROFESSIONS, TITLES
from ..records.kinds import RECORD_KINDS
from ..zones import UNIT_TYPES

#: Names of the rule sets shipped with the package.
BUILTIN_RULES = ("liaocheng", "chongqing", "guangxi", "hunan", "beijing")
RULES_DIR = Path(__file__).resolve().parent.parent / "data" / "rules"
_REQUIRED = object()
COMMON_KEYS = ("id", "check", "title", "title_zh", "source", "quote", "assumption", "note")


class _Bad(Exception):
    """A parameter value that is wrong: what is wrong and the fix."""

    def __init__(self, problem: str, fix: str):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _number(value: Any, positive: bool = True, integer: bool = False, at_most: float | None = None):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > 0 if positive else value >= 0) and (not integer or float(value).is_integer())
    ok = ok and (at_most is None or value <= at_most)
    if not ok:
        what = ("a whole number" if integer else "a number") + (" above 0" if positive else " of 0 or more")
        what += f" and at most {at_most:g}" if at_most is not None else ""
        raise _Bad(f"is not {what}", f"write {what}, without quotes")
    return int(value) if integer else value


def _names(value: Any, allowed: tuple, what: str) -> list:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad("is not a list of names", f'write a list such as ["{allowed[0]}"]')
    bad = [v for v in value if v not in allowed]
    if bad:
        raise _Bad(f"names unknown {what} {', '.join(bad)}", f"use {', '.join(allowed)}")
    return list(value)


def _table(value: Any, allowed: tuple, what: str, complete: bool) -> dict:
    if not isinstance(value, dict):
        raise _Bad("is not a table", f"write {{ {allowed[0]} = 1.0, ... }}")
    _names(list(value), allowed, what)
    missing = [a for a in allowed if a not in value]
    if complete and missing:
        raise _Bad(f"lacks {', '.join(missing)}", f"give a number for every one of {', '.join(allowed)}")
    return {k: _number(v, positive=False) for k, v in value.items()}


def _thresholds(value: Any) -> list:
    if not isinstance(value, list) or not value:
        raise _Bad("is not a list of numbers", "write the points of one star, two stars ... e.g. [20, 50, 100]")
    values = [_number(v) for v in value]
    if values != sorted(values) or len(set(values)) != len(values):
        raise _Bad("is not increasing", "list the points of one star first, each higher than the one before")
    return values


def _keywords(value: Any) -> dict:
    if not isinstance(value, dict) or not value or not all(
            isinstance(v, list) and v and all(isinstance(k, str) and k for k in v) for v in value.values()):
        raise _Bad("is not a table of keyword lists", 'write [rules.required] annual_report = ["述职", ...]')
    return {k: list(v) for k, v in value.items()}


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("is not true or false", "write true or false, without quotes")
    return value


def _rule_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("is not a rule id", 'write the id of another rule in quotes, e.g. "LC-visits"')
    return value


#: Each check: its parameters, with their reader and default (``_REQUIRED`` when it must be given).
CHECKS: dict = {
    "monthly_visits": {"kinds": (lambda v: _names(v, RECORD_KINDS, "kinds"), ["visit"]),
                       "min_per_month": (lambda v: _number(v, integer=True), 1)},
    "service_days": {"kinds": (lambda v: _names(v, RECORD_KINDS, "kinds"), _REQUIRED),
                     "days": (_number, _REQUIRED), "prorate": (_flag, True)},
    "fee_deduction": {"visits_rule": (_rule_id, _REQUIRED), "days_rule": (_rule_id, _REQUIRED),
                      "decimals": (lambda v: _number(v, positive=False, integer=True), 2)},
    "contract_term": {"max_years": (_number, _REQUIRED)},
    "base_points": {"points": (lambda v: _table(v, RECORD_KINDS, "kinds", False), _REQUIRED)},
    "ability_coefficient": {"coefficients": (lambda v: _table(v, TITLES, "titles", True), _REQUIRED)},
    "satisfaction": {"minimum": (lambda v: _number(v, positive=False, at_most=1), _REQUIRED)},
    "carry_over": {"share": (lambda v: _number(v, positive=False, at_most=1), _REQUIRED)},
    "special_points": {"cap": (_number, _REQUIRED)},
    "star_rating": {"thresholds": (_thresholds, _REQUIRED)},
    "professions": {"required": (lambda v: _names(v, PROFESSIONS, "professions"), list(PROFESSIONS))},
    "max_units": {"max": (lambda v: _number(v, integer=True), _REQUIRED),
                  "unit_types": (lambda v: _names(v, tuple(UNIT_TYPES), "unit types"), [])},
    "one_team_per_unit": {"unit_types": (lambda v: _names(v, tuple(UNIT_TYPES), "unit types"), [])},
    "reports": {"kind": (lambda v: _names([v], RECORD_KINDS, "kinds")[0], "report"),
                "required": (_keywords, _REQUIRED)},
    "resident_satisfaction": {"minimum": (lambda v: _number(v, positive=False, at_most=1), 0.0)},
}
#: Checks that together give Chongqing-style service points (all needed once ``base_points`` is there).
POINTS_CHECKS = ("base_points", "ability_coefficient", "satisfaction", "carry_over", "special_points", "star_rating")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rule: its id, what is checked, its numbers and where they come from."""

    id: str
    check: str
    params: dict
    title: str = ""
    title_zh: str = ""
    source: str = ""
    quote: str = ""
    assumption: bool = False
    note: str = ""


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """A city's rules (:func:`load_rules`)."""

    id: str
    name: str
    name_en: str
    source: str
    rules: tuple
    path: str

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def of(self, check: str) -> list:
        """The rules of one check, in file order."""
        return [r for r in self.rules if r.check == check]

    @property
    def has_fees(self) -> bool:
        """True if a rule computes fee deductions (``fees.csv``)."""
        return bool(self.of("fee_deduction"))

    @property
    def has_points(self) -> bool:
        """True if the rules compute service points (``points.csv``)."""
        return bool(self.of("base_points"))

    def table(self) -> pd.DataFrame:
        """One row per rule: id, check, title, numbers, assumption, source, quote."""
        return pd.DataFrame([{"rule_id": r.id, "check": r.check, "title": r.title, "title_zh": r.title_zh,
                              "numbers": ", ".join(f"{k}={v}" for k, v in r.params.items()),
                              "assumption": r.assumption, "source": r.source, "quote": r.quote}
                             for r in self.rules])

    def to_dict(self) -> dict:
        """Plain JSON values (for ``evaluation.json``)."""
        return {"id": self.id, "name": self.name, "name_en": self.name_en, "source": self.source,
                "path": self.path, "rules": [dataclasses.asdict(r) for r in self.rules]}


def rules_path(name: str) -> Path:
    """The file of a built-in rule set."""
    return RULES_DIR / f"{name}.toml"


def load_rules(rules: str | PathLike | RuleSet) -> RuleSet:
    """Load a built-in rule set by name, or a rules file by path, and check it.

    Parameters
    ----------
    rules : str, path or RuleSet
        ``liaocheng``, ``chongqing``, ``guangxi``, ``hunan``, ``beijing``, or the
        path of a ``.toml`` file written like them.

    Returns
    -------
    RuleSet

    Raises
    ------
    InputError
        Naming the file, the rule id, what is wrong and the fix: unknown names,
        TOML syntax errors, unknown checks or keys, numbers out of range, a fee
        rule naming rules that do not exist, an incomplete points formula.

    Examples
    --------
    >>> load_rules("nanjing")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner_gis.errors.InputError: unknown rules 'nanjing'. Fix: use liaocheng, chongqing, guangxi, hunan or ...
    """
    if isinstance(rules, RuleSet):
        return rules
    text = str(rules)
    if text.lower() in BUILTIN_RULES:
        path = rules_path(text.lower())
    else:
        path = Path(text)
        if path.suffix.lower() != ".toml" or not path.exists():
            raise InputError(
                f"unknown rules '{text}'" if path.suffix.lower() != ".toml" else f"{path}: rules file not found",
                fix=f"use {', '.join(BUILTIN_RULES[:-1])} or {BUILTIN_RULES[-1]}, or the path of a rules .toml "
                    f"file (copy {rules_path('liaocheng')} and change it)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML file ({exc})",
                         fix="correct the line named (strings in double quotes, one key = value per line)") from None
    return _ruleset(data, str(path))


def _ruleset(data: dict, label: str) -> RuleSet:
    head = data.get("ruleset")
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        raise InputError(f"{label}: no [ruleset] table with a name",
                         fix='start the file with [ruleset] and name = "...", id = "...", source = "..."')
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{label}: no [[rules]]", fix="add one [[rules]] table per rule (see the built-in files)")
    rules = tuple(_rule(e, i, label) for i, e in enumerate(entries))
    _check_together(rules, label)
    return RuleSet(id=str(head.get("id", Path(label).stem)), name=head["name"], name_en=str(head.get("name_en", "")),
                   source=str(head.get("source", "")), rules=rules, path=label)


def _rule(entry: Any, i: int, label: str) -> Rule:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"].strip():
        raise InputError(f"{label}: rule number {i + 1} has no id", fix='give every [[rules]] an id = "XX-name"')
    rid = entry["id"]
    where = f"{label}: rule {rid}"
    check = entry.get("check")
    if check not in CHECKS:
        raise InputError(f"{where}: unknown check {check!r}", fix=f"use one of {', '.join(CHECKS)}")
    spec = CHECKS[check]
    unknown = sorted(set(entry) - set(COMMON_KEYS) - set(spec))
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} for check {check}",
                         fix=f"use {', '.join(spec) or 'no numbers'} (and {', '.join(COMMON_KEYS[2:])})")
    for key in ("source", "quote"):
        if not isinstance(entry.get(key, ""), str):
            raise InputError(f"{where}: {key} is not text", fix=f'write {key} = "..." in double quotes')
    if not entry.get("source") or not (entry.get("quote") or entry.get("assumption")):
        raise InputError(f"{where}: no source and quote",
                         fix='say where the rule comes from: source = "document, section" and quote = "the text", '
                             "or mark it assumption = true")
    params = {}
    for key, (reader, default) in spec.items():
        if key not in entry:
            if default is _REQUIRED:
                raise InputError(f"{where}: no {key} for check {check}", fix=f"add {key} = ... to the rule")
            params[key] = default
            continue
        try:
            params[key] = reader(entry[key])
        except _Bad as bad:
            raise InputError(f"{where}: {key} = {entry[key]!r} {bad.problem}", fix=bad.fix) from None
    try:
        assumption = _flag(entry.get("assumption", False))
    except _Bad as bad:
        raise InputError(f"{where}: assumption {bad.problem}", fix=bad.fix) from None
    return Rule(rid, check, params, str(entry.get("title", "")), str(entry.get("title_zh", "")),
                entry.get("source", ""), entry.get("quote", ""), assumption, str(entry.get("note", "")))


def _check_together(rules: tuple, label: str) -> None:
    """Ids unique, fee rules naming existing rules, the points formula complete."""
    seen: set = set()
    for r in rules:
        if r.id in seen:
            raise InputError(f"{label}: rule id {r.id} is used twice", fix="give every rule its own id")
        seen.add(r.id)
    by_id = {r.id: r for r in rules}
    for r in rules:
        if r.check != "fee_deduction":
            continue
        for key, want in (("visits_rule", "monthly_visits"), ("days_rule", "service_days")):
            other = by_id.get(r.params[key])
            if other is None or other.check != want:
                raise InputError(f"{label}: rule {r.id}: {key} = {r.params[key]!r} is not a {want} rule of the file",
                                 fix=f"name the id of a rule with check = \"{want}\"")
    counts = {c: sum(r.check == c for r in rules) for c in POINTS_CHECKS}
    for check, n in counts.items():
        if n > 1:
            raise InputError(f"{label}: {n} rules with check {check}", fix="keep one of them")
    if counts["base_points"]:
        missing = [c for c in POINTS_CHECKS if not counts[c]]
        if missing:
            raise InputError(f"{label}: service points need rules with check {', '.join(missing)}",
                             fix="add them (see chongqing.toml), with neutral numbers where your city has none "
                                 "(share = 0, cap = 1000, coefficients of 1.0)")
    else:
        extra = [c for c in ("ability_coefficient", "carry_over", "special_points", "star_rating") if counts[c]]
        if extra:
            raise InputError(f"{label}: rules with check {', '.join(extra)} need a base_points rule",
                             fix="add a rule with check = \"base_points\" (see chongqing.toml) or remove them")
