"""Walking networks: building, saving, loading and snapping points onto them.

A :class:`WalkNetwork` is an undirected graph of straight walking *segments*
in a metric CRS. Its numeric core is a handful of numpy arrays (node
coordinates, edge end nodes, edge lengths), so every algorithm can be tested on
hand-checkable inputs and runs without Python loops over edges.

Network model
-------------
* Every consecutive vertex pair of every input line becomes one edge, so an
  edge is a straight segment and a partial edge has an exact length.
* Lines connect **only** where they share a vertex after rounding coordinates
  to 1 cm, as OSM ways do. Lines that merely cross (a bridge over a road, an
  underpass) are *not* connected: there is no planarisation and no noding.
* Zero-length edges (both ends round to the same vertex) and duplicate edges
  (the same pair of vertices, in either direction) are dropped and counted in
  :attr:`WalkNetwork.summary`.
* Disconnected pieces are counted; with ``drop_disconnected=True`` the small
  ones are dropped (see :func:`build_network`).

Saved network format (``.npz``)
-------------------------------
:func:`save_network` writes an uncompressed numpy ``.npz`` archive with the
arrays ``node_xy`` (float64, n x 2, metres), ``edge_u`` and ``edge_v`` (int64),
``edge_length`` (float64, metres), and the strings ``crs_wkt`` (WKT2 of the
metric CRS), ``summary_json`` (the build summary) and ``format``
(``"planner-gis-walknet/1"``). Edges are straight segments between their end
nodes, so no geometry is stored. The file can be read with plain numpy.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 0), (100, 50)])],
...                          crs="EPSG:32650")
>>> net = build_network(lines)
>>> net.n_nodes, net.n_edges, float(net.edge_length.sum())
(3, 2, 150.0)
>>> s = snap_points(net, np.array([[40.0, 10.0]]))
>>> int(s.edge[0]), float(s.offset[0]), float(s.distance[0])
(0, 40.0, 10.0)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Optional, Union

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ._progress import ProgressCallback, report
from .crs import choose_metric_crs, crs_label, is_metric, to_metric
from .errors import CRSError, GeometryError, InputError, NetworkError
from .io import atomic_path, check_input_file, read_vector, split_layer

PathLike = Union[str, os.PathLike]

#: Coordinates are rounded to this many metres to decide which vertices are shared.
VERTEX_TOLERANCE = 0.01
CELL_FACTOR = 1.0
PIECE_FACTOR = 1.5
#: Value of the ``format`` entry of saved network files.
FORMAT_TAG = "planner-gis-walknet/1"
#: File suffix of saved networks.
SAVED_SUFFIX = ".npz"


# ----------------------------------------------------------------------------- container


class WalkNetwork:
    """An undirected walking network of straight segments in a metric CRS.

    Build one with :func:`build_network` or :func:`read_network`; the
    constructor takes the arrays directly (lengths are computed from the
    coordinates when not given).

    Parameters
    ----------
    crs : pyproj.CRS or anything pyproj accepts
        A projected CRS in metres.
    node_xy : ndarray, shape (n_nodes, 2)
        Node coordinates in metres.
    edge_u, edge_v : ndarray, shape (n_edges,)
        End nodes of each edge (indices into ``node_xy``).
    edge_length : ndarray, shape (n_edges,), optional
        Segment lengths in metres; by default the Euclidean distance between
        the end nodes (which is what every algorithm assumes).
    summary : dict, optional
        Build report (counts of dropped edges and pieces).

    Attributes
    ----------
    component : ndarray, shape (n_nodes,)
        Connected-component label of each node; 0 is the largest piece.
    n_components : int
        Number of connected pieces.

    Examples
    --------
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [3, 4], [10, 10]]), [0], [1])
    >>> net.edge_length.tolist(), net.n_components
    ([5.0], 2)
    """

    def __init__(
        self,
        crs: Any,
        node_xy: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_length: Optional[np.ndarray] = None,
        summary: Optional[dict] = None,
    ):
        crs = CRS.from_user_input(crs)
        if not is_metric(crs):
            raise CRSError(f"walking network CRS {crs_label(crs)} is not projected in metres",
                           fix="build the network with metric_crs= a projected CRS in metres")
        self.crs: CRS = crs
        self.node_xy = np.ascontiguousarray(node_xy, dtype=np.float64).reshape(-1, 2)
        self.edge_u = np.ascontiguousarray(edge_u, dtype=np.int64).ravel()
        self.edge_v = np.ascontiguousarray(edge_v, dtype=np.int64).ravel()
        if len(self.edge_u) != len(self.edge_v):
            raise NetworkError("edge_u and edge_v differ in length", fix="give one end node pair per edge")
        n = len(self.node_xy)
        if len(self.edge_u) and (min(self.edge_u.min(), self.edge_v.min()) < 0
                                 or max(self.edge_u.max(), self.edge_v.max()) >= n):
            raise NetworkError("an edge refers to a node that does not exist",
                               fix="edge_u/edge_v must be indices into node_xy")
        if edge_length is None:
            x, y = self.node_xy[:, 0], self.node_xy[:, 1]
            dx = x[self.edge_v]
            dx -= x[self.edge_u]
            dy = y[self.edge_v]
            dy -= y[self.edge_u]
            edge_length = np.hypot(dx, dy, out=dx)
            del dy
        self.edge_length = np.ascontiguousarray(edge_length, dtype=np.float64).ravel()
        for a in (self.node_xy, self.edge_u, self.edge_v, self.edge_length):
            a.setflags(write=False)
        self.summary: dict = dict(summary or {})
        if n:
            indptr, indices, data = self.csr_arrays
            adj = csr_matrix((data, indices, indptr), shape=(n, n))
            self.n_components, labels = connected_components(adj, directed=True, connection="weak")
            # relabel so that 0 is the largest piece, 1 the next, ...
            sizes = np.bincount(labels, minlength=self.n_components)
            order = np.argsort(-sizes, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            self.component = rank[labels].astype(np.int64)
        else:
            self.n_components, self.component = 0, np.zeros(0, dtype=np.int64)
        self.component.setflags(write=False)
        self.summary.setdefault("nodes", int(n))
        self.summary.setdefault("edges", int(len(self.edge_u)))
        self.summary["components"] = int(self.n_components)

    # -- sizes ---------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        """Number of (undirected) edges."""
        return len(self.edge_u)

    def __repr__(self) -> str:
        return (f"WalkNetwork({self.n_nodes} nodes, {self.n_edges} edges, "
                f"{self.n_components} pieces, {crs_label(self.crs)})")

    # -- derived structures (cached) ------------------------------------------
    @cached_property
    def csr_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, indices, data)`` of the symmetric arc list, rows sorted by tail node.

        Both directions of every edge are stored, so the graph can be searched
        as directed (which lets callers append one-way virtual source nodes).
        """
        n, m = self.n_nodes, self.n_edges
        small = 2 * m < 2**31 - 1 and n < 2**31 - 1
        itype = np.int32 if small else np.int64
        # int32 keys sort about 3x faster; int32 pointers spare scipy a conversion per search;
        # filled in place (no int64 copies of the 2 x n_edges arcs)
        tail = np.empty(2 * m, dtype=itype)
        tail[:m] = self.edge_u
        tail[m:] = self.edge_v
        order = np.argsort(tail, kind="stable")
        indptr = np.zeros(n + 1, dtype=itype)
        np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
        del tail
        head = np.empty(2 * m, dtype=itype)
        head[:m] = self.edge_v
        head[m:] = self.edge_u
        indices = head[order]
        del head
        w = np.empty(2 * m)
        w[:m] = self.edge_length
        w[m:] = self.edge_length
        return indptr, indices, w[order]

    @cached_property
    def edge_geometry(self) -> np.ndarray:
        """Edges as shapely LineStrings (straight segments, metric CRS)."""
        seg = np.stack([self.node_xy[self.edge_u], self.node_xy[self.edge_v]], axis=1)
        return shapely.linestrings(seg)

    @cached_property
    def _snap_index(self) -> "_SegmentIndex":
        return _SegmentIndex(self)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame of lines with columns ``u``, ``v``, ``length``, ``component``.

        >>> net = WalkNetwork(32650, np.array([[0.0, 0], [3, 4]]), [0], [1])
        >>> net.to_geodataframe()[["u", "v", "length"]].values.tolist()
        [[0.0, 1.0, 5.0]]
        """
        return gpd.GeoDataFrame(
            {"u": self.edge_u, "v": self.edge_v, "length": self.edge_length,
             "component": self.component[self.edge_u] if self.n_edges else np.zeros(0, np.int64)},
            geometry=self.edge_geometry, crs=self.crs,
        )

    def equals(self, other: "WalkNetwork") -> bool:
        """True if both networks have the same CRS, nodes and edges."""
        return bool(
            self.crs == other.crs
            and np.array_equal(self.node_xy, other.node_xy)
            and np.array_equal(self.edge_u, other.edge_u)
            and np.array_equal(self.edge_v, other.edge_v)
            and np.array_equal(self.edge_length, other.edge_length)
        )


# ----------------------------------------------------------------------------- building


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
    min_component_nodes: Optional[int] = None,
    progress: Optional[ProgressCallback] = None,
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
    parts = shapely.get_parts(gs.values)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    report(progress, 0.3, "merging shared vertices")
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
        net = WalkNetwork(metric, net.node_xy[keep_node], new_id[net.edge_u[keep_edge]],
                          new_id[net.edge_v[keep_edge]], summary=summary)
    report(progress, 1.0, "network built")
    return net


# ----------------------------------------------------------------------------- reading


def _lines_from_graphml(path: Path) -> gpd.GeoDataFrame:
    """Lines of an OSMnx-style GraphML file (node x/y, optional edge WKT geometry)."""
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read as GraphML ({exc})",
                         fix="give a GraphML file written by OSMnx (ox.save_graphml)") from None
    crs = g.graph.get("crs")
    if not crs:
        raise CRSError(f"{path}: the GraphML graph has no 'crs' attribute",
                       fix="save the graph with OSMnx, which records crs (e.g. 'epsg:4326')")
    xy = {}
    for node, data in g.nodes(data=True):
        try:
            xy[node] = (float(data["x"]), float(data["y"]))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: node {node!r} has no numeric x/y attributes",
                             fix="give an OSMnx GraphML file whose nodes carry x and y") from None
    geoms = []
    for u, v, data in g.edges(data=True):
        wkt = data.get("geometry")
        if wkt:
            try:
                geoms.append(shapely.from_wkt(wkt))
            except Exception:
                raise InputError(f"{path}: edge {u!r}-{v!r} has an unreadable geometry {wkt[:40]!r}",
                                 fix="edge geometry must be WKT, as OSMnx writes it") from None
        else:
            geoms.append(shapely.LineString([xy[u], xy[v]]))
    return gpd.GeoDataFrame(geometry=geoms, crs=crs)


def _lines_from_pbf(path: Path) -> gpd.GeoDataFrame:
    try:
        from pyrosm import OSM
    except ImportError:
        raise InputError(f"{path}: reading .osm.pbf needs pyrosm",
                         fix="pip install 'planner-gis[osm]' (or pip install pyrosm)") from None
    try:
        edges = OSM(str(path)).get_network(network_type="walking")
    except Exception as exc:
        raise InputError(f"{path}: pyrosm cannot read a walking network ({exc})",
                         fix="check that the file is an OpenStreetMap .osm.pbf extract") from None
    if edges is None or len(edges) == 0:
        raise NetworkError(f"{path}: the extract has no walkable ways",
                           fix="use a larger extract that covers the study area")
    return gpd.GeoDataFrame(geometry=edges.geometry.values, crs=edges.crs or "EPSG:4326")


def read_network(
    path: PathLike,
    metric_crs: Any = None,
    drop_disconnected: bool = False,
    progress: Optional[ProgressCallback] = None,
    **kwargs: Any,
) -> WalkNetwork:
    """Read a walking network from a file.

    Dispatch on the file name: ``.osm.pbf`` / ``.pbf`` -> pyrosm walking
    network; ``.graphml`` -> OSMnx GraphML; ``.npz`` -> a network saved by
    :func:`save_network` (``metric_crs`` must then match or be None); anything
    else -> a vector line layer read with :func:`planner_gis.io.read_vector`
    (``layer=`` and other keyword arguments are passed on).

    Raises
    ------
    InputError, NetworkError, CRSError
        If the file cannot be read or holds no usable network.
    """
    p, layer = split_layer(path)
    check_input_file(p)
    name = p.name.lower()
    if name.endswith(SAVED_SUFFIX):
        net = load_network(p)
        if metric_crs is not None and CRS.from_user_input(metric_crs) != net.crs:
            raise CRSError(f"{p}: saved network is in {crs_label(net.crs)}, not {metric_crs}",
                           fix="leave metric_crs unset or rebuild the network from its source")
        return net
    if name.endswith(".pbf"):
        report(progress, 0.0, "reading OSM extract")
        lines = _lines_from_pbf(p)
    elif name.endswith(".graphml"):
        lines = _lines_from_graphml(p)
    else:
        lines = read_vector(p, **({"layer": layer} if layer is not None else {}), **kwargs)
    return build_network(lines, metric_crs=metric_crs, drop_disconnected=drop_disconnected,
                         progress=progress, what=str(p))


def save_network(net: WalkNetwork, path: PathLike) -> Path:
    """Save ``net`` atomically as a ``.npz`` file (format in the module docs).

    >>> import tempfile, pathlib
    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [3, 4]]), [0], [1])
    >>> p = save_network(net, pathlib.Path(tempfile.mkdtemp()) / "walk.npz")
    >>> load_network(p).equals(net)
    True
    """
    p = Path(path)
    if not p.name.lower().endswith(SAVED_SUFFIX):
        raise InputError(f"{p}: a saved network file must end in {SAVED_SUFFIX}",
                         fix=f"name it e.g. walk{SAVED_SUFFIX}")
    with atomic_path(p) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, node_xy=net.node_xy, edge_u=net.edge_u, edge_v=net.edge_v,
                     edge_length=net.edge_length, crs_wkt=np.array(net.crs.to_wkt()),
                     summary_json=np.array(json.dumps(net.summary, ensure_ascii=False)),
                     format=np.array(FORMAT_TAG))
    return p


def load_network(path: PathLike) -> WalkNetwork:
    """Load a network written by :func:`save_network`."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            tag = str(z["format"]) if "format" in z else ""
            if tag != FORMAT_TAG:
                raise NetworkError(f"{p}: not a planner-gis network file (format {tag!r})",
                                   fix="save networks with planner_gis.network.save_network")
            summary = json.loads(str(z["summary_json"]))
            return WalkNetwork(CRS.from_wkt(str(z["crs_wkt"])), z["node_xy"], z["edge_u"],
                               z["edge_v"], z["edge_length"], summary=summary)
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"{p}: cannot read the saved network ({exc})",
                           fix="re-create it with planner_gis.network.save_network") from None


