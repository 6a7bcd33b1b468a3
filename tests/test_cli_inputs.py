"""Bad input at every input of every command: one line, exit 2, the file named, what is wrong, a fix.

The corpus test runs the real ``planner-gis`` console script in subprocesses: for each input of each
command (``SLOTS``), a broken file takes the place of a good one (empty, a folder, missing, binary
junk, unreadable, the wrong kind of file behind a familiar extension, a file that does not parse)
and the command must exit with status 2 and print exactly one line on stderr that names the file,
says what is wrong and gives a fix, and never a traceback. The help test reads ``--help`` of every
command: it must list the required columns of the command's inputs and end with one example on the
demo data, which must parse and name files that exist.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import LineString, Point, box

from planner_gis.cli import build_parser, main

CRS = "EPSG:32650"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run_cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("planner-gis")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "planner_gis"]
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


# ----------------------------------------------------------------------------- a small good city


def write_city(d: Path) -> dict:
    """Good inputs for every slot (a street grid of 1 km in EPSG:32650)."""
    d.mkdir(parents=True, exist_ok=True)
    lines = [LineString([(0, y), (500, y), (1000, y)]) for y in (0, 500, 1000)]
    lines += [LineString([(x, 0), (x, 500), (x, 1000)]) for x in (0, 500, 1000)]
    gpd.GeoDataFrame(geometry=lines, crs=CRS).to_file(d / "streets.gpkg")
    gpd.GeoDataFrame({"category": ["kindergarten", "primary_school"]},
                     geometry=[Point(250, 10), Point(750, 510)], crs=CRS).to_file(d / "fac.gpkg")
    gpd.GeoDataFrame({"population": [100, 200, 300]},
                     geometry=[Point(100, 20), Point(600, 480), Point(900, 900)], crs=CRS).to_file(d / "pop.gpkg")
    gpd.GeoDataFrame({"unit_id": ["A", "B"], "name": ["甲", "乙"], "unit_type": ["street", "street"]},
                     geometry=[box(0, 0, 500, 1000), box(500, 0, 1000, 1000)], crs=CRS).to_file(d / "zones.gpkg")
    gpd.GeoDataFrame({"name": ["district"]}, geometry=[box(0, 0, 1000, 1000)], crs=CRS).to_file(
        d / "outline.geojson", driver="GeoJSON")
    gpd.GeoDataFrame({"gate": ["g1"]}, geometry=[Point(500, 500)], crs=CRS).to_file(d / "gates.gpkg")
    gpd.GeoDataFrame({"site_id": ["s1", "s2"]}, geometry=[Point(900, 500), Point(100, 1000)],
                     crs=CRS).to_file(d / "sites.gpkg")
    (d / "teams.csv").write_text("team_id,unit_id,role,start_date,end_date\nT1,A,unit,2025-01-01,2026-12-31\n"
                                 "T2,B,unit,2025-01-01,2026-12-31\n", encoding="utf-8")
    (d / "cat.csv").write_text("category,name_zh,tier_min,threshold_m\nkindergarten,幼儿园,5,300\n"
                               "primary_school,小学,10,500\n", encoding="utf-8")
    assert main(["--quiet", "audit", str(d / "zones.gpkg"), "--teams", str(d / "teams.csv"), "--as-of",
                 "2026-03-31", "--out", str(d / "audit")]) == 0
    assert main(["--quiet", "reach", "--network", str(d / "streets.gpkg"), "--facilities", str(d / "fac.gpkg"),
                 "--population", str(d / "pop.gpkg"), "--zones", str(d / "zones.gpkg"), "--catalogue",
                 str(d / "cat.csv"), "--out", str(d / "reach")]) == 0
    return {"zones": d / "zones.gpkg", "teams": d / "teams.csv", "outline": d / "outline.geojson",
            "network": d / "streets.gpkg", "facilities": d / "fac.gpkg", "population": d / "pop.gpkg",
            "catalogue": d / "cat.csv", "entrances": d / "gates.gpkg", "candidates": d / "sites.gpkg",
            "audit": d / "audit" / "audit.gpkg",
            "reach": d / "reach" / "reach.gpkg"}


def command(slot: str, good: dict, bad: Path, out: Path) -> list:
    """The argv of the slot's command with ``bad`` in place of the slot's input."""
    cmd, name = slot.split(":")
    f = {**good, name: bad}
    if cmd == "audit":
        return ["audit", f["zones"], "--teams", f["teams"], "--outline", f["outline"], "--out", out]
    if cmd == "reach":
        return ["reach", "--network", f["network"], "--facilities", f["facilities"], "--population",
                f["population"], "--zones", f["zones"], "--teams", f["teams"], "--catalogue", f["catalogue"],
                "--entrances", f["entrances"], "--out", out]
    if cmd == "suggest":
        return ["suggest", "--network", f["network"], "--facilities", f["facilities"], "--population",
                f["population"], "--zones", f["zones"], "--teams", f["teams"], "--catalogue", f["catalogue"],
                "--entrances", f["entrances"], "--category", "kindergarten", "--candidates", f["candidates"],
                "--sites", "1", "--out", out]
    if cmd == "network":
        return ["network", f["network"], "--out", out / "walk.npz"]
    if cmd == "isochrones":
        return ["isochrones", "--network", f["network"], "--points", f["entrances"], "--out", out / "iso.gpkg"]
    kind = cmd.split("-")[1]  # webmap-audit, webmap-reach
    return ["webmap", kind, f[kind], "--outline", f["outline"], "--out", out / "map.html"]


#: Every input of every command, as ``command:input``, with the role of the file.
SLOTS = {
    "audit:zones": "vector", "audit:teams": "table", "audit:outline": "vector",
    "reach:network": "network", "reach:facilities": "vector", "reach:population": "population",
    "reach:zones": "vector", "reach:teams": "table", "reach:catalogue": "table", "reach:entrances": "vector",
    "suggest:network": "network", "suggest:facilities": "vector", "suggest:population": "population",
    "suggest:zones": "vector", "suggest:candidates": "vector", "suggest:teams": "table",
    "suggest:catalogue": "table", "suggest:entrances": "vector",
    "network:network": "network",
    "isochrones:network": "network", "isochrones:entrances": "vector",
    "webmap-audit:audit": "vector", "webmap-audit:outline": "vector",
    "webmap-reach:reach": "vector", "webmap-reach:outline": "vector",
}


# ----------------------------------------------------------------------------- broken files


def _xlsx(path: Path) -> Path:
    pd.DataFrame({"team_id": ["T1"]}).to_excel(path, index=False)
    return path


def _tif(path: Path) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", crs=CRS,
                       transform=Affine(100, 0, 0, 0, -100, 200)) as ds:
        ds.write(np.ones((1, 2, 2), dtype="float32"))
    return path


def make_broken(kind: str, slot: str, d: Path, good: dict) -> Path:
    """A broken file of ``kind`` for ``slot``, named as the user would name the good one."""
    d.mkdir(parents=True, exist_ok=True)
    name = good[slot.split(":")[1]].name
    if kind == "missing":
        return d / name
    if kind == "folder":
        (d / name).mkdir()
        return d / name
    path = d / name
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "junk":
        path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    elif kind == "unreadable":
        path.write_bytes(good[slot.split(":")[1]].read_bytes())
        path.chmod(0)
    elif kind == "text-named-like-it":  # e.g. a CSV saved as .gpkg, .npz, .tif
        path = d / (name if not name.endswith(".csv") else name[:-4] + ".xlsx")
        path.write_text("unit_id,name\nA,甲\n", encoding="utf-8")
    elif kind == "excel-named-csv":
        path = _xlsx(d / "book.xlsx").rename(d / name)
    elif kind == "raster-as-layer":
        path = _tif(d / "units.tif")
    elif kind == "tif-is-text":
        path = d / "population.tif"
        path.write_text("x,y,population\n1,2,3\n", encoding="utf-8")
    elif kind == "unparsable":  # a GeoJSON cut short, a CSV row with more fields than the header
        if name.endswith(".csv"):
            path.write_text("a,b\n1,2\n3,4,5,6\n", encoding="utf-8")
        else:
            path = d / "cut.geojson"
            path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geom', encoding="utf-8")
    return path


def kinds_for(role: str) -> list:
    """The broken files tried at an input of ``role``: all of them (in-process, fast)."""
    out = ["missing", "folder", "empty", "junk", "text-named-like-it"]
    out += {"vector": ["raster-as-layer", "unparsable"], "table": ["excel-named-csv", "unparsable"],
            "network": ["unparsable"], "population": ["tif-is-text", "unparsable"]}.get(role, [])
    return out + ([] if IS_ROOT else ["unreadable"])


#: Every broken kind at every input, run in-process through ``planner_gis.cli.main``.
CASES = [(slot, kind) for slot, role in SLOTS.items() for kind in kinds_for(role)]
#: Through the real console script (a process each, so fewer): junk at every input; an empty file and one
#: that does not parse at one input of each command; a folder and a missing file once.
GENERIC_AT = {"audit": "audit:zones", "reach": "reach:population", "suggest": "suggest:candidates",
              "network": "network:network",
              "isochrones": "isochrones:entrances", "webmap-audit": "webmap-audit:audit",
              "webmap-reach": "webmap-reach:outline"}
SUBPROCESS_CASES = [(slot, kind) for slot, kind in CASES
                    if kind == "junk"
                    or (GENERIC_AT[slot.split(":")[0]] == slot and kind in ("empty", "unparsable"))
                    or (slot == "audit:zones" and kind in ("folder", "missing"))]


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return write_city(tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, city):
    """The subprocess cases, run two at a time (each is a fresh process)."""
    root = tmp_path_factory.mktemp("corpus")
    jobs = {}
    for i, (slot, kind) in enumerate(SUBPROCESS_CASES):
        bad = make_broken(kind, slot, root / f"case{i}", city)
        jobs[(slot, kind)] = (bad, command(slot, city, bad, root / f"out{i}"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        done = {key: pool.submit(run_cli, *argv) for key, (bad, argv) in jobs.items()}
        return {key: (jobs[key][0], fut.result()) for key, fut in done.items()}


def check_one_line(slot: str, bad: Path, status: int, stderr: str) -> None:
    """Exit 2 and one line: ``planner-gis CMD: error: FILE...: what. Fix: how``; no traceback."""
    assert "Traceback" not in stderr
    assert status == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith(f"planner-gis {slot.split(':')[0].split('-')[0]}: error: "), line
    assert str(bad) in line, line
    problem, fix = line.split(". Fix: ")
    assert len(problem) > len(str(bad)) + 10 and len(fix) > 10, line


@pytest.mark.parametrize("slot, kind", CASES, ids=[f"{s}-{k}" for s, k in CASES])
def test_broken_input_in_process(city, tmp_path, capsys, slot, kind):
    bad = make_broken(kind, slot, tmp_path / "bad", city)
    status = main([str(a) for a in command(slot, city, bad, tmp_path / "out")])
    captured = capsys.readouterr()
    check_one_line(slot, bad, status, captured.err)
    assert not (tmp_path / "out").exists()  # refused before any output folder is made


@pytest.mark.slow
@pytest.mark.parametrize("slot, kind", SUBPROCESS_CASES, ids=[f"{s}-{k}" for s, k in SUBPROCESS_CASES])
def test_broken_input_through_the_console_script(corpus, slot, kind):
    bad, proc = corpus[(slot, kind)]
    check_one_line(slot, bad, proc.returncode, proc.stderr)


def test_what_each_broken_file_is_called(tmp_path):
    """The messages say what the file is (hand-written expectations for the main kinds)."""
    good = {"zones": tmp_path / "zones.gpkg", "teams": tmp_path / "teams.csv"}
    cases = {
        ("audit:zones", "empty"): "the file is empty (0 bytes)",
        ("audit:zones", "folder"): "is a folder, not a file",
        ("audit:zones", "missing"): "file not found",
        ("audit:zones", "junk"): "is binary data of no format planner-gis reads, not a GeoPackage",
        ("audit:zones", "text-named-like-it"): "is a text file (CSV or similar), not a GeoPackage",
        ("audit:zones", "raster-as-layer"): "is a GeoTIFF raster, not a vector layer",
        ("audit:teams", "excel-named-csv"): "is an Excel workbook (.xlsx), not a text file. Fix: if it is an "
                                            "Excel workbook (.xlsx), rename it to .xlsx",
        ("audit:teams", "text-named-like-it"): "is a text file (CSV or similar), not an Excel workbook",
        ("audit:teams", "unparsable"): "line 3: 4 fields, but the header row has 2",
    }
    from planner_gis.errors import InputError
    from planner_gis.io import check_input

    for (slot, kind), expected in cases.items():
        bad = make_broken(kind, slot, tmp_path / f"{slot}-{kind}".replace(":", "-"), good)
        with pytest.raises(InputError) as err:
            check_input(bad, "table" if slot.endswith("teams") else "vector")
        assert expected in str(err.value) and str(bad) in str(err.value), (kind, str(err.value))


def test_unreadable_file_is_named(tmp_path, monkeypatch):
    """Permission denied (simulated: the tests may run as root, who reads everything)."""
    import builtins

    from planner_gis.errors import InputError
    from planner_gis.io import read_table

    p = tmp_path / "teams.csv"
    p.write_text("team_id\nT1\n", encoding="utf-8")
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if Path(file) == p:
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    with pytest.raises(InputError, match=r"teams.csv: cannot be read \(permission denied\)\. Fix: give yourself "
                                         r"read permission \(chmod u\+r"):
        read_table(p)


# ----------------------------------------------------------------------------- layers: FILE:LAYER everywhere


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    """One GeoPackage holding every layer of the city (outline first), and the city's other files."""
    d = tmp_path_factory.mktemp("layered")
    good = write_city(d / "city")
    city = d / "city.gpkg"
    for name in ("outline", "zones", "network", "facilities", "population", "entrances", "candidates"):
        gpd.read_file(good[name]).to_file(city, layer=name)
    return good, city


