"""Tests of planner_gis.io: reading (encodings, formats, offset coordinates) and safe writing.

Every input file is written by the test itself into pytest's tmp_path; the
expected values are the ones the test wrote, and encodings are checked on the
raw bytes independently of the reader under test.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from planner_gis.crs import gcj02_to_wgs84, wgs84_to_bd09
from planner_gis.errors import CRSError, InputError, OutputError
from planner_gis.io import (
    atomic_path,
    check_not_inputs,
    detect_shapefile_encoding,
    read_table,
    read_vector,
    write_csv,
    write_layers,
    write_text,
)

NAMES = ["右安门街道", "卢沟桥街道", "花乡地区"]
CODES = ["110106001", "110106010", "110106020"]


@pytest.fixture
def units() -> gpd.GeoDataFrame:
    polys = [
        Polygon([(116.34, 39.85), (116.37, 39.85), (116.37, 39.87), (116.34, 39.87)]),
        Polygon([(116.20, 39.83), (116.26, 39.83), (116.26, 39.87), (116.20, 39.87)]),
        Polygon([(116.26, 39.80), (116.32, 39.80), (116.32, 39.84), (116.26, 39.84)]),
    ]
    return gpd.GeoDataFrame({"code": CODES, "name": NAMES}, geometry=polys, crs="EPSG:4326")


def dbf_records(shp: Path) -> bytes:
    """The record bytes of a shapefile's DBF (after the header)."""
    raw = shp.with_suffix(".dbf").read_bytes()
    return raw[int.from_bytes(raw[8:10], "little"):]


def write_shapefile(gdf: gpd.GeoDataFrame, shp: Path, encoding: str, ldid: int | None = None) -> None:
    """Write a shapefile in ``encoding``, then remove its .cpg (and optionally set the DBF LDID byte)."""
    pyogrio.write_dataframe(gdf, shp, encoding=encoding)
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    if ldid is not None:
        dbf = shp.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[29] = ldid
        dbf.write_bytes(bytes(raw))


# ----------------------------------------------------------------------------- shapefile encodings


@pytest.mark.parametrize("ldid", [0x00, 0x4D], ids=["no-language-byte", "ldid-cp936"])
def test_gbk_shapefile_without_cpg_reads_chinese_names(tmp_path, units, ldid):
    shp = tmp_path / "units_gbk.shp"
    write_shapefile(units, shp, "GBK", ldid=ldid)
    # the file really lacks a .cpg and is GBK, not UTF-8
    assert not shp.with_suffix(".cpg").exists() and not shp.with_suffix(".CPG").exists()
    body = dbf_records(shp)
    assert "右安门街道".encode("gbk") in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert shp.with_suffix(".dbf").read_bytes()[29] == ldid

    gdf = read_vector(shp)
    assert list(gdf["name"]) == NAMES
    assert list(gdf["code"]) == CODES
    assert detect_shapefile_encoding(shp) in {"GB18030", "GBK", "CP936"}
    # explicit encoding works too
    assert list(read_vector(shp, encoding="GBK")["name"]) == NAMES
    assert list(read_vector(shp, encoding="GB18030")["name"]) == NAMES


def test_plain_gdal_read_of_gbk_without_cpg_is_garbled(tmp_path, units):
    # the reason detection exists: without a .cpg GDAL assumes ISO-8859-1
    shp = tmp_path / "g.shp"
    write_shapefile(units, shp, "GBK")
    assert list(pyogrio.read_dataframe(shp)["name"]) != NAMES


def test_utf8_shapefile_without_cpg_reads(tmp_path, units):
    shp = tmp_path / "units_utf8.shp"
    write_shapefile(units, shp, "UTF-8")
    assert not shp.with_suffix(".cpg").exists()
    body = dbf_records(shp)
    assert "右安门街道".encode() in body
    body.decode("utf-8")  # valid UTF-8
    assert detect_shapefile_encoding(shp) == "UTF-8"
    assert list(read_vector(shp)["name"]) == NAMES


def test_cpg_file_wins(tmp_path, units):
    shp = tmp_path / "with_cpg.shp"
    pyogrio.write_dataframe(units, shp, encoding="GBK")
    shp.with_suffix(".cpg").write_text("936", encoding="ascii")
    assert detect_shapefile_encoding(shp) == "GB18030"
    assert list(read_vector(shp)["name"]) == NAMES


