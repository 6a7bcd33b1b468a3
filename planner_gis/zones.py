"""Responsibility units (责任单元): reading and validating zone layers.

A zone layer holds one polygon per responsibility unit: a street (街道),
township (乡 / 地区), town (镇), management area (园区 / 管委会) or community
(社区). Units are grouped into *levels* that are expected to tile the district
without overlaps:

- ``base``: streets, townships and towns;
- ``overlay``: management areas, which lie on top of streets by design;
- ``community``: communities, which nest inside streets.

Examples
--------
>>> from planner_gis import datasets
>>> units = read_zones(datasets.demo_units_path())
>>> len(units), units.crs.to_epsg()
(24, 4326)
>>> units.groupby("level").size().to_dict()
{'base': 21, 'overlay': 3}
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import _validate
from .errors import InputError
from .io import read_vector

#: Canonical unit types and the level each belongs to.
UNIT_TYPES = {
    "street": "base",
    "township": "base",
    "town": "base",
    "area": "overlay",
    "community": "community",
}

#: Accepted spellings of unit types (lower-cased English or Chinese), mapped to the canonical type.
#: 地区 (a "diqu" office, 地区办事处) is township-level in Beijing; a unit named ...地区 but run as a
#: street (e.g. 方庄地区) should say ``street`` explicitly.
UNIT_TYPE_ALIASES = {
    "street": "street", "subdistrict": "street", "jiedao": "street", "街道": "street", "街道办事处": "street",
    "township": "township", "xiang": "township", "乡": "township", "地区": "township", "地区办事处": "township",
    "town": "town", "zhen": "town", "镇": "town",
    "area": "area", "park": "area", "management_area": "area", "园区": "area", "管委会": "area",
    "功能区": "area", "商务区": "area",
    "community": "community", "shequ": "community", "社区": "community", "村": "community",
}


#: Other spellings of the zone layer's headers, recognised when the default column name is absent.
COLUMN_ALIASES = {
    "unit_id": ("单元编码", "单元编号", "单元代码", "街道编码", "街镇编码", "街乡编码", "区划代码"),
    "name": ("名称", "单元名称", "街道名称", "街镇名称", "街乡名称"),
    "unit_type": ("类型", "单元类型", "街镇类型"),
}
#: The command-line option that names each column (the fix in messages).
COLUMN_OPTIONS = {"unit_id": "--zone-id (Python: zone_id=)", "name": "--name-column (Python: name_column=)",
                  "unit_type": "--type-column (Python: type_column=)"}


def normalise_unit_type(value: object) -> str | None:
    """Map a unit-type spelling to its canonical name, or ``None`` if unknown.

    >>> normalise_unit_type("街道"), normalise_unit_type(" Town "), normalise_unit_type("管委会")
    ('street', 'town', 'area')
    >>> normalise_unit_type("county") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return UNIT_TYPE_ALIASES.get(str(value).strip().lower())


