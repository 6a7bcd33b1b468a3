"""Tests of planner_gis.catalogue against GB 50180-2018 and hand-checked geometry."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box

from planner_gis.catalogue import (
    classify_osm,
    classify_poi_types,
    facility_access_points,
    load_catalogue,
    parse_osm_tags,
)
from planner_gis.errors import GeometryError, InputError

HEADER = "category,name_zh,name_en,tier_min,threshold_m,min_area_ha,osm_tags,poi_types\n"

# What the task (from GB 50180-2018 Table 3.0.4, 4.0.7, B.0.1, B.0.2) requires of the default.
EXPECTED = {
    "kindergarten": (5, 300, None),
    "elderly_daycare": (5, 300, None),
    "health_station": (5, 300, None),
    "convenience_store": (5, 300, None),
    "outdoor_fitness": (5, 300, None),
    "park_5min": (5, 300, 0.4),
    "primary_school": (10, 500, None),
    "food_market": (10, 500, None),
    "park_10min": (10, 500, 1.0),
    "middle_school": (15, 1000, None),
    "health_centre": (15, 1000, None),
    "elderly_home": (15, 1000, None),
    "culture_centre": (15, 1000, None),
    "sports_centre": (15, 1000, None),
    "park_15min": (15, 1000, 5.0),
}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def write(tmp_path, text, name="cat.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- loading


def test_default_catalogue_follows_gb50180(cat):
    got = {
        r.category: (r.tier_min, r.threshold_m, None if math.isnan(r.min_area_ha) else r.min_area_ha)
        for r in cat.itertuples()
    }
    assert got == EXPECTED
    assert cat["name_zh"].str.len().gt(0).all() and cat["name_en"].str.len().gt(0).all()
    assert cat["gb50180_ref"].str.contains("Table").all()
    assert cat["tier_min"].dtype.kind == "i" and cat["threshold_m"].dtype.kind == "f"


def test_user_catalogue_replaces_default(tmp_path):
    p = write(tmp_path, HEADER + "clinic,诊所,Clinic,10,450,,amenity=clinic,医疗;诊所\n")
    c = load_catalogue(p)
    assert c["category"].tolist() == ["clinic"]
    assert c["threshold_m"].tolist() == [450.0]
    assert c["name_keywords"].tolist() == [""]  # optional column added
    assert c.attrs["source"] == str(p)


def test_gb18030_catalogue(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes((HEADER + "kg,幼儿园,Kindergarten,5,300,,amenity=kindergarten,\n").encode("gb18030"))
    assert load_catalogue(p)["name_zh"].tolist() == ["幼儿园"]


@pytest.mark.parametrize(
    "body, needles",
    [
        ("a,甲,A,5,300,,amenity=x,\n", None),  # header below replaced: more fields than the header
        ("kg,幼儿园,K,7,300,,amenity=kindergarten,\n", ["line 2", "'kg'", "tier_min '7'", "5, 10 or 15"]),
        ("kg,幼儿园,K,5,-3,,amenity=kindergarten,\n", ["line 2", "threshold_m '-3'", "metres"]),
        ("kg,幼儿园,K,5,abc,,amenity=kindergarten,\n", ["threshold_m 'abc'"]),
        ("park,公园,P,5,300,-1,leisure=park,\n", ["min_area_ha '-1'"]),
        ("kg,幼儿园,K,5,300,,amenity,\n", ["osm_tags cannot be parsed", "key=value"]),
        ("kg,幼儿园,K,5,300,,name~(,\n", ["osm_tags cannot be parsed"]),
        ("kg,幼儿园,K,5,300,,a=b,\nx,X,X,5,300,,a=c,\nkg,幼儿园,K,10,500,,a=d,\n",
         ["'kg' appears more than once", "lines 2, 4"]),
        (",幼儿园,K,5,300,,a=b,\n", ["line 2", "blank category"]),
        ("k g,幼儿园,K,5,300,,a=b,\n", ["letters, digits"]),
    ],
)
def test_catalogue_errors_name_row_and_fix(tmp_path, body, needles):
    if needles is None:
        p = write(tmp_path, "category,name_zh,name_en,tier_min,threshold_m\n" + body)
        needles = [f"{p} line 2: 8 fields, but the header row has 5", "quote text"]
    else:
        p = write(tmp_path, HEADER + body)
    with pytest.raises(InputError) as err:
        load_catalogue(p)
    msg = str(err.value)
    assert "Fix:" in msg and str(p) in msg
    for n in needles:
        assert n in msg


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_catalogue(tmp_path / "nope.csv")


def test_parse_osm_tags():
    assert parse_osm_tags("a=b & c=* | d~x.y") == [[("a", "=", "b"), ("c", "=", "*")], [("d", "~", "x.y")]]
    with pytest.raises(ValueError):
        parse_osm_tags("a=b&")


# ----------------------------------------------------------------------------- OSM


def test_classify_osm_rules(cat):
    g = gpd.GeoDataFrame(
        {
            "amenity": ["kindergarten", "school", "school", "social_facility", "clinic", "clinic", None, None],
            "shop": [None, None, None, None, None, None, "supermarket", None],
            "name": [None, "实验小学", "第十八中学", None, "诊所", "卢沟桥社区卫生服务中心", "超市", None],
            # keys without a column come from pyrosm's JSON 'tags'
            "tags": [None, None, json.dumps({"isced:level": "2"}), json.dumps({"social_facility": "nursing_home"}),
                     None, None, None, json.dumps({"leisure": "fitness_station"})],
        },
        geometry=[Point(i, 0) for i in range(8)],
        crs="EPSG:4548",
    )
    got = classify_osm(g, cat).tolist()
    assert got == [
        "kindergarten", "primary_school", "middle_school", "elderly_home", "health_station",
        "health_centre", "convenience_store", "outdoor_fitness",
    ]


def test_classify_osm_keeps_index_and_handles_no_match(cat):
    g = gpd.GeoDataFrame({"amenity": ["bench", "parking"]}, geometry=[Point(0, 0), Point(1, 1)],
                         index=[10, 20], crs="EPSG:4548")
    out = classify_osm(g, cat)
    assert out.index.tolist() == [10, 20] and out.isna().all() and out.name == "category"


def test_classify_osm_park_ladder_by_area(cat):
    # squares of side s metres: area s*s/1e4 ha; rungs 0.4, 1 and 5 ha.
    sides = [60, 64, 99, 101, 223, 224]  # 0.36, 0.4096, 0.98, 1.02, 4.97, 5.02 ha
    geoms = [box(0, 0, s, s) for s in sides] + [Point(0, 0), LineString([(0, 0), (1, 1)])]
    g = gpd.GeoDataFrame({"leisure": ["park"] * len(geoms)}, geometry=geoms, crs="EPSG:4548")
    assert classify_osm(g, cat).tolist() == [
        pd.NA, "park_5min", "park_5min", "park_10min", "park_10min", "park_15min", "park_5min", "park_5min",
    ]


def test_classify_osm_area_measured_in_metres_from_wgs84(cat):
    # a 120 m x 120 m square (1.44 ha) built in GK CM117E, handed over in WGS84
    sq = gpd.GeoSeries([box(500_000, 4_400_000, 500_120, 4_400_120)], crs="EPSG:4548").to_crs(4326)
    g = gpd.GeoDataFrame({"leisure": ["park"]}, geometry=sq, crs="EPSG:4326")
    assert classify_osm(g, cat).tolist() == ["park_10min"]


def test_classify_osm_park_needs_crs(cat):
    g = gpd.GeoDataFrame({"leisure": ["park"]}, geometry=[box(0, 0, 100, 100)])
    with pytest.raises(Exception, match="no coordinate reference system"):
        classify_osm(g, cat)


def test_classify_osm_wildcard_and_regex(tmp_path):
    p = write(tmp_path, HEADER + "any_shop,店,Shop,5,300,,shop=*,\nbank,银行,Bank,5,300,,name~^中国.*银行$,\n")
    c = load_catalogue(p)
    g = pd.DataFrame({"shop": ["bakery", "no", None, None], "name": [None, None, "中国工商银行", "银行中国"]})
    assert classify_osm(g, c).tolist() == ["any_shop", pd.NA, "bank", pd.NA]


# ----------------------------------------------------------------------------- POI types


def test_classify_poi_types_amap_baidu(cat):
    types = pd.Series(
        [
            "科教文化服务;学校;幼儿园",
            "科教文化服务;学校;中学",
            "教育培训;小学",
            "购物服务;综合市场;蔬菜市场",
            "医疗保健服务;综合医院;三级甲等医院",
            "医疗保健服务;诊所;诊所",
            "餐饮服务;快餐厅;肯德基|购物服务;便民商店/便利店;7-ELEVEn便利店",
            "科教文化服务;学校",  # shorter than any prefix: no match
            None,
        ],
        index=list("abcdefghi"),
    )
    out = classify_poi_types(types, cat)
    assert out.index.tolist() == list("abcdefghi")
    assert out.tolist() == [
        "kindergarten", "middle_school", "primary_school", "food_market", "health_centre",
        "health_station", "convenience_store", pd.NA, pd.NA,
    ]


def test_classify_poi_types_longest_prefix(tmp_path):
    p = write(tmp_path, HEADER + "general,一般,General,15,1000,,,A;B\nspecific,专门,Specific,5,300,,,A;B;C\n"
                                 "other,其他,Other,5,300,,,A;BC\n")
    c = load_catalogue(p)
    assert classify_poi_types(["A;B;C", "A;B;D", "A;B", "A;BC;x", "A", "A;B;C|A;B"], c).tolist() == [
        "specific", "general", "general", "other", pd.NA, "specific",
    ]


def test_classify_poi_types_names_only_when_type_silent(cat):
    types = ["生活服务;生活服务场所;生活服务场所", "科教文化服务;学校;小学", None, None]
    names = ["马家堡养老驿站", "某某幼儿园附属小学", "丰台区敬老院", "无关名称"]
    assert classify_poi_types(types, cat, names=names).tolist() == [
        "elderly_daycare", "primary_school", "elderly_home", pd.NA,
    ]
    with pytest.raises(InputError, match="names"):
        classify_poi_types(types, cat, names=names[:2])


def test_classify_poi_types_park_areas(cat):
    out = classify_poi_types(["风景名胜;公园广场;公园"] * 5, cat, areas_ha=[0.3, 0.4, 1.0, 7.5, np.nan])
    assert out.tolist() == [pd.NA, "park_5min", "park_10min", "park_15min", "park_5min"]


# ----------------------------------------------------------------------------- access points


def _on_boundary(points, poly, tol=1e-6):
    return all(poly.exterior.distance(p) < tol for p in points)


def test_point_facilities_stay(cat):
    fac = gpd.GeoDataFrame({"category": ["kindergarten", "food_market"], "fid": ["k1", "m1"]},
                           geometry=[Point(3, 4), MultiPoint([(0, 0), (10, 0)])], crs="EPSG:4548")
    out = facility_access_points(fac, cat, id_column="fid")
    assert out.crs.to_epsg() == 4548
    assert out["facility_id"].tolist() == ["k1", "m1", "m1"]
    assert out["access"].tolist() == ["point"] * 3
    assert [(p.x, p.y) for p in out.geometry] == [(3, 4), (0, 0), (10, 0)]


def test_polygon_boundary_points_every_spacing(cat):
    poly = box(0, 0, 100, 60)  # perimeter 320 m -> ceil(320/50) = 7 points, 320/7 m apart
    fac = gpd.GeoDataFrame({"category": ["primary_school"]}, geometry=[poly], crs="EPSG:4548")
    out = facility_access_points(fac, cat, spacing=50)
    assert len(out) == 7 and set(out["access"]) == {"boundary"}
    assert _on_boundary(out.geometry, poly)
    along = np.array([poly.exterior.project(p) for p in out.geometry])
    np.testing.assert_allclose(np.diff(along), 320 / 7, atol=1e-9)
    assert along[0] == 0.0
    # a 20 m spacing gives 16 points, 20 m apart
    out = facility_access_points(fac, cat, spacing=20)
    assert len(out) == 16


def test_polygon_entrances_within_tolerance(cat):
    park = box(0, 0, 300, 200)  # 6 ha -> park_15min
    school = box(1000, 0, 1100, 100)
    fac = gpd.GeoDataFrame({"category": ["park_15min", "primary_school"], "name": ["P", "S"]},
                           geometry=[park, school], crs="EPSG:4548")
    gates = gpd.GeoDataFrame(
        geometry=[Point(150, -4.9), Point(300, 100), Point(150, 100), Point(150, 206), Point(0, 0)],
        crs="EPSG:4548",
    )
    out = facility_access_points(fac, cat, entrances=gates, nest=False)
    p = out[out.facility_id == 0]
    # inside the park 100 m from the edge and 6 m outside are not entrances
    assert sorted((g.x, g.y) for g in p.geometry) == [(0, 0), (150, -4.9), (300, 100)]
    assert set(p["access"]) == {"entrance"}
    s = out[out.facility_id == 1]  # no gate near the school: boundary points
    assert set(s["access"]) == {"boundary"} and len(s) == 8 and _on_boundary(s.geometry, school)


def test_entrances_in_other_crs(cat):
    park = box(500_000, 4_400_000, 500_300, 4_400_200)
    fac = gpd.GeoDataFrame({"category": ["park_15min"]}, geometry=[park], crs="EPSG:4548")
    gate = gpd.GeoSeries([Point(500_150, 4_399_998)], crs="EPSG:4548").to_crs(4326)
    out = facility_access_points(fac, cat, entrances=gpd.GeoDataFrame(geometry=gate), nest=False)
    assert len(out) == 1 and out["access"].iloc[0] == "entrance"
    assert abs(out.geometry.iloc[0].x - 500_150) < 1e-3 and abs(out.geometry.iloc[0].y - 4_399_998) < 1e-3


def test_park_nesting(cat):
    fac = gpd.GeoDataFrame({"category": ["park_15min", "park_10min", "park_5min", "kindergarten"]},
                           geometry=[box(0, 0, 250, 250), box(0, 0, 120, 100), box(0, 0, 70, 70),
                                     box(0, 0, 50, 50)], crs="EPSG:4548")
    out = facility_access_points(fac, cat, spacing=1000)  # one point per ring
    served = out.groupby("facility_id")["category"].apply(sorted).to_dict()
    assert served == {
        0: ["park_10min", "park_15min", "park_5min"],
        1: ["park_10min", "park_5min"],
        2: ["park_5min"],
        3: ["kindergarten"],  # not a ladder: no nesting
    }
    assert (out.loc[out.facility_id == 0, "facility_category"] == "park_15min").all()
    out = facility_access_points(fac, cat, spacing=1000, nest=False)
    assert out["category"].tolist() == ["park_15min", "park_10min", "park_5min", "kindergarten"]


def test_lines_and_multipolygons(cat):
    fac = gpd.GeoDataFrame(
        {"category": ["outdoor_fitness", "sports_centre"]},
        geometry=[LineString([(0, 0), (120, 0)]), shapely.MultiPolygon([box(0, 0, 10, 10), box(50, 50, 60, 60)])],
        crs="EPSG:4548",
    )
    out = facility_access_points(fac, cat, spacing=50)
    line = out[out.facility_id == 0]
    assert [p.x for p in line.geometry] == [0, 40, 80, 120] and set(line["access"]) == {"line"}
    mp = out[out.facility_id == 1]
    # one point per part (perimeter 40 < 50 m), at the start vertex of each outer ring
    starts = sorted(tuple(b.exterior.coords[0]) for b in (box(0, 0, 10, 10), box(50, 50, 60, 60)))
    assert len(mp) == 2 and sorted((p.x, p.y) for p in mp.geometry) == starts


def test_wgs84_input_goes_metric(cat):
    fac = gpd.GeoDataFrame({"category": ["kindergarten"]}, geometry=[Point(116.3, 39.85)], crs="EPSG:4326")
    out = facility_access_points(fac, cat)
    assert out.crs.to_epsg() == 4548
    back = out.to_crs(4326).geometry.iloc[0]
    assert abs(back.x - 116.3) < 1e-9 and abs(back.y - 39.85) < 1e-9


def test_access_point_errors(cat):
    fac = gpd.GeoDataFrame({"kind": ["kindergarten"]}, geometry=[Point(0, 0)], crs="EPSG:4548")
    with pytest.raises(InputError, match="no category column 'category'.*kind"):
        facility_access_points(fac, cat)
    fac = gpd.GeoDataFrame({"category": ["kindergarten", "kindergarden", None, ""]},
                           geometry=[Point(0, 0)] * 4, crs="EPSG:4548")
    with pytest.raises(InputError, match="does not know: kindergarden"):
        facility_access_points(fac, cat)
    ok = facility_access_points(fac.iloc[[0, 2, 3]], cat)  # blank categories are skipped
    assert len(ok) == 1
    fac = gpd.GeoDataFrame({"category": ["kindergarten"], "fid": ["K7"]}, geometry=[Polygon()], crs="EPSG:4548")
    with pytest.raises(GeometryError, match="K7"):
        facility_access_points(fac, cat, id_column="fid")


# ----------------------------------------------------------------------------- the minimal contract (issue 10, item 2)


def test_catalogue_with_only_the_contract_columns_is_accepted(tmp_path):
    p = write(tmp_path, "category,name_zh,tier_min,threshold_m\nkg,幼儿园,5,300\nschool,小学,10,500\n")
    c = load_catalogue(p)
    assert c["category"].tolist() == ["kg", "school"]
    assert c["tier_min"].tolist() == [5, 10] and c["threshold_m"].tolist() == [300.0, 500.0]
    # defaults: the category as English name, no minimum area, no OSM / POI rules
    assert c["name_en"].tolist() == ["kg", "school"]
    assert c["min_area_ha"].isna().all()
    assert (c[["osm_tags", "poi_types", "name_keywords", "gb50180_ref"]] == "").all().all()
    assert list(c.columns[:4]) == ["category", "name_zh", "tier_min", "threshold_m"]


@pytest.mark.parametrize("drop", ["category", "name_zh", "tier_min", "threshold_m"])
def test_catalogue_without_a_contract_column_names_it(tmp_path, drop):
    cols = ["category", "name_zh", "tier_min", "threshold_m"]
    values = {"category": "kg", "name_zh": "幼儿园", "tier_min": "5", "threshold_m": "300"}
    keep = [c for c in cols if c != drop]
    p = write(tmp_path, ",".join(keep) + "\n" + ",".join(values[c] for c in keep) + "\n")
    with pytest.raises(InputError, match=f"missing column\\(s\\) {drop} .*Fix: give at least the columns"):
        load_catalogue(p)


def test_minimal_catalogue_runs_reach_and_classifies_nothing_from_osm(tmp_path):
    """No osm_tags column: OSM features are not classified (no rules), facility layers work as usual."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from planner_gis.cli import main
    from planner_gis.facilities import classify_osm

    p = write(tmp_path, "category,name_zh,tier_min,threshold_m\nkg,幼儿园,5,300\n")
    cat = load_catalogue(p)
    osm = gpd.GeoDataFrame({"amenity": ["kindergarten"]}, geometry=[Point(0, 0)], crs=32650)
    assert classify_osm(osm, cat).isna().all()
    crs = "EPSG:32650"
    gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])], crs=crs).to_file(tmp_path / "net.gpkg")
    gpd.GeoDataFrame({"category": ["kg"]}, geometry=[Point(100, 0)], crs=crs).to_file(tmp_path / "fac.gpkg")
    gpd.GeoDataFrame({"population": [10, 20]}, geometry=[Point(200, 5), Point(900, 5)],
                     crs=crs).to_file(tmp_path / "pop.gpkg")
    gpd.GeoDataFrame({"unit_id": ["A"]}, geometry=[box(-10, -10, 1010, 10)], crs=crs).to_file(tmp_path / "z.gpkg")
    d = tmp_path
    assert main(["--quiet", "reach", "--network", str(d / "net.gpkg"), "--facilities", str(d / "fac.gpkg"),
                 "--population", str(d / "pop.gpkg"), "--zones", str(d / "z.gpkg"), "--catalogue", str(p),
                 "--out", str(d / "out")]) == 0
    cov = (tmp_path / "out" / "coverage.csv").read_text(encoding="utf-8").splitlines()
    # hand check: 10 residents at 100 + 5 = 105 m, 20 residents at 800 + 5 m > 300 m
    assert "A,kg,5,300.0,30.0,10.0,0.3333333333333333" in cov
