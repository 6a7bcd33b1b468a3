"""Access points: where walkers reach a facility (its point, its entrances, or along its boundary)."""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._validate import list_ids
from ..crs import require_crs, to_metric
from ..errors import GeometryError, InputError
from .catalogue import check_catalogue


def _ring_points(ring: shapely.Geometry, spacing: float) -> np.ndarray:
    """Points along a ring or line at most ``spacing`` apart (a closed ring's end is not repeated)."""
    length = ring.length
    if length <= 0:
        return np.asarray([shapely.get_point(ring, 0)], dtype=object)
    closed = bool(shapely.is_closed(ring))
    n = max(1, int(math.ceil(length / spacing - 1e-9)))
    if closed:
        d = np.arange(n) * (length / n)
    else:
        d = np.linspace(0.0, length, n + 1)
    return shapely.line_interpolate_point(ring, d)


def facility_access_points(
    facilities: gpd.GeoDataFrame,
    catalogue: pd.DataFrame | None = None,
    category_column: str = "category",
    entrances: gpd.GeoDataFrame | None = None,
    spacing: float = 50.0,
    entrance_tolerance: float = 5.0,
    id_column: str | None = None,
    nest: bool = True,
    metric_crs: Any = None,
    unknown: str = "raise",
) -> gpd.GeoDataFrame:
    """Points at which walkers reach each facility.

    Rule:

    * a point facility is reached at its point (multi-points at each point);
    * a polygon facility (a park, a school ground) is reached at its
      entrances where known: the points of ``entrances`` lying within
      ``entrance_tolerance`` metres of the polygon's outer boundary; a polygon
      without such an entrance is reached at points along its outer boundary,
      evenly spaced at most ``spacing`` metres apart (the first at the ring's
      start vertex); holes are not entry points;
    * a line facility is reached at points along it, at most ``spacing``
      metres apart, both ends included;
    * with ``nest=True`` a polygon of a ladder category (parks) also serves
      the lower rungs: a 6 ha park (``park_15min``) is a park of at least 1 ha
      and 0.4 ha too, so its access points are repeated for ``park_10min``
      and ``park_5min``.

    Features with a blank category are skipped (unclassified data).

    Parameters
    ----------
    facilities : GeoDataFrame
        Facilities with a CRS and a category column.
    catalogue : DataFrame, optional
        From :func:`load_catalogue`; default the shipped catalogue.
    category_column : str
        Column holding the catalogue category of each facility.
    entrances : GeoDataFrame, optional
        Entrance points (OSM ``entrance=*``, ``barrier=gate``, surveyed gates).
    spacing : float
        Maximum distance in metres between boundary points.
    entrance_tolerance : float
        How close (metres) an entrance must be to a boundary to belong to it.
    id_column : str, optional
        Column identifying a facility; default the index.
    nest : bool
        Repeat ladder polygons for the lower rungs (see above).
    metric_crs : int, str or pyproj.CRS, optional
        Metric CRS to work in; default chosen by :func:`planner_gis.crs.to_metric`.
    unknown : {"raise", "ignore"}
        What to do with categories the catalogue does not know: raise an
        :class:`InputError`, or skip those features and count them in
        ``result.attrs["ignored_categories"]`` (``{category: count}``).

    Returns
    -------
    GeoDataFrame
        Columns ``facility_id``, ``category`` (the category served),
        ``facility_category`` (the facility's own category), ``access``
        (``point``, ``entrance``, ``boundary`` or ``line``) and point
        ``geometry``, in the metric CRS.

    Raises
    ------
    InputError
        The category column is missing or holds categories the catalogue does not know.
    GeometryError
        A facility has no geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point, box
    >>> fac = gpd.GeoDataFrame({"category": ["kindergarten", "park_10min"]},
    ...     geometry=[Point(10, 10), box(0, 0, 100, 100)], crs="EPSG:4548")
    >>> pts = facility_access_points(fac)
    >>> pts.groupby(["category", "access"]).size().to_dict()
    {('kindergarten', 'point'): 1, ('park_10min', 'boundary'): 8, ('park_5min', 'boundary'): 8}
    >>> gate = gpd.GeoDataFrame(geometry=[Point(50, -2), Point(500, 500)], crs="EPSG:4548")
    >>> pts = facility_access_points(fac, entrances=gate, nest=False)
    >>> [(r.category, r.access, r.geometry.x, r.geometry.y) for r in pts.itertuples()]
    [('kindergarten', 'point', 10.0, 10.0), ('park_10min', 'entrance', 50.0, -2.0)]
    """
    cat = check_catalogue(catalogue)
    if category_column not in facilities.columns:
        have = ", ".join(str(c) for c in facilities.columns if c != facilities.geometry.name)
        raise InputError(
            f"facilities: no category column '{category_column}' (columns present: {have})",
            fix="name the column holding the catalogue category (--category-column), "
                "or classify the features first with classify_osm / classify_poi_types",
        )
    if not (spacing > 0):
        raise InputError(f"spacing {spacing!r} is not a positive number of metres", fix="use e.g. spacing=50")
    if unknown not in ("raise", "ignore"):
        raise ValueError(f"unknown={unknown!r}: use 'raise' or 'ignore'")
    require_crs(facilities, "facilities")
    fac = to_metric(facilities, metric_crs, what="facilities")
    crs = fac.crs
    ids = fac[id_column] if id_column is not None else pd.Series(fac.index, index=fac.index)
    cats = fac[category_column].astype("object")
    skip, ignored = _skipped(cats, cat, category_column, unknown)
    fac, ids = fac[~skip], ids[~skip]
    geoms = fac.geometry.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise GeometryError(
            f"facilities: {int(bad.sum())} facility(ies) without geometry (id {list_ids(ids[bad])})",
            fix="delete these features or give them a location",
        )
    lower = _lower_rungs(cat) if nest else {c: [] for c in cat["category"]}
    finder = _entrance_finder(entrances, crs, entrance_tolerance)
    rows: dict = {"facility_id": [], "category": [], "facility_category": [], "access": [], "geometry": []}
    for fid, fcat, g in zip(ids.tolist(), cats[~skip].astype(str).str.strip().tolist(), geoms):
        access, points, polygonal = _access_of(g, spacing, finder)
        for c in [fcat] + (lower[fcat] if polygonal else []):
            for pt in points:
                for key, value in (("facility_id", fid), ("category", c), ("facility_category", fcat),
                                   ("access", access), ("geometry", pt)):
                    rows[key].append(value)
    out = gpd.GeoDataFrame(
        {k: pd.Series(rows[k], dtype="object") for k in ("facility_id", "category", "facility_category", "access")},
        geometry=gpd.GeoSeries(rows["geometry"], crs=crs),
        crs=crs,
    )
    out.attrs["ignored_categories"] = ignored
    return out


