"""Tests of planner_gis.crs: GCJ-02/BD-09 offset conversions and the metric-CRS policy.

References are independent of the code under test: published sample pairs from
other implementations and vendor documentation (cited at each table), pyproj
geodesic distances, EPSG definitions read through pyproj, and hand calculations.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from planner_gis import crs as pcrs
from planner_gis.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    choose_metric_crs,
    convert_coords,
    convert_gdf,
    gauss_kruger_epsg,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_offset_area,
    is_metric,
    to_metric,
    utm_epsg,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from planner_gis.errors import CRSError

GEOD = Geod(ellps="WGS84")
DATA = Path(__file__).resolve().parents[1] / "planner_gis" / "data" / "boundaries"
ALL_FUNCS = [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on the WGS84 ellipsoid (pyproj)."""
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def same_geometries(a, b) -> bool:
    """True if two geometry columns hold identical geometries (None matching None)."""
    a = np.asarray(a.values if hasattr(a, "values") else a, dtype=object)
    b = np.asarray(b.values if hasattr(b, "values") else b, dtype=object)
    if a.shape != b.shape:
        return False
    missing_a, missing_b = shapely.is_missing(a), shapely.is_missing(b)
    if not np.array_equal(missing_a, missing_b):
        return False
    keep = ~missing_a
    return bool(np.all(shapely.equals_exact(a[keep], b[keep], tolerance=0)))


def random_china(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random lon/lat points over mainland China's extent (inside the offset area)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(73.7, 134.8, n), rng.uniform(18.2, 53.5, n)


# ----------------------------------------------------------------------------- published pairs

# googollee/eviltransform, python/test.py (TESTS; also in the project's C, Go and
# PHP test suites): (wgs lat, wgs lng, gcj lat, gcj lng), published with full
# double precision and tested there to 6 decimals.
EVILTRANSFORM_WGS_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]

# wandergis/coordtransform, test/app.js ("//result" block), all for the input
# (116.404, 39.915). The forward transforms are exact formulas; that library's
# inverses are the one-step approximations.
WANDERGIS_IN = (116.404, 39.915)
WANDERGIS_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
WANDERGIS_BD_TO_GCJ_ONESTEP = (116.39762729119315, 39.90865673957631)
WANDERGIS_GCJ_TO_WGS_ONESTEP = (116.39775550083061, 39.91359571849836)

# Alibaba Cloud address-purification API reference, "TransferCoord" example
# (help.aliyun.com/zh/address-purification/addrpapi/developer-reference/coordinate-system-conversion):
# GCJ02 120.026268,30.279164 -> BD09 120.032768,30.285238, WGS84 120.021519,30.281543
# (6 decimals, i.e. +-0.05 m of rounding).
ALIYUN_GCJ = (120.026268, 30.279164)
ALIYUN_BD = (120.032768, 30.285238)
ALIYUN_WGS = (120.021519, 30.281543)

# R package geoChina 1.3.0, help page of gcj2wgs (rdocumentation.org):
# Beijing railway station, WGS-84 (39.90105, 116.42079), GCJ-02 (39.90245, 116.42703),
# "verified by google earth": read off maps to 5 decimals (about 1 m).
GEOCHINA_WGS = (116.42079, 39.90105)
GEOCHINA_GCJ = (116.42703, 39.90245)


@pytest.mark.parametrize("wlat, wlon, glat, glon", EVILTRANSFORM_WGS_GCJ)
def test_published_eviltransform_pairs(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)
    # the iterative inverse recovers the WGS84 point to the published digits
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert lon == pytest.approx(wlon, abs=1e-9)
    assert lat == pytest.approx(wlat, abs=1e-9)


def test_published_wandergis_forward_pairs():
    assert wgs84_to_gcj02(*WANDERGIS_IN) == pytest.approx(WANDERGIS_WGS_TO_GCJ, abs=1e-10)
    assert gcj02_to_bd09(*WANDERGIS_IN) == pytest.approx(WANDERGIS_GCJ_TO_BD, abs=1e-10)