def test_ascii_shapefile_is_utf8(tmp_path, units):
    shp = tmp_path / "ascii.shp"
    write_shapefile(units.assign(name=["a", "b", "c"]), shp, "UTF-8")
    assert detect_shapefile_encoding(shp) == "UTF-8"
    assert list(read_vector(shp)["name"]) == ["a", "b", "c"]


# ----------------------------------------------------------------------------- other formats


@pytest.mark.parametrize("suffix, driver", [(".geojson", "GeoJSON"), (".fgb", "FlatGeobuf"), (".gpkg", "GPKG")])
def test_formats_read(tmp_path, units, suffix, driver):
    path = tmp_path / f"units{suffix}"
    pyogrio.write_dataframe(units, path, driver=driver)
    gdf = read_vector(path)
    # FlatGeobuf stores features in spatial-index order: compare by code
    gdf = gdf.sort_values("code").reset_index(drop=True)
    assert list(gdf["name"]) == NAMES
    assert list(gdf["code"]) == CODES
    assert gdf.crs.to_epsg() == 4326
    assert all(a.equals(b) for a, b in zip(gdf.geometry, units.geometry))


def test_geopackage_layer_by_name_and_index(tmp_path, units):
    path = tmp_path / "multi.gpkg"
    pyogrio.write_dataframe(units, path, layer="units", driver="GPKG")
    pyogrio.write_dataframe(units.iloc[:1].assign(name=["只有一个"]), path, layer="one", driver="GPKG")
    assert list(read_vector(path, layer="units")["name"]) == NAMES
    assert list(read_vector(path, layer="one")["name"]) == ["只有一个"]
    assert list(read_vector(path, layer=1)["name"]) == ["只有一个"]
    with pytest.raises(InputError) as err:
        read_vector(path, layer="nope")
    assert str(path) in str(err.value) and "Fix:" in str(err.value)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "no_such_units.geojson"
    with pytest.raises(InputError) as err:
        read_vector(missing)
    assert str(missing) in str(err.value) and "not found" in str(err.value)


def test_unreadable_file_is_input_error(tmp_path):
    bad = tmp_path / "broken.geojson"
    bad.write_text("this is not json", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_vector(bad)
    assert str(bad) in str(err.value) and "Fix:" in str(err.value)


# ----------------------------------------------------------------------------- offset coordinates on reading


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_read_vector_coords_gcj02_converts(tmp_path):
    gcj = [(116.404, 39.915), (116.35, 39.86)]
    g = gpd.GeoDataFrame({"name": ["天安门", "右安门"]}, geometry=[Point(p) for p in gcj])  # no CRS, like Amap exports
    path = tmp_path / "amap_pois.geojson"
    pyogrio.write_dataframe(g, path)
    out = read_vector(path, coords="gcj02")
    assert out.crs.to_epsg() == 4326
    want_lon, want_lat = gcj02_to_wgs84(np.array([p[0] for p in gcj]), np.array([p[1] for p in gcj]))
    np.testing.assert_allclose(out.geometry.x, want_lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.geometry.y, want_lat, rtol=0, atol=1e-12)
    # moved by hundreds of metres westward/southward
    assert (out.geometry.x < g.geometry.x).all() and (out.geometry.y < g.geometry.y).all()
    # without coords the file is read as is
    raw = read_vector(path)
    np.testing.assert_array_equal(raw.geometry.x, g.geometry.x)


def test_read_vector_coords_bd09_round_trip(tmp_path, units):
    wgs = np.array([[116.36, 39.86], [116.22, 39.84]])
    bd = np.column_stack(wgs84_to_bd09(wgs[:, 0], wgs[:, 1]))
    g = gpd.GeoDataFrame(geometry=[Point(p) for p in bd], crs="EPSG:4326")
    path = tmp_path / "baidu.gpkg"
    pyogrio.write_dataframe(g, path)
    out = read_vector(path, coords="BD-09")
    np.testing.assert_allclose(np.column_stack([out.geometry.x, out.geometry.y]), wgs, rtol=0, atol=1e-9)


def test_read_vector_unknown_coords_names_allowed_values(tmp_path, units):
    path = tmp_path / "u.geojson"
    pyogrio.write_dataframe(units, path)
    with pytest.raises(CRSError) as err:
        read_vector(path, coords="mars")
    msg = str(err.value)
    assert "mars" in msg and "coords" in msg and str(path) in msg
    assert "'wgs84'" in msg and "'gcj02'" in msg and "'bd09'" in msg


def test_read_vector_coords_refuses_projected_file(tmp_path, units):
    path = tmp_path / "projected.gpkg"
    pyogrio.write_dataframe(units.to_crs(4548), path)
    with pytest.raises(CRSError) as err:
        read_vector(path, coords="gcj02")
    assert str(path) in str(err.value) and "projected" in str(err.value)


# ----------------------------------------------------------------------------- tables


TABLE = pd.DataFrame(
    {"unit_id": ["007", "0100"], "name": ["右安门街道", ""], "team": ["清华同衡", "北京建筑大学"]}
)


def check_table(df: pd.DataFrame) -> None:
    assert list(df.columns) == list(TABLE.columns)
    assert df.astype(object).values.tolist() == TABLE.values.tolist()  # strings: leading zeros and "" kept


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_table_csv_encodings(tmp_path, encoding):
    path = tmp_path / f"registry_{encoding}.csv"
    TABLE.to_csv(path, index=False, encoding=encoding)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    check_table(read_table(path))


def test_read_table_xlsx(tmp_path):
    path = tmp_path / "registry.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"x": ["other"]}).to_excel(xw, sheet_name="notes", index=False)
        TABLE.to_excel(xw, sheet_name="teams", index=False)
    check_table(read_table(path, sheet="teams"))
    check_table(read_table(path, sheet=1))
    assert read_table(path)["x"].tolist() == ["other"]  # first sheet by default


def test_read_table_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "none.csv")
    other = tmp_path / "table.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(other)
    assert str(other) in str(err.value) and ".csv" in str(err.value)


