"""GeoParquet (``.parquet``) inputs and outputs: the same results as GeoPackages, layer by layer."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from planner_gis import datasets
from planner_gis.cli import main
from planner_gis.io import read_vector

from test_postgis import _blank, _numbers, _town_layers


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """The town of tests/test_cli_reach.py as GeoPackages and as GeoParquet files."""
    d = tmp_path_factory.mktemp("town")
    for name, gdf in _town_layers().items():
        gdf.to_file(d / f"{name}.gpkg", layer=name)
        gdf.to_parquet(d / f"{name}.parquet")
    (d / "cat.csv").write_text(
        "category,name_zh,name_en,tier_min,threshold_m\nkg,幼儿园,Kindergarten,5,300\nschool,小学,School,10,500\n"
        "park,公园,Park,15,600\n", encoding="utf-8")
    return d


def _same_layer(got: gpd.GeoDataFrame, ref: gpd.GeoDataFrame) -> None:
    assert got.crs == ref.crs and sorted(got.columns) == sorted(ref.columns) and len(got) == len(ref)
    got = got[list(ref.columns)]
    # GeoPackages store a column of mixed numbers as text ("12"), GeoParquet as numbers (12.0)
    pd.testing.assert_frame_equal(_numbers(_blank(got.drop(columns="geometry"))),
                                  _numbers(_blank(ref.drop(columns="geometry"))), check_dtype=False)
    same = got.geometry.geom_equals(ref.geometry) | (got.geometry.isna() & ref.geometry.isna())
    assert same.all()  # GeoPackages promote mixed polygons to multipolygons


def test_read_vector_parquet_equals_geopackage(town):
    for name in ("pop", "fac", "zones", "streets"):
        _same_layer(read_vector(town / f"{name}.parquet"), read_vector(town / f"{name}.gpkg"))


def _reach(town: Path, ext: str, out: Path, *extra: str) -> list:
    return ["reach", "--network", str(town / f"streets.{ext}"), "--facilities", str(town / f"fac.{ext}"),
            "--population", str(town / f"pop.{ext}"), "--zones", str(town / f"zones.{ext}"), "--entrances",
            str(town / f"gates.{ext}"), "--catalogue", str(town / "cat.csv"), "--category-column", "kind",
            "--population-column", "pop", "--zone-id", "code", "--facility-id", "fid_", "--out", str(out),
            "--progress", "none", *extra]


def test_reach_parquet_inputs_and_outputs_equal_geopackage(town, tmp_path):
    assert main(_reach(town, "gpkg", tmp_path / "gpkg")) == 0
    assert main(_reach(town, "parquet", tmp_path / "pq", "--format", "parquet")) == 0
    assert (tmp_path / "pq" / "coverage.csv").read_bytes() == (tmp_path / "gpkg" / "coverage.csv").read_bytes()
    assert not (tmp_path / "pq" / "reach.gpkg").exists()
    for layer in ("coverage", "underserved", "unreachable"):
        _same_layer(read_vector(tmp_path / "pq" / f"{layer}.parquet"),
                    read_vector(tmp_path / "gpkg" / f"reach.gpkg:{layer}"))


def test_audit_and_isochrones_write_geoparquet(town, tmp_path):
    argv = ["audit", str(datasets.demo_units_path()), "--teams", str(datasets.demo_registry_path()), "--as-of",
            "2026-03-31", "--progress", "none"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b"), "--format", "parquet"]) == 0
    for layer in ("units", "findings"):
        _same_layer(gpd.read_parquet(tmp_path / "b" / f"{layer}.parquet"),
                    read_vector(tmp_path / "a" / f"audit.gpkg:{layer}"))
    iso = ["isochrones", "--network", str(town / "streets.parquet"), "--points", str(town / "cands.parquet"),
           "--progress", "none"]
    assert main([*iso, "--out", str(tmp_path / "iso.parquet")]) == 0
    assert main([*iso, "--out", str(tmp_path / "iso.gpkg")]) == 0
    _same_layer(read_vector(tmp_path / "iso.parquet"), read_vector(tmp_path / "iso.gpkg"))


def test_parquet_without_geometry_is_a_one_line_error(tmp_path, capsys):
    pd.DataFrame({"unit_id": ["a"]}).to_parquet(tmp_path / "plain.parquet")
    status = main(["audit", str(tmp_path / "plain.parquet"), "--teams", str(datasets.demo_registry_path()),
                   "--out", str(tmp_path / "o"), "--progress", "none"])
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1
    assert "plain.parquet: cannot read as GeoParquet" in err and "Fix:" in err


def test_evaluate_writes_geoparquet(tmp_path):
    argv = ["evaluate", "--records", str(datasets.demo_records_path()), "--teams", str(datasets.demo_registry_path()),
            "--zones", str(datasets.demo_units_path()), "--rules", "liaocheng", "--year", "2025", "--progress", "none"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b"), "--format", "parquet"]) == 0
    assert not (tmp_path / "b" / "evaluation.gpkg").exists()
    for layer in ("units", "records", "compliance"):
        _same_layer(gpd.read_parquet(tmp_path / "b" / f"{layer}.parquet"),
                    read_vector(tmp_path / "a" / f"evaluation.gpkg:{layer}"))