@pytest.mark.parametrize(
    "func, forward, published",
    [
        (gcj02_to_wgs84, wgs84_to_gcj02, WANDERGIS_GCJ_TO_WGS_ONESTEP),
        (bd09_to_gcj02, gcj02_to_bd09, WANDERGIS_BD_TO_GCJ_ONESTEP),
    ],
)
def test_published_one_step_inverses_are_close_but_ours_is_exact(func, forward, published):
    ours = func(*WANDERGIS_IN)
    # close to the published one-step approximation (which is good to decimetres here) ...
    assert metres(*ours, *published) < 0.2
    # ... but only ours maps back onto the input exactly
    assert metres(*forward(*ours), *WANDERGIS_IN) < 1e-4


def test_published_aliyun_example():
    assert gcj02_to_bd09(*ALIYUN_GCJ) == pytest.approx(ALIYUN_BD, abs=0.6e-6)
    # Aliyun publishes the one-step inverse: sending its WGS84 answer forward
    # misses the GCJ input by more than a metre ...
    assert metres(*wgs84_to_gcj02(*ALIYUN_WGS), *ALIYUN_GCJ) > 1.0
    # ... whereas the iterative inverse maps back within 0.1 mm, 1-3 m from Aliyun's
    ours = gcj02_to_wgs84(*ALIYUN_GCJ)
    assert metres(*wgs84_to_gcj02(*ours), *ALIYUN_GCJ) < 1e-4
    assert 0.5 < metres(*ours, *ALIYUN_WGS) < 3.0
    # the BD09 -> WGS84 path agrees with the GCJ02 -> WGS84 one
    assert metres(*bd09_to_wgs84(*ALIYUN_BD), *ours) < 0.1


def test_published_geochina_beijing_station():
    assert metres(*wgs84_to_gcj02(*GEOCHINA_WGS), *GEOCHINA_GCJ) < 2.0
    assert metres(*gcj02_to_wgs84(*GEOCHINA_GCJ), *GEOCHINA_WGS) < 2.0


# ----------------------------------------------------------------------------- round trips


def test_round_trip_wgs_gcj_wgs_below_1cm():
    lon, lat = random_china(20_000, seed=1)
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01


def test_round_trip_gcj_wgs_gcj_below_1cm():
    lon, lat = random_china(20_000, seed=2)
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01


def test_round_trip_gcj_bd_gcj_below_1cm():
    lon, lat = random_china(20_000, seed=3)
    back = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01
    back = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01


def test_round_trip_wgs_bd_wgs_below_1cm():
    lon, lat = random_china(20_000, seed=4)
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01
    back = wgs84_to_bd09(*bd09_to_wgs84(lon, lat))
    assert metres(lon, lat, *back).max() < 0.01


def test_iterative_inverse_beats_one_step_approximation():
    # The one-step inverse (subtract the offset evaluated at the GCJ point) is
    # the textbook approximation; over China it is off by up to metres.
    lon, lat = random_china(5_000, seed=5)
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, glon, glat).min() > 10  # sanity: every point really moved
    g2lon, g2lat = wgs84_to_gcj02(glon, glat)  # offset evaluated at the GCJ point
    one_step = (glon - (g2lon - glon), glat - (g2lat - glat))
    assert metres(lon, lat, *one_step).max() > 0.5
    assert metres(lon, lat, *gcj02_to_wgs84(glon, glat)).max() < 0.01


# ----------------------------------------------------------------------------- magnitudes, area, vectorisation


def test_offset_magnitudes_in_beijing():
    # Fengtai district, Beijing: a grid of WGS84 points
    lon, lat = np.meshgrid(np.linspace(116.05, 116.45, 9), np.linspace(39.75, 39.90, 7))
    glon, glat = wgs84_to_gcj02(lon, lat)
    gcj_shift = metres(lon, lat, glon, glat)
    # GCJ-02 moves Beijing by a few hundred metres, mostly east-north-east
    assert 300 < gcj_shift.min() and gcj_shift.max() < 800
    assert np.all(glon > lon) and np.all(glat > lat)
    blon, blat = gcj02_to_bd09(glon, glat)
    bd_shift = metres(glon, glat, blon, blat)
    # BD-09 adds about (0.0065, 0.006) degrees: hand estimate ~ hypot(555, 666) = 867 m
    assert 600 < bd_shift.min() and bd_shift.max() < 1200