def _skipped(cats: pd.Series, cat: pd.DataFrame, category_column: str,
             unknown: str) -> tuple[pd.Series, dict[str, int]]:
    """Features to skip (blank category, or unknown ones with ``unknown="ignore"``) and the ignored counts."""
    blank = cats.isna() | (cats.astype(str).str.strip() == "")
    known = set(cat["category"])
    stripped = cats.astype(str).str.strip()
    strange = sorted({c for c in stripped[~blank]} - known)
    if not strange:
        return blank, {}
    if unknown == "ignore":
        is_strange = ~blank & ~stripped.isin(known)
        ignored = {str(k): int(v) for k, v in stripped[is_strange].value_counts().sort_index().items()}
        return blank | is_strange, ignored
    raise InputError(
        f"facilities: column '{category_column}' has categories the catalogue does not know: "
        f"{list_ids(strange)} (known: {', '.join(cat['category'])})",
        fix="correct the values, or add rows for them to the catalogue CSV (--catalogue)",
    )


def _lower_rungs(cat: pd.DataFrame) -> dict[str, list[str]]:
    """The lower rungs each ladder category also serves (a 6 ha park is a 1 ha and a 0.4 ha park too)."""
    tmp = cat.assign(_rule=cat["osm_tags"].str.replace(r"\s+", "", regex=True))
    lower: dict[str, list[str]] = {c: [] for c in cat["category"]}
    for _key, grp in tmp[tmp["min_area_ha"].notna()].groupby("_rule", sort=False):
        for c, a in zip(grp["category"], grp["min_area_ha"]):
            lower[c] = [c2 for c2, a2 in zip(grp["category"], grp["min_area_ha"]) if a2 < a]
    return lower


def _entrance_finder(entrances: gpd.GeoDataFrame | None, crs: Any,
                     tolerance: float) -> Callable[[Any], list] | None:
    """A function giving the entrance points within ``tolerance`` of a ring (None without entrances)."""
    if entrances is None or not len(entrances):
        return None
    require_crs(entrances, "entrances")
    ent = entrances.to_crs(crs).explode(index_parts=False)
    ent_geoms = ent.geometry.to_numpy()
    ent_geoms = ent_geoms[shapely.get_type_id(ent_geoms) == 0]
    tree = shapely.STRtree(ent_geoms)

    def find(ring: Any) -> list:
        hit = tree.query(ring, predicate="dwithin", distance=tolerance)
        return list(ent_geoms[np.sort(hit)])

    return find


def _access_of(g: Any, spacing: float, finder: Callable[[Any], list] | None) -> tuple[str, list, bool]:
    """``(access kind, points, polygonal)`` of one facility geometry (see :func:`facility_access_points`)."""
    tid = shapely.get_type_id(g)
    if tid in (0, 4):  # Point, MultiPoint
        return "point", list(shapely.get_parts(g)), False
    if tid in (1, 2, 5):  # LineString, LinearRing, MultiLineString
        return "line", [p for part in shapely.get_parts(g) for p in _ring_points(part, spacing)], False
    if tid in (3, 6):  # Polygon, MultiPolygon
        rings = [shapely.get_exterior_ring(p) for p in shapely.get_parts(g)]
        found = [e for ring in rings for e in finder(ring)] if finder is not None else []
        if found:
            return "entrance", found, True
        return "boundary", [p for ring in rings for p in _ring_points(ring, spacing)], True
    # GeometryCollection: use its parts' representative points
    return "point", [shapely.point_on_surface(p) for p in shapely.get_parts(g)], False