LAYER_SLOTS = ["audit:zones", "audit:outline", "reach:network", "reach:facilities", "reach:population",
               "reach:zones", "reach:entrances", "suggest:candidates", "suggest:zones", "network:network",
               "isochrones:network", "isochrones:entrances", "webmap-audit:outline", "webmap-reach:outline"]


@pytest.mark.parametrize("slot", LAYER_SLOTS)
def test_every_layer_input_takes_file_colon_layer(layered, tmp_path, capsys, slot):
    good, city = layered
    name = slot.split(":")[1]

    def run(source, out):
        status = main(["--quiet", *[str(a) for a in command(slot, good, source, tmp_path / out)]])
        return status, capsys.readouterr().err

    # no layer chosen: refused, the layers listed and FILE:LAYER proposed
    status, err = run(city, "a")
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "holds 7 layers (outline, zones, network, facilities, population, entrances, candidates) and none was " \
        "chosen" \
        in err and f"Fix: name the layer after the file name, e.g. {city}:" in err
    # a layer that is not there: the layers listed
    status, err = run(Path(f"{city}:nope"), "b")
    assert status == 2 and f"{city}: no layer 'nope' (layers: outline, zones," in err
    assert f"Fix: give one of them as {city}:LAYER" in err
    # the layer named: the command runs
    status, err = run(Path(f"{city}:{name}"), "c")
    assert status == 0, err


