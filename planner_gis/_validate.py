"""Validation shared by every reader: one place, one style of message.

Each check raises a :mod:`planner_gis.errors` exception whose message names the
source (file or layer), the offending records and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import require_crs
from .errors import GeometryError, InputError

#: How many record ids an error message lists before it says "and N more".
MAX_LISTED = 10


def list_ids(ids: Iterable, limit: int = MAX_LISTED) -> str:
    """Format record ids for a message: ``'a, b, c and 4 more'``.

    >>> list_ids(["a", "b", "c", "d"], limit=2)
    'a, b and 2 more'
    """
    ids = [str(i) for i in ids]
    head = ", ".join(ids[:limit])
    return head if len(ids) <= limit else f"{head} and {len(ids) - limit} more"


def require_columns(df: pd.DataFrame, columns: Sequence[str], source: str, hint: str = "") -> None:
    """Raise :class:`InputError` if any of ``columns`` is missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(str(c) for c in df.columns if c != "geometry")
        raise InputError(
            f"{source}: missing column(s) {', '.join(repr(str(c)) for c in missing)} (columns present: {have})",
            fix=hint or "rename the columns or say which column to use",
        )


def _norm_header(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_")


def resolve_columns(
    columns: Sequence[str],
    wanted: Mapping[str, str | None],
    aliases: Mapping[str, Sequence[str]],
    source: str,
    options: Mapping[str, str],
    required: Sequence[str] = (),
) -> dict:
    """Find the column that holds each canonical field: given, by name, or by a known alias.

    Parameters
    ----------
    columns : sequence of str
        The headers of the table.
    wanted : mapping
        Canonical field -> the header the user named for it, or None (look it
        up: the canonical name itself, then the aliases).
    aliases : mapping
        Canonical field -> other spellings (e.g. Chinese headers ``团队编号``);
        compared case-insensitively, spaces as underscores.
    source : str
        The file or layer, for messages.
    options : mapping
        Canonical field -> the command-line option that names its column
        (e.g. ``"team_id": "--team-id-column"``), for the fix in messages.
    required : sequence of str
        Fields that must be found.

    Returns
    -------
    dict
        ``{header: canonical}`` for every field found whose header differs from
        the canonical name (a rename map for ``DataFrame.rename``).

    Raises
    ------
    InputError
        A named column that does not exist, a required field not found, or two
        headers that both look like the same field.

    Examples
    --------
    >>> resolve_columns(["团队编号", "unit_id"], {"team_id": None, "unit_id": None},
    ...                 {"team_id": ["团队编号"]}, "teams.csv", {}, required=["team_id", "unit_id"])
    {'团队编号': 'team_id'}
    """
    present = [str(c) for c in columns]
    by_norm: dict = {}
    for c in present:
        by_norm.setdefault(_norm_header(c), []).append(c)
    rename, used = {}, {}
    for field, given in wanted.items():
        flag = options.get(field, f"the {field} column option")
        if given:
            if given not in present:
                raise InputError(f"{source}: no column '{given}' for {field} (columns present: {', '.join(present)})",
                                 fix=f"give one of the columns present with {flag}")
            header = given
        else:
            header = _find_header(field, aliases.get(field, ()), by_norm, present, source, flag)
        if header is None:
            if field in required:
                raise InputError(
                    f"{source}: missing column(s) '{field}' (columns present: {', '.join(present)})",
                    fix=f"name the column that holds the {field} with {flag}, or rename it to {field}")
            continue
        if header in used and used[header] != field:
            raise InputError(f"{source}: column '{header}' is named for both {used[header]} and {field}",
                             fix=f"name a different column with {flag}")
        used[header] = field
        if header != field:
            rename[header] = field
    return rename


def _find_header(field: str, spellings: Sequence[str], by_norm: dict, present: list, source: str,
                 flag: str) -> str | None:
    """The one header that is ``field`` or one of its spellings; None if there is none."""
    if field in present:
        return field
    hits = []
    for name in (field, *spellings):
        for header in by_norm.get(_norm_header(name), []):
            if header not in hits:
                hits.append(header)
    if len(hits) > 1:
        raise InputError(f"{source}: several columns could be the {field}: {', '.join(hits)}",
                         fix=f"say which one with {flag}")
    return hits[0] if hits else None


def require_not_empty(df: pd.DataFrame, source: str) -> None:
    """Raise :class:`InputError` if ``df`` has no rows."""
    if len(df) == 0:
        raise InputError(f"{source}: the layer has no features", fix="check the file and layer name")


def require_unique(values: pd.Series, source: str, what: str) -> None:
    """Raise :class:`InputError` listing duplicated ``values``."""
    dup = values[values.duplicated(keep=False)]
    if len(dup):
        raise InputError(
            f"{source}: duplicate {what} {list_ids(pd.unique(dup))}",
            fix=f"give every record its own {what}, or merge the duplicated records",
        )


def require_ids(values: pd.Series, source: str, what: str) -> None:
    """Raise :class:`InputError` if some ids are null or blank (listing row numbers)."""
    s = values.astype("string").str.strip()
    bad = np.flatnonzero(s.isna().to_numpy() | (s == "").fillna(True).to_numpy())
    if len(bad):
        raise InputError(
            f"{source}: {len(bad)} record(s) without a {what} (feature index {list_ids(bad)})",
            fix=f"fill in the {what} column for every feature",
        )


def check_polygons(
    gdf: gpd.GeoDataFrame, ids: pd.Series, source: str, make_valid: bool = False
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Check that every geometry is a non-empty, valid (multi)polygon.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer; must have a CRS.
    ids : Series
        Record ids aligned with ``gdf`` (used in messages).
    source : str
        Name of the file or layer, for messages.
    make_valid : bool
        Repair invalid geometries with :func:`shapely.make_valid` (keeping the
        polygonal part) instead of raising.

    Returns
    -------
    (GeoDataFrame, list of str)
        The (possibly repaired) layer and the ids that were repaired.
    """
    require_crs(gdf, source)
    geom = gdf.geometry.to_numpy()
    idv = ids.to_numpy()
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    if missing.any():
        raise GeometryError(
            f"{source}: empty or missing geometry for unit(s) {list_ids(idv[missing])}",
            fix="draw the boundary of these units or remove them from the layer",
        )
    types = shapely.get_type_id(geom)
    not_poly = ~np.isin(types, [3, 6])  # Polygon, MultiPolygon
    if not_poly.any():
        kinds = sorted({shapely.get_type_id(g) for g in geom[not_poly]})
        names = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint", 5: "MultiLineString",
                 7: "GeometryCollection"}
        raise GeometryError(
            f"{source}: unit(s) {list_ids(idv[not_poly])} are not polygons "
            f"({', '.join(names.get(k, str(k)) for k in kinds)})",
            fix="give responsibility units as polygon or multipolygon boundaries",
        )
    invalid = ~shapely.is_valid(geom)
    repaired: list[str] = []
    if invalid.any():
        if not make_valid:
            reasons = [f"{i}: {shapely.is_valid_reason(g)}" for i, g in zip(idv[invalid], geom[invalid])]
            raise GeometryError(
                f"{source}: invalid geometry for unit(s) {list_ids(reasons, 5)}",
                fix="repair them in QGIS (Fix geometries) or pass make_valid=True (CLI: --make-valid)",
            )
        fixed = geom.copy()
        for k in np.flatnonzero(invalid):
            fixed[k] = _polygonal(shapely.make_valid(geom[k]))
            if fixed[k] is None or fixed[k].is_empty:
                raise GeometryError(
                    f"{source}: unit {idv[k]} has no area left after repair",
                    fix="redraw its boundary",
                )
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs)
        repaired = [str(i) for i in idv[invalid]]
    return gdf, repaired


def _polygonal(geom):
    """Keep only the polygon parts of a geometry (result of make_valid)."""
    if geom is None:
        return None
    t = geom.geom_type
    if t in ("Polygon", "MultiPolygon"):
        return geom
    if t == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        if not parts:
            return None
        return shapely.union_all(parts)
    return None


def canonical_table(
    df: pd.DataFrame,
    fields: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    label: str,
    required: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
    option_prefix: str = "",
) -> pd.DataFrame:
    """Rename a table's headers to canonical field names (given in ``columns``, or known aliases).

    Parameters
    ----------
    df : DataFrame
        The table as read.
    fields : sequence of str
        Every canonical field the table may have.
    aliases : mapping
        Field -> other spellings of its header (Chinese headers).
    label : str
        The file, for messages.
    required : sequence of str
        Fields that must be found.
    columns : mapping, optional
        Field -> the header holding it, for headers that are neither the field nor an alias.
    option_prefix : str
        Prefix of the command-line options naming columns (``"records"`` gives
        ``--records-team-id-column``); empty: Python's ``columns={...}`` is named.

    Returns
    -------
    DataFrame
        The table with canonical headers (a column named for a field replaces one
        that already has the field's name).

    Examples
    --------
    >>> df = pd.DataFrame({"人员编号": ["P1"], "职称": ["中级"]})
    >>> canonical_table(df, ["person_id", "title"], {"person_id": ["人员编号"], "title": ["职称"]},
    ...                 "people.csv", required=["person_id"]).columns.tolist()
    ['person_id', 'title']
    """
    given = dict(columns or {})
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise InputError(f"{label}: unknown field(s) {', '.join(unknown)}", fix=f"name columns for {', '.join(fields)}")
    if option_prefix:
        options = {f: f"--{option_prefix}-{f.replace('_', '-')}-column" for f in fields}
    else:
        options = {f: f"columns={{'{f}': 'HEADER'}}" for f in fields}
    wanted = {f: given.get(f) for f in fields}
    rename = resolve_columns(df.columns, wanted, aliases, label, options, required=required)
    clash = [field for field in rename.values() if field in df.columns]
    return df.drop(columns=clash).rename(columns=rename)
