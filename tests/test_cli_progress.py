"""How commands report to people and to programs: --progress modes, jsonl events, --quiet, errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from planner_gis import datasets

CRS = "EPSG:4548"
X0, Y0 = 500000.0, 4400000.0


def run(*args, timeout=300):
    """``python -m planner_gis ...`` in a subprocess, as the QGIS plugin runs it."""
    return subprocess.run([sys.executable, "-m", "planner_gis", *[str(a) for a in args]], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def events(stderr: str) -> list:
    """The jsonl events of stderr; every line must be one JSON object."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def street(tmp_path_factory):
    d = tmp_path_factory.mktemp("street")
    lines = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=CRS)
    points = gpd.GeoDataFrame({"name": ["a", "far"]}, geometry=[Point(X0 + 1000, Y0 + 10), Point(X0, Y0 + 5000)],
                              crs=CRS)
    lines.to_file(d / "street.gpkg")
    points.to_file(d / "points.gpkg")
    return d


def test_jsonl_events_of_a_run_that_worked(tmp_path):
    proc = run("--progress", "jsonl", "audit", datasets.demo_units_path(), "--teams", datasets.demo_registry_path(),
               "--as-of", datasets.DEMO_AS_OF, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    evs = events(proc.stderr)
    assert evs[-1]["event"] == "done" and evs[-1]["exit"] == 0
    # the summary reads as findings, with the counts of findings.csv
    rows = (tmp_path / "findings.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert evs[-1]["summary"].startswith(f"{len(rows)} findings on {datasets.DEMO_AS_OF}: ")
    assert "1 unassigned" in evs[-1]["summary"]
    assert Path(evs[-1]["outputs"]["findings.csv"]) == tmp_path / "findings.csv"
    assert "audit of 24 units" in proc.stdout  # the human summary still goes to stdout


def test_jsonl_progress_fractions_rise_with_stages(street, tmp_path):
    proc = run("isochrones", "--network", street / "street.gpkg", "--points", street / "points.gpkg",
               "--out", tmp_path / "iso.gpkg", "--progress", "jsonl")  # also accepted after the command
    assert proc.returncode == 0, proc.stderr
    evs = events(proc.stderr)
    progress = [e for e in evs if e["event"] == "progress"]
    fractions = [e["fraction"] for e in progress]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] <= 1
    assert {"stage", "message", "fraction"} <= set(progress[0])
    assert len({e["stage"] for e in progress}) >= 3
    warnings = [e for e in evs if e["event"] == "warning"]
    assert len(warnings) == 1 and "1 point(s) farther than 200 m" in warnings[0]["message"]
    assert evs[-1]["event"] == "done" and "3 isochrones of 1 points" in evs[-1]["summary"]


def test_jsonl_error_event_has_message_and_fix(tmp_path):
    empty = tmp_path / "teams.csv"
    empty.write_bytes(b"")
    proc = run("--progress", "jsonl", "audit", datasets.demo_units_path(), "--teams", empty, "--out",
               tmp_path / "out")
    assert proc.returncode == 2
    (err,) = [e for e in events(proc.stderr) if e["event"] == "error"]
    assert err["exit"] == 2 and err["problem"] == f"{empty}: the file is empty (0 bytes)"
    assert err["fix"] and err["message"].endswith(err["fix"])
    assert "Traceback" not in proc.stderr


def test_lines_mode_prints_one_line_per_stage_without_carriage_returns(street, tmp_path):
    proc = run("isochrones", "--network", street / "street.gpkg", "--points", street / "points.gpkg",
               "--out", tmp_path / "iso.gpkg")  # stderr is a pipe: 'auto' means lines
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("isochrones:")]
    assert len(lines) == len(set(lines)) >= 3
    assert "isochrones:   0% preparing lines" in lines


def test_quiet_prints_nothing_but_errors(street, tmp_path):
    proc = run("--quiet", "isochrones", "--network", street / "street.gpkg", "--points", street / "points.gpkg",
               "--out", tmp_path / "iso.gpkg")
    assert proc.returncode == 0 and proc.stdout == "" and "isochrones:" not in proc.stderr
    proc = run("--quiet", "isochrones", "--network", street / "missing.gpkg", "--points",
               street / "points.gpkg", "--out", tmp_path / "iso2.gpkg")
    assert proc.returncode == 2 and "missing.gpkg: file not found" in proc.stderr