OUTSIDE = [
    (2.35, 48.85),  # Paris
    (139.77, 35.68),  # Tokyo (east of 137.8347)
    (-74.0, 40.7),  # New York
    (151.2, -33.87),  # Sydney
    (37.6, 55.75),  # Moscow
    (100.0, 60.0),  # Siberia, north of 55.8271
    (0.0, 0.0),
]


@pytest.mark.parametrize("func", ALL_FUNCS)
def test_points_outside_china_unchanged(func):
    lon = np.array([p[0] for p in OUTSIDE])
    lat = np.array([p[1] for p in OUTSIDE])
    out_lon, out_lat = func(lon, lat)
    np.testing.assert_array_equal(out_lon, lon)
    np.testing.assert_array_equal(out_lat, lat)
    for x, y in OUTSIDE:
        assert func(x, y) == (x, y)


def test_offset_area_rule():
    # edges of the documented rectangle are inside; just beyond is outside
    assert in_offset_area(72.004, 30.0) and in_offset_area(137.8347, 30.0)
    assert in_offset_area(100.0, 0.8293) and in_offset_area(100.0, 55.8271)
    assert not in_offset_area(72.0039, 30.0) and not in_offset_area(137.8348, 30.0)
    assert not in_offset_area(100.0, 0.8292) and not in_offset_area(100.0, 55.8272)
    assert not in_offset_area(float("nan"), 30.0)
    # a point inside moves, one outside does not
    assert wgs84_to_gcj02(100.0, 55.8) != (100.0, 55.8)
    assert wgs84_to_gcj02(100.0, 55.9) == (100.0, 55.9)


@pytest.mark.parametrize("func", ALL_FUNCS)
def test_nan_propagates_without_disturbing_other_points(func):
    lon = np.array([116.4, np.nan, 121.5])
    lat = np.array([39.9, 30.0, 31.2])
    out_lon, out_lat = func(lon, lat)
    assert np.isnan(out_lon[1]) and out_lat[1] == 30.0
    assert (out_lon[0], out_lat[0]) == pytest.approx(func(116.4, 39.9), abs=1e-12)
    assert (out_lon[2], out_lat[2]) == pytest.approx(func(121.5, 31.2), abs=1e-12)


@pytest.mark.parametrize("func", ALL_FUNCS)
def test_vectorised_equals_scalar(func):
    lon, lat = random_china(40, seed=6)
    # mix in points outside China
    lon = np.concatenate([lon, [2.35, 139.77]])
    lat = np.concatenate([lat, [48.85, 35.68]])
    vlon, vlat = func(lon, lat)
    assert isinstance(vlon, np.ndarray) and vlon.shape == lon.shape
    for i in range(lon.size):
        slon, slat = func(float(lon[i]), float(lat[i]))
        assert isinstance(slon, float) and isinstance(slat, float)
        assert slon == pytest.approx(vlon[i], abs=1e-12)
        assert slat == pytest.approx(vlat[i], abs=1e-12)
    # shape of 2-D input kept; lists accepted; scalar lat broadcasts against lon array
    glon, glat = func(lon.reshape(6, 7), lat.reshape(6, 7))
    assert glon.shape == (6, 7)
    np.testing.assert_allclose(glon.ravel(), vlon, rtol=0, atol=1e-12)
    llon, _ = func(list(lon[:3]), list(lat[:3]))
    np.testing.assert_allclose(llon, vlon[:3], rtol=0, atol=1e-12)
    blon, blat = func(lon[:3], 35.0)
    assert blon.shape == (3,) and blat.shape == (3,)


def test_inputs_not_modified():
    lon, lat = random_china(10, seed=7)
    lon0, lat0 = lon.copy(), lat.copy()
    for func in ALL_FUNCS:
        func(lon, lat)
    np.testing.assert_array_equal(lon, lon0)
    np.testing.assert_array_equal(lat, lat0)


# ----------------------------------------------------------------------------- convert_coords


