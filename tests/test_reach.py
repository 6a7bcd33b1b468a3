"""Tests of planner_gis.reach against hand calculations and an independent networkx reference."""

from __future__ import annotations

import math
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from planner_gis.errors import InputError
from planner_gis.network import WalkNetwork, build_network
from planner_gis.reach import (COVERAGE_COLUMNS, compute_coverage, count_within, nearest_distance,
                               population_from_points, population_from_raster)

UTM = "EPSG:32650"
INF = math.inf


# ----------------------------------------------------------------------------- reference


def reference_snap(net: WalkNetwork, pts: np.ndarray, max_snap: float):
    """Snap with shapely brute force: (edge, offset from u, distance) or edge -1."""
    segs = net.edge_geometry
    geoms = shapely.points(pts)
    d = shapely.distance(segs[None, :], geoms[:, None])
    e = d.argmin(axis=1)
    dist = d[np.arange(len(pts)), e]
    off = shapely.line_locate_point(segs[e], geoms)
    e = np.where(dist <= max_snap, e, -1)
    return e, off, dist


def reference_graph(net, origins, facilities, max_snap):
    """Networkx graph with every snap point inserted as a node on its edge.

    Origins are nodes ("o", i), facilities ("f", j), joined to their snap
    point nodes by the snap distance; edges are split at snap points.
    """
    g = nx.Graph()
    on_edge = {}
    for kind, pts in (("o", origins), ("f", facilities)):
        e, off, dist = reference_snap(net, pts, max_snap)
        for i in range(len(pts)):
            g.add_node((kind, i))
            if e[i] < 0:
                continue
            on_edge.setdefault(int(e[i]), []).append((float(off[i]), (kind, i), float(dist[i])))
    for k in range(net.n_edges):
        u, v, L = int(net.edge_u[k]), int(net.edge_v[k]), float(net.edge_length[k])
        chain = [(0.0, ("n", u))]
        for off, who, dist in sorted(on_edge.get(k, []), key=lambda t: t[0]):
            sp = ("s",) + who
            chain.append((off, sp))
            g.add_edge(sp, who, weight=dist)
        chain.append((L, ("n", v)))
        for (o1, a), (o2, b) in zip(chain[:-1], chain[1:]):
            w = max(o2 - o1, 0.0)  # line_locate_point may be off by rounding
            if g.has_edge(a, b):
                w = min(w, g[a][b]["weight"])
            g.add_edge(a, b, weight=w)
    return g


def reference_nearest(net, origins, facilities, max_snap):
    g = reference_graph(net, origins, facilities, max_snap)
    src = [("f", j) for j in range(len(facilities))]
    dist = nx.multi_source_dijkstra_path_length(g, src, weight="weight") if src else {}
    return np.array([dist.get(("o", i), INF) for i in range(len(origins))])


def reference_counts(net, origins, facilities, threshold, max_snap):
    g = reference_graph(net, origins, facilities, max_snap)
    counts = np.zeros(len(origins), dtype=int)
    for j in range(len(facilities)):
        d = nx.single_source_dijkstra_path_length(g, ("f", j), cutoff=threshold + 1e-9, weight="weight")
        for i in range(len(origins)):
            if d.get(("o", i), INF) <= threshold:
                counts[i] += 1
    return counts


def random_network(seed: int, n: int = 9, spacing: float = 90.0):
    """A jittered street grid with missing streets, curved polylines and bridges."""
    rng = np.random.default_rng(seed)
    pts = np.stack(np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing), -1)
    pts = pts + rng.normal(0, spacing * 0.12, pts.shape)
    geoms = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < n and j + dj < n and rng.random() > 0.2:
                    a, b = pts[i, j], pts[i + di, j + dj]
                    if rng.random() < 0.3:  # a bent street: extra interior vertex
                        m = (a + b) / 2 + rng.normal(0, spacing * 0.15, 2)
                        geoms.append(LineString([a, m, b]))
                    else:
                        geoms.append(LineString([a, b]))
    # bridges: long lines crossing streets without shared vertices, landing on grid nodes
    for _ in range(3):
        (i1, j1), (i2, j2) = rng.integers(0, n, (2, 2))
        if (i1, j1) != (i2, j2):
            geoms.append(LineString([pts[i1, j1], pts[i2, j2]]))
    net = build_network(gpd.GeoDataFrame(geometry=geoms, crs=UTM))
    span = n * spacing
    return net, rng, span


# ----------------------------------------------------------------------------- hand cases


def straight(length=1000.0):
    return WalkNetwork(UTM, np.array([[0.0, 0], [length, 0]]), [0], [1])


def test_partial_edges_at_both_ends(kernels):
    # 0 --100-- 1 --200-- 2 ; origin at x=30 (8 m off), facility at x=250 (6 m off)
    net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0], [300, 0]]), [0, 1], [1, 2])
    d = nearest_distance(net, np.array([[30.0, 8]]), np.array([[250.0, -6]]))
    assert d.tolist() == pytest.approx([8 + 70 + 150 + 6])


def test_same_edge_pair_walks_directly_along_the_edge(kernels):
    net = straight(1000)
    d = nearest_distance(net, np.array([[600.0, 1]]), np.array([[450.0, 2]]))
    assert d.tolist() == pytest.approx([1 + 150 + 2])
    # the nearer of two facilities on the same edge, on either side
    d2 = nearest_distance(net, np.array([[600.0, 0]]), np.array([[100.0, 0], [640.0, 0]]))
    assert d2.tolist() == pytest.approx([40.0])


