"""The analyst notebooks: committed clean, public API only, in step with their sources, and they run.

The sources are the jupytext percent scripts ``notebooks/*.py`` (linted by
ruff with the rest of the code); each is paired with the ``.ipynb`` next to it,
which is committed without outputs and must be what jupytext makes of the
script.

Each notebook is executed with nbclient on the ``python3`` kernel (ipykernel of
the interpreter running the tests) in a temporary copy of ``notebooks/``, so the
files the notebooks write land in that temporary ``out/`` folder. A failing cell
fails the test with that cell's error. After execution, each notebook's key
results are checked against references computed here independently.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_responsibility_zones.ipynb",
    "02_living_circle.ipynb",
    "03_publish_web_map.ipynb",
    "04_real_osm_extract.ipynb",
    "05_new_sites_and_whatif.ipynb",
]
CELL_TIMEOUT = 300  # seconds per cell


def _ids(paths):
    return [p.stem for p in paths]


# ----------------------------------------------------------------------------- static checks


def test_expected_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    missing = [n for n in EXPECTED if n not in names]
    assert not missing, f"missing notebooks: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have outputs or execution counts; "
                       "clear them (regenerate with: jupytext --to ipynb notebooks/NAME.py)")


def is_private(name: str) -> bool:
    """``_x`` is private; dunders such as ``__version__`` are public."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Uses of private planner_gis names in a code cell's source.

    Flags imports of private modules or names (``planner_gis._progress``,
    ``from planner_gis.reach import _cells``) and attribute access to a private
    name on anything imported from planner_gis (``webmap._folium``).
    """
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    found = []
    bound = set()  # names bound to planner_gis modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "planner_gis":
                    if any(is_private(part) for part in a.name.split(".")):
                        found.append(f"import {a.name}")
                    bound.add(a.asname or "planner_gis")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "planner_gis":
            if any(is_private(part) for part in node.module.split(".")):
                found.append(f"from {node.module} import ...")
            for a in node.names:
                if is_private(a.name):
                    found.append(f"from {node.module} import {a.name}")
                bound.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                found.append(f"{ast.unparse(node)}")
    # also textual: planner_gis._x anywhere (e.g. in strings passed to importlib)
    found += [m.group(0) for m in re.finditer(r"planner_gis(?:\.\w+)*\.(_\w*)", source)
              if is_private(m.group(1)) and m.group(0) not in found]
    return found


def test_private_scanner_flags_private_uses():
    assert private_uses("from planner_gis._progress import report")
    assert private_uses("import planner_gis._validate as v")
    assert private_uses("from planner_gis.reach import compute_coverage, _cells")
    assert private_uses("from planner_gis import webmap\nm = webmap._folium()")
    assert private_uses("import planner_gis as pg\npg.webmap._ELEMENTS.clear()")
    assert private_uses("import importlib\nimportlib.import_module('planner_gis._progress')")
    assert not private_uses("import planner_gis\nfrom planner_gis import webmap\n"
                            "df = x.merge(y, indicator='_merge')\nobj._repr_html_()\nwebmap.audit_map(u)\n"
                            "print(planner_gis.__version__)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_uses_public_api_only(path):
    nb = nbformat.read(path, as_version=4)
    bad = {i: private_uses(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    bad = {i: b for i, b in bad.items() if b}
    assert not bad, f"{path.name} uses private planner_gis names (cell: uses): {bad}"


def comparable(nb) -> dict:
    """A notebook as plain data without the cell ids (jupytext makes new random ids for new cells)."""
    data = json.loads(nbformat.writes(nb))
    for cell in data["cells"]:
        cell.pop("id", None)
    data["metadata"].pop("language_info", None)  # written by a kernel, not part of the source
    return data


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_equals_its_jupytext_source(path):
    """Each .ipynb is what jupytext makes of its paired percent script (no hand edits drift)."""
    jupytext = pytest.importorskip("jupytext")
    source = path.with_suffix(".py")
    assert source.exists(), f"{path.name} has no source {source.name}; pair it: jupytext --set-formats ipynb,py:percent"
    expected = comparable(nbformat.reads(jupytext.writes(jupytext.read(source), fmt="ipynb"), as_version=4))
    got = comparable(nbformat.read(path, as_version=4))
    assert got == expected, (f"{path.name} differs from {source.name}; "
                             f"regenerate it: jupytext --sync notebooks/{source.name}")


def test_comparison_sees_a_changed_cell(tmp_path):
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(NOTEBOOKS[0].with_suffix(".py"))
    edited = jupytext.read(NOTEBOOKS[0].with_suffix(".py"))
    edited.cells[1].source += "\nprint('edited')"
    assert comparable(nb) != comparable(edited)


# ----------------------------------------------------------------------------- execution


def execute(name: str, workdir: Path):
    """Execute notebooks/<name> in a copy under ``workdir``; fail with the failing cell's error."""
    shutil.copytree(NB_DIR, workdir, dirs_exist_ok=True)
    path = workdir / name
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # drop the traceback's terminal colours
        pytest.fail(f"{name} failed:\n{text}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as err:
        pytest.fail(f"{name}: a cell ran longer than {CELL_TIMEOUT} s:\n{err}", pytrace=False)
    return nb


def outputs_text(cell) -> str:
    """All text a cell showed: stdout and text/plain, text/html of results."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            for mime in ("text/plain", "text/html"):
                if mime in out.data:
                    parts.append(out.data[mime])
    return "\n".join(parts)


def tagged(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def images(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells for out in c.get("outputs", []))


def unassigned_reference(on: str) -> set:
    """Units with no unit/group contract covering ``on``, from the raw CSV files (plain pandas)."""
    import geopandas as gpd

    from planner_gis import datasets

    units = gpd.read_file(datasets.demo_units_path())
    reg = pd.read_csv(datasets.demo_registry_path(), dtype=str)
    day = dt.date.fromisoformat(on)
    reg = reg[reg["role"].isin(["unit", "group"])]
    start = pd.to_datetime(reg["start_date"]).dt.date
    end = pd.to_datetime(reg["end_date"]).dt.date
    active = set(reg.loc[(start <= day) & (end >= day), "unit_id"])
    return set(units["unit_id"].astype(str)) - active


@pytest.mark.slow
def test_01_responsibility_zones_runs(tmp_path):
    nb = execute("01_responsibility_zones.ipynb", tmp_path)
    table = outputs_text(tagged(nb, "findings-table"))
    assert "unassigned" in table and "contract_expired" in table
    assert "王佐镇" in table  # the unassigned demo unit, named in its message
    assert images(nb) >= 2, "the status map and the findings chart should be shown"
    out = tmp_path / "out"
    png = out / "audit_status.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    # the exported findings agree with a plain-pandas reading of the registry
    findings = pd.read_csv(out / "findings_after.csv", dtype=str)
    got = set(findings.loc[findings["kind"] == "unassigned", "unit_id"])
    assert got == unassigned_reference("2026-12-01")
    assert len(got) > len(unassigned_reference("2026-03-31"))
    html = (out / "audit_after.html").read_text(encoding="utf-8")
    assert 100_000 < len(html) < 20_000_000 and "<script src=" not in html


@pytest.mark.slow
def test_03_publish_web_map_runs(tmp_path):
    nb = execute("03_publish_web_map.ipynb", tmp_path)
    page = outputs_text(tagged(nb, "inspect-audit"))
    assert "'external_scripts': 0" in page
    saved = outputs_text(tagged(nb, "save-audit"))
    assert saved.count("refused:") == 2
    path = tmp_path / "out" / "audit_map.html"
    html = path.read_text(encoding="utf-8")
    # plausible size: Leaflet (~150 kB) inlined plus 24 units, not a huge dump
    assert 150_000 < len(html.encode("utf-8")) < 10_000_000
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", html)
    assert "L.map(" in html
    check_reach_map(nb, tmp_path)
    assert "右安门街道" in html or json.dumps("右安门街道")[1:-1] in html


def base_unit_ids() -> set:
    import geopandas as gpd

    from planner_gis import datasets

    units = gpd.read_file(datasets.demo_units_path())
    return set(units.loc[units["unit_type"] != "area", "unit_id"].astype(str))


@pytest.mark.slow
def test_02_living_circle_runs(tmp_path):
    nb = execute("02_living_circle.ipynb", tmp_path)
    out = tmp_path / "out"
    assert images(nb) >= 4, "share chart, tier maps, underserved map and isochrone map"
    assert "FT-U" in outputs_text(tagged(nb, "underserved-table"))
    cov = pd.read_csv(out / "coverage.csv", dtype={"unit_id": str})
    cat = pd.read_csv(ROOT / "planner_gis" / "data" / "catalogue.csv")
    assert set(cov["category"]) == set(cat["category"]) | {"tier_5", "tier_10", "tier_15"}
    assert cov["share"].dropna().between(0, 1).all()
    # residents reaching every category of a tier are at most those reaching the least reached one
    for t in (5, 10, 15):
        least = cov[cov["category"].isin(cat.loc[cat["tier_min"] == t, "category"])].groupby("unit_id")[
            "covered_population"].min()
        tier = cov[cov["category"] == f"tier_{t}"].set_index("unit_id")["covered_population"]
        assert (tier <= least.reindex(tier.index) + 1e-6).all(), t
    # district shares (each resident counted once) equal sums over the base units, which tile the district
    district = pd.read_csv(out / "district_shares.csv").set_index("category")["share"]
    base = cov[cov["unit_id"].isin(base_unit_ids())].groupby("category")[["covered_population", "population"]].sum()
    from_units = base["covered_population"] / base["population"]
    assert set(district.index) == set(from_units.index)
    assert (district - from_units.reindex(district.index)).abs().max() < 1e-9
    # the brief names the team of each unit; the unit without a team on the demo date says so
    brief = pd.read_csv(out / "team_brief_15min.csv", dtype=str).set_index("unit_id")
    assert brief.loc["110106101", "team_id"] == "(no team)"
    assert brief.loc["110106001", "team_id"] == "FT-U01"
    # isochrones of one point are nested and grow with the distance
    import geopandas as gpd

    iso = gpd.read_file(out / "reach_demo.gpkg", layer="isochrones").sort_values("threshold_m")
    assert iso["threshold_m"].tolist() == [300.0, 500.0, 1000.0]
    geoms = iso.geometry.tolist()
    for small, big in zip(geoms, geoms[1:]):
        assert small.difference(big).area < 1e-6 * small.area and big.area > small.area


def check_reach_map(nb, tmp_path):
    saved = outputs_text(tagged(nb, "save-reach"))
    assert "reach_map.html" in saved
    html = (tmp_path / "out" / "reach_map.html").read_text(encoding="utf-8")
    assert 150_000 < len(html.encode("utf-8")) < 30_000_000
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", html)
    for text in ("health_centre", "服务不足 Underserved", "等时圈"):
        assert text in html or json.dumps(text)[1:-1] in html, text


@pytest.mark.slow
def test_04_real_osm_extract_runs(tmp_path):
    nb = execute("04_real_osm_extract.ipynb", tmp_path)
    out = tmp_path / "out"
    assert images(nb) >= 2
    # the registry typed into the notebook leaves the last grid cell without a team
    audit_text = outputs_text(tagged(nb, "grid-audit"))
    assert "unassigned" in audit_text
    import geopandas as gpd

    units = gpd.read_file(out / "osm_reach.gpkg", layer="units")
    homes = gpd.read_file(out / "osm_reach.gpkg", layer="homes")
    assert units.crs.to_epsg() == 32635  # UTM zone of the extract, not a Chinese CRS
    cov = pd.read_csv(out / "osm_coverage.csv", dtype={"unit_id": str})
    # unit populations: residents of the homes whose representative point lies in each unit
    pts = homes.set_geometry(homes.representative_point())
    joined = gpd.sjoin(pts, units[["unit_id", "geometry"]], predicate="within")
    expected = joined.groupby("unit_id")["population"].sum()
    got = cov[cov["category"] == "kindergarten"].set_index("unit_id")["population"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)
    # covered residents of a category are those of homes within its distance (walk_m capped at 2000)
    kg = cov[cov["category"] == "kindergarten"].set_index("unit_id")["covered_population"]
    near = joined[joined["walk_m"] <= 300].groupby("unit_id")["population"].sum()
    assert (kg - near.reindex(kg.index).fillna(0)).abs().max() < 1e-6
    # categories the extract has no facility of cover nobody
    present = {"kindergarten", "primary_school", "convenience_store"}
    absent = cov[~cov["category"].isin(present) & ~cov["category"].str.startswith("tier_")]
    assert len(absent) and (absent["covered_population"] == 0).all()
    html = (out / "osm_reach_map.html").read_text(encoding="utf-8")
    assert 150_000 < len(html.encode("utf-8")) < 30_000_000
    assert "OpenStreetMap" in html and not re.search(r"<script[^>]+src=", html)


def test_05_new_sites_and_whatif_runs(tmp_path):
    nb = execute("05_new_sites_and_whatif.ipynb", tmp_path)
    out = tmp_path / "out"
    sites = pd.read_csv(out / "sites.csv", dtype={"candidate_id": str, "unit_id": str})
    assert list(sites.columns) == ["rank", "candidate_id", "unit_id", "team_id", "x", "y", "gain_population",
                                   "cumulative_covered", "cumulative_share"]
    assert sites["rank"].tolist() == [1, 2, 3] and sites["unit_id"].nunique() == 1
    assert (sites["gain_population"].diff().dropna() <= 1e-9).all()  # ranked by what each adds
    table = outputs_text(tagged(nb, "greedy-vs-exact"))
    assert "exact" in table and "greedy" in table
    straight = outputs_text(tagged(nb, "straight-line"))
    numbers = [float(x.replace(",", "")) for x in re.findall(r"\s([0-9][0-9.,]*)\s*$", straight, re.M)]
    claims, walkable, really, optimum = numbers[-4:]
    assert walkable <= claims and really <= optimum + 1e-6  # straight line overstates; the walking optimum is best
    text = outputs_text(tagged(nb, "whatif"))
    assert "incremental equals full recompute: True" in text
    assert "after two undos, rows still changed: 0" in text
    html = (out / "suggest_map.html").read_text(encoding="utf-8")
    assert "Suggested sites" in html and "Newly covered" in html and "<script src=" not in html