# ----------------------------------------------------------------------------- --crs


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_crs_declares_the_crs_of_crs_less_inputs(tmp_path):
    """A CSV of points and a GeoJSON without a CRS: refused with the --crs fix, then read with --crs."""
    good = write_city(tmp_path / "city")
    streets = gpd.read_file(good["network"])
    # the same streets with no CRS at all (a GeoJSON without crs member is WGS84 by definition: use FlatGeobuf)
    streets.set_crs(None, allow_override=True).to_file(tmp_path / "streets.fgb", driver="FlatGeobuf")
    gates = gpd.read_file(good["entrances"]).set_crs(None, allow_override=True)
    gates.to_file(tmp_path / "gates.fgb", driver="FlatGeobuf")
    argv = ["isochrones", "--network", tmp_path / "streets.fgb", "--points", tmp_path / "gates.fgb",
            "--distances", "300", "--out", tmp_path / "iso.gpkg"]
    proc = run_cli(*argv)
    assert proc.returncode == 2 and "has no coordinate reference system" in proc.stderr
    assert "Fix: declare the CRS the coordinates are in with --crs, e.g. --crs 4326" in proc.stderr
    proc = run_cli(*argv, "--crs", "32650")
    assert proc.returncode == 0, proc.stderr
    iso = gpd.read_file(tmp_path / "iso.gpkg")
    assert iso.crs.to_epsg() == 32650
    # hand check: from the centre crossing, 300 m along the 4 streets = 1200 m of street
    assert iso["street_length_m"].tolist() == [1200.0]
    # a file that declares its CRS keeps it: --crs 4326 does not change a layer in 32650
    proc = run_cli("isochrones", "--network", good["network"], "--points", good["entrances"], "--distances", "300",
                   "--crs", "4326", "--out", tmp_path / "iso2.gpkg")
    assert proc.returncode == 0 and gpd.read_file(tmp_path / "iso2.gpkg")["street_length_m"].tolist() == [1200.0]
    # a CRS that is not one
    proc = run_cli(*argv, "--crs", "nonsense")
    assert proc.returncode == 2 and "--crs 'nonsense' is not a CRS pyproj knows" in proc.stderr


