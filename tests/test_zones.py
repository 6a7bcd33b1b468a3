"""Reading and validating zone layers."""

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from planner_gis.errors import CRSError, GeometryError, InputError
from planner_gis.zones import read_zones


def _layer(ids, geoms, types=None, crs=4548):
    return gpd.GeoDataFrame({"unit_id": ids, "unit_type": types or ["street"] * len(ids)}, geometry=geoms, crs=crs)


def test_reads_demo_units_with_levels():
    from planner_gis import datasets

    z = read_zones(datasets.demo_units_path())
    assert len(z) == 24
    assert set(z.loc[z["unit_type"] == "area", "level"]) == {"overlay"}
    assert (z["level"] == "base").sum() == 21
    assert "右安门街道" in set(z["name"])


def test_chinese_unit_type_aliases():
    z = read_zones(_layer(["a", "b", "c", "d", "e"], [box(i, 0, i + 1, 1) for i in range(5)],
                          ["街道", "乡", "镇", "管委会", "社区"]))
    assert z["unit_type"].tolist() == ["street", "township", "town", "area", "community"]
    assert z["level"].tolist() == ["base", "base", "base", "overlay", "community"]


def test_unknown_unit_type_names_unit():
    with pytest.raises(InputError, match=r"b \('county'\)"):
        read_zones(_layer(["a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1)], ["street", "county"]))


def test_missing_crs_says_how_to_set_it():
    with pytest.raises(CRSError, match="set_crs"):
        read_zones(_layer(["a"], [box(0, 0, 1, 1)], crs=None))


def test_empty_layer():
    with pytest.raises(InputError, match="no features"):
        read_zones(_layer([], []))


def test_duplicate_ids_listed():
    with pytest.raises(InputError, match="duplicate unit id.*a"):
        read_zones(_layer(["a", "a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)]))


def test_missing_id_column_lists_columns_and_option():
    g = _layer(["a"], [box(0, 0, 1, 1)]).rename(columns={"unit_id": "code"})
    with pytest.raises(InputError, match=r"missing column\(s\) 'unit_id'.*code.*zone_id"):
        read_zones(g)
    assert read_zones(g, zone_id="code")["unit_id"].tolist() == ["a"]


def test_empty_geometry_listed():
    with pytest.raises(GeometryError, match="empty or missing geometry for unit\\(s\\) b"):
        read_zones(_layer(["a", "b"], [box(0, 0, 1, 1), Polygon()]))


def test_non_polygon_listed():
    with pytest.raises(GeometryError, match=r"b, c are not polygons \(Point, LineString\)"):
        read_zones(_layer(["a", "b", "c"], [box(0, 0, 1, 1), Point(0, 0), LineString([(0, 0), (1, 1)])]))


def test_invalid_geometry_error_and_repair():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    g = _layer(["a", "bow"], [box(20, 0, 30, 10), bowtie])
    with pytest.raises(GeometryError, match="bow: Self-intersection"):
        read_zones(g)
    z = read_zones(g, make_valid=True)
    assert z.attrs["repaired"] == ["bow"]
    assert z["repaired"].tolist() == [False, True]
    assert z.geometry.is_valid.all()
    assert z.geometry.iloc[1].area == pytest.approx(50.0)  # two triangles of 25 m2
    assert len(g) == 2 and not g.geometry.iloc[1].is_valid  # input untouched


def test_default_type_when_no_column():
    g = _layer(["a"], [box(0, 0, 1, 1)]).drop(columns="unit_type")
    with pytest.raises(InputError, match="default_type"):
        read_zones(g)
    assert read_zones(g, default_type="社区")["unit_type"].tolist() == ["community"]


def test_reads_file_formats(tmp_path):
    g = _layer(["a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1)], ["街道", "地区"]).assign(name=["一", "二"])
    for name, kw in (("z.gpkg", {"driver": "GPKG"}), ("z.fgb", {"driver": "FlatGeobuf"}),
                     ("z.shp", {"driver": "ESRI Shapefile"})):
        g.to_file(tmp_path / name, **kw)
        z = read_zones(tmp_path / name).sort_values("unit_id")  # FlatGeobuf reorders features
        assert z["name"].tolist() == ["一", "二"], name
        assert z["unit_type"].tolist() == ["street", "township"]


def test_chinese_headers_are_recognised_and_other_names_given():
    g = _layer(["a"], [box(0, 0, 1, 1)]).rename(columns={"unit_id": "单元编码", "unit_type": "类型"})
    g["名称"] = ["西罗园街道"]
    z = read_zones(g)
    assert z[["unit_id", "name", "unit_type"]].values.tolist() == [["a", "西罗园街道", "street"]]
    g2 = g.rename(columns={"类型": "kind"})
    with pytest.raises(InputError, match="no unit type column 'unit_type'.*--type-column.*--default-type"):
        read_zones(g2)
    assert read_zones(g2, type_column="kind")["unit_type"].tolist() == ["street"]
    assert read_zones(g2, default_type="township")["unit_type"].tolist() == ["township"]


def test_layer_of_a_multi_layer_geopackage(tmp_path):
    path = tmp_path / "city.gpkg"
    outline = _layer(["all"], [box(0, 0, 2, 1)])
    units = _layer(["a", "b"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    outline.to_file(path, layer="outline")
    units.to_file(path, layer="units")
    with pytest.raises(InputError, match=r"holds 2 layers \(outline, units\) and none was chosen.*city.gpkg:units"):
        read_zones(path)
    assert read_zones(f"{path}:units")["unit_id"].tolist() == ["a", "b"]
    with pytest.raises(InputError, match="no layer 'unit' \\(layers: outline, units\\)"):
        read_zones(f"{path}:unit")
