"""PostGIS inputs and outputs against a real PostgreSQL 15 + PostGIS 3 server (tests/pgserver.py).

Every command runs twice on the same data: from files and from tables; the
outputs must be equal (the file run is the reference). Outputs written into a
schema are compared with the files the same run writes into a folder. The
server is started once per session by the ``postgis_server`` fixture
(tests/conftest.py) and stopped at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, Point, box

from planner_gis import datasets
from planner_gis.cli import main
from planner_gis.io import read_table, read_vector, record_names
from planner_gis.postgis import parse_database_url

CRS = "EPSG:32650"
CATALOGUE = (
    "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"
    "kg,幼儿园,Kindergarten,5,300,,amenity=kindergarten,\n"
    "school,小学,School,10,500,,amenity=school,\n"
    "park,公园,Park,15,600,,leisure=park,\n"
)


def _town_layers() -> dict:
    """The hand-checkable town of tests/test_cli_reach.py (EPSG:32650, metres)."""
    return {
        "streets": gpd.GeoDataFrame(
            geometry=[LineString([(0, 0), (500, 0), (1000, 0)]), LineString([(500, 0), (500, 400)])], crs=CRS),
        "pop": gpd.GeoDataFrame(
            {"gid": [1, 2, 3, 4, 5], "pop": [100, 200, 300, 400, 50], "name": list("ABCDE")},
            geometry=[Point(0, 10), Point(300, 0), Point(700, 0), Point(500, 300), Point(1000, 500)], crs=CRS),
        "fac": gpd.GeoDataFrame(
            {"fid_": ["K1", "S1", "P1"], "kind": ["kg", "school", "park"]},
            geometry=[Point(100, 0), Point(900, 20), box(520, 300, 620, 400)], crs=CRS),
        "zones": gpd.GeoDataFrame({"code": ["W", "E"], "name": ["西", "东"]},
                                  geometry=[box(-100, -100, 450, 600), box(450, -100, 1100, 600)], crs=CRS),
        "gates": gpd.GeoDataFrame({"gate": ["g1"]}, geometry=[Point(620, 350)], crs=CRS),
        "cands": gpd.GeoDataFrame({"candidate_id": ["c1", "c2", "c3"]},
                                  geometry=[Point(600, 0), Point(500, 250), Point(950, 0)], crs=CRS),
    }


@pytest.fixture(scope="module")
def data(postgis_server, tmp_path_factory):
    """The demo audit inputs and the town, as files and as tables of schema ``src`` (same rows, same order)."""
    d = tmp_path_factory.mktemp("files")
    eng = postgis_server.engine()
    with eng.begin() as c:
        c.execute(sa.text("DROP SCHEMA IF EXISTS src CASCADE"))
        c.execute(sa.text("CREATE SCHEMA src"))
    for name, gdf in _town_layers().items():
        gdf.to_file(d / f"{name}.gpkg", layer=name)
        gdf.to_postgis(name, eng, schema="src", index=False)
    with eng.begin() as c:  # a primary key names records in messages
        c.execute(sa.text("ALTER TABLE src.pop ADD PRIMARY KEY (gid)"))
    (d / "cat.csv").write_text(CATALOGUE, encoding="utf-8")
    units = gpd.read_file(datasets.demo_units_path())
    units.to_postgis("units", eng, schema="src", index=False)
    gpd.read_file(datasets.demo_outline_path()).to_postgis("outline", eng, schema="src", index=False)
    teams = pd.read_csv(datasets.demo_registry_path(), dtype=str, keep_default_na=False)
    teams.to_sql("teams", eng, schema="src", index=False)
    eng.dispose()
    return d


def run_ok(argv: list) -> None:
    status = main([*argv, "--progress", "none"])
    assert status == 0, argv


def fails(argv: list, capsys) -> str:
    """Run a command that must fail on input: exit status 2 and one line on stderr; returns the line."""
    status = main([*argv, "--progress", "none"])
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def db_table(server, schema: str, table: str) -> pd.DataFrame:
    """A table as strings, the way read_table reads a CSV (through the library's own reader)."""
    return read_table(server.url(f"table={schema}.{table}"))


# ----------------------------------------------------------------------------- URLs (no server)


@pytest.mark.parametrize("url, message", [
    ("postgresql://u:secret@localhost/db?table=a.b", "the URL holds a password"),
    ("postgresql://u@localhost/db", "no table= in the URL"),
    ("postgresql://u@localhost:port/db?table=a.b", "not a database URL"),
    ("postgresql://u@localhost/db?table=a.b&colour=red", "unknown URL parameter(s) colour"),
    ("postgresql://u@localhost/db?table=.b", "is not SCHEMA.TABLE"),
])
def test_bad_input_urls_are_one_line_errors(url, message, capsys, tmp_path):
    err = fails(["audit", url, "--teams", str(datasets.demo_registry_path()), "--out", str(tmp_path / "o")], capsys)
    assert message in err and "secret" not in err
    assert "Fix:" in err


def test_bad_output_url_and_connection_refused(capsys, tmp_path):
    import socket

    with socket.socket() as s:  # a port where no server listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    units, teams = str(datasets.demo_units_path()), str(datasets.demo_registry_path())
    err = fails(["audit", units, "--teams", teams, "--out", f"postgresql://u@127.0.0.1:{port}/db?table=x.y"], capsys)
    assert "an output URL names a schema and nothing else" in err
    err = fails(["audit", units, "--teams", teams, "--out", f"postgresql://u@127.0.0.1:{port}/db?schema=out"], capsys)
    assert f"connection refused (no PostgreSQL server at 127.0.0.1:{port})" in err
    err = fails(["audit", f"postgresql://u@127.0.0.1:{port}/db?table=s.units", "--teams", teams, "--out",
                 str(tmp_path / "o")], capsys)
    assert "connection refused" in err and "Fix: start the server" in err


def test_commands_writing_files_refuse_a_database_out(capsys, tmp_path):
    err = fails(["whatif", str(tmp_path), "--add", "0,0,kindergarten", "--out", "postgresql://u@h/db?schema=s"],
                capsys)
    assert "this command writes files, not database tables" in err
    assert not any(p.name.startswith("postgresql") for p in Path.cwd().iterdir())  # no folder named like the URL


def test_url_parts():
    u = parse_database_url("postgresql://me@h:6543/gis?service=prod&table=plan.units&where=a%3D1")
    assert (u.user, u.host, u.port, u.dbname, u.schema, u.table, u.where) == ("me", "h", 6543, "gis", "plan",
                                                                            "units", "a=1")
    assert u.params == {"service": "prod"}
    assert u.table_url("x") == "postgresql://me@h:6543/gis?service=prod&table=plan.x"
    out = parse_database_url("postgresql://me@h/gis?schema=results", role="output")
    assert out.schema == "results" and out.table is None


# ----------------------------------------------------------------------------- reading


def test_layers_and_tables_read_from_the_database_equal_the_files(pg, data):
    for name in ("pop", "fac", "zones"):
        from_file = read_vector(data / f"{name}.gpkg")
        from_db = read_vector(pg.url(f"table=src.{name}"))
        assert from_db.crs == from_file.crs
        assert list(from_db.columns) == list(from_file.columns)
        pd.testing.assert_frame_equal(pd.DataFrame(from_db.drop(columns="geometry")),
                                      pd.DataFrame(from_file.drop(columns="geometry")), check_dtype=False)
        assert from_db.geometry.geom_equals_exact(from_file.geometry, 1e-9).all()
    pd.testing.assert_frame_equal(read_table(pg.url("table=src.teams")), read_table(datasets.demo_registry_path()))


def test_where_filter_and_record_names(pg, data):
    layer = read_vector(pg.url("table=src.pop&where=pop%20%3E%3D%20300"))
    assert layer["name"].tolist() == ["C", "D"]
    assert record_names(layer, [1]) == ["gid 4"]  # records are named by the primary key


def test_missing_table_and_bad_filter_are_one_line_errors(pg, data, capsys, tmp_path):
    teams = pg.url("table=src.teams")
    err = fails(["audit", pg.url("table=src.nothing"), "--teams", teams, "--out", str(tmp_path / "o")], capsys)
    assert "no table src.nothing in database planner (tables in schema src: cands, fac, gates" in err
    err = fails(["audit", pg.url("table=src.units&where=no_such_column%3D1"), "--teams", teams, "--out",
                 str(tmp_path / "o")], capsys)
    assert "reading with where='no_such_column=1' failed" in err and "Fix: correct the where= filter" in err
    err = fails(["audit", teams, "--teams", teams, "--out", str(tmp_path / "o")], capsys)
    assert "src.teams: the table has no geometry column" in err


def test_password_from_pgpassword_or_pgpass_only(pg, data, capsys, tmp_path, monkeypatch):
    import pgserver

    argv = ["audit", pg.url("table=src.units"), "--teams", pg.url("table=src.teams"), "--as-of", "2026-03-31",
            "--out", str(tmp_path / "o")]
    monkeypatch.delenv("PGPASSWORD")
    err = fails(argv, capsys)
    assert "the server asks for a password and none was given" in err and "PGPASSWORD" in err
    monkeypatch.setenv("PGPASSWORD", "wrong")
    assert "password authentication failed for user planner" in fails(argv, capsys)
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:*:{pgserver.USER}:{pgserver.PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    run_ok(argv)
    assert (tmp_path / "o" / "findings.csv").exists()


# ----------------------------------------------------------------------------- every command: tables = files


def _audit_args(inputs: dict, out: str) -> list:
    return ["audit", inputs["units"], "--teams", inputs["teams"], "--outline", inputs["outline"],
            "--as-of", "2026-03-31", "--out", out]


def _csv(path: Path) -> pd.DataFrame:
    return read_table(path)


def test_audit_from_tables_into_a_schema_equals_files(pg, data, tmp_path):
    files = {"units": str(datasets.demo_units_path()), "teams": str(datasets.demo_registry_path()),
             "outline": str(datasets.demo_outline_path())}
    tables = {k: pg.url(f"table=src.{k}") for k in files}
    run_ok(_audit_args(files, str(tmp_path / "files")))
    run_ok(_audit_args(tables, str(tmp_path / "tables")))
    for name in ("findings.csv", "workload.csv"):  # database inputs give the same results as files
        assert (tmp_path / "tables" / name).read_bytes() == (tmp_path / "files" / name).read_bytes()
    run_ok(_audit_args(tables, pg.url("schema=audit_out")))
    for name in ("findings", "workload"):
        ref = _csv(tmp_path / "files" / f"{name}.csv")
        got = db_table(pg, "audit_out", name)[list(ref.columns)]
        pd.testing.assert_frame_equal(got, ref)
    units = read_vector(pg.url("table=audit_out.units"))
    ref_units = read_vector(tmp_path / "files" / "audit.gpkg:units")
    assert units.crs == ref_units.crs and len(units) == len(ref_units)
    assert units.geometry.geom_equals(ref_units.geometry).all()  # PostGIS stores mixed polygons as multipolygons
    with pg.engine().connect() as c:
        runs = c.execute(sa.text("SELECT command, inputs, options, metric_crs, tables, summary FROM audit_out.runs")
                         ).fetchall()
        srids = dict(c.execute(sa.text("SELECT f_table_name, srid FROM geometry_columns "
                                       "WHERE f_table_schema = 'audit_out'")).fetchall())
        gist = {r[0] for r in c.execute(sa.text("SELECT tablename FROM pg_indexes WHERE schemaname = 'audit_out' "
                                                "AND indexdef ILIKE '%USING gist%'")).fetchall()}
    assert len(runs) == 1
    command, inputs, options, metric_crs, written, summary = runs[0]
    assert command == "audit" and inputs["zones"] == tables["units"] and options["as_of"] == "2026-03-31"
    assert metric_crs == json.loads((tmp_path / "files" / "audit.json").read_text())["crs"]
    assert written == ["findings", "units", "workload"] and summary["units"] == len(ref_units)
    assert srids == {"findings": ref_units.crs.to_epsg(), "units": ref_units.crs.to_epsg()}
    assert gist == {"findings", "units"}


def _blank(df: pd.DataFrame) -> pd.DataFrame:
    """Missing values as empty text."""
    df = pd.DataFrame(df).astype(object)
    return df.where(df.notna(), "")


def _numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of numbers as floats (a database column of numbers prints 89 where a CSV of mixed values has 89.0)."""
    out = df.copy()
    for c in out.columns:
        as_number = pd.to_numeric(out[c].replace("", None), errors="coerce")
        if as_number.notna().sum() == (out[c] != "").sum():
            out[c] = as_number
    return out


def _reach_args(inputs: dict, out: str, d: Path) -> list:
    return ["reach", "--network", inputs["streets"], "--facilities", inputs["fac"], "--population", inputs["pop"],
            "--zones", inputs["zones"], "--entrances", inputs["gates"], "--out", out, "--catalogue",
            str(d / "cat.csv"), "--category-column", "kind", "--population-column", "pop", "--zone-id", "code",
            "--facility-id", "fid_", "--isochrones"]


def test_reach_from_tables_into_a_schema_equals_files(pg, data, tmp_path):
    names = ("streets", "fac", "pop", "zones", "gates")
    files = {k: str(data / f"{k}.gpkg") for k in names}
    tables = {k: pg.url(f"table=src.{k}") for k in names}
    run_ok(_reach_args(files, str(tmp_path / "files"), data))
    run_ok(_reach_args(tables, str(tmp_path / "tables"), data))
    assert (tmp_path / "tables" / "coverage.csv").read_bytes() == (tmp_path / "files" / "coverage.csv").read_bytes()
    run_ok(_reach_args(tables, pg.url("schema=reach_out"), data))
    for layer in ("coverage", "underserved", "unreachable", "isochrones"):
        ref = read_vector(tmp_path / "files" / f"reach.gpkg:{layer}")
        got = read_vector(pg.url(f"table=reach_out.{layer}"))
        assert len(got) == len(ref) and sorted(got.columns) == sorted(ref.columns), layer
        got = got[list(ref.columns)]
        assert got.crs == ref.crs, layer
        # to_postgis copies rows as CSV, where empty text becomes NULL
        pd.testing.assert_frame_equal(_blank(got.drop(columns="geometry")), _blank(ref.drop(columns="geometry")),
                                      check_dtype=False)
        assert got.geometry.geom_equals(ref.geometry).all(), layer
    cov = db_table(pg, "reach_out", "coverage").set_index(["unit_id", "category"])
    assert float(cov.loc[("E", "park"), "covered_population"]) == 400  # D only, through the gate (test_cli_reach)


def test_suggest_isochrones_network_from_tables_equal_files(pg, data, tmp_path):
    names = ("streets", "fac", "pop", "zones", "cands")
    files = {k: str(data / f"{k}.gpkg") for k in names}
    tables = {k: pg.url(f"table=src.{k}") for k in names}

    def suggest(inputs, out):
        return ["suggest", "--network", inputs["streets"], "--facilities", inputs["fac"], "--population",
                inputs["pop"], "--zones", inputs["zones"], "--category", "school", "--candidates", inputs["cands"],
                "--sites", "1", "--out", out, "--catalogue", str(data / "cat.csv"), "--category-column", "kind",
                "--population-column", "pop", "--zone-id", "code"]

    run_ok(suggest(files, str(tmp_path / "s_files")))
    run_ok(suggest(tables, pg.url("schema=suggest_out")))
    ref = _csv(tmp_path / "s_files" / "sites.csv")
    got = db_table(pg, "suggest_out", "sites")
    assert got["candidate_id"].tolist() == ref["candidate_id"].tolist() and len(ref) == 1
    assert np.allclose(got["gain_population"].astype(float), ref["gain_population"].astype(float))
    newly = read_vector(pg.url("table=suggest_out.newly_covered"))
    assert len(newly) == len(read_vector(tmp_path / "s_files" / "suggest.gpkg:newly_covered"))

    iso = ["isochrones", "--network", tables["streets"], "--points", tables["cands"], "--distances", "300,500"]
    run_ok([*iso, "--out", pg.url("schema=iso_out")])
    run_ok(["isochrones", "--network", files["streets"], "--points", files["cands"], "--distances", "300,500",
            "--out", str(tmp_path / "iso.gpkg")])
    got, ref = read_vector(pg.url("table=iso_out.isochrones")), read_vector(tmp_path / "iso.gpkg")
    assert got["point_id"].tolist() == ref["point_id"].tolist()
    assert np.allclose(got.area, ref.area)

    from planner_gis.network import load_network

    run_ok(["network", tables["streets"], "--out", str(tmp_path / "db.npz")])
    run_ok(["network", files["streets"], "--out", str(tmp_path / "file.npz")])
    a, b = load_network(tmp_path / "db.npz"), load_network(tmp_path / "file.npz")
    assert np.array_equal(a.edge_length, b.edge_length) and np.array_equal(a.node_xy, b.node_xy)
    assert np.array_equal(a.edge_u, b.edge_u) and a.crs == b.crs


# ----------------------------------------------------------------------------- one transaction, --replace


def _schema_state(server, schema: str) -> dict:
    with server.engine().connect() as c:
        tables = sorted(r[0] for r in c.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}))
        return {t: c.execute(sa.text(f'SELECT count(*) FROM "{schema}"."{t}"')).scalar() for t in tables}


def test_existing_tables_refused_then_replaced_and_a_failure_rolls_everything_back(pg, data, capsys):
    tables = {k: pg.url(f"table=src.{k}") for k in ("units", "teams", "outline")}
    argv = _audit_args(tables, pg.url("schema=tx"))
    run_ok(argv)
    first = _schema_state(pg, "tx")
    assert set(first) == {"findings", "units", "workload", "runs"} and first["runs"] == 1
    err = fails(argv, capsys)
    assert "table(s) findings, units, workload already exist in schema tx" in err and "--replace" in err
    assert _schema_state(pg, "tx") == first
    run_ok([*argv, "--replace"])
    assert _schema_state(pg, "tx") == {**first, "runs": 2}
    # plant a unique violation: the run's last statement (its row in runs) fails after every table was replaced
    with pg.engine().begin() as c:
        c.execute(sa.text("UPDATE tx.findings SET message = 'before the failed run'"))
        c.execute(sa.text("CREATE UNIQUE INDEX runs_one_per_command ON tx.runs (command) WHERE run_id > 1"))
    err = fails([*argv, "--replace"], capsys)
    assert "adding the run to tx.runs failed" in err and "rolled back" in err
    assert _schema_state(pg, "tx") == {**first, "runs": 2}
    with pg.engine().connect() as c:
        kept = {r[0] for r in c.execute(sa.text("SELECT message FROM tx.findings"))}
    assert kept == {"before the failed run"}  # the old tables, not the dropped-and-rewritten ones


def test_input_tables_are_never_outputs(pg, data, capsys):
    with pg.engine().begin() as c:
        c.execute(sa.text("DROP SCHEMA IF EXISTS shared CASCADE; CREATE SCHEMA shared"))
        c.execute(sa.text("CREATE TABLE shared.units AS SELECT * FROM src.units"))
    argv = ["audit", pg.url("table=shared.units"), "--teams", pg.url("table=src.teams"), "--as-of", "2026-03-31",
            "--out", pg.url("schema=shared"), "--replace"]
    err = fails(argv, capsys)
    assert "output table shared.units would overwrite the input" in err
    assert _schema_state(pg, "shared") == {"units": 24}


def test_no_password_in_the_runs_table_or_messages(pg, data, capsys):
    import pgserver

    run_ok(_audit_args({k: pg.url(f"table=src.{k}") for k in ("units", "teams", "outline")}, pg.url("schema=pw")))
    with pg.engine().connect() as c:
        row = c.execute(sa.text("SELECT inputs::text || options::text || summary::text FROM pw.runs")).scalar()
    assert pgserver.PASSWORD not in row
    assert pgserver.PASSWORD not in capsys.readouterr().out
    assert os.environ["PGPASSWORD"] == pgserver.PASSWORD


def test_service_file_and_records_named_by_key_in_refusals(pg, data, capsys, tmp_path, monkeypatch):
    import pgserver

    service = tmp_path / "pg_service.conf"
    service.write_text(f"[plan]\nhost=127.0.0.1\nport={pg.port}\ndbname={pgserver.DBNAME}\nuser={pgserver.USER}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    layer = read_vector("postgresql:///?service=plan&table=src.zones")
    assert layer["code"].tolist() == ["W", "E"] and layer.attrs["source"].endswith("?service=plan&table=src.zones")
    with pg.engine().begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS src.badpop"))
        c.execute(sa.text("CREATE TABLE src.badpop AS SELECT * FROM src.pop"))
        c.execute(sa.text("ALTER TABLE src.badpop ADD PRIMARY KEY (gid)"))
        c.execute(sa.text("UPDATE src.badpop SET pop = -5 WHERE gid = 3"))
    names = ("streets", "fac", "pop", "zones", "gates")
    inputs = {k: pg.url(f"table=src.{k}") for k in names} | {"pop": pg.url("table=src.badpop")}
    err = fails(_reach_args(inputs, str(tmp_path / "o"), data), capsys)
    assert "src.badpop: 1 record(s) whose pop is not a number >= 0: gid 3 (-5" in err


def test_geography_columns_and_srid_zero(pg, data):
    with pg.engine().begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS src.geog, src.nosrid"))
        c.execute(sa.text("CREATE TABLE src.geog (id int PRIMARY KEY, g geography(Point, 4326))"))
        c.execute(sa.text("INSERT INTO src.geog VALUES (1, 'SRID=4326;POINT(116.3 39.85)')"))
        c.execute(sa.text("CREATE TABLE src.nosrid (id int, g geometry(Point))"))
        c.execute(sa.text("INSERT INTO src.nosrid VALUES (1, 'POINT(116.3 39.85)')"))
    geog = read_vector(pg.url("table=src.geog"))
    assert geog.crs.to_epsg() == 4326 and (geog.geometry.x.iloc[0], geog.geometry.y.iloc[0]) == (116.3, 39.85)
    assert read_vector(pg.url("table=src.nosrid")).crs is None
    assert read_vector(pg.url("table=src.nosrid"), crs="4490").crs.to_epsg() == 4490  # --crs declares it


def test_evaluate_from_tables_into_a_schema_equals_files(pg, data, tmp_path):
    eng = pg.engine()
    for name, path in (("records", datasets.demo_records_path()), ("people", datasets.demo_people_path()),
                       ("ratings", datasets.demo_ratings_path())):
        pd.read_csv(path, dtype=str, keep_default_na=False).to_sql(name, eng, schema="src", index=False,
                                                                    if_exists="replace")
    files = {"records": datasets.demo_records_path(), "people": datasets.demo_people_path(),
             "ratings": datasets.demo_ratings_path(), "teams": datasets.demo_registry_path(),
             "zones": datasets.demo_units_path()}
    tables = {k: pg.url(f"table=src.{'units' if k == 'zones' else k}") for k in files}

    def evaluate(inputs, out):
        return ["evaluate", "--records", str(inputs["records"]), "--teams", str(inputs["teams"]), "--zones",
                str(inputs["zones"]), "--people", str(inputs["people"]), "--ratings", str(inputs["ratings"]),
                "--rules", "chongqing", "--year", "2025", "--out", out]

    run_ok(evaluate(files, str(tmp_path / "files")))
    run_ok(evaluate(tables, str(tmp_path / "tables")))
    written = sorted(p.name for p in (tmp_path / "files").glob("*.csv"))
    assert "compliance.csv" in written and "points.csv" in written
    for name in written:  # messages name the records' source: the file, or the table
        ref = (tmp_path / "files" / name).read_text(encoding="utf-8")
        ref = ref.replace(str(files["records"]), tables["records"])
        assert (tmp_path / "tables" / name).read_text(encoding="utf-8") == ref, name
    run_ok(evaluate(tables, pg.url("schema=eval_out")))
    for name in written:
        ref = _csv(tmp_path / "tables" / name)
        got = _blank(db_table(pg, "eval_out", name.removesuffix(".csv"))[list(ref.columns)])
        pd.testing.assert_frame_equal(_numbers(got), _numbers(_blank(ref)), check_dtype=False)
    records = read_vector(pg.url("table=eval_out.records"))
    assert len(records) == len(read_vector(tmp_path / "files" / "evaluation.gpkg:records"))
