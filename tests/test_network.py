"""Tests of planner_gis.network: building, saving, GraphML, snapping."""

from __future__ import annotations

import networkx as nx
import numpy as np
import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from planner_gis.errors import GeometryError, InputError, NetworkError
from planner_gis.network import (WalkNetwork, build_network, load_network, read_network,
                                 save_network, snap_points)

UTM = "EPSG:32650"


def lines(*geoms, crs=UTM):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


def test_every_vertex_pair_is_an_edge_and_shared_vertices_connect():
    net = build_network(lines(LineString([(0, 0), (100, 0), (100, 100)]),
                              LineString([(100, 100), (0, 100)])))
    assert net.n_nodes == 4
    assert net.n_edges == 3
    assert sorted(net.edge_length.tolist()) == [100.0, 100.0, 100.0]
    assert net.n_components == 1


def test_vertices_within_a_centimetre_merge_but_not_farther():
    net = build_network(lines(LineString([(0, 0), (100, 0)]), LineString([(100.003, 0.002), (200, 0)])))
    assert net.n_components == 1 and net.n_nodes == 3
    net2 = build_network(lines(LineString([(0, 0), (100, 0)]), LineString([(100.05, 0), (200, 0)])))
    assert net2.n_components == 2 and net2.n_nodes == 4


def test_crossing_lines_without_shared_vertex_do_not_connect():
    bridge = LineString([(0, 50), (100, 50)])
    road = LineString([(50, 0), (50, 100)])
    net = build_network(lines(bridge, road))
    assert net.n_components == 2
    assert net.n_nodes == 4  # no node inserted at the crossing (50, 50)
    assert not np.any(np.all(np.isclose(net.node_xy, [50, 50]), axis=1))


def test_zero_length_and_duplicate_edges_are_dropped_and_counted():
    net = build_network(lines(
        LineString([(0, 0), (100, 0), (100, 0), (200, 0)]),   # repeated vertex: one zero-length edge
        LineString([(200, 0), (100, 0)]),                     # duplicate of the second edge, reversed
        LineString([(0, 0), (100, 0)]),                       # duplicate of the first edge
        LineString([(5, 5), (5.001, 5.001)]),                 # rounds to one vertex: zero length
    ))
    assert net.n_edges == 2
    assert net.summary["dropped_zero_length"] == 2
    assert net.summary["dropped_duplicate"] == 2
    assert net.n_nodes == 3  # the vertex of the zero-length line is not kept


def test_disconnected_pieces_are_reported_and_dropped_on_request():
    g = lines(LineString([(0, 0), (100, 0), (200, 0)]), LineString([(0, 500), (50, 500)]),
              LineString([(0, 900), (10, 900)]))
    kept = build_network(g)
    assert kept.n_components == 3
    assert np.bincount(kept.component).tolist() == [3, 2, 2]  # 0 = largest piece
    dropped = build_network(g, drop_disconnected=True)
    assert dropped.n_components == 1 and dropped.n_nodes == 3 and dropped.n_edges == 2
    assert dropped.summary["dropped_components"] == 2
    assert dropped.summary["dropped_component_nodes"] == 4
    some = build_network(g, drop_disconnected=True, min_component_nodes=2)
    assert some.n_components == 3


def test_multilinestrings_and_lonlat_input_are_reprojected_to_metric():
    g = gpd.GeoDataFrame(geometry=[MultiLineString([[(116.30, 39.85), (116.31, 39.85)],
                                                    [(116.31, 39.85), (116.31, 39.86)]])],
                         crs="EPSG:4326")
    net = build_network(g)
    assert net.crs.to_epsg() == 4548  # CGCS2000 GK CM 117E (the crs policy)
    assert net.n_components == 1 and net.n_edges == 2
    # lengths agree with the geodesic lengths to well under a percent
    from pyproj import Geod
    geod = Geod(ellps="WGS84")
    ref = [geod.inv(116.30, 39.85, 116.31, 39.85)[2], geod.inv(116.31, 39.85, 116.31, 39.86)[2]]
    assert np.allclose(sorted(net.edge_length), sorted(ref), rtol=2e-3)


def test_non_line_geometry_is_refused_with_record():
    g = lines(LineString([(0, 0), (1, 0)]), Polygon([(0, 0), (1, 0), (1, 1)]))
    with pytest.raises(GeometryError, match="record 1 is a Polygon"):
        build_network(g)


def test_missing_crs_is_refused():
    g = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 0)])])
    with pytest.raises(Exception, match="no coordinate reference system"):
        build_network(g)


