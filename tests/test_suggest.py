"""Site suggestion: the coverage matrix against networkx, MCLP and LSCP against enumeration, edge cases.

References are independent of the engine: walking distances come from
networkx on a graph where every snapped point is inserted as a node on its
edge; optima come from enumerating every subset of candidates.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

from planner_gis.errors import InputError
from planner_gis.network import WalkNetwork, snap_points
from planner_gis.suggest import (
    covering_to_target,
    coverage_matrix,
    from_cost_matrix,
    from_coverage_matrix,
    maximal_covering,
    network_points,
    suggest_sites,
)

CRS = "EPSG:32650"
CATALOGUE_CSV = (
    "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"
    "kg,幼儿园,Kindergarten,5,300,,amenity=kindergarten,\n"
)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    from planner_gis import load_catalogue

    p = tmp_path_factory.mktemp("cat") / "cat.csv"
    p.write_text(CATALOGUE_CSV, encoding="utf-8")
    return load_catalogue(p)


def grid_net(n: int, seed: int, spacing: float = 100.0) -> WalkNetwork:
    """A jittered n x n street grid with a few streets removed."""
    rng = np.random.default_rng(seed)
    xx, yy = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing)
    xy = np.c_[xx.ravel(), yy.ravel()] + rng.normal(0, 8, (n * n, 2))
    idx = np.arange(n * n).reshape(n, n)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    keep = rng.random(len(u)) > 0.15
    return WalkNetwork(CRS, xy, u[keep], v[keep])


def reference_distances(net: WalkNetwork, a_xy: np.ndarray, b_xy: np.ndarray, max_snap: float = 200.0) -> np.ndarray:
    """Walking distance a x b with networkx: snapped points inserted into their edges."""
    a = snap_points(net, a_xy, max_snap)
    b = snap_points(net, b_xy, max_snap)
    g = nx.Graph()
    for u, v, length in zip(net.edge_u, net.edge_v, net.edge_length):
        g.add_edge(int(u), int(v), weight=float(length))

    def attach(s, tag):
        names = []
        for i in range(len(s.edge)):
            e = int(s.edge[i])
            if e < 0:
                names.append(None)
                continue
            node = (tag, i)
            u, v, L = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
            g.add_edge(node, u, weight=float(s.distance[i] + s.offset[i]))
            g.add_edge(node, v, weight=float(s.distance[i] + L - s.offset[i]))
            names.append(node)
        return names
    an, bn = attach(a, "a"), attach(b, "b")
    out = np.full((len(a_xy), len(b_xy)), np.inf)
    for i, na in enumerate(an):
        if na is None:
            continue
        d = nx.single_source_dijkstra_path_length(g, na)
        for j, nb in enumerate(bn):
            if nb is None:
                continue
            best = d.get(nb, np.inf)
            if a.edge[i] == b.edge[j]:  # walking straight along the shared edge
                best = min(best, a.distance[i] + abs(a.offset[i] - b.offset[j]) + b.distance[j])
            # the path through a virtual node of another point is not a walk: subtract nothing, it is never
            # shorter than the direct arcs because every virtual node carries its snap leg twice
            out[i, j] = best
    return out


def case(seed: int, n_cand: int = 9, n_orig: int = 40, n: int = 7):
    net = grid_net(n, seed)
    rng = np.random.default_rng(seed + 100)
    ext = (n - 1) * 100.0
    cand = rng.uniform(0, ext, (n_cand, 2))
    orig = rng.uniform(0, ext, (n_orig, 2))
    w = rng.integers(1, 60, n_orig).astype(float)
    return net, cand, orig, w


@pytest.mark.parametrize("seed", range(6))
def test_coverage_matrix_equals_networkx(seed):
    net, cand, orig, w = case(seed)
    m = coverage_matrix(net, snap_points(net, orig), snap_points(net, cand), 300.0).toarray()
    ref = reference_distances(net, cand, orig)
    # pairs within a hair of the threshold may round either way; none should here
    assert not np.any(np.abs(ref - 300.0) < 1e-6)
    np.testing.assert_array_equal(m, ref <= 300.0)


@pytest.mark.parametrize("seed", range(8))
def test_mclp_exact_matches_enumeration(seed):
    net, cand, orig, w = case(seed)
    ref = reference_distances(net, cand, orig)
    covered_already = np.zeros(len(orig), dtype=bool)
    covered_already[: len(orig) // 5] = True  # these residents count in the base, never as gain
    a = (ref <= 300.0) & ~covered_already[None, :]
    p = from_coverage_matrix(a, w, base=float(w[covered_already].sum()), total=float(w.sum()))
    for k in (1, 2, 3):
        best = max(float(w[a[list(c)].any(axis=0)].sum()) for c in itertools.combinations(range(len(cand)), k))
        exact = maximal_covering(p, k, method="exact")
        assert exact.newly_covered == pytest.approx(best)
        assert exact.gap == 0.0 and exact.method == "exact"
        greedy = maximal_covering(p, k, method="greedy")
        assert greedy.newly_covered <= best + 1e-9
        assert greedy.bound >= best - 1e-9  # the reported bound really bounds the optimum
        assert greedy.gap == pytest.approx(max(0.0, (greedy.bound - greedy.newly_covered) / greedy.bound))
        assert exact.cumulative[-1] == pytest.approx(p.base + best)


@pytest.mark.parametrize("seed", range(8))
def test_lscp_minimal_by_enumeration(seed):
    net, cand, orig, w = case(seed, n_cand=8)
    a = reference_distances(net, cand, orig) <= 300.0
    p = from_coverage_matrix(a, w, total=float(w.sum()))
    reachable = float(w[a.any(axis=0)].sum()) / w.sum()
    target = round(0.8 * reachable, 3)
    need = target * w.sum()
    fewest = next(k for k in range(1, len(cand) + 1)
                  if any(w[a[list(c)].any(axis=0)].sum() >= need - 1e-9
                         for c in itertools.combinations(range(len(cand)), k)))
    s = covering_to_target(p, target, method="exact")
    assert len(s.selected) == fewest and s.gap == 0.0
    assert p.base + p.covered_by(s.selected) >= need - 1e-6
    g = covering_to_target(p, target, method="greedy")
    assert len(g.selected) >= fewest and g.bound <= fewest  # greedy reaches it; its bound is a true lower bound
    assert p.covered_by(g.selected) >= need - 1e-6


def test_lscp_unreachable_target_is_reported():
    p = from_cost_matrix([[100.0, 900, 900]], [10, 10, 10], threshold=300)
    s = covering_to_target(p, 0.9)
    assert s.status == "target unreachable"
    assert s.details["reachable_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert s.selected.tolist() == [0]  # the sites that reach the most


def test_candidate_exactly_at_threshold_is_covered():
    # every number below is exact in binary floating point: 1024 m street, offsets 212 and 512
    net = WalkNetwork(CRS, np.array([[0.0, 0], [1024, 0]]), [0], [1])
    homes = snap_points(net, np.array([[212.0, 0], [211.5, 0], [212.0, 44]]))
    site = snap_points(net, np.array([[512.0, 0]]))
    assert coverage_matrix(net, homes, site, 300.0).toarray().tolist() == [[True, False, False]]
    assert coverage_matrix(net, homes, site, 344.0).toarray().tolist() == [[True, True, True]]


def test_dense_and_sparse_cost_matrices_agree():
    from scipy import sparse

    cost = np.array([[100.0, np.inf, 300], [301, 50, np.inf]])
    dense = from_cost_matrix(cost, [1, 2, 3], threshold=300)
    sp = from_cost_matrix(sparse.csr_matrix(np.where(np.isinf(cost), 0, cost)), [1, 2, 3], threshold=300)
    assert dense.gains().tolist() == sp.gains().tolist() == [4.0, 2.0]


def test_bad_requests_raise_input_errors():
    p = from_cost_matrix([[1.0]], [1], threshold=2)
    with pytest.raises(InputError, match="at least 1"):
        maximal_covering(p, 0)
    with pytest.raises(InputError, match="target share"):
        covering_to_target(p, 1.5)
    with pytest.raises(InputError, match="method"):
        maximal_covering(p, 1, method="magic")


# ------------------------------------------------------------------ layers


@pytest.fixture()
def street_town():
    """A 2 km street y=0 with a side street; residents every 100 m, 20 m north; two units split at x=1000."""
    net = WalkNetwork(CRS, np.array([[0.0, 0], [1000, 0], [2000, 0], [1000, 800]]), [0, 1, 1], [1, 2, 3])
    xs = np.arange(0, 2001, 100.0)
    pop = gpd.GeoDataFrame({"population": np.full(len(xs), 10.0)}, geometry=[Point(x, 20) for x in xs], crs=CRS)
    zones = gpd.GeoDataFrame({"unit_id": ["W", "E"], "name": ["west", "east"]},
                             geometry=[box(-50, -50, 999, 900), box(999, -50, 2050, 900)], crs=CRS)
    fac = gpd.GeoDataFrame({"category": ["kg"]}, geometry=[Point(0, 0)], crs=CRS)
    return net, pop, zones, fac


def test_suggest_sites_on_layers(street_town, catalogue):
    net, pop, zones, fac = street_town
    cands = gpd.GeoDataFrame({"site_id": ["far", "mid", "east", "offnet"]},
                             geometry=[Point(300, 0), Point(700, 0), Point(1600, 0), Point(1600, 500)], crs=CRS)
    r = suggest_sites(net, fac, pop, zones, "kg", cands, sites=2, catalogue=catalogue)
    # residents 0..200 are covered by the kindergarten at 0 (snap 20 m + <= 280 m)
    # by hand: residents 20 m off the street; 'far' (300) covers 300..500, 'mid' (700) 500..900 (x=1000 snaps
    # onto the side street: 320 m), 'east' (1600) 1400..1800; the best pair is mid + east (ties: row order)
    assert r.sites["candidate_id"].tolist() == ["mid", "east"]
    assert r.sites["gain_population"].tolist() == [50.0, 50.0]
    assert r.sites["cumulative_covered"].tolist() == [80.0, 130.0]
    assert r.sites["cumulative_share"].iloc[-1] == pytest.approx(130 / 210, abs=1e-6)
    assert r.sites["unit_id"].tolist() == ["W", "E"]
    # the off-network candidate (500 m from the main street, 600 m from the side street) is skipped, reported
    assert r.skipped["candidate_id"].tolist() == ["offnet"]
    assert r.summary["candidates"]["skipped_beyond_max_snap"] == 1
    assert set(r.newly_covered["candidate_id"]) == {"east", "mid"}
    assert r.newly_covered["population"].sum() == pytest.approx(100.0)
    assert r.summary["method"] == "exact" and r.summary["gap"] == 0.0


def test_every_m_candidates_and_per_unit(street_town, catalogue):
    net, pop, zones, fac = street_town
    pts = network_points(net, 250)
    assert len(pts) == round(net.edge_length.sum() / 250)
    r = suggest_sites(net, fac, pop, zones, "kg", "every:100", sites=1, per_unit=True, catalogue=catalogue)
    assert sorted(r.sites["unit_id"]) == ["E", "W"]
    assert (r.sites["rank"] == 1).all()
    west = r.sites.set_index("unit_id").loc["W"]
    # west unit: residents 300..900 uncovered (70 people); one site covers 300 m each way: 70 at most
    assert west["gain_population"] == pytest.approx(70.0) or west["gain_population"] == pytest.approx(60.0)
    p = r.problems["W"]
    best = max(p.covered_by([j]) for j in range(p.n_candidates))
    assert west["gain_population"] == pytest.approx(best)
    tgt = suggest_sites(net, fac, pop, zones, "kg", "every:100", target=1.0, catalogue=catalogue)
    assert tgt.sites["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_polygon_candidate_reached_at_its_boundary(street_town, catalogue):
    net, pop, zones, fac = street_town
    plot = gpd.GeoDataFrame({"id": ["P"]}, geometry=[box(1400, 30, 1500, 130)], crs=CRS)
    r = suggest_sites(net, fac, pop, zones, "kg", plot, sites=1, catalogue=catalogue)
    # boundary points every 50 m; the nearest (1400..1500, 30) are 30 m from the street
    within = [x for x in range(0, 2001, 100) if x >= 300 and min(abs(x - 1400), abs(x - 1500)) <= 300 - 50]
    assert r.sites["gain_population"].iloc[0] == pytest.approx(10.0 * len(within))


def test_suggest_refuses_bad_requests(street_town, catalogue):
    net, pop, zones, fac = street_town
    with pytest.raises(InputError, match="either"):
        suggest_sites(net, fac, pop, zones, "kg", "every:100", sites=1, target=0.5, catalogue=catalogue)
    with pytest.raises(InputError, match="not in the facility catalogue"):
        suggest_sites(net, fac, pop, zones, "school", "every:100", sites=1, catalogue=catalogue)
    with pytest.raises(InputError, match="not in the zones"):
        suggest_sites(net, fac, pop, zones, "kg", "every:100", sites=1, units=["X"], catalogue=catalogue)
