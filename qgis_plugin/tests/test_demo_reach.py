"""planner_gis:reach on the whole (synthetic) demo city equals the library's result. Slow (~1 min)."""

from __future__ import annotations

import math

import pytest
from qgis.core import QgsVectorLayer

pytestmark = pytest.mark.slow


def test_demo_reach_matches_library(provider, tmp_path):
    import processing
    from planner_gis import catalogue, datasets, network, reach
    from planner_gis.io import read_vector

    entrances = datasets.data_dir() / "demo" / "fengtai_park_entrances.gpkg"
    results = processing.run("planner_gis:reach", {
        "NETWORK": str(datasets.demo_network_path()), "FACILITIES": str(datasets.demo_facilities_path()),
        "ENTRANCES": str(entrances), "POPULATION_RASTER": str(datasets.demo_population_path()),
        "ZONES": str(datasets.demo_units_path()),
        "COVERAGE": str(tmp_path / "coverage.gpkg"), "UNDERSERVED": str(tmp_path / "underserved.gpkg")})

    cat = catalogue.load_catalogue()
    lib = reach.compute_coverage(
        network.build_network(read_vector(datasets.demo_network_path())),
        catalogue.facility_access_points(read_vector(datasets.demo_facilities_path()), cat, "category",
                                         entrances=read_vector(entrances)),
        reach.population_from_raster(datasets.demo_population_path()),
        read_vector(datasets.demo_units_path()), cat)

    layer = QgsVectorLayer(results["COVERAGE"], "coverage", "ogr")
    got = {(f["unit_id"], f["category"]): f for f in layer.getFeatures()}
    assert len(got) == len(lib.coverage) == 24 * (len(cat) + 3)
    for rec in lib.coverage.itertuples(index=False):
        f = got[(rec.unit_id, rec.category)]
        assert f["covered_population"] == pytest.approx(rec.covered_population)
        assert f["population"] == pytest.approx(rec.population)
        if not math.isnan(rec.share):
            assert f["share"] == pytest.approx(rec.share)
    under = QgsVectorLayer(results["UNDERSERVED"], "underserved", "ogr")
    assert under.featureCount() == len(lib.underserved)
    total = sum(f.geometry().area() for f in under.getFeatures())
    assert total == pytest.approx(lib.underserved.geometry.area.sum(), rel=1e-9)
