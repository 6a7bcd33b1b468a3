"""``planner-gis network``: build once, save, reuse."""

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString

from planner_gis.cli import main
from planner_gis.network import load_network, read_network


def _lines(tmp_path):
    lines = [
        LineString([(0, 0), (100, 0), (200, 0)]),
        LineString([(200, 0), (200, 100)]),
        LineString([(100, 0), (200, 0)]),       # duplicates the second segment of the first line
        LineString([(50, 50), (50, 50)]),       # zero length
        LineString([(1000, 0), (1100, 0)]),     # a disconnected piece
    ]
    path = tmp_path / "streets.gpkg"
    gpd.GeoDataFrame(geometry=lines, crs=4548).to_file(path)
    return path


def test_build_save_and_reload(tmp_path, capsys):
    src = _lines(tmp_path)
    assert main(["network", str(src), "--out", str(tmp_path / "net.npz")]) == 0
    out = capsys.readouterr().out
    # nodes: (0,0) (100,0) (200,0) (200,100) + (1000,0) (1100,0); edges: 3 + 1
    assert "6 nodes, 4 edges" in out and "1 zero-length and 1 duplicate" in out
    assert "connected pieces: 2 (kept" in out
    net = load_network(tmp_path / "net.npz")
    assert net.equals(read_network(src))
    assert np.isclose(net.edge_length.sum(), 400.0)


def test_drop_disconnected(tmp_path, capsys):
    src = _lines(tmp_path)
    assert main(["network", str(src), "--out", str(tmp_path / "net.npz"), "--drop-disconnected"]) == 0
    out = capsys.readouterr().out
    assert "4 nodes, 3 edges" in out and "2 found, 1 dropped (2 nodes)" in out


def test_refuses_other_suffix_and_input(tmp_path, capsys):
    src = _lines(tmp_path)
    assert main(["network", str(src), "--out", str(tmp_path / "net.gpkg")]) == 2
    assert ".npz" in capsys.readouterr().err
    npz = tmp_path / "in.npz"
    assert main(["network", str(src), "--out", str(npz)]) == 0
    before = npz.read_bytes()
    assert main(["network", str(npz), "--out", str(npz)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert npz.read_bytes() == before