@pytest.mark.parametrize(
    "src, dst, func",
    [
        ("wgs84", "gcj02", wgs84_to_gcj02),
        ("gcj02", "wgs84", gcj02_to_wgs84),
        ("gcj02", "bd09", gcj02_to_bd09),
        ("bd09", "gcj02", bd09_to_gcj02),
        ("wgs84", "bd09", wgs84_to_bd09),
        ("bd09", "wgs84", bd09_to_wgs84),
    ],
)
def test_convert_coords_dispatches(src, dst, func):
    lon, lat = random_china(50, seed=8)
    got = convert_coords(lon, lat, src, dst)
    want = func(lon, lat)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    # spellings: upper case and dashes
    got2 = convert_coords(lon, lat, src.upper(), dst.replace("02", "-02").replace("09", "-09"))
    np.testing.assert_array_equal(got2[0], want[0])


def test_convert_coords_composition_and_identity():
    lon, lat = random_china(50, seed=9)
    via = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    direct = convert_coords(lon, lat, "wgs84", "bd09")
    np.testing.assert_allclose(direct[0], via[0], rtol=0, atol=1e-12)
    same = convert_coords(lon, lat, "gcj02", "gcj02")
    np.testing.assert_array_equal(same[0], lon)
    assert same[0] is not lon  # a new array, not the input


@pytest.mark.parametrize("bad", ["wgs", "bd09mc", "EPSG:4326", "", None])
def test_convert_coords_unknown_name_names_allowed_values(bad):
    with pytest.raises(CRSError) as err:
        convert_coords(116.4, 39.9, bad, "wgs84")
    msg = str(err.value)
    assert "'wgs84'" in msg and "'gcj02'" in msg and "'bd09'" in msg
    with pytest.raises(CRSError):
        convert_coords(116.4, 39.9, "wgs84", bad)


# ----------------------------------------------------------------------------- convert_gdf


