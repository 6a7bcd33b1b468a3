"""`planner-gis suggest` and `planner-gis whatif` through a subprocess: the output contracts and errors.

The town (EPSG:32650): a 2 km street y=0 with a side street x=1000 up to y=800; 21 homes of 10 residents
20 m north of the street every 100 m; one kindergarten at (0, 0) (homes 0-200 m are within 300 m);
units W (x < 999) and E.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

from planner_gis.scenario import DIFF_COLUMNS

CRS = "EPSG:32650"
SITES = "rank,candidate_id,unit_id,team_id,x,y,gain_population,cumulative_covered,cumulative_share"
CATALOGUE = (
    "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"
    "kg,幼儿园,Kindergarten,5,300,,amenity=kindergarten,\n"
    "clinic,卫生站,Clinic,5,300,,amenity=clinic,\n"
)


@pytest.fixture()
def town(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0), (2000, 0)]), LineString([(1000, 0), (1000, 800)])],
                     crs=CRS).to_file(d / "streets.gpkg")
    xs = range(0, 2001, 100)
    gpd.GeoDataFrame({"population": [10] * 21}, geometry=[Point(x, 20) for x in xs], crs=CRS).to_file(d / "pop.gpkg")
    gpd.GeoDataFrame({"fac_id": ["K1", "C1"], "category": ["kg", "clinic"]},
                     geometry=[Point(0, 0), Point(1500, 0)], crs=CRS).to_file(d / "fac.gpkg")
    gpd.GeoDataFrame({"unit_id": ["W", "E"], "name": ["west", "east"]},
                     geometry=[box(-50, -50, 999, 900), box(999, -50, 2050, 900)], crs=CRS).to_file(d / "zones.gpkg")
    gpd.GeoDataFrame({"site_id": ["far", "mid", "east", "offnet"]},
                     geometry=[Point(300, 0), Point(700, 0), Point(1600, 0), Point(1600, 500)],
                     crs=CRS).to_file(d / "cands.gpkg")
    (d / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    (d / "teams.csv").write_text("team_id,unit_id,role,start_date,end_date\nT-W,W,unit,2024-01-01,2030-12-31\n"
                                 "T-E,E,unit,2024-01-01,2030-12-31\n", encoding="utf-8")
    return d


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner_gis", "--progress", "none", *args], capture_output=True,
                          text=True, input=stdin, timeout=300)


def suggest_args(d: Path, out: Path, *extra: str) -> list:
    return ["suggest", "--network", str(d / "streets.gpkg"), "--facilities", str(d / "fac.gpkg"),
            "--population", str(d / "pop.gpkg"), "--zones", str(d / "zones.gpkg"), "--category", "kg",
            "--catalogue", str(d / "cat.csv"), "--out", str(out), *extra]


def test_suggest_writes_the_contract(town, tmp_path):
    out = tmp_path / "out"
    r = cli(*suggest_args(town, out, "--candidates", str(town / "cands.gpkg"), "--sites", "2",
                          "--teams", str(town / "teams.csv"), "--as-of", "2026-03-31"))
    assert r.returncode == 0, r.stderr
    assert (out / "sites.csv").read_text(encoding="utf-8").splitlines()[0] == SITES
    sites = pd.read_csv(out / "sites.csv", dtype={"candidate_id": str})
    assert sites["candidate_id"].tolist() == ["mid", "east"]
    assert sites["team_id"].tolist() == ["T-W", "T-E"]
    assert sites["gain_population"].tolist() == [50.0, 50.0]
    assert sites["cumulative_share"].iloc[-1] == pytest.approx(130 / 210, abs=1e-6)
    info = json.loads((out / "suggest.json").read_text(encoding="utf-8"))
    assert info["crs"].startswith("EPSG:32650")
    assert info["model"] == "mclp" and info["method"] == "exact" and info["gap"] == 0.0
    assert "solver" in info and info["seconds"] >= 0
    assert info["candidates"]["skipped_beyond_max_snap"] == 1
    assert [s["candidate_id"] for s in info["skipped"]] == ["offnet"]
    assert set(pyogrio.list_layers(out / "suggest.gpkg")[:, 0]) == {"sites", "newly_covered"}
    assert "skipped offnet" in r.stdout and "written to" in r.stdout


def test_suggest_target_per_unit_every(town, tmp_path):
    out = tmp_path / "out"
    r = cli(*suggest_args(town, out, "--candidates", "every:100", "--target", "0.9", "--per-unit"))
    assert r.returncode == 0, r.stderr
    sites = pd.read_csv(out / "sites.csv")
    last = sites.groupby("unit_id")["cumulative_share"].last()
    assert (last >= 0.9 - 1e-9).all() and set(last.index) == {"W", "E"}
    assert json.loads((out / "suggest.json").read_text())["model"] == "lscp"


def test_suggest_unreachable_target_is_a_result(town, tmp_path):
    out = tmp_path / "out"
    r = cli(*suggest_args(town, out, "--candidates", str(town / "cands.gpkg"), "--target", "0.99"))
    assert r.returncode == 0, r.stderr
    assert "cannot be reached" in r.stdout


@pytest.mark.parametrize("extra, message", [
    (["--candidates", "every:100", "--sites", "2", "--category", "zoo"], "not in the facility catalogue"),
    (["--candidates", "every:0", "--sites", "2"], "spacing must be positive"),
    (["--candidates", "every:100", "--target", "1.5"], "--target"),
    (["--candidates", "every:100", "--sites", "1", "--unit", "X"], "not in the zones"),
])
def test_suggest_bad_input_one_line(town, tmp_path, extra, message):
    r = cli(*suggest_args(town, tmp_path / "out", *extra))  # a repeated --category: the last one counts
    assert r.returncode == 2
    assert message in r.stderr and "Fix:" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_suggest_needs_sites_or_target_and_never_writes_over_inputs(town, tmp_path):
    r = cli(*suggest_args(town, tmp_path / "o", "--candidates", "every:100", "--sites", "1", "--target", "0.5"))
    assert r.returncode == 2 and "not allowed with" in r.stderr
    clash = town / "suggest.gpkg"
    (town / "zones.gpkg").rename(clash)
    args = suggest_args(town, town, "--candidates", "every:100", "--sites", "1")
    args[args.index(str(town / "zones.gpkg"))] = str(clash)
    before = clash.read_bytes()
    r = cli(*args)
    assert r.returncode == 2 and clash.read_bytes() == before


def reach(town: Path, out: Path) -> subprocess.CompletedProcess:
    return cli("reach", "--network", str(town / "streets.gpkg"), "--facilities", str(town / "fac.gpkg"),
               "--population", str(town / "pop.gpkg"), "--zones", str(town / "zones.gpkg"),
               "--catalogue", str(town / "cat.csv"), "--scenario", "--out", str(out))


def test_whatif_cli_and_serve(town, tmp_path):
    rdir = tmp_path / "reach"
    r = reach(town, rdir)
    assert r.returncode == 0, r.stderr
    assert (rdir / "scenario.npz").exists() and (rdir / "coverage.csv").exists()
    out = tmp_path / "wi"
    r = cli("whatif", str(rdir), "--add", "700,0,kg", "--remove", "K1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "coverage_diff.csv").read_text().splitlines()[0] == ",".join(DIFF_COLUMNS)
    diff = pd.read_csv(out / "coverage_diff.csv").set_index(["unit_id", "category"])
    # K1 covered homes 0-200 (30 residents, W); a kindergarten at 700 covers 500-900 in W (50)
    assert diff.loc[("W", "kg"), "covered_before"] == 30 and diff.loc[("W", "kg"), "covered_after"] == 50
    assert diff.loc[("E", "kg"), "change"] == 0
    info = json.loads((out / "whatif.json").read_text())
    assert [c["op"] for c in info["changes"]] == ["remove", "add"]
    reqs = "\n".join(json.dumps(q) for q in (
        {"id": 1, "op": "add", "x": 700, "y": 0, "category": "kg"}, {"id": 2, "op": "undo"}, {"id": 3, "op": "quit"}))
    s = cli("whatif", str(rdir), "--serve", stdin=reqs + "\n")
    lines = [json.loads(x) for x in s.stdout.splitlines()]
    assert s.returncode == 0 and lines[0]["event"] == "ready"
    assert [x.get("id") for x in lines[1:]] == [1, 2, 3]
    assert sum(c["change"] for c in lines[1]["changes"] if c["category"] == "kg") == 50


def test_whatif_errors(town, tmp_path):
    r = cli("whatif", str(town), "--add", "1,2,kg", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "--scenario" in r.stderr
    r = cli("whatif", str(town), "--add", "1,kg", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "x,y,CATEGORY" in r.stderr


def test_suggest_help_lists_columns_and_an_example():
    r = cli("suggest", "--help")
    assert "required columns" in r.stdout and "example" in r.stdout and "every:200" in r.stdout
    r = cli("whatif", "--help")
    assert "example" in r.stdout and "--scenario" in r.stdout