def test_same_edge_pair_with_a_loop_takes_the_shorter_way(kernels):
    # edge 0-1 (1000 m straight) plus a loop 0-2-1 via (500, 900): the loop is longer
    xy = np.array([[0.0, 0], [1000, 0], [500, 900]])
    loop = WalkNetwork(UTM, xy, [0, 0, 2], [1, 2, 1])
    d = nearest_distance(loop, np.array([[950.0, 0]]), np.array([[20.0, 0]]))
    assert d.tolist() == pytest.approx([930.0])
    # from the far end of leg 0-2, the way via node 0 and then along edge 0-1 wins
    leg = np.hypot(500, 900)
    d2 = nearest_distance(loop, np.array([[50.0, 90.0]]), np.array([[20.0, 0]]))
    assert d2.tolist() == pytest.approx([leg * 0.1 + 20.0])


def test_disconnected_pieces_give_inf(kernels):
    net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0], [0, 500], [100, 500]]), [0, 2], [1, 3])
    d = nearest_distance(net, np.array([[50.0, 0], [50, 500]]), np.array([[10.0, 500]]))
    assert d[0] == INF and d[1] == pytest.approx(40.0)


def test_bridge_crossing_is_not_a_shortcut(kernels):
    # an east-west bridge over a north-south road; no shared vertex at (500, 500)
    streets = gpd.GeoDataFrame(geometry=[
        LineString([(0, 500), (1000, 500)]),                # bridge
        LineString([(500, 0), (500, 1000)]),                # road beneath
        LineString([(1000, 500), (1000, 0), (500, 0)]),     # the way round: bridge end to road end
    ], crs=UTM)
    net = build_network(streets)
    origin = np.array([[500.0, 700.0]])      # on the road, 200 m north of the crossing
    facility = np.array([[300.0, 500.0]])    # on the bridge, 200 m west of the crossing
    d = nearest_distance(net, origin, facility)
    # road north 700 m down to (500,0), east 500, north 500, west along the bridge 700
    assert d.tolist() == pytest.approx([700 + 500 + 500 + 700])
    assert d[0] > 400  # the 400 m crossing shortcut is not taken


def test_max_snap_exceeded_is_inf(kernels):
    net = straight(1000)
    d = nearest_distance(net, np.array([[500.0, 250], [500.0, 50]]), np.array([[0.0, 0]]), max_snap=200)
    assert d[0] == INF and d[1] == pytest.approx(550)
    far_fac = nearest_distance(net, np.array([[500.0, 0]]), np.array([[0.0, 300]]), max_snap=200)
    assert far_fac[0] == INF


def test_cutoff_returns_inf_only_beyond_it(kernels):
    net = straight(1000)
    o = np.array([[100.0, 0], [400.0, 0], [900.0, 0]])
    f = np.array([[0.0, 0]])
    assert nearest_distance(net, o, f, cutoff=500).tolist() == [100.0, 400.0, INF]


def test_no_facilities_gives_inf():
    net = straight(100)
    assert nearest_distance(net, np.array([[1.0, 0]]), np.zeros((0, 2))).tolist() == [INF]


def test_bad_xy_shape_is_refused():
    with pytest.raises(InputError, match="shape"):
        nearest_distance(straight(), np.array([1.0, 2.0, 3.0]), np.zeros((0, 2)))


# ----------------------------------------------------------------------------- random vs networkx


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_nearest_distance_matches_networkx_reference(seed, kernels):
    net, rng, span = random_network(seed)
    origins = rng.uniform(-80, span + 80, (150, 2))
    facilities = rng.uniform(-80, span + 80, (6, 2))
    # a facility and an origin on exactly the same edge point, and an origin on a node
    facilities = np.vstack([facilities, net.node_xy[5] + [3.0, 0.0]])
    origins = np.vstack([origins, net.node_xy[5] + [3.0, 0.0], net.node_xy[7]])
    max_snap = 60.0
    got = nearest_distance(net, origins, facilities, max_snap=max_snap)
    ref = reference_nearest(net, origins, facilities, max_snap)
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    assert np.allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-9, atol=1e-6)
    assert np.isinf(ref).any() and np.isfinite(ref).sum() > 50  # the case is not trivial


@pytest.mark.parametrize("seed", [5, 6])
def test_count_within_matches_networkx_reference(seed, kernels):
    net, rng, span = random_network(seed)
    origins = rng.uniform(0, span, (120, 2))
    facilities = rng.uniform(0, span, (15, 2))
    got = count_within(net, origins, facilities, threshold=250.0, max_snap=60)
    ref = reference_counts(net, origins, facilities, 250.0, 60)
    assert got.tolist() == ref.tolist()
    assert ref.max() >= 2  # some origins see several facilities


def test_count_within_counts_a_facility_once_even_via_both_edge_ends():
    net = straight(100)
    # both ends of the edge are within reach of the facility; it still counts once
    assert count_within(net, np.array([[50.0, 0]]), np.array([[40.0, 0]]), threshold=500).tolist() == [1]


# ----------------------------------------------------------------------------- population