def read_zones(
    source: str | os.PathLike | gpd.GeoDataFrame,
    zone_id: str = "unit_id",
    name_column: str = "name",
    type_column: str | None = "unit_type",
    default_type: str | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
    coords: str | None = None,
    make_valid: bool = False,
    crs: object = None,
) -> gpd.GeoDataFrame:
    """Read and validate a layer of responsibility units.

    Parameters
    ----------
    source : path or GeoDataFrame
        Any OGR vector file (GeoJSON, GeoPackage, Shapefile, FlatGeobuf; ``FILE:LAYER``
        for a layer of a multi-layer file) or a GeoDataFrame.
    zone_id : str
        Column holding the unit id (national statistical code or your own id).
    name_column : str
        Column holding the unit name; if absent the id is used as name.
    type_column : str or None
        Column holding the unit type (English or Chinese, see :data:`UNIT_TYPE_ALIASES`).
    default_type : str, optional
        Unit type for every unit when the layer has no type column.
    layer, encoding, coords, crs
        Passed to :func:`planner_gis.io.read_vector` (``coords="gcj02"`` or ``"bd09"`` for
        Amap / Baidu coordinates; ``crs`` for a file that declares no CRS).
    make_valid : bool
        Repair invalid polygons instead of raising; repaired ids are in
        ``result.attrs["repaired"]`` and the ``repaired`` column.

    Returns
    -------
    GeoDataFrame
        Columns ``unit_id``, ``name``, ``unit_type``, ``level``, ``repaired``, the
        other input columns, and ``geometry``, in the input CRS.

    Raises
    ------
    InputError, CRSError, GeometryError
        Missing CRS, empty layer, missing or duplicate ids, unknown unit types,
        empty / invalid / non-polygon geometry. Each message names the file and the units.
    """
    if isinstance(source, gpd.GeoDataFrame):
        gdf, label = source.copy(), "zones layer"
    else:
        gdf = read_vector(source, layer=layer, encoding=encoding, coords=coords, crs=crs)
        label = str(Path(source))
    _validate.require_not_empty(gdf, label)
    zone_id, name_column, type_column = _zone_columns(gdf, label, zone_id, name_column, type_column,
                                                      need_type=default_type is None)
    _validate.require_ids(gdf[zone_id], label, f"unit id ('{zone_id}')")
    ids = gdf[zone_id].astype(str).str.strip()
    _validate.require_unique(ids, label, f"unit id ('{zone_id}')")
    gdf, repaired = _validate.check_polygons(gdf, ids, label, make_valid=make_valid)

    if type_column and type_column in gdf.columns:
        types = gdf[type_column].map(normalise_unit_type)
        bad = types.isna().to_numpy()
        if bad.any():
            pairs = [f"{i} ('{t}')" for i, t in zip(ids[bad], gdf.loc[bad, type_column])]
            raise InputError(
                f"{label}: unknown unit type for unit(s) {_validate.list_ids(pairs)}",
                fix="use street, township, town, area or community (or 街道, 乡, 地区, 镇, 园区, 管委会, 社区)",
            )
    elif default_type is not None:
        t = normalise_unit_type(default_type)
        if t is None:
            raise InputError(f"unknown default unit type '{default_type}'",
                             fix="use --default-type street, township, town, area or community")
        types = pd.Series(t, index=gdf.index)
    else:
        raise InputError(
            f"{label}: no unit type column '{type_column}'",
            fix="name the column with --type-column, or give every unit one type with --default-type street "
                "(Python: type_column=, default_type=)",
        )

    out = gdf.drop(columns=[c for c in ("unit_id", "name", "unit_type", "level", "repaired")
                            if c in gdf.columns and c not in (zone_id, name_column)])
    names = gdf[name_column].astype(str) if name_column in gdf.columns else ids
    extra = [c for c in out.columns if c not in (zone_id, name_column, type_column, out.geometry.name)]
    result = gpd.GeoDataFrame(
        {
            "unit_id": ids.to_numpy(),
            "name": names.to_numpy(),
            "unit_type": types.to_numpy(),
            "level": types.map(UNIT_TYPES).to_numpy(),
            "repaired": ids.isin(repaired).to_numpy(),
            **{c: out[c].to_numpy() for c in extra},
        },
        geometry=out.geometry.to_numpy(),
        crs=gdf.crs,
    )
    result.attrs["repaired"] = repaired
    result.attrs["source"] = label
    return result


def _zone_columns(gdf: gpd.GeoDataFrame, label: str, zone_id: str, name_column: str | None,
                  type_column: str | None, need_type: bool) -> tuple:
    """The id, name and type columns: as given, or the defaults' known aliases (``单元编码``, ``名称`` ...)."""
    defaults = {"unit_id": "unit_id", "name": "name", "unit_type": "unit_type"}
    given = {"unit_id": zone_id, "name": name_column, "unit_type": type_column}
    wanted = {f: (None if v == defaults[f] or v is None else v) for f, v in given.items()}
    if type_column is None:
        wanted.pop("unit_type")
    found = _validate.resolve_columns(gdf.columns, wanted, COLUMN_ALIASES, label, COLUMN_OPTIONS,
                                      required=["unit_id"])
    header = {field: h for h, field in found.items()}
    for field, value in wanted.items():
        if field not in header and (value or field in gdf.columns):
            header[field] = value or field
    if need_type and type_column is not None and "unit_type" not in header:
        header["unit_type"] = type_column  # reported below as a missing type column
    return header["unit_id"], header.get("name", name_column), header.get("unit_type", type_column)


def unit_levels(zones: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Split validated zones into their levels (``base``, ``overlay``, ``community``).

    >>> from planner_gis import datasets
    >>> sorted(unit_levels(read_zones(datasets.demo_units_path())))
    ['base', 'overlay']
    """
    return {lvl: zones[zones["level"] == lvl] for lvl in pd.unique(zones["level"])}