@pytest.fixture
def mixed_layer() -> gpd.GeoDataFrame:
    ring = [(116.30, 39.80), (116.40, 39.80), (116.40, 39.90), (116.30, 39.90), (116.30, 39.80)]
    hole = [(116.33, 39.83), (116.36, 39.83), (116.36, 39.86), (116.33, 39.86), (116.33, 39.83)]
    geoms = [
        Point(116.35, 39.85),
        LineString([(116.2, 39.8), (116.25, 39.82), (116.3, 39.85)]),
        Polygon(ring, [hole]),
        MultiPolygon([Polygon(ring), Polygon([(x + 0.2, y) for x, y in ring])]),
        None,
        Polygon(),
        Point(116.1, 39.7, 45.0),  # with Z
        Point(2.35, 48.85),  # outside China
    ]
    return gpd.GeoDataFrame({"name": [f"g{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:4326")


def test_convert_gdf_every_vertex_converted(mixed_layer):
    before = mixed_layer.copy()
    out = convert_gdf(mixed_layer, "gcj02", "wgs84")
    # input untouched
    assert same_geometries(mixed_layer.geometry, before.geometry)
    assert out.crs.to_epsg() == 4326
    assert list(out["name"]) == list(mixed_layer["name"])
    assert list(out.geom_type.fillna("None")) == list(mixed_layer.geom_type.fillna("None"))
    src = mixed_layer.geometry.values
    dst = out.geometry.values
    np.testing.assert_array_equal(shapely.get_num_coordinates(dst), shapely.get_num_coordinates(src))
    assert out.geometry.isna().tolist() == mixed_layer.geometry.isna().tolist()
    assert out.geometry.is_empty.tolist() == mixed_layer.geometry.is_empty.tolist()
    # every vertex equals the array conversion of the same vertex
    xy_in = shapely.get_coordinates(src)
    xy_out = shapely.get_coordinates(dst)
    want = convert_coords(xy_in[:, 0], xy_in[:, 1], "gcj02", "wgs84")
    np.testing.assert_allclose(xy_out[:, 0], want[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(xy_out[:, 1], want[1], rtol=0, atol=1e-12)
    # Z kept
    z_pt = out.geometry.iloc[6]
    assert z_pt.has_z and z_pt.z == 45.0
    # polygon with hole keeps its hole; Paris point unchanged
    assert shapely.get_num_interior_rings(dst[2]) == 1
    assert out.geometry.iloc[7].equals(Point(2.35, 48.85))


def test_convert_gdf_keeps_topology_of_real_units():
    units = gpd.read_file(DATA / "fengtai_units_schematic.geojson")
    out = convert_gdf(units, "wgs84", "gcj02")
    assert out.crs.to_epsg() == 4326
    np.testing.assert_array_equal(
        shapely.get_num_coordinates(out.geometry.values), shapely.get_num_coordinates(units.geometry.values)
    )
    np.testing.assert_array_equal(
        shapely.get_num_geometries(out.geometry.values), shapely.get_num_geometries(units.geometry.values)
    )
    assert out.is_valid.all() == units.is_valid.all()

    def relations(g: gpd.GeoDataFrame) -> tuple[set, set]:
        a = g.geometry.values
        i, j = np.triu_indices(len(a), k=1)
        touches = shapely.touches(a[i], a[j])
        inter = shapely.intersects(a[i], a[j])
        return set(zip(i[touches], j[touches])), set(zip(i[inter], j[inter]))

    t0, i0 = relations(units)
    t1, i1 = relations(out)
    assert t1 == t0 and i1 == i0
    # every unit moved by a few hundred metres (centroid shift, in GK metres)
    c0 = units.to_crs(4548).centroid
    c1 = out.to_crs(4548).centroid
    shift = c0.distance(c1)
    assert (shift > 300).all() and (shift < 800).all()
    # and back again within 1 cm
    back = convert_gdf(out, "gcj02", "wgs84")
    xy0 = shapely.get_coordinates(units.geometry.values)
    xy2 = shapely.get_coordinates(back.geometry.values)
    assert metres(xy0[:, 0], xy0[:, 1], xy2[:, 0], xy2[:, 1]).max() < 0.01


def test_convert_gdf_accepts_missing_and_geographic_crs(mixed_layer):
    no_crs = mixed_layer.set_crs(None, allow_override=True)
    out = convert_gdf(no_crs, "bd09", "wgs84")
    assert out.crs.to_epsg() == 4326
    cgcs = mixed_layer.set_crs("EPSG:4490", allow_override=True)
    out2 = convert_gdf(cgcs, "bd09", "wgs84")
    assert out2.crs.to_epsg() == 4326
    assert same_geometries(out.geometry, out2.geometry)
    # same convention: coordinates kept, CRS declared
    same = convert_gdf(no_crs, "wgs84", "wgs84")
    assert same.crs.to_epsg() == 4326
    np.testing.assert_array_equal(
        shapely.get_coordinates(same.geometry.values), shapely.get_coordinates(no_crs.geometry.values)
    )


def test_convert_gdf_geoseries():
    s = gpd.GeoSeries([Point(116.404, 39.915)])
    out = convert_gdf(s, "wgs84", "gcj02")
    assert isinstance(out, gpd.GeoSeries) and out.crs.to_epsg() == 4326
    assert (out.x[0], out.y[0]) == pytest.approx(WANDERGIS_WGS_TO_GCJ, abs=1e-10)


def test_convert_gdf_refuses_projected_crs(mixed_layer):
    projected = mixed_layer.to_crs(4548)
    with pytest.raises(CRSError) as err:
        convert_gdf(projected, "gcj02", "wgs84", what="pois.shp")
    msg = str(err.value)
    assert "pois.shp" in msg and "projected" in msg and "EPSG:4548" in msg
    assert "Fix:" in msg and "lon/lat" in msg


def test_convert_gdf_refuses_non_degree_coordinates_without_crs():
    # Baidu Mercator metres arriving without a CRS
    g = gpd.GeoDataFrame(geometry=[Point(12958160.97, 4825907.72)])
    with pytest.raises(CRSError) as err:
        convert_gdf(g, "bd09", "wgs84", what="baidu.csv")
    assert "baidu.csv" in str(err.value) and "Fix:" in str(err.value)


def test_convert_gdf_unknown_convention(mixed_layer):
    with pytest.raises(CRSError, match="gcj02"):
        convert_gdf(mixed_layer, "mars", "wgs84")


# ----------------------------------------------------------------------------- metric CRS policy


@pytest.mark.parametrize(
    "lon, cm",
    [
        (116.4, 117),  # Beijing
        (121.47, 120),  # Shanghai
        (113.26, 114),  # Guangzhou
        (104.07, 105),  # Chengdu
        (87.6, 87),  # Urumqi
        (126.6, 126),  # Harbin
        (118.4, 117),  # just west of the 118.5 boundary
        (118.6, 120),  # just east of it
        (75.0, 75),  # first zone
        (73.5, 75),  # west of the first CM: clamped
        (134.7, 135),  # last zone
    ],
)
def test_gauss_kruger_epsg_hand_checked(lon, cm):
    code = gauss_kruger_epsg(lon)
    # hand rule: EPSG 4534 is CM 75E, one code per 3 degrees
    assert code == 4534 + (cm - 75) // 3
    # independent check: the EPSG definition's central meridian
    crs = CRS.from_epsg(code)
    lon0 = [p.value for p in crs.coordinate_operation.params if p.name == "Longitude of natural origin"]
    assert lon0 == [cm]
    assert "CGCS2000" in crs.name and is_metric(crs)


@pytest.mark.parametrize(
    "lon, lat, epsg",
    [
        (2.35, 48.85, 32631),  # Paris: zone 31 spans 0-6E
        (-74.0, 40.7, 32618),  # New York: zone 18 spans 78-72W
        (151.2, -33.87, 32756),  # Sydney: south, zone 56
        (24.94, 60.17, 32635),  # Helsinki
        (-0.5, 51.5, 32630),  # London, west of Greenwich: zone 30
    ],
)
def test_utm_outside_china(lon, lat, epsg):
    assert utm_epsg(lon, lat) == epsg
    g = gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs="EPSG:4326")
    chosen = choose_metric_crs(g)
    assert chosen.to_epsg() == epsg
    assert chosen.utm_zone == f"{epsg % 100}{'N' if epsg < 32700 else 'S'}"


def test_policy_picks_gk_for_china_from_layer_centre():
    units = gpd.read_file(DATA / "fengtai_units_schematic.geojson")
    assert choose_metric_crs(units).to_epsg() == 4548
    # CGCS2000 lon/lat in Shanghai
    g = gpd.GeoDataFrame(geometry=[Point(121.3, 31.1), Point(121.6, 31.3)], crs="EPSG:4490")
    assert choose_metric_crs(g).to_epsg() == 4549


def test_explicit_metric_crs_respected():
    g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)], crs="EPSG:4326")
    assert choose_metric_crs(g, metric_crs=32650).to_epsg() == 32650
    assert choose_metric_crs(g, metric_crs="EPSG:4547").to_epsg() == 4547
    assert to_metric(g, metric_crs=32650).crs.to_epsg() == 32650
    # explicit CRS works even for a layer without CRS (nothing to choose from)
    assert choose_metric_crs(g.set_crs(None, allow_override=True), metric_crs=4548).to_epsg() == 4548