# ----------------------------------------------------------------------------- snapping


@dataclass
class Snapped:
    """Points snapped onto the nearest point of the nearest edge.

    Attributes
    ----------
    edge : ndarray of int64
        Edge index, -1 where the point is unreachable (farther than ``max_snap``).
    offset : ndarray of float64
        Distance along the edge from its ``u`` node to the snapped point (m).
    distance : ndarray of float64
        Straight-line distance from the point to the snapped point (m). Where
        unreachable it is only known to exceed ``max_snap`` (inf for points
        without coordinates).
    xy : ndarray, shape (n, 2)
        Snapped coordinates (NaN where unreachable).
    """

    edge: np.ndarray
    offset: np.ndarray
    distance: np.ndarray
    xy: np.ndarray

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask of points within ``max_snap`` of an edge."""
        return self.edge >= 0

    def __len__(self) -> int:
        return len(self.edge)


class _SegmentIndex:
    """Spatial index of the edges for exact nearest-edge queries.

    The numeric core is a uniform grid: edges are cut into *pieces* no longer
    than the cell side ``s`` and each piece is filed under the cell holding
    its midpoint (one sort of the pieces, no per-cell lists in Python). A
    point p is compared with every piece filed in the (2r+1) x (2r+1) cells
    around its own cell. Every point of a piece lies within ``h`` (the
    largest half piece length) of its midpoint, and the searched block
    reaches at least ``r*s + b`` from p (``b``: distance from p to the sides
    of its own cell), so no piece outside the block is nearer than
    ``r*s + b - h``: the best candidate is certified exact when it is no
    farther than that. The few uncertified points (far from every street)
    fall back to a KD-tree on piece midpoints with the same kind of bound
    (see :meth:`query`).
    """

    def __init__(self, net: WalkNetwork):
        L = net.edge_length
        self.net = net
        nx_, ny_ = net.node_xy[:, 0], net.node_xy[:, 1]
        eu, ev = net.edge_u, net.edge_v
        self.ax, self.ay = nx_[eu], ny_[eu]
        # in place where possible: at 2M edges every temporary is 16 MB of fresh pages
        self.dx = nx_[ev]
        self.dx -= self.ax
        self.dy = ny_[ev]
        self.dy -= self.ay
        inv = self.dx * self.dx
        inv += np.square(self.dy)
        pos = inv > 0
        np.divide(1.0, inv, out=inv, where=pos)
        inv[~pos] = 0.0
        del pos
        self.inv_len2 = inv
        # cell side: about one typical edge; never below half the mean edge
        # length, so that cutting edges into pieces at most doubles their number
        # (median of an evenly strided sample of at most ~64k edges: the side only tunes
        # speed, results are exact for any side)
        sample = L[::max(1, len(L) >> 16)]
        s = max(float(np.median(sample)) * CELL_FACTOR, float(L.mean()) / 2.0, 1.0) if len(L) else 1.0
        self.s = s
        q = L / (s * PIECE_FACTOR)
        np.ceil(q, out=q)
        one = q <= 1
        long = np.flatnonzero(~one)
        k = q[long].astype(np.int64)  # pieces of the edges that are cut (usually few)
        del q
        # midpoints: the whole edge for an uncut edge, the first piece of a cut edge
        # at the edge's slot, the other pieces of cut edges appended after all edges
        mx = self.dx * 0.5
        mx += self.ax
        my = self.dy * 0.5
        my += self.ay
        edge_of = np.arange(len(L))
        if len(long):
            mx[long] = self.ax[long] + (0.5 / k) * self.dx[long]
            my[long] = self.ay[long] + (0.5 / k) * self.dy[long]
            extra_edge = np.repeat(long, k - 1)
            first = np.cumsum(k - 1) - (k - 1)
            piece = np.arange(len(extra_edge)) - np.repeat(first, k - 1) + 1
            frac = (piece + 0.5) / np.repeat(k, k - 1)
            mx = np.concatenate([mx, self.ax[extra_edge] + frac * self.dx[extra_edge]])
            my = np.concatenate([my, self.ay[extra_edge] + frac * self.dy[extra_edge]])
            edge_of = np.concatenate([edge_of, extra_edge])
        self.half = (max(float(np.max(L, where=one, initial=0.0)),
                         float((L[long] / k).max()) if len(long) else 0.0) / 2.0) if len(L) else 0.0
        del one
        self.n_pieces = len(edge_of)
        self._mid = (mx, my, edge_of)
        if len(L) == 0:
            self.x0 = self.y0 = 0.0
            self.ncx = self.ncy = 1
            self.ptr = np.zeros(2, dtype=np.int64)
            self.keys = None
            self.piece_edge = np.zeros(0, dtype=np.int64)
            return
        self.x0, self.y0 = float(mx.min()), float(my.min())
        # cell numbers in int32 where they fit (fewer fresh pages, ~3x faster sort)
        f = np.subtract(mx, self.x0)
        f /= s
        self.ncx = int(f.max()) + 1
        cx = f.astype(np.int64 if self.ncx >= 2**31 - 1 else np.int32)
        np.subtract(my, self.y0, out=f)
        f /= s
        self.ncy = int(f.max()) + 1
        n_cells = self.ncx * self.ncy
        key = f.astype(np.int32 if n_cells < 2**31 - 1 else np.int64)
        del f
        key *= self.ncx
        key += cx
        del cx
        order = np.argsort(key, kind="stable")
        self.piece_edge = edge_of[order]
        pe = self.piece_edge
        self.c_ax, self.c_ay, self.c_dx, self.c_dy, self.c_inv = (
            self.ax[pe], self.ay[pe], self.dx[pe], self.dy[pe], self.inv_len2[pe])
        if n_cells <= max(4 * len(key), 1 << 20):
            # dense table: pointer per cell
            self.keys = None
            self.ptr = np.zeros(n_cells + 1, dtype=np.int64)
            np.cumsum(np.bincount(key, minlength=n_cells), out=self.ptr[1:])
        else:
            # sparse: sorted occupied cell keys and their pointers
            self.keys, counts = np.unique(key, return_counts=True)
            self.ptr = np.zeros(len(self.keys) + 1, dtype=np.int64)
            np.cumsum(counts, out=self.ptr[1:])

    @cached_property
    def tree(self) -> cKDTree:
        """KD-tree on piece midpoints (built on first use, for the far points)."""
        mx, my, _ = self._mid
        return cKDTree(np.column_stack([mx, my]), balanced_tree=False)

    @property
    def piece_edge_tree(self) -> np.ndarray:
        """Edge of each piece in the KD-tree's order."""
        return self._mid[2]

    def _cells(self, cx: np.ndarray, cy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first piece, piece count) of cells (cx, cy); 0 pieces outside the grid."""
        inside = (cx >= 0) & (cx < self.ncx) & (cy >= 0) & (cy < self.ncy)
        key = np.where(inside, cy * self.ncx + cx, 0)
        if self.keys is None:
            lo, hi = self.ptr[key], self.ptr[key + 1]
        else:
            pos = np.searchsorted(self.keys, key)
            pos_c = np.minimum(pos, len(self.keys) - 1)
            inside &= self.keys[pos_c] == key
            lo, hi = self.ptr[pos_c], self.ptr[pos_c + 1]
        return lo, np.where(inside, hi - lo, 0)

    def grid_query(self, px: np.ndarray, py: np.ndarray,
                   r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best edge, its squared distance and the certified radius for points (px, py).

        Searches the (2r+1)^2 cells around each point's cell; an edge is
        exact when its distance is within the returned radius. Points with
        no candidate get edge -1 and distance inf.
        """
        n = len(px)
        s = self.s
        fx = (px - self.x0) / s
        fy = (py - self.y0) / s
        cx = np.floor(fx).astype(np.int64)
        cy = np.floor(fy).astype(np.int64)
        # distance from p to the sides of its own cell
        bx = np.minimum(fx - cx, cx + 1 - fx)
        by = np.minimum(fy - cy, cy + 1 - fy)
        radius = (r + np.minimum(bx, by)) * s - self.half
        off = np.arange(-r, r + 1)
        w = len(off)
        if self.keys is None:
            # dense table: the 2r+1 cells of a block row are consecutive in the sorted
            # pieces, so each row is one range (same candidates, same order)
            rows = cy[:, None] + off[None, :]
            c0 = np.clip(cx - r, 0, self.ncx - 1)[:, None]
            c1 = np.clip(cx + r, 0, self.ncx - 1)[:, None]
            ok = (rows >= 0) & (rows < self.ncy) & (cx[:, None] + r >= 0) & (cx[:, None] - r < self.ncx)
            base = np.where(ok, rows, 0) * self.ncx
            lo = self.ptr[base + c0].ravel()
            cnt = np.where(ok, self.ptr[base + c1 + 1] - self.ptr[base + c0], 0).ravel()
        else:
            ccx = np.broadcast_to(cx[:, None, None] + off[None, None, :], (n, w, w)).reshape(n, -1)
            ccy = np.broadcast_to(cy[:, None, None] + off[None, :, None], (n, w, w)).reshape(n, -1)
            lo, cnt = self._cells(ccx.ravel(), ccy.ravel())
        per_point = cnt.reshape(n, -1).sum(axis=1)
        total = int(per_point.sum())
        best = np.full(n, -1, dtype=np.int64)
        best_d2 = np.full(n, np.inf)
        if total == 0:
            return best, best_d2, radius
        # ragged expansion: all (point, piece) pairs, grouped by point
        excl = np.cumsum(cnt) - cnt
        pos = np.repeat(lo - excl, cnt) + np.arange(total)
        dx, dy = self.c_dx[pos], self.c_dy[pos]
        qx = np.repeat(px, per_point)
        qx -= self.c_ax[pos]
        qy = np.repeat(py, per_point)
        qy -= self.c_ay[pos]
        t = qx * dx
        t += qy * dy
        t *= self.c_inv[pos]
        np.clip(t, 0.0, 1.0, out=t)
        dx *= t
        dy *= t
        qx -= dx
        qy -= dy
        qx *= qx
        qy *= qy
        d2 = qx
        d2 += qy
        has = np.flatnonzero(per_point > 0)
        starts = (np.cumsum(per_point) - per_point)[has]
        m = np.minimum.reduceat(d2, starts)
        best_d2[has] = m
        # ties go to the lowest edge id (independent of the index layout); only the
        # candidates at the minimum (about one per point) are looked up
        hit = np.flatnonzero(d2 == np.repeat(best_d2, per_point))
        owner = np.searchsorted(np.cumsum(per_point), hit, side="right")
        first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        best[owner[first]] = np.minimum.reduceat(self.piece_edge[pos[hit]], first)
        return best, best_d2, radius


