"""Reading walking networks from files: OSM extracts, GraphML, line layers and saved networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from .._progress import ProgressCallback, report
from ..constants import PathLike
from ..crs import crs_label
from ..errors import CRSError, InputError, NetworkError
from ..io import check_input_file, declared_crs, read_vector, split_layer
from .build import build_network
from .model import SAVED_SUFFIX, WalkNetwork, load_network


def _lines_from_graphml(path: Path, crs: Any = None) -> gpd.GeoDataFrame:
    """Lines of an OSMnx-style GraphML file (node x/y, optional edge WKT geometry)."""
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read as GraphML ({exc})",
                         fix="give a GraphML file written by OSMnx (ox.save_graphml)") from None
    crs = g.graph.get("crs") or (declared_crs(crs) if crs is not None else None)
    if not crs:
        raise CRSError(f"{path}: the GraphML graph has no 'crs' attribute",
                       fix="declare the CRS of its x/y with --crs, e.g. --crs 4326 (Python: crs=), or save the "
                           "graph with OSMnx, which records it")
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
    """Walking ways of an OpenStreetMap ``.osm.pbf`` extract, read with pyrosm."""
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
    progress: ProgressCallback | None = None,
    crs: Any = None,
    **kwargs: Any,
) -> WalkNetwork:
    """Read a walking network from a file.

    Dispatch on the file name: ``.osm.pbf`` / ``.pbf`` -> pyrosm walking
    network; ``.graphml`` -> OSMnx GraphML; ``.npz`` -> a network saved by
    :func:`save_network` (``metric_crs`` must then match or be None); anything
    else -> a vector line layer read with :func:`planner_gis.io.read_vector`
    (``FILE:LAYER`` or ``layer=`` and other keyword arguments are passed on).
    ``crs`` declares the CRS of a line layer or GraphML file that has none
    (CLI: ``--crs``).

    Raises
    ------
    InputError, NetworkError, CRSError
        If the file cannot be read or holds no usable network.
    """
    p, layer = split_layer(path)
    name = p.name.lower()
    check_input_file(p, expect="vector" if not name.endswith((SAVED_SUFFIX, ".pbf", ".graphml")) else "network")
    if name.endswith(SAVED_SUFFIX):
        net = load_network(p)
        if metric_crs is not None and CRS.from_user_input(metric_crs) != net.crs:
            raise CRSError(f"{p}: saved network is in {crs_label(net.crs)}, not {metric_crs}",
                           fix="leave out --metric-crs (Python: metric_crs=) or rebuild the network from its source "
                               "with `planner-gis network SOURCE --metric-crs EPSG --out FILE.npz`")
        return net
    if name.endswith(".pbf"):
        report(progress, 0.0, "reading OSM extract")
        lines = _lines_from_pbf(p)
    elif name.endswith(".graphml"):
        lines = _lines_from_graphml(p, crs)
    else:
        lines = read_vector(p, **({"layer": layer} if layer is not None else {}), crs=crs, **kwargs)
    return build_network(lines, metric_crs=metric_crs, drop_disconnected=drop_disconnected,
                         progress=progress, what=str(p))