def test_sigterm_stops_the_run_and_leaves_no_temporary_file(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner_gis", "--progress", "jsonl", "reach", "--network",
         datasets.demo_network_path(), "--facilities", datasets.demo_facilities_path(), "--population",
         datasets.demo_population_path(), "--zones", datasets.demo_units_path(), "--out", out],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:  # wait until the work has started
        if json.loads(line).get("event") == "progress":
            break
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    rest = proc.stderr.read()
    assert proc.wait(timeout=10) == 130
    assert time.monotonic() - started < 5
    assert events(rest)[-1]["event"] == "error" and events(rest)[-1]["exit"] == 130
    assert not out.exists() or not any(out.iterdir())


def test_info_json_lists_catalogue_columns_and_demo_paths():
    proc = run("info", "--json")
    assert proc.returncode == 0, proc.stderr
    facts = json.loads(proc.stdout)
    from planner_gis import __version__
    from planner_gis.catalogue import load_catalogue

    assert facts["version"] == __version__
    assert [c["category"] for c in facts["catalogue"]] == load_catalogue()["category"].tolist()
    assert "团队编号" in facts["registry_columns"]["team_id"] and "单元编码" in facts["zone_columns"]["unit_id"]
    assert all(Path(p).exists() for k, p in facts["demo"].items() if k not in ("as_of", "evaluation_year"))
    assert facts["demo"]["evaluation_year"] == 2025 and [r["id"] for r in facts["rules"]][0] == "liaocheng"


def test_isochrones_command_matches_the_library(street, tmp_path):
    from planner_gis.io import read_vector
    from planner_gis.isochrones import isochrones
    from planner_gis.network import read_network

    proc = run("isochrones", "--network", street / "street.gpkg", "--points", street / "points.gpkg",
               "--distances", "300,500", "--out", tmp_path / "iso.gpkg")
    assert proc.returncode == 0, proc.stderr
    got = read_vector(tmp_path / "iso.gpkg")
    ref = isochrones(read_network(street / "street.gpkg"), read_vector(street / "points.gpkg"), thresholds=(300, 500))
    assert got["threshold_m"].tolist() == ref["threshold_m"].tolist() == [300, 500]
    # hand check: from the middle of a 2 km street, 10 m off it, 300 m walk 2 x 290 m of street
    assert got["street_length_m"].round(6).tolist() == [580.0 + 10.0, 980.0 + 10.0]
    assert got.geometry.area.round(3).tolist() == ref.geometry.area.round(3).tolist()


@pytest.mark.parametrize("distances", ["0,300", "abc", ""])
def test_isochrones_bad_distances(street, tmp_path, distances):
    proc = run("isochrones", "--network", street / "street.gpkg", "--points", street / "points.gpkg",
               "--distances", distances, "--out", tmp_path / "iso.gpkg")
    assert proc.returncode == 2 and "--distances" in proc.stderr and "Fix: give distances" in proc.stderr
    assert not (tmp_path / "iso.gpkg").exists()


def test_unexpected_error_is_one_line_with_debug_hint(monkeypatch, capsys):
    from planner_gis import cli

    def boom(args):
        raise ZeroDivisionError("division by zero")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["info"].set_defaults(handler=boom)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected ZeroDivisionError: division by zero" in err and "--debug" in err
    assert cli.main(["info", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_webmap_audit_takes_findings_without_geometry(tmp_path):
    """QGIS may save the findings (most have no geometry) as a table: the map is still drawn."""
    import pyogrio

    from planner_gis.audit import audit
    from planner_gis.io import write_layers

    result = audit(datasets.demo_units_path(), datasets.demo_registry_path(), as_of=datasets.DEMO_AS_OF)
    gpkg = tmp_path / "audit.gpkg"
    write_layers({"units": result.units}, gpkg)
    pyogrio.write_dataframe(result.findings.drop(columns="geometry"), gpkg, layer="findings")
    proc = run("webmap", "audit", gpkg, "--out", tmp_path / "map.html")
    assert proc.returncode == 0, proc.stderr
    assert "右安门街道" in (tmp_path / "map.html").read_text(encoding="utf-8")
