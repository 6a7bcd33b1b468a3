"""The ``planner-gis audit`` and ``planner-gis demo`` contract, run as a user would."""

import csv
import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from planner_gis import datasets
from planner_gis.cli import main

FINDINGS_HEADER = ["kind", "severity", "unit_id", "team_id", "message"]


def run_cli(*args, cwd=None):
    """Run the installed console script in a subprocess (the real entry point)."""
    exe = Path(sys.executable).with_name("planner-gis")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "planner_gis.cli"]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    proc = run_cli("demo", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "audit"
    with open(out / "findings.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == FINDINGS_HEADER
    assert sorted((r[0], r[2]) for r in rows[1:]) == [
        ("contract_expired", "110106101"), ("contract_expiring", "FT-A03"),
        ("multiple_teams", "110106009"), ("unassigned", "110106101")]
    assert set(pyogrio.list_layers(out / "audit.gpkg")[:, 0]) == {"units", "findings"}
    units = pyogrio.read_dataframe(out / "audit.gpkg", layer="units")
    assert len(units) == 24 and units.crs.to_epsg() == 4548
    assert dict(units.groupby("status").size()) == {"covered": 21, "expiring": 1, "multiple_teams": 1,
                                                    "unassigned": 1}
    summary = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert summary["as_of"] == datasets.DEMO_AS_OF and summary["findings"]["unassigned"] == 1
    assert "unassigned         1" in proc.stdout
    # piped to a file: one line per stage, no carriage returns, no empty stage (issue 10, item 9)
    assert "\r" not in proc.stderr and "| ," not in proc.stderr and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(re.fullmatch(r"[a-z]+: +\d+% [a-z][^|]*", line) for line in lines), proc.stderr
    jobs = list(dict.fromkeys(line.split(":")[0] for line in lines))
    assert jobs[0] == "reach"
    for job in jobs:  # each job's stages: one line each, rising, "done" only at the end
        stages = [line for line in lines if line.startswith(f"{job}:")]
        fractions = [int(line.split("%")[0].split()[-1]) for line in stages]
        assert fractions == sorted(fractions) and fractions[-1] == 100 and len(set(stages)) == len(stages)
        assert [line for line in stages if line.endswith(" done")] == [f"{job}: 100% done"]
    from test_readme import check_demo_output

    check_demo_output(proc.stdout, tmp_path / "out")
    # no temporary files left behind
    assert sorted(p.name for p in out.iterdir()) == ["audit.gpkg", "audit.json", "findings.csv", "workload.csv"]
    # the demo also runs reach and writes both maps
    top = tmp_path / "out"
    assert sorted(p.name for p in top.iterdir()) == ["audit", "audit_map.html", "reach", "reach_map.html", "suggest"]
    assert sorted(p.name for p in (top / "reach").iterdir()) == ["coverage.csv", "reach.gpkg", "reach.json",
                                                                  "scenario.npz"]
    assert sorted(p.name for p in (top / "suggest").iterdir()) == ["sites.csv", "suggest.gpkg", "suggest.json"]
    with open(top / "reach" / "coverage.csv", encoding="utf-8") as fh:
        cov = list(csv.DictReader(fh))
    # every unit has a row per catalogue category and tier; shares are covered / population
    units = {r["unit_id"] for r in cov}
    assert len(units) == 24 and len(cov) == 24 * (15 + 3)
    for r in cov:
        if float(r["population"]) > 0:
            assert float(r["share"]) == pytest.approx(float(r["covered_population"]) / float(r["population"]))
    layers = set(pyogrio.list_layers(top / "reach" / "reach.gpkg")[:, 0])
    assert layers == {"coverage", "underserved", "unreachable", "isochrones"}
    under = pyogrio.read_dataframe(top / "reach" / "reach.gpkg", layer="underserved")
    # underserved places of the unassigned unit have no team; the others name theirs
    assert set(under.loc[under["unit_id"] == "110106101", "team_id"].fillna("")) <= {""}
    assert (under.loc[under["unit_id"] == "110106001", "team_id"] == "FT-U01").all()
    for name in ("audit_map.html", "reach_map.html"):
        html = (top / name).read_text(encoding="utf-8")
        assert "L.map(" in html, name
        # the demo note, as text or JSON-escaped inside the map script
        assert "示意数据" in html or json.dumps("示意数据")[1:-1] in html, name


def test_audit_command_options(tmp_path):
    code = main(["audit", str(datasets.demo_units_path()), "--teams", str(datasets.demo_registry_path()),
                 "--out", str(tmp_path), "--as-of", "2026-09-15", "--expiring-days", "90"])
    assert code == 0
    with open(tmp_path / "findings.csv", encoding="utf-8") as fh:
        kinds = [r["kind"] for r in csv.DictReader(fh)]
    assert kinds.count("contract_expiring") == 22  # the 2025-26 terms all end on 2026-11-29
    with open(tmp_path / "workload.csv", encoding="utf-8") as fh:
        work = {r["team_id"]: r for r in csv.DictReader(fh)}
    assert work["FT-C01"]["n_units"] == "21" and work["FT-C01"]["unit_types"] == "district"


def test_bad_registry_date_exit_2_one_line(tmp_path):
    bad = tmp_path / "teams.csv"
    text = datasets.demo_registry_path().read_text(encoding="utf-8").splitlines()
    fields = text[5].split(",")
    fields[3] = "30.11.2020"  # start_date of the row spreadsheet users see as row 6
    text[5] = ",".join(fields)
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    proc = run_cli("audit", datasets.demo_units_path(), "--teams", bad, "--out", tmp_path / "o")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "teams.csv, row 6" in err and "30.11.2020" in err and "Fix:" in err
    assert not (tmp_path / "o" / "findings.csv").exists()


def test_missing_crs_exit_2(tmp_path):
    z = tmp_path / "z.geojson"
    z.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"unit_id":"a",'
                 '"unit_type":"street"},"geometry":{"type":"Polygon","coordinates":[[[500000,4400000],'
                 '[501000,4400000],[501000,4401000],[500000,4400000]]]}}]}', encoding="utf-8")
    # GeoJSON is WGS84 by definition; a .shp without .prj has no CRS
    import geopandas as gpd
    g = gpd.read_file(z).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="crs"):
        g.to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink(missing_ok=True)
    proc = run_cli("audit", tmp_path / "nocrs.shp", "--teams", datasets.demo_registry_path(), "--out", tmp_path / "o")
    assert proc.returncode == 2 and "no coordinate reference system" in proc.stderr