@pytest.mark.parametrize("bad", [4326, "EPSG:4490", 2263])
def test_geographic_or_non_metre_metric_crs_refused(bad):
    g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)], crs="EPSG:4326")
    with pytest.raises(CRSError) as err:
        choose_metric_crs(g, metric_crs=bad)
    assert "metres" in str(err.value) and "Fix:" in str(err.value)


def test_unknown_metric_crs_refused():
    g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="not a CRS pyproj knows"):
        choose_metric_crs(g, metric_crs="not-a-crs")


def test_missing_crs_says_how_to_set_it():
    g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8)])
    with pytest.raises(CRSError) as err:
        choose_metric_crs(g, what="units.shp")
    msg = str(err.value)
    assert "units.shp" in msg and "no coordinate reference system" in msg
    assert "set_crs" in msg and ".prj" in msg
    with pytest.raises(CRSError):
        to_metric(g)


def test_projected_metre_crs_kept_and_foot_crs_replaced():
    g = gpd.GeoDataFrame(geometry=[Point(116.3, 39.8), Point(116.31, 39.8)], crs="EPSG:4326")
    utm = g.to_crs(32650)
    assert choose_metric_crs(utm).to_epsg() == 32650
    out = to_metric(utm)
    assert out.crs.to_epsg() == 32650 and out is not utm
    assert same_geometries(out.geometry, utm.geometry)
    # New York State Plane in US feet is projected but not in metres: policy picks UTM 18N
    ny = gpd.GeoDataFrame(geometry=[Point(-74.0, 40.7)], crs="EPSG:4326").to_crs(2263)
    assert not is_metric(ny.crs)
    assert choose_metric_crs(ny).to_epsg() == 32618


