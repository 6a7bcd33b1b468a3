"""Indicator profiles: which walking-coverage indicators a report shows, as data files.

A profile is a TOML file (``planner_gis/data/profiles/checkup.toml`` is the
built-in one; copy it for your own): a ``[profile]`` table and one
``[[indicators]]`` table per indicator with an ``id``, a ``name``, the catalogue
``categories`` (one) or a living-circle ``tier`` (5, 10, 15), the walking
``distance_m`` (not for tiers), a ``source`` (and ``source_checked``), an
``assumption`` flag and optional ``targets`` (``[{year, share}]``, only where a
source gives one, with ``target_source``).

>>> profile = load_profile("checkup")
>>> [i.key for i in profile.indicators][:3]
['health_centre', 'primary_school', 'middle_school']
>>> profile.indicator("tier_15").target_for(2026)
(2035, 0.99)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..constants import PathLike
from ..errors import InputError

#: Folder of the built-in profiles.
PROFILES_DIR = Path(__file__).resolve().parent.parent / "data" / "profiles"
#: The profile a report uses when none is given.
DEFAULT_PROFILE = "checkup"
_KEYS = {"id", "name", "name_en", "categories", "tier", "distance_m", "source", "source_checked", "assumption",
         "note", "targets", "target_source"}


@dataclasses.dataclass(frozen=True)
class Indicator:
    """One walking-coverage indicator of a profile."""

    id: str
    name: str
    name_en: str
    key: str  #: the reach coverage table's category: a catalogue category or ``tier_N``
    distance_m: float | None
    source: str
    source_checked: bool
    assumption: bool
    note: str = ""
    targets: tuple = ()  #: ((year, share), ...) sorted by year
    target_source: str = ""

    def target_for(self, year: int) -> tuple | None:
        """The first target of ``year`` or later (else the last one); ``None`` without targets.

        >>> Indicator("a", "a", "a", "k", 300, "s", True, False, targets=((2025, 0.85), (2035, 0.99))).target_for(2025)
        (2025, 0.85)
        """
        if not self.targets:
            return None
        later = [t for t in self.targets if t[0] >= year]
        return later[0] if later else self.targets[-1]


@dataclasses.dataclass(frozen=True)
class Profile:
    """A named list of indicators read from a profile file."""

    id: str
    name: str
    name_en: str
    source: str
    path: str
    indicators: tuple

    def indicator(self, key_or_id: str) -> Indicator:
        """The indicator with this id or coverage-table key."""
        for ind in self.indicators:
            if key_or_id in (ind.id, ind.key):
                return ind
        raise KeyError(key_or_id)


def builtin_profiles() -> list:
    """Names of the built-in profiles.

    >>> "checkup" in builtin_profiles()
    True
    """
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(profile: str | PathLike | Profile | None = None) -> Profile:
    """Read a profile: a built-in name (``checkup``), a ``.toml`` path, or ``None`` for the default.

    Raises :class:`~planner_gis.errors.InputError` naming the file, the indicator and the fix.
    """
    if isinstance(profile, Profile):
        return profile
    name = DEFAULT_PROFILE if profile is None else str(profile)
    path = PROFILES_DIR / f"{name}.toml" if name in builtin_profiles() else Path(name)
    if not path.is_file():
        raise InputError(f"--profile {name}: no such file or built-in profile",
                         fix=f"give a .toml file or one of {', '.join(builtin_profiles())}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML profile ({exc})",
                         fix="write the profile as UTF-8 TOML (copy planner_gis/data/profiles/checkup.toml)") from None
    head = data.get("profile")
    if not isinstance(head, dict) or not isinstance(head.get("name"), str):
        raise InputError(f"{path}: no [profile] table with a name",
                         fix='add [profile] with id = "..." and name = "..."')
    items = data.get("indicators")
    if not isinstance(items, list) or not items:
        raise InputError(f"{path}: no [[indicators]]", fix="add one [[indicators]] table per indicator")
    indicators = tuple(_indicator(entry, i, path) for i, entry in enumerate(items))
    ids = [i.id for i in indicators]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(f"{path}: indicator id {dup[0]} is used twice", fix="give every indicator its own id")
    return Profile(str(head.get("id", path.stem)), head["name"], str(head.get("name_en", "")),
                   str(head.get("source", "")), str(path), indicators)


def _indicator(entry: object, i: int, path: Path) -> Indicator:
    """One ``[[indicators]]`` table, checked."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise InputError(f"{path}: indicator number {i + 1} has no id", fix='give every [[indicators]] an id = "..."')
    where = f"{path}: indicator {entry['id']}"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)}", fix=f"use only {', '.join(sorted(_KEYS))}")
    for key in ("name", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(f"{where}: no {key}",
                             fix=f'add {key} = "..." (mark a missing source with assumption = true)')
    key, distance = _key_and_distance(entry, where)
    targets = _targets(entry.get("targets", []), where)
    if targets and not isinstance(entry.get("target_source"), str):
        raise InputError(f"{where}: targets without target_source",
                         fix='say where the targets come from: target_source = "..."')
    return Indicator(entry["id"], entry["name"], str(entry.get("name_en", "")), key, distance, entry["source"],
                     bool(entry.get("source_checked", False)), bool(entry.get("assumption", False)),
                     str(entry.get("note", "")), targets, str(entry.get("target_source", "")))


def _key_and_distance(entry: dict, where: str) -> tuple:
    """The coverage-table key (category or ``tier_N``) and the distance of an indicator."""
    if "tier" in entry:
        if entry["tier"] not in (5, 10, 15) or "categories" in entry:
            raise InputError(f"{where}: tier = {entry['tier']!r}",
                             fix="write tier = 5, 10 or 15 (without categories) for all categories of a tier")
        return f"tier_{entry['tier']}", None
    cats = entry.get("categories")
    if not isinstance(cats, list) or len(cats) != 1 or not isinstance(cats[0], str):
        raise InputError(f"{where}: categories = {cats!r}",
                         fix='name one catalogue category, e.g. categories = ["kindergarten"], or use tier = 15 for '
                             "all categories of a tier (the reach's coverage table has one row per category)")
    dist = entry.get("distance_m")
    if isinstance(dist, bool) or not isinstance(dist, (int, float)) or dist <= 0:
        raise InputError(f"{where}: distance_m = {dist!r}",
                         fix="write the walking distance in metres, e.g. distance_m = 300")
    return cats[0], float(dist)


def _targets(value: object, where: str) -> tuple:
    """``[{year, share}, ...]`` as sorted (year, share) pairs with shares in 0-1."""
    fix = "write targets = [{ year = 2035, share = 0.99 }] with shares between 0 and 1"
    if not isinstance(value, list):
        raise InputError(f"{where}: targets is not a list", fix=fix)
    out = []
    for t in value:
        ok = isinstance(t, dict) and isinstance(t.get("year"), int) and isinstance(t.get("share"), (int, float))
        if not ok or not 0 <= t["share"] <= 1:
            raise InputError(f"{where}: target {t!r}", fix=fix)
        out.append((int(t["year"]), float(t["share"])))
    return tuple(sorted(out))