def test_refuses_to_write_over_an_input(tmp_path):
    teams = tmp_path / "findings.csv"  # an input that has an output's name, in the output folder
    shutil.copy(datasets.demo_registry_path(), teams)
    before = teams.read_bytes()
    proc = run_cli("audit", datasets.demo_units_path(), "--teams", teams, "--out", tmp_path)
    assert proc.returncode == 2 and "would overwrite the input" in proc.stderr
    assert teams.read_bytes() == before


def test_out_is_a_file(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("keep")
    assert main(["demo", "--out", str(f)]) == 2
    assert f.read_text() == "keep"


def test_existing_outputs_replaced_whole(tmp_path):
    (tmp_path / "findings.csv").write_text("old")
    assert main(["audit", str(datasets.demo_units_path()), "--teams", str(datasets.demo_registry_path()),
                 "--out", str(tmp_path), "--as-of", datasets.DEMO_AS_OF]) == 0
    assert (tmp_path / "findings.csv").read_text(encoding="utf-8").startswith("kind,severity")


def test_unknown_unit_type_exit_2(tmp_path, capsys):
    import geopandas as gpd
    g = gpd.read_file(datasets.demo_units_path())
    g.loc[3, "unit_type"] = "county"
    g.to_file(tmp_path / "z.gpkg")
    assert main(["audit", str(tmp_path / "z.gpkg"), "--teams", str(datasets.demo_registry_path()),
                 "--out", str(tmp_path / "o")]) == 2
    assert "110106004 ('county')" in capsys.readouterr().err


def test_make_valid_gcj02_and_encoding_options(tmp_path, capsys):
    import geopandas as gpd
    from shapely.geometry import Polygon

    from planner_gis.crs import convert_gdf

    g = gpd.read_file(datasets.demo_units_path()).drop(columns="geometry_quality")
    bow = g.geometry.iloc[5]
    x0, y0, x1, y1 = bow.bounds
    g.loc[5, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # a bow-tie
    gcj = convert_gdf(g, "wgs84", "gcj02")
    gcj.to_file(tmp_path / "units_gcj.shp", encoding="GBK")
    (tmp_path / "units_gcj.cpg").unlink(missing_ok=True)
    args = ["audit", str(tmp_path / "units_gcj.shp"), "--teams", str(datasets.demo_registry_path()),
            "--as-of", datasets.DEMO_AS_OF]
    assert main(args + ["--out", str(tmp_path / "a")]) == 2
    assert "110106006: Self-intersection" in capsys.readouterr().err
    assert main(args + ["--out", str(tmp_path / "b"), "--make-valid", "--coords", "gcj02", "--encoding", "GBK"]) == 0
    assert "repaired invalid geometry of unit(s): 110106006" in capsys.readouterr().out
    units = pyogrio.read_dataframe(tmp_path / "b" / "audit.gpkg", layer="units")
    assert "东高地街道" in set(units["name"])
    assert json.loads((tmp_path / "b" / "audit.json").read_text(encoding="utf-8"))["repaired_units"] == ["110106006"]
    # converted back from GCJ-02, the units sit where the WGS84 originals are (< 0.5 m)
    ref = gpd.read_file(datasets.demo_units_path()).to_crs(units.crs).set_index("unit_id")
    got = units.set_index("unit_id")
    shift = got.geometry.centroid.distance(ref.geometry.centroid)
    assert shift.drop("110106006").max() < 0.5


@pytest.mark.slow
def test_demo_quiet_prints_nothing(tmp_path):
    proc = run_cli("--quiet", "demo", "--out", tmp_path / "out")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "out" / "reach_map.html").exists()
