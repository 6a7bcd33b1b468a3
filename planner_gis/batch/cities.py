r"""The CITIES list of a batch run: one row per city or district and its input files (CSV or YAML).

CSV: a header row with ``name`` and the input columns of the command;
YAML: a list of mappings with the same keys (or ``{cities: [...]}``).
Relative paths are relative to the CITIES file. Input columns:

* ``batch reach``: ``network``, ``facilities``, ``population``, ``zones``;
  optional ``registry`` (the team registry: names teams of gaps), ``entrances``.
* ``batch audit``: ``zones``, ``registry``; optional ``outline``.

Any input may be a ``postgresql://`` URL instead of a file.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "cities.csv").write_text("name,zones,registry\nfengtai,fengtai/units.gpkg,fengtai/teams.csv\n")
>>> [(c.name, c.inputs["zones"].endswith("fengtai/units.gpkg")) for c in read_cities(d / "cities.csv", "audit")]
[('fengtai', True)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..postgis.url import is_database_url

#: Input columns per command: (required, optional) -> the command's option.
INPUTS = {
    "reach": ({"network": "--network", "facilities": "--facilities", "population": "--population",
               "zones": "--zones"}, {"registry": "--teams", "entrances": "--entrances"}),
    "audit": ({"zones": None, "registry": "--teams"}, {"outline": "--outline"}),
}
#: A city name is a folder name: letters (Chinese too), digits, ``_``, ``-``, ``.``.
NAME = re.compile(r"^[\w][\w.-]*$")


@dataclass(frozen=True)
class City:
    """One city of the batch: its name (the output folder) and its inputs (column -> path or URL)."""

    name: str
    inputs: dict
    line: int

    def arguments(self, command: str) -> list:
        """The command-line arguments of the city's inputs (``--network PATH ...``; the audit's zones first)."""
        required, optional = INPUTS[command]
        argv = []
        for column, option in {**required, **optional}.items():
            value = self.inputs.get(column)
            if value:
                argv += [value] if option is None else [option, value]
        return argv


def _rows(path: Path) -> list:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({' '.join(str(exc).split())[:150]})",
                             fix="write a list of cities, each with name: and its inputs") from None
        data = data.get("cities") if isinstance(data, dict) else data
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError(f"{path}: not a list of cities", fix="write a list of cities, each with name: and its "
                                                                  "inputs (or cities: [...])")
        return [({str(k): "" if v is None else str(v) for k, v in r.items()}, i + 1) for i, r in enumerate(data)]
    from ..io import read_table

    table = read_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    return [(r, i + 2) for i, r in enumerate(table.to_dict("records"))]


def _resolve(value: str, base: Path) -> str:
    value = str(value).strip()
    if not value or is_database_url(value) or Path(value).is_absolute():
        return value
    return str(base / value)


def read_cities(path: str | Path, command: str) -> list:
    """The cities of a CITIES file for ``command`` (``reach`` or ``audit``).

    Raises
    ------
    InputError
        A missing file or column, an empty or duplicate name, a name that is
        not a folder name, a city without one of its required inputs.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: CITIES file not found", fix="check the path of the city list")
    required, optional = INPUTS[command]
    rows = _rows(path)
    if not rows:
        raise InputError(f"{path}: no cities", fix="add one row per city")
    columns = set(rows[0][0])
    missing = [c for c in ("name", *required) if c not in columns]
    if missing:
        raise InputError(f"{path}: no column(s) {', '.join(missing)} (columns: {', '.join(sorted(columns))})",
                         fix=f"give the columns name, {', '.join(required)} (optional: {', '.join(optional)})")
    cities, seen = [], {}
    for row, line in rows:
        name = str(row.get("name", "")).strip()
        if not NAME.match(name):
            raise InputError(f"{path} line {line}: city name {name!r} is not a folder name",
                             fix="use letters, digits, _ - and . only")
        if name in seen:
            raise InputError(f"{path} line {line}: city {name!r} is listed twice (also line {seen[name]})",
                             fix="give every city a unique name")
        seen[name] = line
        empty = [c for c in required if not str(row.get(c, "")).strip()]
        if empty:
            raise InputError(f"{path} line {line} (city {name}): no {', '.join(empty)}",
                             fix="fill in the city's input files")
        inputs = {c: _resolve(row.get(c, ""), path.parent) for c in (*required, *optional) if row.get(c)}
        cities.append(City(name, inputs, line))
    return cities
