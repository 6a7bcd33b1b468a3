"""``planner-gis batch``: three small cities on dask.distributed equal three single runs; failures, resume."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import affinity

from planner_gis import datasets
from planner_gis.cli import main
from planner_gis.io import read_table

from test_postgis import CATALOGUE, _town_layers

OPTIONS = ["--catalogue", "cat.csv", "--category-column", "kind", "--population-column", "pop", "--zone-id", "code",
           "--facility-id", "fid_"]


def _city(d: Path, name: str, shift: float, scale_pop: float, drop: str | None) -> dict:
    """The town of tests/test_cli_reach.py moved by ``shift`` metres, residents scaled, one facility left out."""
    folder = d / name
    folder.mkdir()
    row = {"name": name}
    for layer, gdf in _town_layers().items():
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.apply(lambda g: affinity.translate(g, shift, shift))
        if layer == "pop":
            gdf["pop"] = gdf["pop"] * scale_pop
        if layer == "fac" and drop:
            gdf = gdf[gdf["fid_"] != drop]
        gdf.to_file(folder / f"{layer}.gpkg", layer=layer)
    row.update(network=f"{name}/streets.gpkg", facilities=f"{name}/fac.gpkg", population=f"{name}/pop.gpkg",
               zones=f"{name}/zones.gpkg", entrances=f"{name}/gates.gpkg")
    return row


@pytest.fixture()
def country(tmp_path) -> Path:
    d = tmp_path / "country"
    d.mkdir()
    rows = [_city(d, "alpha", 0, 1, None), _city(d, "beta", 5000, 2, "K1"), _city(d, "gamma", 20000, 0.5, "S1")]
    pd.DataFrame(rows).to_csv(d / "cities.csv", index=False)
    (d / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    return d


def _batch(country: Path, out: Path, *extra: str) -> int:
    options = [o if o != "cat.csv" else str(country / "cat.csv") for o in OPTIONS]
    return main(["batch", "reach", str(country / "cities.csv"), "--out", str(out), *options, "--progress", "none",
                 *extra])


def _single(country: Path, name: str, out: Path) -> None:
    options = [o if o != "cat.csv" else str(country / "cat.csv") for o in OPTIONS]
    c = country / name
    assert main(["reach", "--network", str(c / "streets.gpkg"), "--facilities", str(c / "fac.gpkg"), "--population",
                 str(c / "pop.gpkg"), "--zones", str(c / "zones.gpkg"), "--entrances", str(c / "gates.gpkg"),
                 "--out", str(out), *options, "--progress", "none"]) == 0


def test_batch_on_dask_equals_single_runs(country, tmp_path):
    out = tmp_path / "batch"
    assert _batch(country, out, "--workers", "2") == 0
    combined = read_table(out / "coverage.csv")
    assert list(combined.columns)[0] == "city"
    for name in ("alpha", "beta", "gamma"):
        _single(country, name, tmp_path / "single" / name)
        single = tmp_path / "single" / name
        for f in ("coverage.csv",):
            assert (out / "cities" / name / f).read_bytes() == (single / f).read_bytes()
        rows = combined[combined["city"] == name].drop(columns="city").reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, read_table(single / "coverage.csv"))
        ref = gpd.read_file(single / "reach.gpkg", layer="underserved")
        got = gpd.read_file(out / "cities" / name / "reach.gpkg", layer="underserved")
        assert got.drop(columns="geometry").equals(ref.drop(columns="geometry"))
        marker = json.loads((out / "cities" / name / "_done.json").read_text())
        assert marker["command"] == "reach" and marker["status"] == "done"
    summary = json.loads((out / "batch.json").read_text())
    assert summary["counts"] == {"done": 3, "skipped": 0, "failed": 0}
    assert len({c["worker_pid"] for c in summary["cities"]}) >= 1


def test_a_failed_city_is_reported_while_the_others_finish_then_resume(country, tmp_path, capsys):
    (country / "beta" / "pop.gpkg").write_text("not a geopackage", encoding="utf-8")
    out = tmp_path / "batch"
    assert _batch(country, out, "--workers", "0") == 3  # some failed
    text = capsys.readouterr().out
    assert "batch reach: 2 cities done, 0 done before, 1 failed" in text
    assert "beta: planner-gis reach: error:" in text and "pop.gpkg: is a text file" in text
    summary = json.loads((out / "batch.json").read_text())
    status = {c["name"]: c["status"] for c in summary["cities"]}
    assert status == {"alpha": "done", "beta": "failed", "gamma": "done"}
    assert not (out / "cities" / "beta" / "_done.json").exists()
    assert set(read_table(out / "coverage.csv")["city"]) == {"alpha", "gamma"}
    # fix the input and run again: only beta runs; an interrupted city (no marker) runs again too
    (country / "fixed").mkdir()
    _city(country / "fixed", "beta", 5000, 2, "K1")
    for f in (country / "fixed" / "beta").iterdir():
        (country / "beta" / f.name).write_bytes(f.read_bytes())
    (out / "cities" / "gamma" / "_done.json").unlink()  # as if the run had stopped before gamma's marker
    alpha_marker = (out / "cities" / "alpha" / "_done.json").stat().st_mtime_ns
    assert _batch(country, out, "--workers", "0") == 0
    summary = json.loads((out / "batch.json").read_text())
    assert {c["name"]: c["status"] for c in summary["cities"]} == {"alpha": "skipped", "beta": "done",
                                                                   "gamma": "done"}
    assert (out / "cities" / "alpha" / "_done.json").stat().st_mtime_ns == alpha_marker
    _single(country, "beta", tmp_path / "single_beta")
    assert (out / "cities" / "beta" / "coverage.csv").read_bytes() == \
        (tmp_path / "single_beta" / "coverage.csv").read_bytes()
    assert list(pd.unique(read_table(out / "coverage.csv")["city"])) == ["alpha", "beta", "gamma"]


def test_batch_audit_yaml_and_bad_city_lists(tmp_path, capsys):
    units, teams = datasets.demo_units_path(), datasets.demo_registry_path()
    (tmp_path / "cities.yaml").write_text(
        "cities:\n" + "".join(f"  - name: {n}\n    zones: {units}\n    registry: {teams}\n" for n in ("a", "b")),
        encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", "audit", str(tmp_path / "cities.yaml"), "--out", str(out), "--workers", "0",
                 "--as-of", "2026-03-31", "--progress", "none"]) == 0
    assert main(["audit", str(units), "--teams", str(teams), "--as-of", "2026-03-31", "--out", str(tmp_path / "one"),
                 "--progress", "none"]) == 0
    findings = read_table(out / "findings.csv")
    one = read_table(tmp_path / "one" / "findings.csv")
    for name in ("a", "b"):
        pd.testing.assert_frame_equal(findings[findings.city == name].drop(columns="city").reset_index(drop=True), one)
    capsys.readouterr()
    (tmp_path / "bad.csv").write_text("name,zones\na,x.gpkg\n", encoding="utf-8")
    assert main(["batch", "audit", str(tmp_path / "bad.csv"), "--out", str(out), "--progress", "none"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.csv: no column(s) registry" in err and "Fix:" in err


def test_batch_on_an_existing_scheduler(tmp_path):
    """--scheduler ADDRESS: the same command on a cluster the user started (here an in-process one)."""
    from dask.distributed import LocalCluster

    units, teams = datasets.demo_units_path(), datasets.demo_registry_path()
    pd.DataFrame({"name": ["x", "y"], "zones": [str(units)] * 2, "registry": [str(teams)] * 2}).to_csv(
        tmp_path / "cities.csv", index=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        assert main(["batch", "audit", str(tmp_path / "cities.csv"), "--out", str(tmp_path / "out"), "--scheduler",
                     cluster.scheduler_address, "--as-of", "2026-03-31", "--progress", "none"]) == 0
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["scheduler"] == cluster.scheduler_address
    assert [c["status"] for c in summary["cities"]] == ["done", "done"]
    assert (tmp_path / "out" / "cities" / "x" / "findings.csv").read_bytes() == \
        (tmp_path / "out" / "cities" / "y" / "findings.csv").read_bytes()
