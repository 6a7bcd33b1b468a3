"""Tests of planner_gis.isochrones."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from planner_gis.errors import InputError
from planner_gis.isochrones import isochrones, reachable_parts
from planner_gis.network import WalkNetwork, build_network

UTM = "EPSG:32650"


def buffer_area(length, r, quad_segs=8):
    """Area of a straight segment buffered by r with round caps (GEOS polygonal circle)."""
    n = 4 * quad_segs
    circle = 0.5 * n * r * r * math.sin(2 * math.pi / n)
    return 2 * r * length + circle


def test_300m_from_a_point_on_a_straight_street_is_600m_of_street():
    net = WalkNetwork(UTM, np.array([[0.0, 0], [5000, 0]]), [0], [1])
    iso = isochrones(net, np.array([[2000.0, 0]]), thresholds=(300,), buffer_m=25)
    assert len(iso) == 1
    assert iso["street_length_m"].iloc[0] == pytest.approx(600.0)
    assert iso.geometry.iloc[0].area == pytest.approx(buffer_area(600, 25), rel=1e-9)


def test_walk_to_the_street_is_spent_from_the_budget():
    net = WalkNetwork(UTM, np.array([[0.0, 0], [5000, 0]]), [0], [1])
    iso = isochrones(net, np.array([[2000.0, 100]]), thresholds=(300,), buffer_m=25)
    # 100 m to the street, then 200 m either way: 400 m of street + the 100 m path
    assert iso["street_length_m"].iloc[0] == pytest.approx(400 + 100)
    assert iso["snap_distance"].iloc[0] == pytest.approx(100)
    assert iso.geometry.iloc[0].contains(Point(2000, 100))


def test_partial_edges_at_both_ends_and_branches():
    # a path 0-(100)-1-(100)-2 with a 400 m branch at node 1; start at x=50 on edge 0-1
    xy = np.array([[0.0, 0], [100, 0], [200, 0], [100, 400]])
    net = WalkNetwork(UTM, xy, [0, 1, 1], [1, 2, 3])
    iso = isochrones(net, np.array([[50.0, 0]]), thresholds=(40, 120, 300), buffer_m=5)
    lengths = iso.set_index("threshold_m")["street_length_m"]
    # 40: only the start edge, 40 m each way
    assert lengths[40.0] == pytest.approx(80)
    # 120: whole edge 0-1 (to 0 is 50 m), node 1 at 50 m -> 70 m on 1-2 and 70 m up the branch
    assert lengths[120.0] == pytest.approx(100 + 70 + 70)
    # 300: edges 0-1, 1-2 whole, 250 m of the branch
    assert lengths[300.0] == pytest.approx(100 + 100 + 250)


def test_reachable_parts_cut_edges_from_both_ends():
    net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0]]), [0], [1])
    parts = reachable_parts(net, np.array([10.0, 30.0]), 60.0)
    assert sorted(map(tuple, parts[:, :, 0].tolist())) == [(0.0, 50.0), (70.0, 100.0)]
    full = reachable_parts(net, np.array([10.0, 30.0]), 80.0)
    assert full[:, :, 0].tolist() == [[0.0, 100.0]]


def grid(n=10, spacing=100.0):
    """A street grid whose lines share vertices at every crossing."""
    rows = [LineString([(j * spacing, i * spacing) for j in range(n)]) for i in range(n)]
    cols = [LineString([(i * spacing, j * spacing) for j in range(n)]) for i in range(n)]
    return build_network(gpd.GeoDataFrame(geometry=rows + cols, crs=UTM))


def test_isochrones_are_nested():
    net = grid()
    pts = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(430, 420), Point(120, 800)], crs=UTM)
    iso = isochrones(net, pts, thresholds=(1000, 300, 500), id_column="name")
    assert iso["point_id"].tolist() == ["a"] * 3 + ["b"] * 3
    assert iso["threshold_m"].tolist() == [300.0, 500.0, 1000.0] * 2
    for _, g in iso.groupby("point_id"):
        geoms = g.geometry.tolist()
        for small, big in zip(geoms[:-1], geoms[1:]):
            assert small.difference(big).area < 1e-6
            assert big.area > small.area
    assert (iso.groupby("point_id")["street_length_m"].diff().dropna() > 0).all()


def test_isochrone_follows_streets_not_a_convex_hull():
    # an L-shaped street: 1000 m east, then 1000 m north
    net = build_network(gpd.GeoDataFrame(
        geometry=[LineString([(0, 0), (1000, 0), (1000, 1000)])], crs=UTM))
    iso = isochrones(net, np.array([[500.0, 0]]), thresholds=(1000,), buffer_m=25)
    geom = iso.geometry.iloc[0]
    # reach: 500 m west to the end, 500 m east to the corner and 500 m north
    assert iso["street_length_m"].iloc[0] == pytest.approx(1500)
    hull_of_reach = shapely.convex_hull(shapely.MultiPoint([(0, 0), (1000, 0), (1000, 500)]))
    assert not geom.contains(Point(800, 300))  # inside the hull of reached points, off-street
    assert hull_of_reach.contains(Point(800, 300))
    # a 50 m wide band along 1500 m of street (round ends, one bend), far below the hull
    assert geom.area == pytest.approx(1500 * 50 + math.pi * 25 ** 2, rel=0.01)
    assert geom.area < 0.35 * hull_of_reach.area
    assert geom.contains(Point(1000, 480)) and not geom.contains(Point(1000, 560))


def test_unreachable_points_are_listed():
    net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0]]), [0], [1])
    iso = isochrones(net, np.array([[50.0, 0], [50.0, 900]]), thresholds=(100,), max_snap=200)
    assert iso["point_id"].tolist() == [0]
    assert iso.attrs["unreachable"] == [1]


def test_bad_thresholds_are_refused():
    net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0]]), [0], [1])
    with pytest.raises(InputError, match="positive"):
        isochrones(net, np.array([[0.0, 0]]), thresholds=(0, 100))