def test_population_from_raster_skips_nodata_and_zeros(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    data = np.array([[5, -9999, 0], [2.5, 7, -9999]], dtype="float32")
    p = tmp_path / "pop.tif"
    transform = Affine(100.0, 0.0, 1000.0, 0.0, -100.0, 2000.0)  # 100 m cells, NW corner (1000, 2000)
    with rasterio.open(p, "w", driver="GTiff", width=3, height=2, count=1, dtype="float32",
                       crs="EPSG:32650", transform=transform, nodata=-9999) as ds:
        ds.write(data, 1)
    pop = population_from_raster(p)
    assert pop.crs.to_epsg() == 32650
    got = sorted(zip(pop.geometry.x.round(6), pop.geometry.y.round(6), pop["population"]))
    assert got == [(1050.0, 1950.0, 5.0), (1050.0, 1850.0, 2.5), (1150.0, 1850.0, 7.0)] or \
        got == sorted([(1050.0, 1950.0, 5.0), (1050.0, 1850.0, 2.5), (1150.0, 1850.0, 7.0)])
    assert pop.attrs["cell_size"] == pytest.approx((100.0, 100.0))
    assert pop["population"].sum() == pytest.approx(14.5)


def test_population_from_points_validates():
    g = gpd.GeoDataFrame({"pop": [1.0, -2.0]}, geometry=[Point(0, 0), Point(1, 1)], crs=UTM)
    with pytest.raises(InputError, match=r"record 2 \(-2\)"):  # counted from 1, plain numbers
        population_from_points(g, "pop")
    with pytest.raises(InputError, match="no population column 'residents'"):
        population_from_points(g, "residents")


# ----------------------------------------------------------------------------- population refusals (issue 10, item 3)


def test_population_refusal_names_the_geopackage_fid_with_plain_numbers(tmp_path):
    from planner_gis.reach import read_population

    p = tmp_path / "pop.gpkg"
    g = gpd.GeoDataFrame({"population": [10.0, 20.0, np.nan, 40.0, -5.0]},
                         geometry=[Point(i * 10, 0) for i in range(5)], crs=UTM)
    g.to_file(p)  # GeoPackage fids start at 1: the empty value is fid 3, the negative one fid 5
    with pytest.raises(InputError) as err:
        read_population(p)
    assert str(err.value) == (f"{p}: 2 record(s) whose population is not a number >= 0: fid 3 (empty), fid 5 (-5). "
                              "Fix: fill the column with resident counts (0 for none)")
    assert "np." not in str(err.value)


def test_population_refusal_names_the_csv_line(tmp_path):
    from planner_gis.reach import read_population

    p = tmp_path / "pop.csv"  # OGR reads the WKT column as the geometry
    p.write_text("WKT,population\n\"POINT (0 0)\",12\n\"POINT (10 0)\",abc\n\"POINT (20 0)\",3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pop.csv: 1 record\(s\) whose population is not a number >= 0: "
                                         r"line 3 \('abc'\)"):
        read_population(p, crs=UTM)


def test_population_refusal_names_the_raster_row_and_column(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    from planner_gis.reach import read_population

    data = np.array([[5, -9999, 0], [2.5, 7, -3]], dtype="float32")  # -3 at row 2, column 3 (from 1)
    p = tmp_path / "pop.tif"
    with rasterio.open(p, "w", driver="GTiff", width=3, height=2, count=1, dtype="float32", crs="EPSG:32650",
                       transform=Affine(100.0, 0.0, 1000.0, 0.0, -100.0, 2000.0), nodata=-9999) as ds:
        ds.write(data, 1)
    with pytest.raises(InputError) as err:
        read_population(p)
    # the cell's centre: x 1000 + 2.5 * 100, y 2000 - 1.5 * 100
    assert str(err.value).startswith(f"{p}: 1 cell(s) with a negative population: row 2, column 3 (-3) (rows and "
                                     "columns counted from 1; the first cell's centre is at (1250, 1850))")


# ----------------------------------------------------------------------------- coverage


def coverage_case():
    """A 2 km east-west street; units A (x<1000) and B (x>=1000), overlay C over both."""
    net = straight(2000)
    zones = gpd.GeoDataFrame({"unit_id": ["A", "B", "C"]},
                             geometry=[box(0, -100, 1000, 100), box(1000, -100, 2000, 100),
                                       box(800, -100, 1200, 100)], crs=UTM)
    # population points 10 m off the street
    pop = gpd.GeoDataFrame({"pop": [100.0, 50.0, 30.0, 20.0, 10.0]},
                           geometry=[Point(100, 10), Point(900, 10), Point(1100, 10), Point(1900, 10),
                                     Point(1500, 500)],  # last one: 500 m off the street
                           crs=UTM)
    facilities = gpd.GeoDataFrame(
        {"category": ["clinic", "shop", "shop", "school", "casino"]},
        geometry=[Point(0, 0), Point(1000, 0), Point(1990, 0),
                  box(1800, -20, 1820, 20),  # a polygon: its representative point counts
                  Point(500, 0)], crs=UTM)
    catalogue = pd.DataFrame({"category": ["clinic", "shop", "school"], "name_zh": ["卫生站", "便利店", "小学"],
                              "tier_min": [5, 5, 15], "threshold_m": [300, 150, 500]})
    return net, facilities, pop, zones, catalogue


def test_coverage_hand_computed_case(kernels):
    net, facilities, pop, zones, catalogue = coverage_case()
    teams = pd.DataFrame({"unit_id": ["A", "B"], "team_id": ["T1", "T2"], "team_name": ["甲", "乙"]})
    res = compute_coverage(net, facilities, pop, zones, catalogue, population_column="pop",
                           max_snap=200, teams=teams, cell_size=20)
    cov = res.coverage
    assert list(cov.columns) == COVERAGE_COLUMNS
    t = cov.set_index(["unit_id", "category"])
    # walking distances (10 m off the street each):
    #   (100,10): clinic 110, shop 910, school 1710+..   -> clinic yes, shop no,  school no
    #   (900,10): clinic 910, shop 110                     -> clinic no,  shop yes, school no
    #   (1100,10): shop 110, school 700+10                 -> shop yes, school no (710 > 500)
    #   (1900,10): shop 10+90=100, school 10+90(+0)=100    -> shop yes, school yes (rep. point on street)
    #   (1500,500): unreachable (500 m > max_snap)
    assert t.loc[("A", "clinic"), "population"] == 150
    assert t.loc[("A", "clinic"), "covered_population"] == 100
    assert t.loc[("A", "shop"), "covered_population"] == 50
    assert t.loc[("B", "shop"), "population"] == 50
    assert t.loc[("B", "shop"), "covered_population"] == 50
    assert t.loc[("B", "school"), "covered_population"] == 20
    assert t.loc[("B", "school"), "share"] == pytest.approx(20 / 50)
    # overlay unit C (800..1200) holds the points at 900 and 1100
    assert t.loc[("C", "shop"), "population"] == 80
    assert t.loc[("C", "shop"), "covered_population"] == 80
    # tier rows: tier 5 = clinic AND shop; tier 15 = school
    assert t.loc[("A", "tier_5"), "covered_population"] == 0
    assert t.loc[("B", "tier_5"), "covered_population"] == 0  # no clinic within 300 m in B
    assert t.loc[("B", "tier_15"), "covered_population"] == 20
    assert np.isnan(t.loc[("A", "tier_5"), "threshold_m"])
    assert t.loc[("A", "tier_5"), "tier_min"] == 5
    assert "tier_10" not in cov["category"].values  # no tier-10 category in the catalogue
    assert len(cov) == 3 * (3 + 2)
    # facilities of unknown categories are ignored and reported
    assert res.summary["ignored_categories"] == {"casino": 1}
    # the unreachable origin is reported, not silently dropped
    un = res.unreachable
    assert un["kind"].tolist() == ["origin"] and un["record"].tolist() == ["4"]
    assert res.summary["origins_outside_units"] == 1  # (1500, 500) lies in no unit
    # origin distances for maps
    assert res.origin_distance.loc[0, "clinic"] == pytest.approx(110)
    assert res.origin_distance.loc[2, "shop"] == pytest.approx(110)
    assert res.origin_distance.loc[3, "school"] == pytest.approx(10 + 90 + 0, abs=1.0)
    # underserved: uncovered population dissolved per unit and category, with the team
    us = res.underserved.set_index(["unit_id", "category"])
    assert us.loc[("A", "shop"), "population"] == 100
    assert us.loc[("A", "shop"), "team_id"] == "T1" and us.loc[("A", "shop"), "team_name"] == "甲"
    assert us.loc[("B", "school"), "population"] == 30
    assert us.loc[("A", "shop")].geometry.area == pytest.approx(400.0)  # one 20 m cell
    assert ("A", "clinic") in us.index and ("B", "shop") not in us.index


def test_coverage_shares_sum_to_population_by_hand_on_lonlat_inputs(kernels):
    # inputs in WGS84 are reprojected to the network CRS
    net, facilities, pop, zones, catalogue = coverage_case()
    res_m = compute_coverage(net, facilities, pop, zones, catalogue, population_column="pop",
                             underserved=False)
    res_ll = compute_coverage(net, facilities.to_crs(4326), pop.to_crs(4326), zones.to_crs(4326),
                              catalogue, population_column="pop", underserved=False)
    pd.testing.assert_frame_equal(res_m.coverage, res_ll.coverage, atol=1e-6)


def test_coverage_refuses_a_bad_catalogue():
    net, facilities, pop, zones, catalogue = coverage_case()
    bad = catalogue.assign(tier_min=[5, 7, 15])
    with pytest.raises(InputError, match="tier_min=7"):
        compute_coverage(net, facilities, pop, zones, bad, population_column="pop")
    with pytest.raises(InputError, match="threshold_m"):
        compute_coverage(net, facilities, pop, zones, catalogue.drop(columns="threshold_m"),
                         population_column="pop")


def test_coverage_reports_progress():
    net, facilities, pop, zones, catalogue = coverage_case()
    seen = []
    compute_coverage(net, facilities, pop, zones, catalogue, population_column="pop",
                     progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


# ----------------------------------------------------------------------------- underserved cells


def test_lattice_union_equals_shapely_union_of_cells_with_holes():
    from planner_gis.reach import cell_lattice, lattice_union

    rng = np.random.default_rng(3)
    w, h = 100.0, 50.0
    grid = rng.random((30, 40)) < 0.6  # ragged blobs with holes of many sizes and diagonal touches
    jj, ii = np.nonzero(grid)
    x = 418_500.0 + (ii + 0.5) * w
    y = 4_418_200.0 - (jj + 0.5) * h
    lat = cell_lattice(np.c_[x, y], w, h)
    assert lat is not None
    got = lattice_union(*lat, w, h)
    ref = shapely.union_all(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    assert shapely.is_valid(got)
    assert got.area == pytest.approx(grid.sum() * w * h)
    assert shapely.symmetric_difference(got, ref).area == pytest.approx(0.0, abs=1e-3)
    # outlines keep corners only: never more vertices than the polygon union
    assert shapely.get_num_coordinates(got) <= shapely.get_num_coordinates(ref)



def test_lattice_unions_of_groups_equal_lattice_union_of_each_group():
    """One tracing for all groups gives each group exactly (coordinate for coordinate) its own union."""
    from planner_gis.reach.cells import lattice_union, lattice_unions

    rng = np.random.default_rng(8)
    grid = rng.random((25, 30)) < 0.55
    jj, ii = np.nonzero(grid)
    group = rng.integers(0, 4, len(ii))  # touching cells of different groups, holes, a group without cells
    group[group == 2] = 3
    x0, y0, w, h = 418_500.25, 4_418_200.5, 100.0, 50.0
    got = lattice_unions(ii, jj, group, x0, y0, w, h)
    assert len(got) == 4 and got[2].is_empty
    for g in (0, 1, 3):
        ref = lattice_union(ii[group == g], jj[group == g], x0, y0, w, h)
        assert shapely.equals_exact(shapely.normalize(got[g]), shapely.normalize(ref), tolerance=0.0), g
        assert got[g].area == pytest.approx((group == g).sum() * w * h)

def test_cell_lattice_refuses_scattered_points():
    from planner_gis.reach import cell_lattice

    assert cell_lattice(np.array([[0.0, 0], [100, 0], [250.5, 0]]), 100, 100) is None
    assert cell_lattice(np.array([[0.0, 0], [100, 0], [200, 0.01]]), 100, 100, tol=1e-3) is None
    i, j, _, _ = cell_lattice(np.array([[0.0, 0], [-100, 300]]), 100, 100)
    assert i.tolist() == [0, -1] and j.tolist() == [0, 3]


def test_underserved_cells_from_raster_match_the_union_of_squares(tmp_path):
    """Raster origins take the grid-tracing path; compare with squares unioned by shapely."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    rng = np.random.default_rng(5)
    data = np.where(rng.random((12, 20)) < 0.7, rng.integers(1, 50, (12, 20)), 0).astype("float32")
    p = tmp_path / "pop.tif"
    with rasterio.open(p, "w", driver="GTiff", width=20, height=12, count=1, dtype="float32",
                       crs=UTM, transform=Affine(50.0, 0, 0.0, 0, -50.0, 300.0), nodata=0) as ds:
        ds.write(data, 1)
    pop = population_from_raster(p)
    net = WalkNetwork(UTM, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    facilities = gpd.GeoDataFrame({"category": ["shop"]}, geometry=[Point(100, 0)], crs=UTM)
    zones = gpd.GeoDataFrame({"unit_id": ["W", "E"]},
                             geometry=[box(0, -300, 430, 300), box(430, -300, 1000, 300)], crs=UTM)
    catalogue = pd.DataFrame({"category": ["shop"], "name_zh": ["便利店"], "tier_min": [5],
                              "threshold_m": [300.0]})
    res = compute_coverage(net, facilities, pop, zones, catalogue)
    us = res.underserved.set_index("unit_id")
    x, y = pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy()
    # reference by hand: street along y=0, shop at x=100: distance |y| + |x - 100|, and cells
    # more than max_snap=200 m off the street are unreachable (so underserved too)
    far = ((np.abs(y) + np.abs(x - 100)) > 300) | (np.abs(y) > 200)
    assert 0 < far.sum() < len(far)
    for uid, (x0, x1) in {"W": (0, 430), "E": (430, 1000)}.items():
        sel = far & (x >= x0) & (x <= x1)
        assert us.loc[uid, "population"] == pytest.approx(pop["population"].to_numpy()[sel].sum())
        sq = shapely.box(x[sel] - 25, y[sel] - 25, x[sel] + 25, y[sel] + 25)
        ref = shapely.intersection(shapely.union_all(sq), box(x0, -300, x1, 300))
        assert shapely.symmetric_difference(us.loc[uid, "geometry"], ref).area == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize("seed", [21, 22])
def test_bounded_search_per_category_matches_networkx(seed, kernels):
    """Several categories share one source graph and one snapped origin set (cached incidence).

    Each has its own limit: equal to networkx up to the limit, inf beyond.
    """
    from planner_gis.network import snap_points
    from planner_gis.reach import nearest_from_snapped, source_graph

    net, rng, span = random_network(seed)
    origins = rng.uniform(-50, span + 50, (400, 2))
    facilities = rng.uniform(0, span, (12, 2))
    cats = np.array([0, 1, 2] * 4)
    o = snap_points(net, origins, 120)
    f = snap_points(net, facilities, 120)
    graph = source_graph(net, f)
    g = reference_graph(net, origins, facilities, 120)
    for c, limit in ((0, 150.0), (1, 260.0), (2, 400.0)):
        got = nearest_from_snapped(net, o, f, limit=limit, graph=graph, sources=np.flatnonzero(cats == c))
        src = [("f", j) for j in np.flatnonzero((cats == c) & (f.edge >= 0))]
        d = nx.multi_source_dijkstra_path_length(g, src, weight="weight") if src else {}
        ref = np.array([d.get(("o", i), INF) for i in range(len(origins))])
        ref[ref > limit] = INF
        # points within 1e-6 m of the limit may fall either side
        edge = np.abs(ref - limit) < 1e-6
        assert np.isfinite(got[~edge]).tolist() == np.isfinite(ref[~edge]).tolist()
        fin = np.isfinite(ref) & np.isfinite(got)
        assert np.allclose(got[fin], ref[fin], atol=1e-6)
        assert 0 < np.isfinite(got).sum() < len(got)


# ----------------------------------------------------------------------------- fast paths (issue 3)


@pytest.mark.parametrize("seed", [0, 1])
def test_zone_membership_matches_shapely_pairwise_reference(seed, kernels):
    from planner_gis.reach import zone_membership

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 1000, (3000, 2))
    # points exactly on zone borders and corners, and on the bucket grid of the extent
    pts[:40] = np.round(pts[:40] / 250) * 250
    pts[40:50] = np.nan
    pts[50:60, 0] = 1000.0
    zones = gpd.GeoSeries([
        box(0, 0, 500, 500), box(250, 250, 1000, 750),            # overlapping boxes
        shapely.Polygon([(0, 1000), (500, 600), (1000, 1000), (500, 900)]),  # concave
        box(100, 100, 900, 900).difference(box(300, 300, 700, 700)),        # with a hole
        shapely.Polygon(), None, box(5000, 5000, 6000, 6000),     # empty, null, far away
        box(0, 0, 1000, 1000),                                    # the whole extent
    ])
    p, z = zone_membership(pts, zones)
    ref = []
    for j, g in enumerate(zones):
        if g is None or g.is_empty:
            continue
        hit = np.flatnonzero(shapely.intersects(g, shapely.points(pts)))
        ref += [(int(i), j) for i in hit]
    assert sorted(zip(p.tolist(), z.tolist())) == sorted(ref)
    # grouped by zone in zone order, sorted by point within a zone
    assert (np.diff(z) >= 0).all()
    assert all((np.diff(p[z == j]) > 0).all() for j in np.unique(z))


def test_zone_membership_of_identical_points_and_no_points(kernels):
    from planner_gis.reach import zone_membership

    zones = gpd.GeoSeries([box(0, 0, 10, 10), box(10, 0, 20, 10)])
    p, z = zone_membership(np.array([[10.0, 5]] * 3), zones)  # zero extent, on the shared border
    assert sorted(zip(p.tolist(), z.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    p, z = zone_membership(np.zeros((0, 2)), zones)
    assert len(p) == len(z) == 0


def test_coverage_origin_distance_is_the_per_category_nearest_distance(kernels):
    # the (origins x categories) block written in place equals separate nearest_distance calls
    net, facilities, pop, zones, catalogue = coverage_case()
    res = compute_coverage(net, facilities, pop, zones, catalogue, population_column="pop",
                           max_snap=200, underserved=False, distance_limit=5000)
    from planner_gis.network import points_xy

    oxy = points_xy(pop, UTM)
    for c in catalogue["category"]:
        f = facilities[facilities["category"] == c]
        ref = nearest_distance(net, oxy, points_xy(f, UTM), max_snap=200)
        got = res.origin_distance[c].to_numpy()
        assert np.array_equal(np.isinf(got), np.isinf(ref)), c
        assert np.allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)]), c
    assert list(res.origin_distance.index) == list(pop.index)


def test_coverage_lists_every_unreachable_record_with_its_reason(kernels):
    net, facilities, pop, zones, catalogue = coverage_case()
    far = gpd.GeoDataFrame({"category": ["shop", "clinic", "school"]},
                           geometry=[Point(5000, 5000), None, Point(1000, 0)], crs=UTM,
                           index=["f1", "f2", "f3"])
    fac = pd.concat([facilities, far])
    res = compute_coverage(net, fac, pop, zones, catalogue, population_column="pop",
                           max_snap=200, underserved=False)
    un = res.unreachable.reset_index(drop=True)
    assert un["kind"].tolist() == ["origin", "facility", "facility"]
    assert un["record"].tolist() == ["4", "f1", "f2"]
    assert un["category"].tolist()[1:] == ["shop", "clinic"] and pd.isna(un["category"][0])
    assert un["reason"].tolist() == ["farther than max_snap=200 m from every walking edge"] * 2 + [
        "no coordinates"]
    assert un.geometry[0].equals(Point(1500, 500)) and un.geometry[1].equals(Point(5000, 5000))
    assert un.geometry[2] is None
    assert un["snap_distance"][0] == pytest.approx(500.0) and np.isinf(un["snap_distance"][2])
    assert res.summary["unreachable_facilities"] == 2


# ----------------------------------------------------------------------------- rasters in a geographic CRS


def _write_lonlat_raster(path, data, lon0, lat0, step, nodata):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="float32", crs="EPSG:4326", transform=Affine(step, 0, lon0, 0, -step, lat0),
                       nodata=nodata) as ds:
        ds.write(data.astype("float32"), 1)


def test_underserved_cells_of_a_lonlat_raster_are_the_reprojected_cell_quadrilaterals(tmp_path):
    """WorldPop-style 3 arc-second grid in EPSG:4326: reference built cell by cell with pyproj + shapely."""
    from pyproj import Transformer

    rng = np.random.default_rng(11)
    n_rows, n_cols, step, lon0, lat0 = 18, 26, 1 / 1200, 116.39, 39.91
    data = np.where(rng.random((n_rows, n_cols)) < 0.8, rng.integers(1, 40, (n_rows, n_cols)), -1.0)
    data[rng.random((n_rows, n_cols)) < 0.05] = 0.0
    p = tmp_path / "worldpop.tif"
    _write_lonlat_raster(p, data, lon0, lat0, step, nodata=-1)
    pop = population_from_raster(p, UTM)
    tr = Transformer.from_crs(4326, 32650, always_xy=True)
    # reference cells: centre and the four corners of every populated cell, reprojected one by one
    rr, cc = np.nonzero(data > 0)
    assert len(pop) == len(rr) and pop["population"].sum() == pytest.approx(data[rr, cc].sum())
    cx, cy = tr.transform(lon0 + (cc + 0.5) * step, lat0 - (rr + 0.5) * step)
    quads = []
    for r, c in zip(rr, cc):
        lon = lon0 + np.array([c, c + 1, c + 1, c]) * step
        lat = lat0 - np.array([r, r, r + 1, r + 1]) * step
        quads.append(shapely.Polygon(np.column_stack(tr.transform(lon, lat))))
    quads = np.array(quads, dtype=object)
    # a street along y = ym across the whole raster with a shop at x = xs; walking distance by hand
    xm, ym = float(np.mean(cx)), float(np.mean(cy))
    xs = xm - 300
    net = WalkNetwork(UTM, np.array([[xm - 5000, ym], [xm + 5000, ym]]), [0], [1])
    facilities = gpd.GeoDataFrame({"category": ["shop"]}, geometry=[Point(xs, ym)], crs=UTM)
    zones = gpd.GeoDataFrame({"unit_id": ["W", "E"]}, crs=UTM,
                             geometry=[box(xm - 5000, ym - 5000, xm, ym + 5000),
                                       box(xm, ym - 5000, xm + 5000, ym + 5000)])
    catalogue = pd.DataFrame({"category": ["shop"], "tier_min": [5], "threshold_m": [500.0]})
    res = compute_coverage(net, facilities, pop, zones, catalogue)
    us = res.underserved.set_index("unit_id")
    far = ((np.abs(cy - ym) + np.abs(cx - xs)) > 500) | (np.abs(cy - ym) > 200)
    assert 0 < far.sum() < len(far)
    for uid, (x0, x1) in {"W": (xm - 5000, xm), "E": (xm, xm + 5000)}.items():
        sel = far & (cx >= x0) & (cx <= x1)
        assert us.loc[uid, "population"] == pytest.approx(data[rr, cc][sel].sum())
        ref = shapely.intersection(shapely.union_all(quads[sel]), box(x0, ym - 5000, x1, ym + 5000))
        got = us.loc[uid, "geometry"]
        assert got.is_valid
        assert shapely.symmetric_difference(got, ref).area <= 1e-3 * ref.area
    # the metric squares drawn before (cell_size given) miss the true outline by more than that
    sq = compute_coverage(net, facilities, pop, zones, catalogue, cell_size=80.0).underserved
    ref_w = shapely.intersection(shapely.union_all(quads[far & (cx <= xm)]), box(xm - 5000, ym - 5000, xm, ym + 5000))
    w_sq = sq.set_index("unit_id").loc["W", "geometry"]
    assert shapely.symmetric_difference(w_sq, ref_w).area > 1e-2 * ref_w.area


def test_grid_union_of_a_rotated_grid_equals_the_union_of_its_parallelograms():
    from affine import Affine

    from planner_gis.reach import grid_union

    t = Affine.translation(500.0, 900.0) @ Affine.rotation(30) @ Affine.scale(20.0, -10.0)
    row = np.array([0, 0, 1, 3, 3, 2])
    col = np.array([0, 1, 1, 0, 4, 4])
    got = grid_union(row, col, t)
    ref = shapely.union_all([shapely.Polygon([t @ (c, r), t @ (c + 1, r), t @ (c + 1, r + 1), t @ (c, r + 1)])
                             for r, c in zip(row, col)])
    assert got.area == pytest.approx(6 * 200.0)
    assert shapely.symmetric_difference(got, ref).area == pytest.approx(0, abs=1e-6)


def test_metric_raster_underserved_output_is_unchanged_by_the_raster_grid(tmp_path):
    """A raster already in the metric CRS keeps the lattice path: identical output with or without attrs."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    rng = np.random.default_rng(3)
    data = np.where(rng.random((10, 16)) < 0.75, rng.integers(1, 30, (10, 16)), 0).astype("float32")
    p = tmp_path / "pop.tif"
    with rasterio.open(p, "w", driver="GTiff", width=16, height=10, count=1, dtype="float32",
                       crs=UTM, transform=Affine(50.0, 0, 0.0, 0, -50.0, 250.0), nodata=0) as ds:
        ds.write(data, 1)
    pop = population_from_raster(p)
    assert pop.attrs["raster_grid"]["shape"] == (10, 16)
    bare = pop.copy()
    bare.attrs = {"cell_size": pop.attrs["cell_size"]}
    net = WalkNetwork(UTM, np.array([[0.0, 0], [800, 0]]), [0], [1])
    facilities = gpd.GeoDataFrame({"category": ["shop"]}, geometry=[Point(100, 0)], crs=UTM)
    zones = gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[box(0, -250, 800, 250)], crs=UTM)
    catalogue = pd.DataFrame({"category": ["shop"], "tier_min": [5], "threshold_m": [250.0]})
    a = compute_coverage(net, facilities, pop, zones, catalogue).underserved
    b = compute_coverage(net, facilities, bare, zones, catalogue).underserved
    assert len(a) == len(b) == 1
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert shapely.equals_exact(a.geometry.iloc[0], b.geometry.iloc[0], tolerance=0)


def test_edited_raster_points_fall_back_to_squares(tmp_path):
    """Points moved after reading no longer match the raster grid: cells are drawn as squares around them."""
    rng = np.random.default_rng(4)
    data = rng.integers(1, 20, (6, 8)).astype(float)
    p = tmp_path / "worldpop.tif"
    _write_lonlat_raster(p, data, 116.40, 39.90, 1 / 1200, nodata=-1)
    pop = population_from_raster(p, UTM)
    pop["geometry"] = pop.geometry.translate(1000.0, 0.0)
    c = pop.geometry.iloc[0]
    net = WalkNetwork(UTM, np.array([[c.x - 5000, c.y - 5000], [c.x - 4000, c.y - 5000]]), [0], [1])
    facilities = gpd.GeoDataFrame({"category": ["shop"]}, geometry=[Point(c.x - 4500, c.y - 5000)], crs=UTM)
    zones = gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[c.buffer(3000)], crs=UTM)
    catalogue = pd.DataFrame({"category": ["shop"], "tier_min": [5], "threshold_m": [300.0]})
    w, h = pop.attrs["cell_size"]
    got = compute_coverage(net, facilities, pop, zones, catalogue).underserved.geometry.iloc[0]
    x, y = pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy()
    ref = shapely.union_all(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    assert shapely.symmetric_difference(got, ref).area == pytest.approx(0, abs=1e-3)


# ----------------------------------------------------------------------------- memory (issue 10, item 7)

MEMORY_SCRIPT = r"""
import resource, sys
import numpy as np, geopandas as gpd
from shapely.geometry import box
from planner_gis.facilities import load_catalogue
from planner_gis.network import WalkNetwork
from planner_gis.reach import compute_coverage

n = 300  # a 300 x 300 street grid: 90k nodes, 179k edges
xs, ys = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0)
node_xy = np.column_stack([xs.ravel(), ys.ravel()])
idx = np.arange(n * n).reshape(n, n)
u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
cat = load_catalogue()
rng = np.random.default_rng(1)
def points(k):
    return gpd.points_from_xy(rng.uniform(0, n * 100, k), rng.uniform(0, n * 100, k))
fac = gpd.GeoDataFrame({"category": rng.choice(cat["category"], 2000)}, geometry=points(2000), crs=32650)
pop = gpd.GeoDataFrame({"population": np.ones(20000)}, geometry=points(20000), crs=32650)
zones = gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[box(-1, -1, n * 100, n * 100)], crs=32650)
peaks = []
for i in range(6):
    net = WalkNetwork(32650, node_xy.copy(), u, v)  # a network read again, as each QGIS run does
    result = compute_coverage(net, fac, pop, zones, cat, underserved=False)
    del net, result
    peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # MB (Linux: kB)
print(" ".join(f"{p:.1f}" for p in peaks))
"""


def test_snap_index_holds_no_reference_cycle(kernels):
    """A network and its cached snap index are freed by reference counting alone (no garbage collector)."""
    import gc
    import weakref

    from planner_gis.network import snap_points

    gc.disable()
    try:
        net = WalkNetwork(UTM, np.array([[0.0, 0], [100, 0], [100, 100]]), [0, 1], [1, 2])
        assert snap_points(net, np.array([[50.0, 5]])).edge.tolist() == [0]  # builds and caches the index
        index = weakref.ref(net._snap_index)
        ref = weakref.ref(net)
        del net
        assert ref() is None and index() is None
    finally:
        gc.enable()



def random_coverage_case(seed: int):
    """A random street grid with facilities of three categories, population points and two units."""
    net, rng, span = random_network(seed, n=14)
    cats = ["clinic", "shop", "school"]
    fac = gpd.GeoDataFrame({"category": rng.choice(cats, 40)},
                           geometry=gpd.points_from_xy(*rng.uniform(-50, span + 50, (2, 40))), crs=UTM)
    # population on a 30 m lattice (the traced underserved path), some off the network
    gx, gy = np.meshgrid(np.arange(-60, span + 60, 30.0), np.arange(-60, span + 60, 30.0))
    pop = gpd.GeoDataFrame({"pop": rng.integers(0, 40, gx.size).astype(float)},
                           geometry=gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=UTM)
    pop.attrs["cell_size"] = (30.0, 30.0)
    mid = span / 2 + 7  # no lattice point on the border: each origin in one unit (one tracing per category)
    zones = gpd.GeoDataFrame({"unit_id": ["W", "E"]}, crs=UTM,
                             geometry=[box(-100, -100, mid, span + 100), box(mid, -100, span + 100, span + 100)])
    catalogue = pd.DataFrame({"category": cats, "name_zh": ["卫生站", "便利店", "小学"],
                              "tier_min": [5, 5, 15], "threshold_m": [200, 120, 450]})
    return net, fac, pop, zones, catalogue


def _coverage_with(mode: str, monkeypatch, seed: int):
    from planner_gis import _jit

    if mode == "numpy":
        monkeypatch.setenv(_jit.DISABLE_ENV, "1")
    else:
        monkeypatch.delenv(_jit.DISABLE_ENV, raising=False)
        monkeypatch.setattr(_jit, "MIN_ITEMS", 1)
    _jit._numba.cache_clear()
    try:
        net, fac, pop, zones, catalogue = random_coverage_case(seed)
        return compute_coverage(net, fac, pop, zones, catalogue, population_column="pop", max_snap=60)
    finally:
        monkeypatch.undo()
        _jit._numba.cache_clear()


@pytest.mark.parametrize("seed", [31, 32])
def test_compiled_kernels_give_the_numpy_results_bit_for_bit(seed, monkeypatch):
    """compute_coverage through the compiled kernels equals the numpy paths exactly (same operations, same order)."""
    pytest.importorskip("numba")
    ref = _coverage_with("numpy", monkeypatch, seed)
    got = _coverage_with("compiled", monkeypatch, seed)
    pd.testing.assert_frame_equal(got.coverage, ref.coverage, check_exact=True)
    pd.testing.assert_frame_equal(got.origin_distance, ref.origin_distance, check_exact=True)
    assert np.isinf(ref.origin_distance.to_numpy()).any() and np.isfinite(ref.origin_distance.to_numpy()).any()
    assert len(ref.underserved) > 0
    assert got.underserved.drop(columns="geometry").equals(ref.underserved.drop(columns="geometry"))
    assert shapely.equals_exact(got.underserved.geometry.values, ref.underserved.geometry.values, 0.0).all()


NO_NUMBA_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_reach import random_coverage_case
from planner_gis import _jit
from planner_gis.reach import compute_coverage
_jit.MIN_ITEMS = 1  # every step would take the kernels if numba were allowed
net, fac, pop, zones, catalogue = random_coverage_case(31)
res = compute_coverage(net, fac, pop, zones, catalogue, population_column="pop", max_snap=60)
assert not _jit.enabled()
assert "numba" not in sys.modules, "numba was imported"
print(res.coverage["covered_population"].sum())
"""


def test_numba_switched_off_uses_the_numpy_paths_without_importing_numba(monkeypatch):
    """PLANNER_GIS_NO_NUMBA=1 (or numba missing): the numpy paths run and numba is never imported."""
    import os
    import subprocess

    env = dict(os.environ, PLANNER_GIS_NO_NUMBA="1")
    script = NO_NUMBA_SCRIPT.format(tests=os.path.dirname(__file__))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    net, fac, pop, zones, catalogue = random_coverage_case(31)
    ref = compute_coverage(net, fac, pop, zones, catalogue, population_column="pop", max_snap=60)
    assert float(proc.stdout) == pytest.approx(ref.coverage["covered_population"].sum(), rel=0, abs=0)

@pytest.mark.skipif(sys.platform != "linux", reason="peak memory read from getrusage in kB (Linux)")
def test_repeated_coverage_does_not_grow_peak_memory():
    """Six compute_coverage calls on freshly built networks: the peak after the 6th is the peak after the 1st.

    Measured in a fresh process: before the fix each call left its network and index (about 30 MB
    here) to the garbage collector and the peak grew by that much per call.
    """
    import subprocess

    proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    peaks = [float(p) for p in proc.stdout.split()]
    assert peaks[-1] - peaks[0] < 10.0, peaks
