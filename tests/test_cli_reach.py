"""`planner-gis reach` on a hand-checkable town, and the synthetic demo city.

The town (EPSG:32650, metres)::

    side street x=500 from y=0 to y=400 (shares the vertex (500, 0))
    main street y=0 from x=0 to x=1000
    residents: A (0, 10) 100, B (300, 0) 200, C (700, 0) 300, D (500, 300) 400,
               E (1000, 500) 50 -- 500 m from any street: unreachable
    kindergarten K1 (100, 0); school S1 (900, 20); park P1 = box(520, 300, 620, 400)
    zones: west box(-100, -100, 450, 600) holds A, B; east box(450, -100, 1100, 600) C, D, E

Hand-computed walking distances (snap + along streets + snap):

    to K1: A 10+100=110, B 200, C 600, D 300+400=700
    to S1: A 10+900+20=930, B 620, C 220, D 720
    to P1 (boundary points every 50 m; the nearest, (520, 300), is 20 m from the side street):
           A 10+500+300+20=830, B 520, C 520, D 20
    to P1 through its only gate (620, 350), 120 m from the side street at (500, 350):
           A 980, B 670, C 670, D 50+120=170
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine
from shapely.geometry import LineString, Point, box

from planner_gis.cli import main

ROOT = Path(__file__).resolve().parent.parent
CRS = "EPSG:32650"
CONTRACT = ["unit_id", "category", "tier_min", "threshold_m", "population", "covered_population", "share"]
CATALOGUE = (
    "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"
    "kg,幼儿园,Kindergarten,5,300,,amenity=kindergarten,\n"
    "school,小学,School,10,500,,amenity=school,\n"
    "park,公园,Park,15,600,,leisure=park,\n"
)


@pytest.fixture()
def town(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    streets = gpd.GeoDataFrame(
        geometry=[LineString([(0, 0), (500, 0), (1000, 0)]), LineString([(500, 0), (500, 400)])], crs=CRS)
    streets.to_file(d / "streets.gpkg", layer="streets")
    pop = gpd.GeoDataFrame(
        {"pop": [100, 200, 300, 400, 50], "name": list("ABCDE")},
        geometry=[Point(0, 10), Point(300, 0), Point(700, 0), Point(500, 300), Point(1000, 500)], crs=CRS)
    pop.to_file(d / "pop.gpkg")
    fac = gpd.GeoDataFrame(
        {"fid_": ["K1", "S1", "P1"], "kind": ["kg", "school", "park"]},
        geometry=[Point(100, 0), Point(900, 20), box(520, 300, 620, 400)], crs=CRS)
    fac.to_file(d / "fac.gpkg")
    zones = gpd.GeoDataFrame({"code": ["W", "E"], "name": ["西", "东"]},
                             geometry=[box(-100, -100, 450, 600), box(450, -100, 1100, 600)], crs=CRS)
    zones.to_file(d / "zones.gpkg")
    gpd.GeoDataFrame({"gate": ["g1"]}, geometry=[Point(620, 350)], crs=CRS).to_file(d / "gates.gpkg")
    (d / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    return d


def args(d: Path, out: Path, *extra: str) -> list[str]:
    return ["reach", "--network", str(d / "streets.gpkg"), "--facilities", str(d / "fac.gpkg"),
            "--population", str(d / "pop.gpkg"), "--zones", str(d / "zones.gpkg"), "--out", str(out),
            "--catalogue", str(d / "cat.csv"), "--category-column", "kind",
            "--population-column", "pop", "--zone-id", "code", "--facility-id", "fid_", *extra]


def coverage_table(out: Path) -> dict:
    cov = pd.read_csv(out / "coverage.csv", dtype={"unit_id": str})
    return {(r.unit_id, r.category): (r.population, r.covered_population) for r in cov.itertuples()}


# ----------------------------------------------------------------------------- contract


def test_reach_hand_checked(town, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(args(town, out)) == 0
    text = (out / "coverage.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == ",".join(CONTRACT)
    cov = pd.read_csv(out / "coverage.csv", dtype={"unit_id": str})
    assert list(cov.columns) == CONTRACT
    got = coverage_table(out)
    expected = {
        ("W", "kg"): (300, 300), ("E", "kg"): (750, 0),
        ("W", "school"): (300, 0), ("E", "school"): (750, 300),
        ("W", "park"): (300, 200), ("E", "park"): (750, 700),
        # tier rows: each tier has one category here
        ("W", "tier_5"): (300, 300), ("E", "tier_5"): (750, 0),
        ("W", "tier_10"): (300, 0), ("E", "tier_10"): (750, 300),
        ("W", "tier_15"): (300, 200), ("E", "tier_15"): (750, 700),
    }
    assert got == expected
    row = cov[(cov.unit_id == "E") & (cov.category == "park")].iloc[0]
    assert row.tier_min == 15 and row.threshold_m == 600 and row.share == pytest.approx(700 / 750)
    assert np.isnan(cov.loc[cov.category == "tier_5", "threshold_m"]).all()

    layers = dict(pyogrio.list_layers(out / "reach.gpkg"))
    assert {"coverage", "underserved", "unreachable"} <= set(layers) and "isochrones" not in layers
    cl = gpd.read_file(out / "reach.gpkg", layer="coverage")
    assert len(cl) == len(cov) and {"name", "category_zh", "share"} <= set(cl.columns)
    assert cl.loc[cl.unit_id == "W", "geometry"].iloc[0].equals(box(-100, -100, 450, 600))
    un = gpd.read_file(out / "reach.gpkg", layer="unreachable")
    assert un["kind"].tolist() == ["origin"] and (un.geometry.iloc[0].x, un.geometry.iloc[0].y) == (1000, 500)
    under = gpd.read_file(out / "reach.gpkg", layer="underserved")
    # D (500, 300) is 700 m from the kindergarten: its cell is underserved in unit E
    kg_e = under[(under.category == "kg") & (under.unit_id == "E")]
    assert kg_e.geometry.iloc[0].contains(Point(500, 300))

    summary = json.loads((out / "reach.json").read_text(encoding="utf-8"))
    assert summary["crs"].startswith("EPSG:32650")
    assert summary["unreachable"]["origins"] == 1 and summary["unreachable"]["origin_population"] == 50
    assert summary["counts"]["facilities"] == 3 and summary["counts"]["access_points"] == 1 + 1 + 8
    # district: kg reaches A, B = 300 of 1050
    assert summary["district_share"]["kg"] == pytest.approx(round(300 / 1050, 4))
    assert summary["district_share"]["park"] == pytest.approx(round(900 / 1050, 4))
    stdout = capsys.readouterr().out
    assert "1 origins (50 residents)" in stdout and "origin 4 at (1000.0, 500.0)" in stdout


def test_entrances_change_reach(town, tmp_path):
    out = tmp_path / "out"
    assert main(args(town, out, "--entrances", str(town / "gates.gpkg"))) == 0
    got = coverage_table(out)
    assert got[("W", "park")] == (300, 0)  # B 670 m > 600
    assert got[("E", "park")] == (750, 400)  # only D (170 m)
    assert json.loads((out / "reach.json").read_text())["counts"]["access_points"] == 3


def test_isochrones_of_15min_tier(town, tmp_path):
    out = tmp_path / "out"
    assert main(args(town, out, "--isochrones")) == 0
    iso = gpd.read_file(out / "reach.gpkg", layer="isochrones")
    assert sorted(iso["threshold_m"]) == [300, 500, 600]  # the catalogue's thresholds
    assert set(iso["facility_id"]) == {"P1"} and set(iso["category"]) == {"park"}
    by = dict(zip(iso["threshold_m"], iso.geometry))
    # from (520, 300) 20 m off the side street: 280 m along it reaches y=20
    assert by[300].contains(Point(500, 60)) and not by[300].contains(Point(600, 0))
    # 500 m: 320 m to (500, 0), then 180 m along the main street: x in [320, 680] (+25 m band)
    assert by[500].contains(Point(660, 0)) and not by[500].contains(Point(750, 0))
    assert by[300].area < by[500].area < by[600].area
    assert json.loads((out / "reach.json").read_text())["isochrones"]["categories"] == ["park"]


def test_raster_population(town, tmp_path):
    # 3 x 1 cells of 100 m along the main street: centres (50, 0), (150, 0), (250, 0)
    tif = town / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=3, height=1, count=1, dtype="int32", crs=CRS,
                       transform=Affine(100.0, 0.0, 0.0, 0.0, -100.0, 50.0), nodata=-1) as dst:
        dst.write(np.array([[10, 0, 30]], dtype="int32"), 1)
    out = tmp_path / "out"
    a = args(town, out)
    a[a.index("--population") + 1] = str(tif)
    assert main(a) == 0
    got = coverage_table(out)
    # (50, 0): 50 m to K1; (250, 0): 150 m -> both covered; nobody in the east
    assert got[("W", "kg")] == (40, 40)
    assert got[("E", "kg")][0] == 0


def test_unknown_categories_are_ignored_and_reported(town, tmp_path, capsys):
    fac = gpd.read_file(town / "fac.gpkg")
    extra = gpd.GeoDataFrame({"fid_": ["R1"], "kind": ["restaurant"]}, geometry=[Point(0, 0)], crs=CRS)
    pd.concat([fac, extra]).to_file(town / "fac2.gpkg")
    out = tmp_path / "out"
    a = args(town, out)
    a[a.index("--facilities") + 1] = str(town / "fac2.gpkg")
    assert main(a) == 0
    assert json.loads((out / "reach.json").read_text())["counts"]["ignored_categories"] == {"restaurant": 1}
    assert "restaurant (1)" in capsys.readouterr().out


def test_teams_named_on_underserved(town, tmp_path):
    (town / "teams.csv").write_text(
        "team_id,unit_id,role,start_date,end_date,team_name\n"
        "T-E,E,unit,2020-01-01,2030-12-31,东区团队\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(args(town, out, "--teams", str(town / "teams.csv"), "--as-of", "2025-06-30")) == 0
    under = gpd.read_file(out / "reach.gpkg", layer="underserved")
    assert set(under.loc[under.unit_id == "E", "team_name"]) == {"东区团队"}
    assert set(under.loc[under.unit_id == "W", "team_id"].fillna("")) == {""}


# ----------------------------------------------------------------------------- errors


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    err = [e for e in err if e.startswith("planner-gis")]
    assert len(err) == 1
    return err[0]


def test_refuses_to_overwrite_an_input(town, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    zones = out / "reach.gpkg"  # an input where an output would go
    gpd.read_file(town / "zones.gpkg").to_file(zones)
    before = zones.read_bytes()
    a = args(town, out)
    a[a.index("--zones") + 1] = str(zones)
    assert main(a) == 2
    msg = _one_line_error(capsys)
    assert "would overwrite the input" in msg and "reach.gpkg" in msg
    assert zones.read_bytes() == before
    assert not (out / "coverage.csv").exists()


def test_bad_category_column(town, tmp_path, capsys):
    a = args(town, tmp_path / "out")
    a[a.index("--category-column") + 1] = "nope"
    assert main(a) == 2
    msg = _one_line_error(capsys)
    assert "'nope'" in msg and "fac.gpkg" in msg and "kind" in msg and "--category-column" in msg
    assert not (tmp_path / "out" / "coverage.csv").exists()


def test_bad_population_column(town, tmp_path, capsys):
    a = args(town, tmp_path / "out")
    a[a.index("--population-column") + 1] = "residents"
    assert main(a) == 2
    msg = _one_line_error(capsys)
    assert "'residents'" in msg and "pop.gpkg" in msg


def test_bad_isochrone_category_and_max_snap(town, tmp_path, capsys):
    assert main(args(town, tmp_path / "o1", "--isochrone-category", "zoo")) == 2
    assert "zoo" in _one_line_error(capsys)
    assert main(args(town, tmp_path / "o2", "--max-snap", "-5")) == 2
    assert "--max-snap" in _one_line_error(capsys)


def test_bad_catalogue(town, tmp_path, capsys):
    (town / "bad.csv").write_text(CATALOGUE.replace("park,公园,Park,15,", "park,公园,Park,20,"), encoding="utf-8")
    a = args(town, tmp_path / "out")
    a[a.index("--catalogue") + 1] = str(town / "bad.csv")
    assert main(a) == 2
    msg = _one_line_error(capsys)
    assert "bad.csv line 4" in msg and "tier_min" in msg


# ----------------------------------------------------------------------------- demo city


def _demo_module():
    spec = importlib.util.spec_from_file_location("make_demo_city", ROOT / "scripts" / "make_demo_city.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _read_demo(d: Path) -> dict:
    out = {}
    for name in ("fengtai_walk_network.gpkg", "fengtai_facilities.gpkg", "fengtai_park_entrances.gpkg"):
        out[name] = pyogrio.read_dataframe(d / name)
    with rasterio.open(d / "fengtai_population_100m.tif") as src:
        out["pop"] = (src.read(1), tuple(src.transform), src.crs.to_epsg())
    return out


def _same(a: dict, b: dict) -> bool:
    for k in a:
        if k == "pop":
            if not (np.array_equal(a[k][0], b[k][0]) and a[k][1:] == b[k][1:]):
                return False
        else:
            x, y = a[k], b[k]
            if len(x) != len(y) or not x.drop(columns="geometry").equals(y.drop(columns="geometry")):
                return False
            if not all(shapely.equals_exact(x.geometry.to_numpy(), y.geometry.to_numpy(), tolerance=0)):
                return False
    return True


SMALL = (116.36, 39.85, 116.40, 39.88)  # 右安门 / 马家堡, about 3.4 km x 3.3 km


def test_demo_generator_is_deterministic(tmp_path):
    mod = _demo_module()
    a = _read_demo(Path(mod.make_demo_city(tmp_path / "a", seed=5, bbox=SMALL, total_population=100_000)
                        ["network"]).parent)
    b = _read_demo(Path(mod.make_demo_city(tmp_path / "b", seed=5, bbox=SMALL, total_population=100_000)
                        ["network"]).parent)
    c = _read_demo(Path(mod.make_demo_city(tmp_path / "c", seed=6, bbox=SMALL, total_population=100_000)
                        ["network"]).parent)
    assert _same(a, b)
    assert not _same(a, c)
    assert int(a["pop"][0][a["pop"][0] > 0].sum()) == 100_000


def test_committed_demo_matches_generator(tmp_path):
    mod = _demo_module()
    fresh = _read_demo(Path(mod.make_demo_city(tmp_path / "demo")["network"]).parent)
    committed = _read_demo(ROOT / "planner_gis" / "data" / "demo")
    assert _same(fresh, committed), "planner_gis/data/demo is stale: re-run scripts/make_demo_city.py"


def test_committed_demo_is_plausible():
    from planner_gis.catalogue import load_catalogue

    d = _read_demo(ROOT / "planner_gis" / "data" / "demo")
    streets = d["fengtai_walk_network.gpkg"]
    assert streets.crs.to_epsg() == 4548
    # every intersection is a shared vertex: noding the lines again splits nothing
    pieces = shapely.get_parts(shapely.union_all(streets.geometry.to_numpy()))
    assert len(pieces) == len(streets)
    fac = d["fengtai_facilities.gpkg"]
    assert set(fac["category"]) == set(load_catalogue()["category"])
    assert fac["fac_id"].is_unique and (fac["source"] == "synthetic").all()
    parks = fac[fac.geom_type == "Polygon"]
    ha = parks.area / 10_000
    mins = {"park_5min": 0.4, "park_10min": 1.0, "park_15min": 5.0}
    assert all(a >= mins[c] for c, a in zip(parks["category"], ha))
    pop, transform, epsg = d["pop"]
    assert epsg == 4548 and transform[0] == 100 and transform[4] == -100
    assert int(pop[pop > 0].sum()) == 2_000_000
    # denser in the north-east than in the south-west hills
    ne = pop[: pop.shape[0] // 2, 2 * pop.shape[1] // 3:]
    sw = pop[pop.shape[0] // 2:, : pop.shape[1] // 3]
    assert ne[ne > 0].mean() > 3 * sw[sw > 0].mean()
    total = sum((ROOT / "planner_gis" / "data" / "demo" / n).stat().st_size for n in
                ("fengtai_walk_network.gpkg", "fengtai_facilities.gpkg", "fengtai_park_entrances.gpkg",
                 "fengtai_population_100m.tif"))
    assert total < 8e6


def test_demo_siting_covers_the_densest_catchment_first():
    mod = _demo_module()
    # 100 m diamond: the centre cell fully, its 4 neighbours (100 m) half, the corners (200 m) not
    k = mod._diamond(100.0)
    assert k.tolist() == [[0.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 0.0]]
    residents = np.zeros((5, 5))
    residents[2, 2], residents[2, 3], residents[0, 0] = 100.0, 40.0, 10.0
    s = mod.Siting(np.random.default_rng(0), residents, residents > 0, 100.0, power=200.0)
    # catchment scores by hand: (2,2) 100 + 0.5*40 = 120, (2,3) 40 + 50 = 90, (0,0) 10
    assert s.score[2, 2] == 120.0 and s.score[2, 3] == 90.0 and s.score[0, 0] == 10.0
    assert s.draw(planned=True) == 2 * 5 + 2
    s.cover(12)
    assert s.uncovered[2, 2] == 0.0 and s.uncovered[2, 3] == 20.0 and s.uncovered[0, 0] == 10.0
    # the score was updated to the new uncovered residents: (2,3) 20 + 0 = 20, (0,0) still 10
    assert s.score[2, 3] == 20.0 and s.score[0, 0] == 10.0
    assert s.draw(planned=True) == 2 * 5 + 3
    # a cell not allowed is never drawn, even by residents alone
    s.forbid(0)
    s.forbid(13)
    assert s.draw(planned=False) == 12
    assert mod._split(10, [1.0, 3.0]) == [3, 7] and sum(mod._split(181, [5.0, 95.0])) == 181


@pytest.mark.slow
def test_reach_on_demo_finds_the_planted_gaps(tmp_path):
    demo = ROOT / "planner_gis" / "data" / "demo"
    out = tmp_path / "out"
    assert main(["reach", "--network", str(demo / "fengtai_walk_network.gpkg"),
                 "--facilities", str(demo / "fengtai_facilities.gpkg"),
                 "--population", str(demo / "fengtai_population_100m.tif"),
                 "--zones", str(ROOT / "planner_gis" / "data" / "boundaries" / "fengtai_units_schematic.geojson"),
                 "--entrances", str(demo / "fengtai_park_entrances.gpkg"), "--out", str(out)]) == 0
    under = gpd.read_file(out / "reach.gpkg", layer="underserved")
    mod = _demo_module()
    for name, lon, lat, _r, cats in mod.UNDERSERVED:
        centre = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(under.crs).iloc[0]
        for c in cats:
            shapes = under.loc[under.category == c, "geometry"]
            # residents within r - 300 m of the centre cannot reach a facility of c within 300 m+
            assert shapes.intersects(centre.buffer(50)).any(), (name, c)
    cov = pd.read_csv(out / "coverage.csv")
    assert list(cov.columns) == CONTRACT
    assert cov["unit_id"].nunique() == 24
    # the demo teaches realistic coverage (planner_gis/data/demo/README.md): district shares recomputed
    # from the base units (which tile the district), in the ranges of Beijing's assessments
    units = gpd.read_file(ROOT / "planner_gis" / "data" / "boundaries" / "fengtai_units_schematic.geojson")
    base = set(units.loc[units["unit_type"] != "area", "unit_id"].astype(str))
    sums = cov[cov["unit_id"].astype(str).isin(base)].groupby("category")[["covered_population", "population"]].sum()
    share = sums["covered_population"] / sums["population"]
    assert sums["population"].max() == pytest.approx(2_000_000)
    tiers = dict(zip(cov["category"], cov["tier_min"]))
    for c, v in share.items():
        if c.startswith("tier_"):
            assert 0.1 <= v <= 0.6, (c, v)
        else:
            lo = {5: 0.5, 10: 0.55, 15: 0.6}[int(tiers[c])]
            assert lo <= v <= 0.92, (c, v)
