"""Building a walking network from a layer of lines.

Network model
-------------
* Every consecutive vertex pair of every input line becomes one edge, so an
  edge is a straight segment and a partial edge has an exact length.
* Lines connect **only** where they share a vertex after rounding coordinates
  to 1 cm (:data:`VERTEX_TOLERANCE`), as OSM ways do. Lines that merely cross
  (a bridge over a road, an underpass) are *not* connected: there is no
  planarisation and no noding.
* Zero-length edges (both ends round to the same vertex) and duplicate edges
  (the same pair of vertices, in either direction) are dropped and counted in
  :attr:`WalkNetwork.summary`.
* Disconnected pieces are counted; with ``drop_disconnected=True`` the small
  ones are dropped (see :func:`build_network`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from .._progress import ProgressCallback, report
from ..crs import choose_metric_crs, crs_label
from ..errors import GeometryError, InputError
from .model import WalkNetwork

#: Coordinates are rounded to this many metres to decide which vertices are shared.
VERTEX_TOLERANCE = 0.01


def _node_ids(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of an int64 (m, 2) array: (unique rows, inverse index)."""
    if len(keys) == 0:
        return keys.reshape(0, 2), np.zeros(0, dtype=np.int64)
    lo = keys.min(axis=0)
    span = keys.max(axis=0) - lo + 1
    if float(span[0]) * float(span[1]) < 2**62:
        packed = (keys[:, 0] - lo[0]) * span[1] + (keys[:, 1] - lo[1])
        uniq, inverse = np.unique(packed, return_inverse=True)
        rows = np.stack([uniq // span[1] + lo[0], uniq % span[1] + lo[1]], axis=1)
        return rows, inverse.ravel()
    rows, inverse = np.unique(keys, axis=0, return_inverse=True)
    return rows, inverse.ravel()


def build_network(
    lines: gpd.GeoDataFrame,
    metric_crs: Any = None,
    drop_disconnected: bool = False,
    min_component_nodes: int | None = None,
    progress: ProgressCallback | None = None,
    what: str = "walking network layer",
) -> WalkNetwork:
    """Build a :class:`WalkNetwork` from a layer of lines.

    Parameters
    ----------
    lines : GeoDataFrame
        LineStrings / MultiLineStrings with a CRS (any CRS; reprojected to the
        metric CRS). Other geometry types are refused; empty/null rows are
        skipped and counted.
    metric_crs : optional
        Metric CRS to work in (default: the :mod:`planner_gis.crs` policy).
    drop_disconnected : bool
        If True, drop pieces not connected to the largest piece. With
        ``min_component_nodes`` set, pieces with at least that many nodes are
        kept too.
    min_component_nodes : int, optional
        See ``drop_disconnected``.
    progress : callable, optional
        ``progress(fraction, message)``.
    what : str
        Name of the data in error messages (e.g. the file name).

    Returns
    -------
    WalkNetwork
        ``summary`` holds ``input_lines``, ``skipped_empty``,
        ``dropped_zero_length``, ``dropped_duplicate``, ``components``,
        ``dropped_components`` and ``dropped_component_nodes``.

    Raises
    ------
    GeometryError
        If the layer has non-line geometries or no usable line.

    Examples
    --------
    Two crossing lines without a shared vertex stay unconnected (a bridge):

    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString
    >>> g = gpd.GeoDataFrame(geometry=[LineString([(0, 50), (100, 50)]),
    ...                                LineString([(50, 0), (50, 100)]),
    ...                                LineString([(50, 0), (50, 0)])], crs=32650)
    >>> net = build_network(g)
    >>> net.n_components, net.summary["dropped_zero_length"]
    (2, 1)
    >>> build_network(g, drop_disconnected=True).n_edges
    1
    """
    if not isinstance(lines, gpd.GeoDataFrame):
        raise InputError(f"{what} is not a GeoDataFrame", fix="read it with planner_gis.io.read_vector")
    report(progress, 0.0, "preparing lines")
    metric = choose_metric_crs(lines, metric_crs, what)
    coords, part, skipped = _line_coordinates(lines, metric, what)
    report(progress, 0.3, "merging shared vertices")
    node_xy, u, v, n_zero, n_dup = _segments(coords, part, progress)
    if len(u) == 0:
        raise GeometryError(f"{what} has no line of non-zero length", fix="give a layer with street lines")
    summary = {
        "input_lines": int(len(lines)),
        "skipped_empty": skipped,
        "dropped_zero_length": n_zero,
        "dropped_duplicate": int(n_dup),
        "dropped_components": 0,
        "dropped_component_nodes": 0,
        "crs": crs_label(metric),
    }
    report(progress, 0.8, "finding connected pieces")
    net = WalkNetwork(metric, node_xy, u, v, summary=summary)
    summary["components_found"] = net.n_components
    if drop_disconnected and net.n_components > 1:
        net = _drop_disconnected(net, min_component_nodes, summary)
    report(progress, 1.0, "network built")
    return net


def _line_coordinates(lines: gpd.GeoDataFrame, metric: CRS, what: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Vertices of the line parts in the metric CRS, the part of each vertex, and the skipped empty rows."""
    geoms = lines.geometry
    ok = geoms.notna() & ~geoms.is_empty
    skipped = int((~ok).sum())
    geoms = geoms[ok]
    types = set(geoms.geom_type.unique())
    bad = types - {"LineString", "MultiLineString", "LinearRing"}
    if bad:
        first = geoms.index[geoms.geom_type.isin(sorted(bad))][0]
        raise GeometryError(
            f"{what}: record {first!r} is a {sorted(bad)[0]}; a walking network needs lines",
            fix="give a layer of (multi)line streets and paths, e.g. from OSM ways",
        )
    if len(geoms) == 0:
        raise GeometryError(f"{what} has no line geometry", fix="give a layer with street lines")
    gs = gpd.GeoSeries(geoms.values, crs=lines.crs)
    if CRS.from_user_input(lines.crs) != metric:
        gs = gs.to_crs(metric)
    # single lines are their own parts (get_parts would copy each of them)
    parts = shapely.get_parts(gs.values) if "MultiLineString" in types else gs.values
    coords, part = shapely.get_coordinates(parts, return_index=True)
    return coords, part, skipped


def _segments(coords: np.ndarray, part: np.ndarray,
              progress: ProgressCallback | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Shared nodes and the edges between consecutive vertices: ``(node_xy, u, v, zero-length, duplicates)``."""
    keys = np.round(coords / VERTEX_TOLERANCE).astype(np.int64)
    rows, vid = _node_ids(keys)
    node_xy = rows.astype(np.float64) * VERTEX_TOLERANCE
    same_part = part[:-1] == part[1:]
    u = vid[:-1][same_part]
    v = vid[1:][same_part]
    zero = u == v
    n_zero = int(zero.sum())
    u, v = u[~zero], v[~zero]
    a, b = np.minimum(u, v), np.maximum(u, v)
    report(progress, 0.6, "dropping duplicate edges")
    n_nodes_all = len(node_xy)
    pair = a * np.int64(n_nodes_all) + b
    _, first = np.unique(pair, return_index=True)
    first.sort()
    n_dup = len(u) - len(first)
    u, v = u[first], v[first]
    # drop vertices no edge uses (zero-length lines) and renumber
    used = np.zeros(n_nodes_all, dtype=bool)
    used[u] = True
    used[v] = True
    new_id = np.cumsum(used) - 1
    node_xy, u, v = node_xy[used], new_id[u], new_id[v]
    return node_xy, u, v, n_zero, n_dup


def _drop_disconnected(net: WalkNetwork, min_component_nodes: int | None, summary: dict) -> WalkNetwork:
    """The network without the pieces not connected to the largest one (nor of ``min_component_nodes``)."""
    sizes = np.bincount(net.component)
    keep_comp = np.zeros(len(sizes), dtype=bool)
    keep_comp[0] = True
    if min_component_nodes is not None:
        keep_comp |= sizes >= int(min_component_nodes)
    keep_node = keep_comp[net.component]
    keep_edge = keep_node[net.edge_u]
    new_id = np.cumsum(keep_node) - 1
    summary["dropped_components"] = int((~keep_comp).sum())
    summary["dropped_component_nodes"] = int((~keep_node).sum())
    summary.pop("nodes", None)
    summary.pop("edges", None)
    return WalkNetwork(net.crs, net.node_xy[keep_node], new_id[net.edge_u[keep_edge]],
                       new_id[net.edge_v[keep_edge]], summary=summary)