# ----------------------------------------------------------------------------- atomic writing


def test_atomic_path_keeps_old_target_when_body_raises(tmp_path):
    target = tmp_path / "result.csv"
    target.write_text("old content", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half-written", encoding="utf-8")
            raise RuntimeError("crash in the middle")
    assert target.read_text(encoding="utf-8") == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv"]  # no temporary left


def test_atomic_path_replaces_on_success_and_creates_folders(tmp_path):
    target = tmp_path / "new" / "sub" / "r.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        assert not target.exists()
        tmp.write_text("done", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "done"
    assert [p.name for p in target.parent.iterdir()] == ["r.txt"]


def test_write_csv_and_text(tmp_path):
    target = write_csv(TABLE, tmp_path / "t.csv")
    check_table(read_table(target))
    assert target.read_bytes().decode("utf-8")  # UTF-8 on disk
    # a failing write leaves the old file
    with pytest.raises(KeyError):
        write_csv(TABLE, target, columns=["no_such_column"])
    check_table(read_table(target))
    t = write_text("责任规划师\n", tmp_path / "a.md")
    assert t.read_bytes() == "责任规划师\n".encode()


def test_write_layers_gpkg_has_all_layers(tmp_path, units):
    target = tmp_path / "out.gpkg"
    pts = gpd.GeoDataFrame({"name": NAMES}, geometry=units.representative_point(), crs=units.crs)
    write_layers({"units": units, "centroids": pts}, target)
    listed = {name: gtype for name, gtype in pyogrio.list_layers(target)}
    assert set(listed) == {"units", "centroids"}
    assert list(read_vector(target, layer="units")["name"]) == NAMES
    assert len(read_vector(target, layer="centroids")) == 3
    # rewriting replaces the whole file: an old layer does not survive
    write_layers({"only": units}, target)
    assert [name for name, _ in pyogrio.list_layers(target)] == ["only"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_write_layers_failure_keeps_old_file(tmp_path, units):
    target = tmp_path / "out.gpkg"
    write_layers({"units": units}, target)
    before = target.read_bytes()
    with pytest.raises(ValueError):  # pyogrio refuses the string
        write_layers({"units": units, "bad": "not a dataframe"}, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


# ----------------------------------------------------------------------------- outputs are not inputs


def test_check_not_inputs_same_path(tmp_path):
    inp = tmp_path / "units.gpkg"
    inp.write_bytes(b"x")
    with pytest.raises(OutputError) as err:
        check_not_inputs([inp], [inp])
    assert str(inp) in str(err.value) and "Fix:" in str(err.value)
    check_not_inputs([tmp_path / "other.gpkg"], [inp, None])  # fine


def test_check_not_inputs_different_relative_path(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "out").mkdir()
    inp = tmp_path / "data" / "units.geojson"
    inp.write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "out")
    for alias in ["../data/units.geojson", "../out/../data/units.geojson", str(inp)]:
        with pytest.raises(OutputError):
            check_not_inputs([alias], ["../data/units.geojson"])
        with pytest.raises(OutputError):
            check_not_inputs([alias], [inp])
    # an output that does not exist yet is still compared by path
    with pytest.raises(OutputError):
        check_not_inputs(["./new.gpkg"], [str(tmp_path / "out" / "new.gpkg")])


def test_check_not_inputs_symlink(tmp_path):
    inp = tmp_path / "units.gpkg"
    inp.write_bytes(b"x")
    link = tmp_path / "link.gpkg"
    try:
        os.symlink(inp, link)
    except OSError:
        pytest.skip("no symlinks here")
    with pytest.raises(OutputError):
        check_not_inputs([link], [inp])


@pytest.mark.parametrize("sidecar", ["units.dbf", "units.shx", "units.prj", "units.cpg", "units.shp.xml", "UNITS.shp"])
def test_check_not_inputs_shapefile_sidecars(tmp_path, sidecar, monkeypatch):
    shp = tmp_path / "units.shp"
    if sidecar == "UNITS.shp":
        # only a clash where the file system is case-insensitive
        shp.write_bytes(b"x")
        if not (tmp_path / "UNITS.shp").exists():
            check_not_inputs([tmp_path / sidecar], [shp])
            return
    with pytest.raises(OutputError) as err:
        check_not_inputs([tmp_path / sidecar], [shp])
    assert "units.shp" in str(err.value)
    # and the other way round: writing a shapefile whose .dbf is an input
    if sidecar != "UNITS.shp":
        with pytest.raises(OutputError):
            check_not_inputs([shp], [tmp_path / sidecar])


def test_check_not_inputs_allows_other_formats_beside_a_shapefile(tmp_path):
    shp = tmp_path / "units.shp"
    check_not_inputs([tmp_path / "units.gpkg", tmp_path / "units.csv", tmp_path / "units_audit.dbf"], [shp])
    check_not_inputs([tmp_path / "other" / "units.dbf"], [shp])


def test_empty_file_and_folder_are_named(tmp_path):
    from planner_gis.io import read_table, read_vector

    empty = tmp_path / "units.gpkg"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"units.gpkg: the file is empty \(0 bytes\)"):
        read_vector(empty)
    (tmp_path / "teams.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"teams.csv: the file is empty \(0 bytes\)"):
        read_table(tmp_path / "teams.csv")
    folder = tmp_path / "zones.geojson"
    folder.mkdir()
    with pytest.raises(InputError, match="zones.geojson: is a folder, not a file"):
        read_vector(folder)


def test_split_layer_only_where_a_layered_file_name_ends():
    from planner_gis.io import split_layer

    assert split_layer("a/b.gpkg:units") == (Path("a/b.gpkg"), "units")
    assert split_layer("C:/data/b.gpkg") == (Path("C:/data/b.gpkg"), None)
    assert split_layer("notes:units") == (Path("notes:units"), None)
    assert split_layer("b.gpkg:sub/dir") == (Path("b.gpkg:sub/dir"), None)


def _gpkg_version(path) -> int:
    import sqlite3

    with sqlite3.connect(path) as con:
        return con.execute("pragma user_version").fetchone()[0]


def test_written_geopackages_are_version_1_2(tmp_path):
    """QGIS 3.22 on Debian 12 (GDAL 3.6) warns on the GeoPackage 1.4 files newer GDALs write by default."""
    from shapely.geometry import Point

    from planner_gis.io import write_layers

    target = write_layers({"a": gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)], crs=4326)}, tmp_path / "a.gpkg")
    assert _gpkg_version(target) == 10200


def test_shipped_geopackages_are_version_1_2():
    import planner_gis

    shipped = sorted(Path(planner_gis.__file__).parent.joinpath("data").rglob("*.gpkg"))
    assert shipped and {p.name: _gpkg_version(p) for p in shipped} == {p.name: 10200 for p in shipped}
