"""Work records: reading (headers, kinds, dates, coordinates) and placing them in units."""

from __future__ import annotations

import datetime as dt
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from planner_gis.crs import wgs84_to_gcj02
from planner_gis.errors import CRSError, GeometryError, InputError
from planner_gis.records import choose_units, place_records, read_records
from planner_gis.registry import read_registry

X0, Y0 = 500000.0, 4400000.0  # near Beijing in EPSG:4548 (metres)
TO_LONLAT = Transformer.from_crs(4548, 4326, always_xy=True)


def lonlat(x, y):
    return TO_LONLAT.transform(X0 + x, Y0 + y)


def units():
    """Two 1 km squares side by side (A west, B east) and a 1 km square C 3 km east."""
    return gpd.GeoDataFrame({"unit_id": ["A", "B", "C"], "unit_type": ["street"] * 3},
                            geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
                                      box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000)], crs=4548)


def registry():
    return read_registry(pd.DataFrame({
        "team_id": ["T1", "T2", "T2", "CH"], "unit_id": ["A", "B", "C", "*"], "role": ["unit", "unit", "unit", "chief"],
        "start_date": ["2025-01-01", "2025-01-01", "2025-07-01", "2025-01-01"],
        "end_date": ["2025-12-31", "2025-12-31", "2025-12-31", "2025-12-31"]}))


def table(rows):
    """Records table from ``(record_id, team, date, kind, x, y, unit_id)`` with x, y in metres from (X0, Y0)."""
    out = []
    for rid, team, date, kind, x, y, unit in rows:
        lon, lat = lonlat(x, y) if x is not None else ("", "")
        out.append({"record_id": rid, "team_id": team, "date": date, "kind": kind, "lon": lon, "lat": lat,
                    "unit_id": unit})
    return pd.DataFrame(out)


def place(rows, **kw):
    placed = place_records(read_records(table(rows)), units(), registry(), **kw)
    return placed.records.set_index("record_id"), placed.findings.set_index("record_id")


# ----------------------------------------------------------------------------- reading


def test_chinese_headers_kinds_and_date_formats():
    df = pd.DataFrame({"记录编号": ["R1", "R2", "R3"], "团队编号": ["T1"] * 3,
                       "日期": ["2025-03-05", "2025/3/6", "2025年3月7日"], "类型": ["走访", "座谈", "审查"],
                       "经度": ["116.3", "116.3", "116.3"], "纬度": ["39.9", "39.9", "39.9"],
                       "时长": ["2", "", "1.5"], "与街乡负责人交流": ["是", "否", ""], "备注": ["", "", "x"]})
    rec = read_records(df)
    assert rec["kind"].tolist() == ["visit", "meeting", "review"]
    assert rec["date"].tolist() == [dt.date(2025, 3, 5), dt.date(2025, 3, 6), dt.date(2025, 3, 7)]
    assert rec["with_unit_head"].tolist() == [True, False, None]
    assert rec["hours"].iloc[0] == 2.0 and np.isnan(rec["hours"].iloc[1])
    assert rec["row"].tolist() == [2, 3, 4]


@pytest.mark.parametrize("field, value, message", [
    ("date", "5.3.2025", r"records.csv, row 3: date '5.3.2025' is not a date. Fix: write dates as 2025-03-05"),
    ("date", "2025-02-30", r"row 3: date '2025-02-30' is not a date"),
    ("kind", "lunch", r"row 3: unknown kind 'lunch'. Fix: use visit \(走访\), survey"),
    ("lon", "east", r"row 3: lon 'east' is not a number"),
    ("hours", "-2", r"row 3: hours '-2' is not a number of hours"),
    ("record_id", "R1", r"duplicate record_id R1"),
    ("team_id", "", r"row 3: empty team_id"),
])
def test_bad_records_name_the_file_row_and_fix(tmp_path, field, value, message):
    df = pd.DataFrame({"record_id": ["R1", "R2"], "team_id": ["T1", "T1"], "date": ["2025-03-05"] * 2,
                       "kind": ["visit"] * 2, "lon": ["116.3"] * 2, "lat": ["39.9"] * 2, "hours": ["1", "1"]})
    df.loc[1, field] = value
    path = tmp_path / "records.csv"
    df.to_csv(path, index=False)
    with pytest.raises(InputError, match=message):
        read_records(path)


