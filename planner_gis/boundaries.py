"""Gaps between unit boundaries, told apart from thin slivers (the geometry behind the audit's gap findings).

Uncovered area inside a district outline comes in two kinds:

- **gaps**: places no unit covers, at least ``width`` metres across somewhere
  (a forgotten village, a park between two streets);
- **slivers**: strips narrower than ``width`` everywhere, left where two layers
  drawn from different sources (an Amap-derived unit layer against the
  OpenStreetMap outline, two survey vintages) disagree by a few metres, or by
  reprojection noise along a boundary drawn in lon/lat.

:func:`split_gaps` separates them with a morphological opening (erode by
``width / 2``, dilate back, square joins so right-angled corners are kept): what
survives is the gap, cleaned of every spike narrower than ``width``; the rest,
apart from the ragged edge within ``width`` of a gap, are slivers.
:func:`group_slivers` summarises the slivers per boundary (the units they lie
along, and whether they lie along the outline): count, total area, widest
width (:func:`max_width`, twice the radius of the largest inscribed circle).
:func:`label_point` is the point deepest inside a polygon, where a message's
"at (x, y)" points.

Examples
--------
A 100 m square gap with a 1 m wide, 300 m long strip attached (metres):

>>> from shapely.geometry import box
>>> gaps, slivers = split_gaps(box(0, 0, 100, 100).union(box(100, 0, 400, 1)), width=5)
>>> [round(g.area) for g in gaps], [round(s.area) for s in slivers]
([10000], [295])
>>> round(max_width(slivers[0]), 2), tuple(round(v) for v in label_point(gaps[0]).coords[0])
(1.0, (50, 50))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

#: Default width (metres) under which uncovered strips are slivers, not gaps.
SLIVER_WIDTH = 5.0
#: Distance (metres) within which a sliver's edge counts as lying along a unit or the outline.
TOUCH_TOLERANCE = 0.01


def _polygons(geom) -> list:
    """The polygon parts of a geometry (none for an empty one)."""
    if geom is None or geom.is_empty:
        return []
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]


def split_gaps(gap, width: float = SLIVER_WIDTH) -> tuple[list, list]:
    """Split uncovered area into gaps (at least ``width`` across somewhere) and slivers (narrower everywhere).

    Parameters
    ----------
    gap : shapely geometry
        Uncovered area (polygons), in metres.
    width : float
        Strips narrower than this are slivers. ``0`` keeps every part as a gap, uncleaned.

    Returns
    -------
    (list of Polygon, list of Polygon)
        The gaps, without spikes narrower than ``width``; the slivers (parts of
        ``gap`` farther than ``width`` from every gap).
    """
    if width <= 0:
        return _polygons(gap), []
    r = width / 2.0
    core = shapely.buffer(shapely.buffer(gap, -r, join_style="mitre"), r, join_style="mitre")
    core = shapely.intersection(core, gap)  # the mitre joins may stand out by rounding at acute corners
    cores = [p for p in _polygons(core) if p.area > 0]
    near = shapely.buffer(core, width, join_style="mitre") if cores else None
    rest = shapely.difference(gap, near) if near is not None else gap
    slivers = [p for p in _polygons(rest) if p.area > 0]
    return cores, slivers


def max_width(poly) -> float:
    """The widest place of a polygon: twice the radius of its largest inscribed circle (metres).

    >>> from shapely.geometry import box
    >>> round(max_width(box(0, 0, 1000, 2)), 3)
    2.0
    """
    if poly.is_empty:
        return 0.0
    # the circle is found to within 0.5 % of the width (at most 1 cm)
    tolerance = min(0.01, max(1e-4, 2 * poly.area / max(poly.length, 1e-9) * 0.005))
    return 2.0 * float(shapely.length(shapely.maximum_inscribed_circle(poly, tolerance)))


def label_point(poly):
    """A point well inside ``poly`` for a label.

    Its representative point when that is at least half as deep inside as the deepest point (the
    centre of the largest inscribed circle), else the deepest point.

    >>> from shapely.geometry import box
    >>> label_point(box(0, 0, 1000, 10)).coords[0]
    (500.0, 5.0)
    """
    tolerance = max(0.01, float(np.sqrt(poly.area)) / 200.0)
    circle = shapely.maximum_inscribed_circle(poly, tolerance)
    point = poly.representative_point()
    if point.distance(poly.boundary) >= 0.5 * shapely.length(circle):
        return point
    return shapely.get_point(circle, 0)


def _along(piece, boundaries: Sequence) -> list[int]:
    """Indices of the ``boundaries`` (lines) along which ``piece`` lies: at least a tenth of its edge.

    A sliver between two units only touches the outline with its short ends; one along the outline
    shares about half its edge with it.
    """
    edge = piece.boundary
    least = 0.1 * edge.length
    out = []
    for i, b in enumerate(boundaries):
        if b is None:
            continue
        shared = shapely.length(shapely.intersection(edge, shapely.buffer(b, TOUCH_TOLERANCE)))
        if shared > least:
            out.append(i)
    return out


def group_slivers(slivers: Sequence, unit_ids: Sequence[str], unit_geoms: Sequence,
                  outline=None) -> list[dict]:
    """Slivers summarised per boundary: the units they lie along and whether they lie along the outline.

    Returns
    -------
    list of dict
        One per boundary, largest total area first: ``units`` (sorted ids),
        ``outline`` (bool), ``count``, ``area`` (m2), ``max_width`` (m) and
        ``geometry`` (the slivers as one MultiPolygon).

    Examples
    --------
    Two 1 km squares 2 m apart, an outline around both: one sliver between them.

    >>> from shapely.geometry import box
    >>> units = [box(0, 0, 1000, 1000), box(1002, 0, 2002, 1000)]
    >>> gaps, slivers = split_gaps(box(1000, 0, 1002, 1000), width=5)
    >>> [(g["units"], g["outline"], g["count"], round(g["area"]), round(g["max_width"], 1))
    ...  for g in group_slivers(slivers, ["A", "B"], units, outline=box(0, 0, 2002, 1000))]
    [(['A', 'B'], False, 1, 2000, 2.0)]
    """
    if not slivers:
        return []
    tree = shapely.STRtree(list(unit_geoms))
    unit_lines = [g.boundary for g in unit_geoms]
    outline_line = outline.boundary if outline is not None else None
    groups: dict = {}
    for piece in slivers:
        near = tree.query(piece, predicate="dwithin", distance=1.0)
        touched = [near[i] for i in _along(piece, [unit_lines[j] for j in near])]
        on_outline = bool(outline_line is not None and _along(piece, [outline_line]))
        key = (tuple(sorted(str(unit_ids[j]) for j in touched)), on_outline)
        groups.setdefault(key, []).append(piece)
    out = []
    for (ids, on_outline), pieces in groups.items():
        out.append({"units": list(ids), "outline": on_outline, "count": len(pieces),
                    "area": float(sum(p.area for p in pieces)), "max_width": max(max_width(p) for p in pieces),
                    "geometry": shapely.MultiPolygon(pieces)})
    return sorted(out, key=lambda g: (-g["area"], g["units"]))