@pytest.mark.parametrize("command_name", ["audit", "reach", "suggest", "network", "isochrones"])
def test_crs_option_says_which_inputs_it_applies_to(command_name, capsys):
    with pytest.raises(SystemExit):
        main([command_name, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--crs EPSG CRS of " in text and "when a file declares none" in text


def test_no_fix_proposes_python_only_arguments():
    """Fixes name the CLI option; a Python form (``name=``) appears only in parentheses after it."""
    import re

    root = Path(__file__).resolve().parent.parent / "planner_gis"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"fix=(f?\"[^\"]*\"(?:\s*f?\"[^\"]*\")*)", text):
            fix = re.sub(r"\(Python:[^)]*\)", "", m.group(1))
            fix = re.sub(r"\"\s*f?\"", "", fix)
            if re.search(r"\b(type_column|default_type|name_column|population_column|column|layer|metric_crs|"
                         r"make_valid|max_snap|coords|crs|buffer_m|thresholds|id_column)=|set_crs|\.set_crs",
                         fix) and "CLI" not in fix and "--" not in fix:
                offenders.append(f"{path.relative_to(root)}: {m.group(0)[:100]}")
    assert offenders == []


# ----------------------------------------------------------------------------- --help of every command


def _commands() -> dict:
    """Every command path (``audit``, ``webmap reach`` ...) and its parser."""
    import argparse

    def walk(parser, prefix):
        found = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found[f"{prefix} {name}".strip()] = child
                    found.update(walk(child, f"{prefix} {name}"))
        return found

    return walk(build_parser(), "")


#: Columns the help of a command must list (from the library's own contracts).
def _required_columns(name: str) -> list:
    from planner_gis.facilities import REQUIRED_COLUMNS as CATALOGUE
    from planner_gis.registry import REQUIRED_COLUMNS as REGISTRY

    return {
        "audit": [*REGISTRY, "unit_id", "unit_type"],
        "reach": [*REGISTRY, *CATALOGUE, "category", "population", "unit_id"],
        "webmap": ["unit_id", "name", "status", "category", "share"],
        "webmap audit": ["unit_id", "name", "status", "kind"],
        "webmap reach": ["unit_id", "category", "share"],
    }.get(name, [])


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_lists_columns_and_ends_with_a_demo_example(name, capsys):
    with pytest.raises(SystemExit) as done:
        main([*name.split(), "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "inputs and their required columns:" in text or "inputs: none" in text
    columns = text[text.index("inputs"):]
    for col in _required_columns(name):
        assert col in columns, (name, col)
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[-2].startswith("example (on the demo data")
    example = shlex.split(lines[-1].strip())
    assert example[0] == "planner-gis" and " ".join(example[1:1 + len(name.split())]) == name
    build_parser().parse_args(example[1:])  # the example is a valid command
    for arg in example[1:]:
        if "/" in arg and not arg.startswith("out/"):
            assert Path(arg).exists(), (name, arg)  # run from the repository root (or absolute paths)