def test_coordinate_columns_and_crs():
    base = {"record_id": ["R1"], "team_id": ["T1"], "date": ["2025-01-02"], "kind": ["visit"]}
    with pytest.raises(CRSError, match="x,y coordinates without a CRS.*--records-crs"):
        read_records(pd.DataFrame({**base, "x": [X0], "y": [Y0]}))
    rec = read_records(pd.DataFrame({**base, "x": [X0 + 10], "y": [Y0 + 20]}), records_crs=4548)
    assert rec.crs.to_epsg() == 4548 and (rec.geometry.x.iloc[0], rec.geometry.y.iloc[0]) == (X0 + 10, Y0 + 20)
    with pytest.raises(InputError, match="only one of lon, lat"):
        read_records(pd.DataFrame({**base, "lon": ["116.3"], "lat": [""]}))
    with pytest.raises(InputError, match="do not make one pair"):
        read_records(pd.DataFrame({**base, "lon": ["116.3"], "y": ["39.9"]}))
    with pytest.raises(CRSError, match="projected CRS"):
        read_records(pd.DataFrame({**base, "x": [X0], "y": [Y0]}), records_crs=4548, coords="gcj02")
    no_place = read_records(pd.DataFrame(base))
    assert no_place.geometry.isna().all() and no_place.crs.to_epsg() == 4326


def test_gcj02_records_are_converted_per_file_and_per_record():
    lon, lat = lonlat(500, 500)
    glon, glat = wgs84_to_gcj02(lon, lat)
    base = {"record_id": ["R1", "R2"], "team_id": ["T1"] * 2, "date": ["2025-01-02"] * 2, "kind": ["visit"] * 2}
    back = read_records(pd.DataFrame({**base, "lon": [glon, glon], "lat": [glat, glat]}), coords="gcj02")
    metric = back.to_crs(4548)
    assert np.allclose(metric.geometry.x, X0 + 500, atol=0.05) and np.allclose(metric.geometry.y, Y0 + 500, atol=0.05)
    mixed = read_records(pd.DataFrame({**base, "lon": [glon, lon], "lat": [glat, lat], "coords": ["GCJ-02", ""]}))
    assert np.allclose(mixed.to_crs(4548).geometry.x, X0 + 500, atol=0.05)
    with pytest.raises(CRSError, match="row 2: coords 'amap' is not a lon/lat convention"):
        read_records(pd.DataFrame({**base, "lon": [glon, lon], "lat": [glat, lat], "coords": ["amap", ""]}))


def test_point_layers_and_their_geometry(tmp_path):
    gdf = gpd.GeoDataFrame({"record_id": ["R1", "R2"], "team_id": ["T1"] * 2, "date": ["2025-01-02"] * 2,
                            "kind": ["调研", "visit"]}, geometry=[Point(X0, Y0), None], crs=4548)
    path = tmp_path / "records.gpkg"
    gdf.to_file(path, layer="work")
    rec = read_records(f"{path}:work")
    assert rec.crs.to_epsg() == 4548 and rec["kind"].tolist() == ["survey", "visit"]
    assert rec.geometry.iloc[1] is None and rec["row"].tolist() == [1, 2]
    lines = gdf.set_geometry([box(0, 0, 1, 1).exterior, None])
    with pytest.raises(GeometryError, match="feature.s. 1 are not points"):
        read_records(lines)


# ----------------------------------------------------------------------------- placing