def test_save_load_round_trip(tmp_path):
    net = build_network(lines(LineString([(0, 0), (100, 0), (100, 70.25)]),
                              LineString([(300, 0), (400, 1)])))
    p = save_network(net, tmp_path / "walk.npz")
    back = load_network(p)
    assert back.equals(net)
    assert back.summary == net.summary
    assert back.n_components == net.n_components
    assert np.array_equal(back.component, net.component)
    # read_network dispatches on the suffix
    assert read_network(p).equals(net)
    with pytest.raises(InputError):
        save_network(net, tmp_path / "walk.gpkg")


def test_load_refuses_other_npz(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, a=np.arange(3))
    with pytest.raises(NetworkError, match="not a planner-gis network"):
        load_network(p)


def test_read_network_from_vector_file(tmp_path):
    p = tmp_path / "streets.geojson"
    lines(LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)])).to_file(p)
    net = read_network(p)
    assert net.n_edges == 2 and net.n_components == 1


def test_read_osmnx_style_graphml(tmp_path):
    g = nx.MultiDiGraph(crs="EPSG:32650")
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=100.0, y=0.0)
    g.add_node(3, x=100.0, y=100.0)
    g.add_edge(1, 2, length=100.0)
    g.add_edge(2, 1, length=100.0)  # the reverse direction of a two-way street
    # a curved edge with its geometry as WKT, as OSMnx writes simplified edges
    g.add_edge(2, 3, geometry="LINESTRING (100 0, 130 50, 100 100)")
    p = tmp_path / "g.graphml"
    nx.write_graphml(g, p)
    net = read_network(p)
    assert net.n_edges == 3  # 1-2 once, 2-3 as two segments
    assert net.summary["dropped_duplicate"] == 1
    assert np.isclose(net.edge_length.sum(), 100 + 2 * np.hypot(30, 50))


def test_graphml_without_crs_is_refused(tmp_path):
    g = nx.Graph()
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=1.0, y=0.0)
    g.add_edge(1, 2)
    p = tmp_path / "g.graphml"
    nx.write_graphml(g, p)
    with pytest.raises(Exception, match="no 'crs'"):
        read_network(p)


def test_snap_onto_the_middle_of_an_edge_not_a_node(kernels):
    net = WalkNetwork(UTM, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    s = snap_points(net, np.array([[420.0, 30.0]]))
    assert s.edge.tolist() == [0]
    assert s.offset[0] == pytest.approx(420.0)
    assert s.distance[0] == pytest.approx(30.0)
    assert s.xy[0] == pytest.approx([420.0, 0.0])


def test_snap_beyond_max_snap_is_flagged(kernels):
    net = WalkNetwork(UTM, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    s = snap_points(net, np.array([[500.0, 199.0], [500.0, 201.0], [np.nan, 0]]), max_snap=200)
    assert s.reachable.tolist() == [True, False, False]
    assert s.distance[1] > 200
    assert np.isnan(s.xy[1]).all()


def test_snap_matches_brute_force_on_random_segments(kernels):
    rng = np.random.default_rng(7)
    # a jittered grid of short segments plus a few long diagonal ones (long
    # edges stress the KD-tree certificate)
    n = 12
    xy = np.stack(np.meshgrid(np.arange(n) * 80.0, np.arange(n) * 80.0), -1).reshape(-1, 2)
    xy += rng.normal(0, 8, xy.shape)
    idx = np.arange(n * n).reshape(n, n)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel(), 0, n - 1]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel(), n * n - 1, n * (n - 1)]
    net = WalkNetwork(UTM, xy, u, v)
    pts = rng.uniform(-300, n * 80 + 300, (3000, 2))
    s = snap_points(net, pts, max_snap=1e9, k=2)
    segs = shapely.linestrings(np.stack([xy[u], xy[v]], 1))
    d_all = shapely.distance(segs[None, :], shapely.points(pts)[:, None])
    ref = d_all.min(axis=1)
    assert np.allclose(s.distance, ref, atol=1e-7)
    # the snapped point is on the chosen edge at the stated offset
    chosen = segs[s.edge]
    assert np.allclose(shapely.distance(chosen, shapely.points(s.xy)), 0, atol=1e-7)
    assert np.allclose(shapely.line_locate_point(chosen, shapely.points(s.xy)), s.offset, atol=1e-6)


def test_to_geodataframe_has_edges_with_lengths():
    net = build_network(lines(LineString([(0, 0), (30, 40), (30, 100)])))
    gdf = net.to_geodataframe()
    assert list(gdf.columns[:3]) == ["u", "v", "length"]
    assert np.allclose(gdf.length, gdf["length"])
    assert gdf.crs == net.crs