def test_to_metric_distances_are_metres_and_input_untouched():
    # two points 1 km apart east-west (geodesic), near the GK CM 117E
    lon1, lat1 = 116.9, 39.8
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, 90.0, 1000.0)
    g = gpd.GeoDataFrame(geometry=[Point(lon1, lat1), Point(lon2, lat2)], crs="EPSG:4326")
    before = g.copy()
    m = to_metric(g)
    assert m.crs.to_epsg() == 4548
    # Gauss-Kruger scale factor 1 on the CM: within 1 cm over 1 km near it
    assert m.geometry.iloc[0].distance(m.geometry.iloc[1]) == pytest.approx(1000.0, abs=0.01)
    assert g.crs.to_epsg() == 4326 and same_geometries(g.geometry, before.geometry)


def test_empty_layer_needs_explicit_metric_crs():
    g = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    with pytest.raises(CRSError, match="metric_crs"):
        choose_metric_crs(g)


def test_crs_label():
    assert pcrs.crs_label(4548) == "EPSG:4548 CGCS2000 / 3-degree Gauss-Kruger CM 117E"
    assert pcrs.crs_label("EPSG:32650") == "EPSG:32650 WGS 84 / UTM zone 50N"


def test_gk_distance_matches_geodesic_hand_check():
    # sanity of the policy's purpose: over Fengtai, GK CM 117E distances agree
    # with geodesic distances to better than 1e-4 (scale error near the CM)
    lon = np.array([116.05, 116.45])
    lat = np.array([39.75, 39.90])
    g = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in zip(lon, lat)], crs="EPSG:4326")
    m = to_metric(g)
    d_gk = m.geometry.iloc[0].distance(m.geometry.iloc[1])
    d_geod = metres(lon[0], lat[0], lon[1], lat[1])
    assert math.isclose(d_gk, float(d_geod), rel_tol=1e-4)


# ----------------------------------------------------------------- undeclared GCJ-02 / BD-09 (issue 10, item 6)


def _run(*args):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "planner_gis", *[str(a) for a in args]], capture_output=True,
                          text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=300)


def _amap_town(d):
    """One 4 km east-west street along 39.86 N in Fengtai, and 40 kindergartens 5 m north of it.

    The facilities are written as Amap exports them: GCJ-02 lon/lat labelled EPSG:4326 (here about
    520 m east and 145 m north of where they are). One resident lives 20 m north of the street, 10 m
    east of the first kindergarten.
    """
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from planner_gis.crs import wgs84_to_gcj02

    lat0 = 39.86
    metric = gpd.GeoSeries([Point(116.30, lat0)], crs=4326).to_crs(4548).iloc[0]
    x0, y0 = metric.x, metric.y
    street = gpd.GeoDataFrame(geometry=[LineString([(x0 - 500, y0), (x0 + 3500, y0)])], crs=4548)
    street.to_file(d / "street.gpkg")
    true = gpd.GeoSeries([Point(x0 + 50 + 75 * i, y0 + 5) for i in range(40)], crs=4548).to_crs(4326)
    glon, glat = wgs84_to_gcj02(true.x.to_numpy(), true.y.to_numpy())
    gpd.GeoDataFrame({"category": ["kindergarten"] * 40}, geometry=gpd.points_from_xy(glon, glat),
                     crs=4326).to_file(d / "amap_kindergartens.gpkg")
    gpd.GeoDataFrame({"population": [100.0]}, geometry=[Point(x0 + 60, y0 + 20)], crs=4548).to_file(d / "pop.gpkg")
    gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[box(x0 - 600, y0 - 1000, x0 + 3600, y0 + 1000)],
                     crs=4548).to_file(d / "zones.gpkg")
    # independent reference: the GCJ-02 points' distances to the street line, measured in EPSG:4548
    shifted = gpd.GeoSeries(gpd.points_from_xy(glon, glat), crs=4326).to_crs(4548)
    return float(np.median(shifted.distance(street.geometry.iloc[0])))