def test_fifty_metres_outside_counts_five_hundred_does_not():
    rec, found = place([("in", "T1", "2025-03-01", "visit", 500, 500, ""),
                        ("50m", "T1", "2025-03-01", "visit", 500, 1050, ""),
                        ("500m", "T1", "2025-03-01", "visit", 500, 1500, "")])
    assert rec.loc["in", "unit_id"] == "A" and rec.loc["in", "distance_m"] == 0.0
    assert rec.loc["50m", "unit_id"] == "A" and rec.loc["50m", "distance_m"] == pytest.approx(50.0, abs=0.1)
    assert bool(rec.loc["50m", "counted"]) and "50m" not in found.index
    assert rec.loc["500m", "unit_id"] == "" and not bool(rec.loc["500m", "counted"])
    assert found.loc["500m", "kind"] == "outside_unit" and "lies 500 m outside" in found.loc["500m", "message"]
    # with no tolerance, 50 m outside is outside
    rec0, found0 = place([("50m", "T1", "2025-03-01", "visit", 500, 1050, "")], tolerance=0)
    assert found0.loc["50m", "kind"] == "outside_unit"


def test_a_point_in_another_teams_unit_is_outside_its_own():
    rec, found = place([("b", "T1", "2025-03-01", "visit", 1500, 500, "")])
    assert found.loc["b", "kind"] == "outside_unit" and found.loc["b", "unit_id"] == "A"


def test_dates_contracts_teams_and_named_units():
    rec, found = place([
        ("before_c", "T2", "2025-03-01", "visit", 3500, 500, ""),   # C only from July: outside_unit
        ("after_c", "T2", "2025-08-01", "visit", 3500, 500, ""),    # in C
        ("late", "T1", "2026-01-02", "visit", 500, 500, ""),        # no contract covers the day
        ("who", "T9", "2025-03-01", "visit", 500, 500, ""),         # not in the registry
        ("named_ok", "T2", "2025-08-01", "visit", 1500, 500, "B"),
        ("named_wrong", "T2", "2025-08-01", "visit", 1500, 500, "C"),  # the point is in B, 1.5 km from C
        ("not_hers", "T1", "2025-03-01", "visit", 500, 500, "B"),   # T1 does not serve B
        ("unknown_unit", "T1", "2025-03-01", "visit", 500, 500, "Z"),
        ("no_place", "T1", "2025-03-01", "meeting", None, None, "A"),
        ("nothing", "T1", "2025-03-01", "report", None, None, ""),
        ("chief", "CH", "2025-03-01", "meeting", 3500, 500, ""),    # '*': every unit
    ])
    assert rec.loc["after_c", "unit_id"] == "C" and rec.loc["named_ok", "unit_id"] == "B"
    kinds = found["kind"].to_dict()
    assert kinds == {"before_c": "outside_unit", "late": "outside_contract", "who": "unknown_team",
                     "named_wrong": "outside_unit", "not_hers": "outside_unit", "unknown_unit": "outside_unit",
                     "no_place": "no_location", "nothing": "no_location"}
    assert "not in the zone layer" in found.loc["unknown_unit", "message"]
    assert "not a unit the team served" in found.loc["not_hers", "message"]
    assert rec.loc["no_place", "unit_id"] == "A" and bool(rec.loc["no_place", "counted"])
    assert rec.loc["nothing", "unit_id"] == "" and bool(rec.loc["nothing", "counted"])
    assert rec.loc["chief", "unit_id"] == "C"
    assert not rec.loc[["late", "who", "named_wrong", "before_c"], "counted"].any()


def test_choose_units_equals_enumeration():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        pairs = [(r, u) for r, u in itertools.product(range(n), range(m)) if rng.random() < 0.6]
        if not pairs:
            continue
        rec = np.array([p[0] for p in pairs])
        unit = np.array([p[1] for p in pairs])
        dist = rng.choice([0.0, 0.0, 30.0, 80.0, 150.0], size=len(pairs))
        area = rng.choice([1.0, 2.0], size=len(pairs))
        named = rng.integers(-1, m, size=n)
        chosen, nearest = choose_units(rec, unit, dist, n, 100.0, area=area, named=named)
        for r in range(n):
            cands = [(d, a, u) for (rr, u), d, a in zip(pairs, dist, area)
                     if rr == r and (named[r] < 0 or u == named[r])]
            if not cands:
                assert chosen[r] == -1 and np.isnan(nearest[r])
                continue
            best = min(cands)
            assert nearest[r] == best[0]
            assert chosen[r] == (best[2] if best[0] <= 100.0 else -1)
