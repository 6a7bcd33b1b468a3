"""What-if scenarios: incremental changes equal a full recompute through compute_coverage (seeded random changes)."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from planner_gis.errors import InputError
from planner_gis.network import WalkNetwork
from planner_gis.reach import compute_coverage, zone_membership
from planner_gis.scenario import Scenario, load_scenario, save_scenario
from planner_gis.scenario.serve import serve

CRS = "EPSG:32650"
CAT = pd.DataFrame({"category": ["kg", "clinic", "school"], "name_zh": ["幼儿园", "卫生站", "小学"],
                    "tier_min": [5, 5, 10], "threshold_m": [300.0, 250.0, 500.0]})


def city(seed: int, n: int = 12):
    rng = np.random.default_rng(seed)
    xx, yy = np.meshgrid(np.arange(n) * 100.0, np.arange(n) * 100.0)
    xy = np.c_[xx.ravel(), yy.ravel()] + rng.normal(0, 10, (n * n, 2))
    idx = np.arange(n * n).reshape(n, n)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    keep = rng.random(len(u)) > 0.1
    net = WalkNetwork(CRS, xy, u[keep], v[keep])
    ext = (n - 1) * 100.0
    oxy = rng.uniform(-50, ext + 50, (400, 2))
    oxy[:3] = [[ext + 400, ext + 400], [-300, 0], [0, -300]]  # off the network
    w = rng.integers(0, 40, len(oxy)).astype(float)
    h = ext / 2
    zones = gpd.GeoDataFrame({"unit_id": ["A", "B", "C"]},
                             geometry=[box(-100, -100, h, ext + 100), box(h - 100, -100, ext + 100, h),
                                       box(h - 100, h - 100, ext + 500, ext + 500)], crs=CRS)
    cats = rng.choice(CAT["category"].to_numpy(), 14)
    fxy = rng.uniform(0, ext, (14, 2))
    return net, oxy, w, zones, fxy, cats, ext


def scenario(net, oxy, w, zones, fxy, cats, gates=None):
    ids = [f"F{i}" for i in range(len(fxy))]
    pxy, pf, pc = list(fxy), list(ids), list(cats)
    for fid, cat, pts in gates or []:
        pxy += list(pts)
        pf += [fid] * len(pts)
        pc += [cat] * len(pts)
    mem = zone_membership(oxy, zones.geometry)
    return Scenario(net, oxy, w, mem, zones["unit_id"].tolist(), CAT, np.array(pxy), pf, pc)


def full_coverage(sc, net, oxy, w, zones) -> pd.DataFrame:
    """The public pipeline on the scenario's active access points: the reference."""
    f = sc.facilities()
    fac = gpd.GeoDataFrame({"category": f["category"]}, geometry=gpd.points_from_xy(f["x"], f["y"]), crs=CRS)
    pop = gpd.GeoDataFrame({"population": w}, geometry=gpd.points_from_xy(*oxy.T), crs=CRS)
    return compute_coverage(net, fac, pop, zones, CAT, underserved=False).coverage


