"""planner_gis:reach, :isochrones and :webmap through processing.run.

The inputs are a hand-checkable toy town (one 2 km street in EPSG:4548); the
plugin's outputs are compared with the library run on the same files and with
hand calculations.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer
from shapely.geometry import Point

from conftest import CRS, X0, Y0, ensure_provider



def _features(path: str) -> list:
    layer = QgsVectorLayer(path, "out", "ogr")
    assert layer.isValid(), path
    names = [f.name() for f in layer.fields()]
    rows = []
    for feature in layer.getFeatures():
        row = {n: (None if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
               for n, v in zip(names, feature.attributes())}
        geom = feature.geometry()
        row["_area"] = None if geom.isNull() else geom.area()
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def library_reach(town):
    from planner_gis import catalogue, network, reach
    from planner_gis.io import read_vector

    net = network.build_network(read_vector(town["street"]))
    cat = catalogue.load_catalogue()
    access = catalogue.facility_access_points(read_vector(town["facilities"]), cat, "category")
    pop = reach.population_from_points(read_vector(town["population"]), "residents")
    return reach.compute_coverage(net, access, pop, read_vector(town["zones"]), cat, max_snap=200.0)


@pytest.fixture(scope="module")
def plugin_reach(town, qgis_processing):
    import processing

    ensure_provider()
    out = town["dir"]
    results = processing.run("planner_gis:reach", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "CATEGORY_FIELD": "category",
        "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "residents",
        "ZONES": town["zones"], "ZONE_ID": "unit_id", "MAX_SNAP": 200.0,
        "COVERAGE": str(out / "coverage.gpkg"), "UNDERSERVED": str(out / "underserved.gpkg"),
        "UNREACHABLE": str(out / "unreachable.gpkg"),
    })
    return results


def test_reach_coverage_hand_checked(plugin_reach):
    rows = {(r["unit_id"], r["category"]): r for r in _features(plugin_reach["COVERAGE"])}
    a = rows[("A", "kindergarten")]
    # A holds residents at 300 m (10), 350 m (5) and 900 m (20) along the street; the kindergarten
    # at 100 m serves 300 m of walk: 10 + 5 of 35 are covered.
    assert a["population"] == pytest.approx(35.0)
    assert a["covered_population"] == pytest.approx(15.0)
    assert a["share"] == pytest.approx(15.0 / 35.0)
    assert a["name"] == "西街道"
    assert a["_area"] == pytest.approx(1000 * 200)  # the unit's polygon is attached
    b = rows[("B", "kindergarten")]
    assert (b["population"], b["covered_population"], b["share"]) == (pytest.approx(7.0), 0.0, 0.0)
    # no facility of the other categories: nobody covered
    assert rows[("A", "primary_school")]["covered_population"] == 0.0
    # the kindergarten 5 km off the street is unreachable
    unreachable = _features(plugin_reach["UNREACHABLE"])
    assert [(u["kind"], u["category"]) for u in unreachable] == [("facility", "kindergarten")]


def test_reach_matches_library(plugin_reach, library_reach):
    lib = library_reach.coverage
    rows = _features(plugin_reach["COVERAGE"])
    assert len(rows) == len(lib)
    got = {(r["unit_id"], r["category"]): r for r in rows}
    for rec in lib.itertuples(index=False):
        r = got[(rec.unit_id, rec.category)]
        assert r["tier_min"] == rec.tier_min
        assert r["population"] == pytest.approx(rec.population)
        assert r["covered_population"] == pytest.approx(rec.covered_population)
        if math.isnan(rec.share):
            assert r["share"] is None
        else:
            assert r["share"] == pytest.approx(rec.share)
        if math.isnan(rec.threshold_m):
            assert r["threshold_m"] is None
        else:
            assert r["threshold_m"] == pytest.approx(rec.threshold_m)

    under = _features(plugin_reach["UNDERSERVED"])
    lib_under = library_reach.underserved
    assert len(under) == len(lib_under) > 0
    key = lambda r: (r["unit_id"], r["category"])  # noqa: E731
    lib_rows = {(r.unit_id, r.category): r for r in lib_under.itertuples(index=False)}
    for r in under:
        exp = lib_rows[key(r)]
        assert r["population"] == pytest.approx(exp.population)
        assert r["_area"] == pytest.approx(exp.geometry.area, rel=1e-9)


def test_reach_needs_exactly_one_network(town, provider):
    import processing

    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:reach", {
            "FACILITIES": town["facilities"], "POPULATION_POINTS": town["population"],
            "POPULATION_FIELD": "residents", "ZONES": town["zones"],
            "COVERAGE": "TEMPORARY_OUTPUT", "UNDERSERVED": "TEMPORARY_OUTPUT",
        })
    assert "NETWORK" in str(err.value) and "Fix:" in str(err.value)


def test_reach_unknown_population_field_is_the_library_message(town, provider):
    import processing
    from planner_gis import reach
    from planner_gis.errors import PlannerGisError
    from planner_gis.io import read_vector

    from planner_gis.coverage import read_population

    with pytest.raises(PlannerGisError) as lib_err:
        read_population(read_vector(town["population"]), "inhabitants")
    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:reach", {
            "NETWORK": town["street"], "FACILITIES": town["facilities"],
            "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "inhabitants",
            "ZONES": town["zones"], "COVERAGE": "TEMPORARY_OUTPUT", "UNDERSERVED": "TEMPORARY_OUTPUT",
        })
    # the layer read by QGIS has an extra 'fid' column, so compare the message up to the column list
    assert str(lib_err.value).split("(columns")[0] in str(err.value)


def test_isochrones_hand_checked_and_match_library(town, provider, tmp_path):
    import processing
    from planner_gis import isochrones, network
    from planner_gis.io import read_vector

    pts = tmp_path / "pts.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[Point(X0 + 100, Y0)], crs=CRS).to_file(pts, driver="GPKG")
    results = processing.run("planner_gis:isochrones", {
        "NETWORK": town["street"], "POINTS": str(pts), "THRESHOLDS": "300, 500",
        "OUTPUT": str(tmp_path / "iso.gpkg"),
    })
    rows = sorted(_features(results["OUTPUT"]), key=lambda r: r["threshold_m"])
    assert [r["threshold_m"] for r in rows] == [300.0, 500.0]
    # from 100 m along a 2000 m street: 0..400 m and 0..600 m of street are reachable
    assert rows[0]["street_length_m"] == pytest.approx(400.0)
    assert rows[1]["street_length_m"] == pytest.approx(600.0)

    lib = isochrones.isochrones(network.build_network(read_vector(town["street"])), read_vector(pts),
                                thresholds=(300, 500)).sort_values("threshold_m")
    for r, exp in zip(rows, lib.itertuples(index=False)):
        assert r["street_length_m"] == pytest.approx(exp.street_length_m)
        assert r["_area"] == pytest.approx(exp.geometry.area, rel=1e-9)


def test_isochrones_bad_thresholds(town, provider):
    import processing

    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:isochrones", {
            "NETWORK": town["street"], "POINTS": town["population"], "THRESHOLDS": "300, far",
            "OUTPUT": "TEMPORARY_OUTPUT"})
    assert "not numbers" in str(err.value) and "Fix:" in str(err.value)


def test_reach_webmap(plugin_reach, provider, tmp_path):
    import processing
    from planner_gis.io import read_vector
    from planner_gis.webmap import layer_names, reach_map

    target = tmp_path / "reach.html"
    results = processing.run("planner_gis:webmap", {
        "COVERAGE": plugin_reach["COVERAGE"], "UNDERSERVED": plugin_reach["UNDERSERVED"],
        "CATEGORY": "kindergarten", "OUTPUT": str(target)})
    assert results["OUTPUT"] == str(target)
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    expected = layer_names(reach_map(read_vector(plugin_reach["COVERAGE"]),
                                     underserved=read_vector(plugin_reach["UNDERSERVED"]), category="kindergarten"))
    def shown(text):  # literally, or JSON-escaped as folium writes non-ASCII text
        return text in html or json.dumps(text)[1:-1] in html

    assert expected and all(shown(name) for name in expected)
    assert shown("西街道") and shown("东街道")


def test_webmap_refuses_to_overwrite_an_input(plugin_reach, provider):
    import processing

    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:webmap", {"COVERAGE": plugin_reach["COVERAGE"],
                                              "OUTPUT": plugin_reach["COVERAGE"]})
    assert "Fix:" in str(err.value)


def test_reach_with_population_raster_and_entrances(town, provider, tmp_path):
    """A 20 x 1 raster of one resident per 100 m cell along the street."""
    import processing
    import numpy as np
    import rasterio
    from planner_gis import catalogue, network, reach
    from planner_gis.io import read_vector
    from rasterio.transform import from_origin

    tif = tmp_path / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=20, height=1, count=1, dtype="int32", crs=CRS,
                       transform=from_origin(X0, Y0 + 50, 100, 100), nodata=-1) as dst:
        dst.write(np.ones((1, 1, 20), dtype="int32"))
    gates = tmp_path / "gates.gpkg"
    gpd.GeoDataFrame({"gate": [1]}, geometry=[Point(X0 + 1900, Y0)], crs=CRS).to_file(gates, driver="GPKG")
    results = processing.run("planner_gis:reach", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "POPULATION_RASTER": str(tif),
        "ENTRANCES": str(gates), "ZONES": town["zones"],
        "COVERAGE": str(tmp_path / "coverage.gpkg"), "UNDERSERVED": str(tmp_path / "underserved.gpkg")})
    rows = {(r["unit_id"], r["category"]): r for r in _features(results["COVERAGE"])}
    # cell centres at 50, 150, 250 and 350 m are within 300 m of the kindergarten at 100 m
    assert rows[("A", "kindergarten")]["population"] == pytest.approx(10)
    assert rows[("A", "kindergarten")]["share"] == pytest.approx(0.4)
    assert rows[("B", "kindergarten")]["share"] == pytest.approx(0.0)

    cat = catalogue.load_catalogue()
    lib = reach.compute_coverage(
        network.build_network(read_vector(town["street"])),
        catalogue.facility_access_points(read_vector(town["facilities"]), cat, "category",
                                         entrances=read_vector(gates)),
        reach.population_from_raster(tif), read_vector(town["zones"]), cat).coverage
    for rec in lib.itertuples(index=False):
        got = rows[(rec.unit_id, rec.category)]
        assert got["covered_population"] == pytest.approx(rec.covered_population)
        assert got["population"] == pytest.approx(rec.population)


def test_reach_names_the_team_of_underserved_areas(town, provider, tmp_path):
    import processing

    registry = tmp_path / "teams.csv"
    registry.write_text("team_id,unit_id,role,start_date,end_date,team_name\n"
                        "T1,A,unit,2025-01-01,2027-12-31,西街道团队\n"
                        "T2,B,unit,2020-01-01,2021-12-31,过期团队\n", encoding="utf-8")
    results = processing.run("planner_gis:reach", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "POPULATION_POINTS": town["population"],
        "POPULATION_FIELD": "residents", "ZONES": town["zones"], "REGISTRY": str(registry), "AS_OF": "2026-06-30",
        "COVERAGE": "TEMPORARY_OUTPUT", "UNDERSERVED": str(tmp_path / "under.gpkg")})
    teams = {(r["unit_id"], r["team_id"], r["team_name"]) for r in _features(results["UNDERSERVED"])}
    # T2's contract ended before the date: unit B's gaps have no team
    assert teams == {("A", "T1", "西街道团队"), ("B", "", "")}
