"""Where the work meets the gaps: records inside the underserved areas of their unit.

Given the underserved areas of a living-circle reach (``reach.gpkg``, layer
``underserved``: places whose residents lack a facility within the walking
distance), count per unit how many of the records placed in it lie inside the
unit's underserved areas (of any category), and compare that share with the
share of the unit's area that is underserved: a share of records above the
share of area means the planners work where the gaps are.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..constants import PathLike
from ..errors import InputError

GAP_COLUMNS = ["unit_id", "records", "records_in_gaps", "share_in_gaps", "underserved_km2", "area_share"]


def read_underserved(reach: PathLike | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The underserved areas of a reach result: a GeoDataFrame, ``reach.gpkg`` or the folder holding it."""
    if isinstance(reach, gpd.GeoDataFrame):
        return reach
    if hasattr(reach, "underserved") and isinstance(reach.underserved, gpd.GeoDataFrame):
        return reach.underserved
    from ..io import read_vector

    path = Path(reach)
    gpkg = path / "reach.gpkg" if path.is_dir() else path
    if not gpkg.exists():
        raise InputError(f"{gpkg}: reach result not found",
                         fix="give the output folder of `planner-gis reach ... --out DIR` (it holds reach.gpkg)")
    try:
        return read_vector(gpkg, layer="underserved")
    except InputError as exc:
        raise InputError(f"{gpkg}: no underserved areas ({exc.problem})",
                         fix="give the reach.gpkg written by `planner-gis reach`") from None


def select_gaps(underserved: gpd.GeoDataFrame, category: str | None) -> gpd.GeoDataFrame:
    """The underserved areas of one category, of a tier's categories (``tier_15``), or all (None).

    >>> from shapely.geometry import box
    >>> und = gpd.GeoDataFrame({"unit_id": ["A"] * 3, "category": ["park", "clinic", "school"],
    ...                         "tier_min": [5, 15, 15]}, geometry=[box(0, 0, 1, 1)] * 3, crs=4548)
    >>> select_gaps(und, "tier_15")["category"].tolist(), len(select_gaps(und, None))
    (['clinic', 'school'], 3)
    """
    if category is None or category == "":
        return underserved
    cats = underserved["category"].astype(str) if "category" in underserved.columns else None
    if cats is not None and (cats == category).any():
        return underserved[cats == category]
    tier = str(category)[5:] if str(category).startswith("tier_") else ""
    if tier.isdigit() and "tier_min" in underserved.columns:
        sel = pd.to_numeric(underserved["tier_min"], errors="coerce") == int(tier)
        if sel.any():
            return underserved[sel.to_numpy()]
    listed = ", ".join(sorted(cats.unique())) if cats is not None else "none"
    raise InputError(f"no underserved areas of category {category!r} in the reach result (categories: {listed})",
                     fix="give one of the listed categories, a tier such as tier_15, or leave it out (all categories)")


def records_in_gaps(records: gpd.GeoDataFrame, underserved: gpd.GeoDataFrame,
                    units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per unit: located counted records, those inside the unit's underserved areas, and the shares.

    Parameters
    ----------
    records : GeoDataFrame
        Placed records (``unit_id`` = the unit each is counted in, ``counted``), metric CRS.
    underserved : GeoDataFrame
        Underserved areas with a ``unit_id`` column.
    units : GeoDataFrame
        The units (``unit_id``), in the same CRS as ``records``.

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`, one row per unit.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> units = gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[box(0, 0, 100, 100)], crs=4548)
    >>> gaps = gpd.GeoDataFrame({"unit_id": ["A"], "category": ["park"]}, geometry=[box(0, 0, 50, 100)], crs=4548)
    >>> recs = gpd.GeoDataFrame({"unit_id": ["A"] * 4, "counted": [True] * 4},
    ...                         geometry=[Point(10, 10), Point(20, 80), Point(30, 30), Point(90, 90)], crs=4548)
    >>> records_in_gaps(recs, gaps, units).values.tolist()
    [['A', 4, 3, 0.75, 0.005, 0.5]]
    """
    if "unit_id" not in underserved.columns:
        raise InputError("underserved areas have no unit_id column",
                         fix="give the 'underserved' layer of reach.gpkg written by `planner-gis reach`")
    und = underserved.to_crs(units.crs) if underserved.crs is not None else underserved.set_crs(units.crs)
    und = und[und.geometry.notna()]
    located = records[records["counted"].astype(bool) & records.geometry.notna()
                      & (records["unit_id"].astype(str) != "")]
    rows = []
    for unit in units.itertuples(index=False):
        uid = str(unit.unit_id)
        area = shapely.union_all(und.loc[und["unit_id"].astype(str) == uid].geometry.to_numpy())
        area = shapely.intersection(area, unit.geometry) if not area.is_empty else area
        pts = located.loc[located["unit_id"].astype(str) == uid].geometry.to_numpy()
        inside = int(np.count_nonzero(shapely.covers(area, pts))) if len(pts) and not area.is_empty else 0
        rows.append({"unit_id": uid, "records": len(pts), "records_in_gaps": inside,
                     "share_in_gaps": round(inside / len(pts), 4) if len(pts) else float("nan"),
                     "underserved_km2": round(area.area / 1e6, 4),
                     "area_share": round(area.area / unit.geometry.area, 4) if unit.geometry.area else float("nan")})
    return pd.DataFrame(rows, columns=GAP_COLUMNS)