def check_equal(sc, net, oxy, w, zones):
    ref = sc.recompute()
    np.testing.assert_array_equal(np.where(np.isinf(ref), -1, ref), np.where(np.isinf(sc.dist), -1, sc.dist))
    full = full_coverage(sc, net, oxy, w, zones)
    mine = sc.coverage()
    m = mine.merge(full, on=["unit_id", "category"], suffixes=("", "_ref"))
    assert len(m) == len(full) == len(mine)
    np.testing.assert_allclose(m["covered_population"], m["covered_population_ref"], atol=1e-6)
    np.testing.assert_allclose(m["population"], m["population_ref"], atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_random_changes_equal_full_recompute(seed):
    net, oxy, w, zones, fxy, cats, ext = city(seed)
    park = [("P1", "kg", [(200.0, 200.0), (260.0, 200.0), (260.0, 260.0)])]
    sc = scenario(net, oxy, w, zones, fxy, cats, gates=park)
    check_equal(sc, net, oxy, w, zones)
    rng = np.random.default_rng(seed + 10)
    for step in range(25):
        op = rng.choice(["add", "remove", "move", "gate", "undo"])
        live = sc.facilities()["facility_id"].unique()
        try:
            if op == "add":
                sc.add(*rng.uniform(-50, ext + 50, 2), str(rng.choice(CAT["category"])))
            elif op == "remove" and len(live):
                sc.remove(rng.choice(live))
            elif op == "move" and len(live):
                fid = rng.choice([f for f in live if f != "P1"])
                sc.move(fid, *rng.uniform(0, ext, 2))
            elif op == "gate" and "P1" in live:
                g = int(rng.integers(len(sc.gates("P1"))))
                kind = int(rng.integers(3))
                if kind == 0:
                    sc.add_gate("P1", *rng.uniform(0, ext, 2))
                elif kind == 1:
                    sc.move_gate("P1", g, *rng.uniform(0, ext, 2))
                else:
                    sc.remove_gate("P1", g)
            elif sc.history:
                sc.undo()
        except InputError:
            continue
        if step % 5 == 4:
            check_equal(sc, net, oxy, w, zones)
    check_equal(sc, net, oxy, w, zones)
    sc.reset()
    assert (sc.difference()["change"].abs() < 1e-9).all()


def test_step_reports_changed_rows_and_grows_capacity(monkeypatch):
    import planner_gis.scenario.state as state

    monkeypatch.setattr(state, "SPARE", 16)  # 80 additions grow the spare sources twice
    net, oxy, w, zones, fxy, cats, ext = city(7)
    sc = scenario(net, oxy, w, zones, fxy, cats)
    before = sc.coverage().set_index(["unit_id", "category"])["covered_population"]
    steps = [sc.add(*xy, "kg") for xy in np.random.default_rng(1).uniform(0, ext, (80, 2))]
    assert sc._capacity >= sc.n_points > len(fxy) + 16
    check_equal(sc, net, oxy, w, zones)
    after = sc.coverage().set_index(["unit_id", "category"])["covered_population"]
    total = pd.concat([s.changes for s in steps]).groupby(["unit_id", "category"])["change"].sum()
    np.testing.assert_allclose(total, (after - before).loc[total.index], atol=1e-6)
    assert steps[0].facility_id == "new-1" and steps[-1].facility_id == "new-80"


def test_errors_name_the_fix():
    net, oxy, w, zones, fxy, cats, ext = city(3)
    sc = scenario(net, oxy, w, zones, fxy, cats)
    with pytest.raises(InputError, match="not in the scenario"):
        sc.remove("nope")
    with pytest.raises(InputError, match="not in the catalogue"):
        sc.add(0, 0, "zoo")
    with pytest.raises(InputError, match="nothing to undo"):
        sc.undo()


def test_save_load_round_trip(tmp_path):
    net, oxy, w, zones, fxy, cats, ext = city(5)
    sc = scenario(net, oxy, w, zones, fxy, cats)
    sc.add(300, 300, "school")
    p = save_scenario(sc, tmp_path / "s.npz")
    sc2 = load_scenario(p)
    np.testing.assert_array_equal(np.where(np.isinf(sc.dist), -1, sc.dist), np.where(np.isinf(sc2.dist), -1, sc2.dist))
    with pytest.raises(InputError, match="scenario"):
        (tmp_path / "bad.npz").write_bytes(b"nonsense")
        load_scenario(tmp_path / "bad.npz")


def test_serve_answers_one_line_per_request():
    net, oxy, w, zones, fxy, cats, ext = city(2)
    sc = scenario(net, oxy, w, zones, fxy, cats)
    reqs = [{"id": 1, "op": "add", "x": 300, "y": 300, "category": "kg"}, {"id": 2, "op": "remove", "facility_id": "x"},
            "not json", {"id": 3, "op": "nearest", "x": 301, "y": 300}, {"id": 4, "op": "undo"},
            {"id": 5, "op": "state"}, {"id": 6, "op": "quit"}, {"id": 7, "op": "undo"}]
    stdin = io.StringIO("\n".join(r if isinstance(r, str) else json.dumps(r) for r in reqs) + "\n")
    out = io.StringIO()
    serve(sc, stdin, out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert lines[0]["event"] == "ready" and lines[0]["epsg"] == 32650 and lines[0]["categories"] == ["kg", "clinic",
                                                                                                    "school"]
    add, bad, notjson, near, undo, state, quit_ = lines[1:]
    assert add["ok"] and add["facility_id"] == "new-1" and add["undo_depth"] == 1
    assert sum(r["change"] for r in add["changes"]) >= 0
    assert not bad["ok"] and "Fix:" in bad["error"]
    assert not notjson["ok"]
    assert near["facility_id"] == "new-1"
    assert undo["ok"] and undo["diff"] == [] and state["diff"] == []
    assert quit_["op"] == "quit"  # nothing is answered after quit


def test_baseline_equals_reach_of_same_points():
    net, oxy, w, zones, fxy, cats, ext = city(9)
    sc = scenario(net, oxy, w, zones, fxy, cats)
    fac = gpd.GeoDataFrame({"category": cats}, geometry=[Point(x, y) for x, y in fxy], crs=CRS)
    pop = gpd.GeoDataFrame({"population": w}, geometry=gpd.points_from_xy(*oxy.T), crs=CRS)
    res = compute_coverage(net, fac, pop, zones, CAT, underserved=False)
    od = res.origin_distance[CAT["category"]].to_numpy().T
    np.testing.assert_array_equal(np.where(np.isinf(od), -1, od), np.where(np.isinf(sc.dist), -1, sc.dist))
