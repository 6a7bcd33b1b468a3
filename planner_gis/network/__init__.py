"""Walking networks: building, saving, loading and snapping points onto them.

A :class:`WalkNetwork` is an undirected graph of straight walking *segments*
in a metric CRS. Its numeric core is a handful of numpy arrays (node
coordinates, edge end nodes, edge lengths), so every algorithm can be tested on
hand-checkable inputs and runs without Python loops over edges.

Modules
-------
:mod:`~planner_gis.network.model`
    :class:`WalkNetwork` and its saved ``.npz`` form (:func:`save_network`,
    :func:`load_network`).
:mod:`~planner_gis.network.build`
    :func:`build_network` from a layer of lines; the network model (which
    vertices connect, what is dropped).
:mod:`~planner_gis.network.readers`
    :func:`read_network` from an ``.osm.pbf``, a GraphML, a line layer or a
    saved network.
:mod:`~planner_gis.network.index` and :mod:`~planner_gis.network.snap`
    The exact nearest-edge index and :func:`snap_points`.

Examples
--------
>>> import geopandas as gpd
>>> import numpy as np
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

from .build import VERTEX_TOLERANCE, build_network
from .model import FORMAT_TAG, SAVED_SUFFIX, WalkNetwork, load_network, save_network
from .readers import read_network
from .snap import Snapped, points_xy, snap_points

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
    "FORMAT_TAG",
    "SAVED_SUFFIX",
]
