"""The walking network container and its saved ``.npz`` form.

A :class:`WalkNetwork` is an undirected graph of straight walking segments in
a metric CRS, held as a handful of numpy arrays (node coordinates, edge end
nodes, edge lengths), so every algorithm runs on plain arrays.

Saved network format (``.npz``)
-------------------------------
:func:`save_network` writes an uncompressed numpy ``.npz`` archive with the
arrays ``node_xy`` (float64, n x 2, metres), ``edge_u`` and ``edge_v`` (int64),
``edge_length`` (float64, metres), and the strings ``crs_wkt`` (WKT2 of the
metric CRS), ``summary_json`` (the build summary) and ``format``
(``"planner-gis-walknet/1"``). Edges are straight segments between their end
nodes, so no geometry is stored. The file can be read with plain numpy.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .._atomic import atomic_path
from .._memory import small_pages
from ..constants import PathLike
from ..crs import crs_label, is_metric
from ..errors import CRSError, InputError, NetworkError
from .index import SegmentIndex

#: Value of the ``format`` entry of saved network files.
FORMAT_TAG = "planner-gis-walknet/1"
#: File suffix of saved networks.
SAVED_SUFFIX = ".npz"


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
        edge_length: np.ndarray | None = None,
        summary: dict | None = None,
    ):
        crs = CRS.from_user_input(crs)
        if not is_metric(crs):
            raise CRSError(f"walking network CRS {crs_label(crs)} is not projected in metres",
                           fix="give a projected CRS in metres with --metric-crs EPSG (Python: metric_crs=)")
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
            with small_pages():  # the arc list is written once (see planner_gis._memory)
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
        """Sizes, pieces and CRS of the network."""
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
    def _snap_index(self) -> SegmentIndex:
        """The spatial index of the edges used by :func:`~planner_gis.network.snap_points` (built once)."""
        return SegmentIndex(self)

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

    def equals(self, other: WalkNetwork) -> bool:
        """True if both networks have the same CRS, nodes and edges."""
        return bool(
            self.crs == other.crs
            and np.array_equal(self.node_xy, other.node_xy)
            and np.array_equal(self.edge_u, other.edge_u)
            and np.array_equal(self.edge_v, other.edge_v)
            and np.array_equal(self.edge_length, other.edge_length)
        )


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
                                   fix="save networks with `planner-gis network SOURCE --out FILE.npz` "
                                       "(Python: save_network)")
            summary = json.loads(str(z["summary_json"]))
            return WalkNetwork(CRS.from_wkt(str(z["crs_wkt"])), z["node_xy"], z["edge_u"],
                               z["edge_v"], z["edge_length"], summary=summary)
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, NetworkError):
            raise
        raise NetworkError(f"{p}: cannot read the saved network ({exc})",
                           fix="re-create it with `planner-gis network SOURCE --out FILE.npz` "
                               "(Python: save_network)") from None