def test_undeclared_gcj02_facilities_are_reported_with_figures_not_converted(tmp_path):
    import pandas as pd

    before = _amap_town(tmp_path)
    assert 100 < before < 1000  # the real offset in Beijing: a few hundred metres
    args = ["reach", "--network", tmp_path / "street.gpkg", "--facilities", tmp_path / "amap_kindergartens.gpkg",
            "--population", tmp_path / "pop.gpkg", "--zones", tmp_path / "zones.gpkg"]
    proc = _run(*args, "--out", tmp_path / "a")
    assert proc.returncode == 0, proc.stderr
    (warning,) = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    src = tmp_path / "amap_kindergartens.gpkg"
    assert warning.startswith(f"warning: facilities {src} sit off the walking network: median {before:,.0f} m from "
                              "it as read, 5 m if their lon/lat are GCJ-02 (Amap, Tencent) (40 points measured). "
                              "If they come from Amap or Tencent, declare it with --facilities-coords gcj02")
    assert warning.endswith("they were not converted")
    # not converted: the facilities stay where the file puts them, the nearest over 500 m east of the resident
    cov = pd.read_csv(tmp_path / "a" / "coverage.csv")
    # declared: converted, no warning; the first kindergarten is 20 + 10 + 5 = 35 m away: covered
    proc = _run(*args, "--facilities-coords", "gcj02", "--out", tmp_path / "b", "--progress", "jsonl")
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    cov_b = pd.read_csv(tmp_path / "b" / "coverage.csv")
    a = cov.loc[cov.category == "kindergarten", "covered_population"].iloc[0]
    b = cov_b.loc[cov_b.category == "kindergarten", "covered_population"].iloc[0]
    assert (a, b) == (0.0, 100.0)


def test_undeclared_offset_is_a_jsonl_warning_event(tmp_path):
    import json

    _amap_town(tmp_path)
    proc = _run("--progress", "jsonl", "reach", "--network", tmp_path / "street.gpkg", "--facilities",
                tmp_path / "amap_kindergartens.gpkg", "--population", tmp_path / "pop.gpkg", "--zones",
                tmp_path / "zones.gpkg", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stderr.splitlines()]
    (w,) = [e for e in events if e["event"] == "warning"]
    assert "--facilities-coords gcj02" in w["message"]


def test_units_from_baidu_against_an_osm_outline_are_reported(tmp_path, recwarn):
    """Units exported from Baidu (BD-09 lon/lat): they sit off the WGS84 outline; read as BD-09 they fit it."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from planner_gis.audit import audit
    from planner_gis.crs import OffsetDatumWarning, convert_gdf

    outline = gpd.GeoDataFrame(geometry=[box(116.30, 39.80, 116.36, 39.84)], crs=4326)
    units = gpd.GeoDataFrame({"unit_id": ["W", "E"], "unit_type": ["street", "street"]},
                             geometry=[box(116.30, 39.80, 116.33, 39.84), box(116.33, 39.80, 116.36, 39.84)],
                             crs=4326)
    baidu = convert_gdf(units, "wgs84", "bd09")
    teams = pd.DataFrame({"team_id": ["T1", "T2"], "unit_id": ["W", "E"], "role": ["unit", "unit"],
                          "start_date": ["2025-01-01"] * 2, "end_date": ["2025-12-31"] * 2})
    audit(baidu, teams, as_of="2025-06-30", outline=outline)
    (w,) = [w for w in recwarn if issubclass(w.category, OffsetDatumWarning)]
    text = str(w.message)
    assert "sit off the district outline" in text and "BD-09 (Baidu)" in text and "--coords bd09" in text
    before = float(text.split("median ")[1].split(" m from it")[0].replace(",", ""))
    after = float(text.split(" m if their")[0].split(", ")[-1])
    # Baidu's offset in Beijing is several hundred metres; read back as BD-09 the edges fit the outline to the
    # few metres by which a straight BD-09 edge between converted corners bends away from the WGS84 one
    assert before > 300 and after < 5
    recwarn.clear()
    audit(units, teams, as_of="2025-06-30", outline=outline)  # WGS84 units: nothing to say
    assert not [w for w in recwarn if issubclass(w.category, OffsetDatumWarning)]