def _project(idx: "_SegmentIndex", px: np.ndarray, py: np.ndarray,
             edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact squared distance and fraction along the edge of points (px, py) onto ``edges``.

    ``px``, ``py`` broadcast against ``edges``; x and y are kept in separate
    arrays (reductions over a length-2 axis are slow in numpy).
    """
    ax, ay = idx.ax[edges], idx.ay[edges]
    dx, dy = idx.dx[edges], idx.dy[edges]
    qx = px - ax
    qy = py - ay
    t = (qx * dx + qy * dy) * idx.inv_len2[edges]
    np.clip(t, 0.0, 1.0, out=t)
    qx -= dx * t
    qy -= dy * t
    return qx * qx + qy * qy, t


def _tree_query(idx: "_SegmentIndex", px: np.ndarray, py: np.ndarray, k: int,
                max_snap: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest edge by KD-tree on piece midpoints (for points the grid did not settle).

    If the k-th midpoint is at ``dk`` and every piece has half-length at most
    ``h``, every other piece is at least ``dk - h`` away; uncertified points
    are re-queried with a larger k.
    """
    n = len(px)
    edge = np.full(n, -1, dtype=np.int64)
    dist2 = np.full(n, np.inf)
    todo = np.arange(n)
    kk = min(k, idx.n_pieces)
    piece_edge = idx.piece_edge_tree
    while len(todo):
        p = np.column_stack([px[todo], py[todo]])
        dk, ip = idx.tree.query(p, k=kk, workers=-1)
        if kk == 1:
            dk, ip = dk[:, None], ip[:, None]
        cand = piece_edge[ip]
        d2, _ = _project(idx, p[:, :1], p[:, 1:], cand)
        bd2 = d2.min(axis=1)
        edge[todo] = np.where(d2 == bd2[:, None], cand, np.iinfo(np.int64).max).min(axis=1)
        dist2[todo] = bd2
        if kk >= idx.n_pieces:
            break
        bound = dk[:, -1] - idx.half
        certified = (bd2 == 0) | ((bound > 0) & (bound * bound >= bd2)) | (bound > max_snap)
        todo = todo[~certified]
        kk = min(kk * 2, idx.n_pieces)
    return edge, dist2


def snap_points(
    net: WalkNetwork,
    xy: np.ndarray,
    max_snap: float = 200.0,
    k: int = 8,
    chunk: int = 8192,
) -> Snapped:
    """Snap points to the nearest point on the nearest edge of ``net``.

    Parameters
    ----------
    net : WalkNetwork
    xy : ndarray, shape (n, 2)
        Point coordinates in the network's metric CRS.
    max_snap : float
        Points farther than this (metres) from every edge are unreachable:
        ``edge == -1``.
    k : int
        Candidate pieces per point in the first KD-tree query for points far
        from every street (a tuning knob; the result is exact for any k).
    chunk : int
        Points per batch (bounds memory).

    Returns
    -------
    Snapped

    Notes
    -----
    Exact: the nearest edge is certified for every point (see
    ``_SegmentIndex``). A point equally near to several edges snaps to the
    one with the lowest index, whatever the index layout.

    Examples
    --------
    An L-shaped street; a point near the corner snaps to the nearer leg:

    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [100, 0], [100, 100]]), [0, 1], [1, 2])
    >>> s = snap_points(net, np.array([[90.0, 5], [95.0, 60], [500, 500]]), max_snap=50)
    >>> s.edge.tolist(), s.offset.round(3).tolist(), s.distance.round(3).tolist()
    ([0, 1, -1], [90.0, 60.0, 0.0], [5.0, 5.0, 565.685])
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    edge = np.full(n, -1, dtype=np.int64)
    dist2 = np.full(n, np.inf)
    if n == 0 or net.n_edges == 0:
        return Snapped(edge, np.zeros(n), np.sqrt(dist2), np.full((n, 2), np.nan))
    idx = net._snap_index
    x, y = xy[:, 0], xy[:, 1]
    finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    # process points in cell order: neighbouring points share candidate edges
    ckey = (np.floor((y[finite] - idx.y0) / idx.s) * (idx.ncx + 3)
            + np.floor((x[finite] - idx.x0) / idx.s))
    order = finite[np.argsort(ckey, kind="stable")]

    def settle(todo: np.ndarray) -> np.ndarray:
        # grid search over 3x3 then 5x5 cells; returns the points left uncertified
        for r in (1, 2):
            if len(todo) == 0:
                break
            be, bd2, radius = idx.grid_query(x[todo], y[todo], r)
            edge[todo] = be
            dist2[todo] = bd2
            ok = (bd2 <= np.square(np.maximum(radius, 0.0))) & (radius >= 0)
            # nothing within max_snap: settled as unreachable (points without any
            # candidate go on to the KD-tree, which reports a finite distance)
            ok |= (radius >= max_snap) & np.isfinite(bd2)
            todo = todo[~ok]
        return todo

    # small batches keep the candidate arrays in cache (measured: 8k points
    # per batch is ~4x faster than 256k)
    left = [settle(order[s0:s0 + chunk]) for s0 in range(0, len(order), chunk)]
    todo = np.concatenate(left) if left else np.zeros(0, np.int64)
    if len(todo):
        te, td2 = _tree_query(idx, x[todo], y[todo], k, max_snap)
        edge[todo] = te
        dist2[todo] = td2
    dist = np.sqrt(dist2, out=dist2)
    edge[dist > max_snap] = -1
    ok = edge >= 0
    # usually every point snaps: then whole arrays, no boolean-index copies
    sel: Any = slice(None) if ok.all() else np.flatnonzero(ok)
    e = edge[sel]
    # fraction along the edge, as in _project (same operations, so the same bits),
    # in place: 1M points would otherwise need ~15 fresh 8 MB temporaries
    ax, ay, dx, dy = idx.ax[e], idx.ay[e], idx.dx[e], idx.dy[e]
    t = np.subtract(x[sel], ax)
    t *= dx
    q = np.subtract(y[sel], ay)
    q *= dy
    t += q
    del q
    t *= idx.inv_len2[e]
    np.clip(t, 0.0, 1.0, out=t)
    offset = np.zeros(n)
    length = net.edge_length[e]
    length *= t
    offset[sel] = length
    del length
    snapped = np.full((n, 2), np.nan)
    dx *= t
    dx += ax
    snapped[sel, 0] = dx
    dy *= t
    dy += ay
    snapped[sel, 1] = dy
    return Snapped(edge, offset, dist, snapped)


def points_xy(gdf: gpd.GeoDataFrame, crs: Any, what: str = "points") -> np.ndarray:
    """Coordinates of a point layer in ``crs``; non-point geometries give their representative point.

    Null or empty geometries give NaN coordinates (they never snap).
    """
    if gdf.crs is None:
        raise CRSError(f"{what} has no coordinate reference system",
                       fix="set it, e.g. gdf.set_crs('EPSG:4326')")
    g = gdf.geometry
    if CRS.from_user_input(gdf.crs) != CRS.from_user_input(crs):
        g = g.to_crs(crs)
    geoms = np.asarray(g.values, dtype=object)
    # one pass each: type (-1 for null), emptiness; no object-array copies when all are points
    tid = shapely.get_type_id(geoms)
    missing = (tid < 0) | shapely.is_empty(geoms)
    not_point = ~missing & (tid != 0)
    if not_point.any():
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    out = np.full((len(geoms), 2), np.nan)
    if not missing.any():
        shapely.get_x(geoms, out=out[:, 0])
        shapely.get_y(geoms, out=out[:, 1])
    elif not missing.all():
        out[~missing, 0] = shapely.get_x(geoms[~missing])
        out[~missing, 1] = shapely.get_y(geoms[~missing])
    return out

__all__ = [
    "WalkNetwork",
    "Snapped",
    "build_network",
    "read_network",
    "save_network",
    "load_network",
    "snap_points",
    "points_xy",
    "VERTEX_TOLERANCE",
]