def test_snap_exact_on_far_apart_clusters_and_far_points(kernels):
    """Two street clusters 2000 km apart (a sparse grid of cells) and points far from both."""
    rng = np.random.default_rng(11)
    a = rng.uniform(0, 500, (40, 2))
    b = rng.uniform(0, 500, (40, 2)) + [2_000_000.0, 1_000_000.0]
    xy = np.vstack([a, b])
    u = np.r_[np.arange(0, 39), np.arange(40, 79)]
    v = u + 1
    net = WalkNetwork(UTM, xy, u, v)
    assert net._snap_index.keys is not None  # too many empty cells for a dense table
    pts = np.vstack([rng.uniform(-200, 700, (400, 2)), rng.uniform(-200, 700, (400, 2)) + [2_000_000.0, 1_000_000.0],
                     [[1_000_000.0, 500_000.0], [0.0, 3000.0]]])
    segs = shapely.linestrings(np.stack([xy[u], xy[v]], 1))
    ref = shapely.distance(segs[None, :], shapely.points(pts)[:, None]).min(axis=1)
    s = snap_points(net, pts, max_snap=1e9)
    assert np.allclose(s.distance, ref, atol=1e-7)
    s = snap_points(net, pts, max_snap=100)
    assert (s.reachable == (ref <= 100)).all()
    assert np.allclose(s.distance[s.reachable], ref[s.reachable], atol=1e-7)
    assert (s.distance[~s.reachable] > 100).all()


def test_snap_ties_go_to_the_lowest_edge_index(kernels):
    # two parallel streets 100 m apart (edge 1 listed first in space, edge 0 second);
    # points exactly half-way are equally near to both, also when far from the network
    xy = np.array([[0.0, 100], [1000, 100], [0, 0], [1000, 0]])
    net = WalkNetwork(UTM, xy, [0, 2], [1, 3])
    pts = np.array([[10.0, 50], [500, 50], [990, 50]])
    assert snap_points(net, pts).edge.tolist() == [0, 0, 0]
    net2 = WalkNetwork(UTM, xy, [2, 0], [3, 1])
    assert snap_points(net2, pts).edge.tolist() == [0, 0, 0]
    # beyond the grid search (KD-tree path): far out on the symmetry line
    far = np.array([[-5000.0, 50]])
    assert snap_points(net, far, max_snap=1e9).edge.tolist() == [0]
    assert snap_points(net2, far, max_snap=1e9).edge.tolist() == [0]


def test_points_xy_of_points_polygons_nulls_and_empties():
    from planner_gis.network import points_xy

    poly = shapely.Polygon([(0, 0), (10, 0), (10, 2), (2, 2), (2, 10), (0, 10)])  # L: centroid outside
    g = gpd.GeoDataFrame(geometry=[Point(1, 2), poly, None, Point(), shapely.Polygon(), Point(3.5, -4)],
                         crs="EPSG:32650")
    xy = points_xy(g, "EPSG:32650")
    assert xy[[0, 5]].tolist() == [[1.0, 2.0], [3.5, -4.0]]
    assert shapely.contains(poly, Point(xy[1]))  # a point on the surface, not the centroid
    assert np.isnan(xy[2:5]).all()
    # all points (the fast path) and reprojection: same as pyproj on the raw coordinates
    from pyproj import Transformer

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([116.3, 116.4], [39.9, 39.8]), crs=4326)
    ref = Transformer.from_crs(4326, 32650, always_xy=True).transform([116.3, 116.4], [39.9, 39.8])
    assert np.allclose(points_xy(pts, 32650), np.column_stack(ref), atol=1e-6)


def test_snap_index_cuts_long_edges_into_equal_pieces(kernels):
    # edge 1 is 10x the typical length: it is cut into equal pieces whose midpoints are
    # at (i + 0.5) / k of the edge; the other edges stay whole
    xy = np.array([[0.0, 0], [100, 0], [200, 0], [300, 0], [300, 1000], [400, 1000]])
    net = WalkNetwork(UTM, xy, [0, 3, 1, 2, 4], [1, 4, 2, 3, 5])
    idx = net._snap_index
    mx, my, edge_of = idx._mid
    k = int((edge_of == 1).sum())
    assert k == int(np.ceil(1000 / (idx.s * 1.5))) and k > 1
    assert sorted(my[edge_of == 1].tolist()) == pytest.approx([(i + 0.5) / k * 1000 for i in range(k)])
    assert (mx[edge_of == 1] == 300).all()
    assert sorted(edge_of[edge_of != 1].tolist()) == [0, 2, 3, 4]
    assert idx.half == pytest.approx(max(100.0, 1000 / k) / 2)
    # every point of the long edge snaps onto it, exactly
    pts = np.column_stack([np.full(50, 310.0), np.linspace(5, 985, 50)])
    s = snap_points(net, pts)
    assert (s.edge == 1).all() and np.allclose(s.distance, 10) and np.allclose(s.offset, pts[:, 1])
