"""The audit on hand-checkable layouts of unit squares (1 km x 1 km, metric CRS)."""

import datetime as dt
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box

from planner_gis.audit import FINDING_KINDS, audit

KM = 1000.0
AS_OF = "2025-06-30"


def squares(n, types=None, gap=0.0, crs=4548):
    """N unit squares in a row, 1 km each, separated by ``gap`` metres."""
    geoms = [box(i * (KM + gap), 0, i * (KM + gap) + KM, KM) for i in range(n)]
    return gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(n)], "name": [f"单元{i}" for i in range(n)],
                             "unit_type": types or ["street"] * n}, geometry=geoms, crs=crs)


def reg(rows):
    cols = ["team_id", "unit_id", "role", "start_date", "end_date"]
    return pd.DataFrame(rows, columns=cols)


def full(n, end="2025-12-31", role="unit"):
    return [(f"T{i}", f"U{i}", role, "2025-01-01", end) for i in range(n)]


def kinds(result):
    return result.findings["kind"].tolist()


def test_all_covered_no_findings():
    r = audit(squares(3), reg(full(3)), as_of=AS_OF)
    assert kinds(r) == []
    assert r.units["status"].tolist() == ["covered"] * 3
    assert r.units["area_km2"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert r.summary()["findings"] == {k: 0 for k in FINDING_KINDS}


def test_unassigned_and_contract_expired():
    rows = full(3)
    rows[1] = ("T1", "U1", "unit", "2024-01-01", "2024-12-31")  # lapsed, not replaced
    rows[2] = ("T2", "U2", "unit", "2025-09-01", "2026-08-31")  # starts later
    r = audit(squares(3), reg(rows), as_of=AS_OF)
    assert sorted(kinds(r)) == ["contract_expired", "unassigned", "unassigned"]
    exp = r.findings[r.findings["kind"] == "contract_expired"].iloc[0]
    assert (exp["unit_id"], exp["team_id"]) == ("U1", "T1")
    assert "2024-12-31" in exp["message"]
    assert r.units["status"].tolist() == ["covered", "unassigned", "unassigned"]
    starts = r.findings[(r.findings["kind"] == "unassigned") & (r.findings["unit_id"] == "U2")].iloc[0]
    assert "starts on 2025-09-01" in starts["message"]


def test_replaced_contract_is_not_expired():
    rows = full(1) + [("OLD", "U0", "unit", "2023-01-01", "2024-12-31")]
    assert kinds(audit(squares(1), reg(rows), as_of=AS_OF)) == []


def test_volunteer_or_chief_do_not_assign_a_unit():
    rows = [("V", "U0", "volunteer", "2025-01-01", "2025-12-31"), ("C", "*", "chief", "2025-01-01", "2025-12-31")]
    r = audit(squares(1), reg(rows), as_of=AS_OF)
    assert kinds(r) == ["unassigned"]
    assert r.units["volunteers"].tolist() == [1]


def test_multiple_teams():
    rows = full(2) + [("T9", "U1", "group", "2025-03-01", "2026-02-28")]
    r = audit(squares(2), reg(rows), as_of=AS_OF)
    assert kinds(r) == ["multiple_teams"]
    f = r.findings.iloc[0]
    assert f["unit_id"] == "U1" and f["team_id"] == "T1;T9"
    assert r.units["status"].tolist() == ["covered", "multiple_teams"]


@pytest.mark.parametrize("days,expected", [(90, 1), (30, 0)])
def test_contract_expiring_window(days, expected):
    rows = full(2)
    rows[0] = ("T0", "U0", "unit", "2025-01-01", "2025-08-15")  # 46 days after AS_OF
    r = audit(squares(2), reg(rows), as_of=AS_OF, expiring_days=days)
    assert kinds(r).count("contract_expiring") == expected
    assert r.units["status"].iloc[0] == ("expiring" if expected else "covered")


def test_expiring_with_successor_registered_is_fine():
    rows = full(1, end="2025-07-31") + [("T0", "U0", "unit", "2025-08-01", "2026-07-31")]
    assert kinds(audit(squares(1), reg(rows), as_of=AS_OF)) == []


def test_unknown_unit_names_rows():
    rows = full(1) + [("T7", "U7", "unit", "2020-01-01", "2020-12-31")]
    r = audit(squares(1), reg(rows), as_of=AS_OF)
    assert kinds(r) == ["unknown_unit"]
    assert r.findings.iloc[0]["unit_id"] == "U7" and "row(s) 3" in r.findings.iloc[0]["message"]


def test_boundary_gap_inside_outline():
    z = squares(2, gap=10.0)  # a 10 m x 1 km strip between the squares
    outline = gpd.GeoDataFrame(geometry=[box(0, 0, 2 * KM + 10, KM)], crs=4548)
    r = audit(z, reg(full(2)), as_of=AS_OF, outline=outline)
    gaps = r.findings[r.findings["kind"] == "boundary_gap"]
    assert len(gaps) == 1
    assert gaps.geometry.iloc[0].area == pytest.approx(10 * KM)
    assert gaps["unit_id"].iloc[0] == "U0;U1"
    assert gaps["message"].iloc[0].startswith("gap of 10,000 m2 covered by no unit at (1005, 500), between U0, U1")
    # without the outline the strip is open to the outside: not a gap
    assert "boundary_gap" not in kinds(audit(z, reg(full(2)), as_of=AS_OF))


def test_enclosed_hole_without_outline_and_min_area():
    geoms = [box(x * KM, y * KM, (x + 1) * KM, (y + 1) * KM) for x in range(3) for y in range(3) if (x, y) != (1, 1)]
    z = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "unit_type": ["town"] * 8}, geometry=geoms, crs=4548)
    r = audit(z, reg(full(8)), as_of=AS_OF)
    gaps = r.findings[r.findings["kind"] == "boundary_gap"]
    assert len(gaps) == 1 and gaps.geometry.iloc[0].area == pytest.approx(KM * KM)
    assert gaps["unit_id"].iloc[0].count(";") == 7  # touches all eight neighbours
    small = squares(2, gap=0.05)  # 0.05 m x 1 km = 50 m2 < 100 m2
    outline = gpd.GeoDataFrame(geometry=[box(0, 0, 2 * KM + 0.05, KM)], crs=4548)
    assert kinds(audit(small, reg(full(2)), as_of=AS_OF, outline=outline)) == []
    # narrower than --sliver-width: a sliver between the two units, once its area counts
    assert kinds(audit(small, reg(full(2)), as_of=AS_OF, outline=outline, min_area=10)) == ["boundary_sliver"]
    assert kinds(audit(small, reg(full(2)), as_of=AS_OF, outline=outline, min_area=10,
                       sliver_width=0)) == ["boundary_gap"]


def test_boundary_overlap_same_level_only():
    z = squares(2)
    z.loc[1, "geometry"] = box(900, 0, 2000, 1000)  # 100 m x 1 km overlap
    r = audit(z, reg(full(2)), as_of=AS_OF)
    ov = r.findings[r.findings["kind"] == "boundary_overlap"]
    assert len(ov) == 1 and ov.geometry.iloc[0].area == pytest.approx(100 * KM)
    assert ov["unit_id"].iloc[0] == "U0;U1"
    # a management area over both streets is an overlay: expected, not a finding
    area = gpd.GeoDataFrame({"unit_id": ["A"], "name": ["园区"], "unit_type": ["园区"]},
                            geometry=[box(500, 200, 1500, 800)], crs=4548)
    z2 = pd.concat([squares(2), area], ignore_index=True)
    r2 = audit(z2, reg(full(2) + [("TA", "A", "unit", "2025-01-01", "2025-12-31")]), as_of=AS_OF)
    assert kinds(r2) == []


def test_team_overloaded_and_workload():
    rows = [("T0", f"U{i}", "unit", "2025-01-01", "2025-12-31") for i in range(4)]
    r = audit(squares(4), reg(rows), as_of=AS_OF, max_units=3)
    assert kinds(r) == ["team_overloaded"]
    assert r.findings.iloc[0]["team_id"] == "T0" and r.findings.iloc[0]["unit_id"] == "U0;U1;U2;U3"
    w = r.workload.set_index("team_id").loc["T0"]
    assert w["n_units"] == 4 and w["area_km2"] == pytest.approx(4.0)
    assert kinds(audit(squares(4), reg(rows), as_of=AS_OF, max_units=4)) == []


def test_geographic_input_uses_gauss_kruger_and_correct_area():
    z = gpd.GeoDataFrame({"unit_id": ["a"], "unit_type": ["street"]},
                         geometry=[box(116.30, 39.85, 116.32, 39.87)], crs=4326)
    r = audit(z, reg([("T", "a", "unit", "2025-01-01", "2025-12-31")]), as_of=AS_OF)
    assert r.crs.to_epsg() == 4548
    assert r.units["crs"].iloc[0].startswith("EPSG:4548")
    geod_area = abs(Geod(ellps="GRS80").geometry_area_perimeter(z.geometry.iloc[0])[0]) / 1e6
    assert r.units["area_km2"].iloc[0] == pytest.approx(geod_area, rel=1e-3)


def test_inputs_not_modified():
    z = squares(2)
    before = z.copy()
    audit(z, reg(full(2)), as_of=AS_OF)
    assert z.equals(before) and z.crs == before.crs


def test_demo_audit_stories():
    from planner_gis import datasets

    r = audit(datasets.demo_units_path(), datasets.demo_registry_path(), as_of=datasets.DEMO_AS_OF,
              outline=datasets.demo_outline_path())
    got = sorted(zip(r.findings["kind"], r.findings["unit_id"]))
    assert got == [("contract_expired", "110106101"), ("contract_expiring", "FT-A03"),
                   ("multiple_teams", "110106009"), ("unassigned", "110106101")]
    assert r.units["volunteers"].sum() == 73
    # the units tile the district: their base-level union equals the outline within 0.1 %
    base = shapely.union_all(r.units.loc[r.units["level"] == "base"].geometry.to_numpy())
    outline = datasets.load_demo_outline().to_crs(r.crs).geometry.iloc[0]
    assert base.area == pytest.approx(outline.area, rel=1e-3)
    # after the 2026 terms lapse, every unit planner contract has expired
    later = audit(datasets.demo_units_path(), datasets.demo_registry_path(), as_of=dt.date(2027, 3, 1))
    assert (later.units["status"] == "unassigned").sum() == 24
    assert later.findings["kind"].value_counts()["contract_expired"] == 24


# ----------------------------------------------------------------------------- gaps and slivers (issue 10, items 8, 13)


def test_gap_polygon_has_no_spike_and_its_label_point_is_inside():
    """A notch on a lon/lat outline's long straight edge, and reprojection slivers along that edge.

    The units' north edges carry a vertex every 0.001 degree, the outline's is one straight lon/lat
    segment: in the metric CRS the two differ by up to about 0.3 m (the parallel is curved), so the
    notch's uncovered area came with 2 km long zero-width spikes along the outline.
    """
    from shapely.geometry import Point, Polygon

    x0, x1, y0, y1 = 116.30, 116.35, 39.80, 39.82
    xm, xn0, xn1, yn = 116.325, 116.324, 116.326, 39.818  # the notch: about 170 m x 220 m

    def north(a, b):
        return [(x, y1) for x in np.linspace(a, b, int(round(abs(b - a) / 0.001)) + 1)]

    west = Polygon([(x0, y0), (xm, y0), (xm, yn), (xn0, yn)] + north(xn0, x0))
    east = Polygon([(xm, y0), (x1, y0)] + north(x1, xn1) + [(xn1, yn), (xm, yn)])
    units = gpd.GeoDataFrame({"unit_id": ["W", "E"], "unit_type": ["street", "street"]}, geometry=[west, east],
                             crs=4326)
    outline = gpd.GeoDataFrame(geometry=[box(x0, y0, x1, y1)], crs=4326)
    rows = [("T1", "W", "unit", "2025-01-01", "2025-12-31"), ("T2", "E", "unit", "2025-01-01", "2025-12-31")]
    r = audit(units, reg(rows), as_of=AS_OF, outline=outline)
    gaps = r.findings[r.findings["kind"] == "boundary_gap"]
    assert len(gaps) == 1
    gap = gaps.geometry.iloc[0]
    # the notch as the units leave it, up to the outline's straight edge (independent: lon/lat box corners)
    notch = gpd.GeoSeries([box(xn0, yn, xn1, y1)], crs=4326).to_crs(r.crs).iloc[0]
    assert gap.area == pytest.approx(notch.area, rel=0.005)
    assert gap.bounds[0] == pytest.approx(notch.bounds[0], abs=0.5) and gap.bounds[2] == pytest.approx(
        notch.bounds[2], abs=0.5)  # no spike reaching along the outline
    assert gap.buffer(-1.0).buffer(1.0, join_style="mitre").symmetric_difference(gap).area < 1.0  # nothing thin
    x, y = (float(v) for v in re.search(r"at \((-?\d+), (-?\d+)\)", gaps["message"].iloc[0]).groups())
    assert gap.buffer(-50).contains(Point(x, y))  # the label point well inside (the notch is 170 m wide)
    # the spikes: summarised once per unit along the outline (about 2 km x 0.3 m / 2 each side)
    slivers = r.findings[r.findings["kind"] == "boundary_sliver"]
    assert sorted(slivers["unit_id"]) == ["E", "W"]
    for message, geom in zip(slivers["message"], slivers.geometry):
        assert message.startswith("1 sliver narrower than 5 m between the outline and unit ")
        assert 300 < geom.area < 500 and ", the widest 0.3" in message


def _offset_case(shift):
    """A 2 x 2 grid of 1 km units and an outline from 'another source' shifted by ``shift`` metres."""
    geoms = [box(x * KM, y * KM, (x + 1) * KM, (y + 1) * KM) for y in range(2) for x in range(2)]
    units = gpd.GeoDataFrame({"unit_id": ["SW", "SE", "NW", "NE"], "unit_type": ["street"] * 4}, geometry=geoms,
                             crs=4548)
    outline = gpd.GeoDataFrame(geometry=[box(shift, shift, 2 * KM + shift, 2 * KM + shift)], crs=4548)
    rows = [(f"T{u}", u, "unit", "2025-01-01", "2025-12-31") for u in units["unit_id"]]
    return units, reg(rows), outline


def test_two_sources_offset_by_2_m_give_one_sliver_summary():
    """Outline drawn 2 m east and north of the units: one L-shaped strip, 2 m wide, along NW, NE and SE."""
    units, teams, outline = _offset_case(2.0)
    r = audit(units, teams, as_of=AS_OF, outline=outline)
    assert kinds(r) == ["boundary_sliver"]
    f = r.findings.iloc[0]
    # hand check: x in [2000, 2002] for y in [2, 2002] (4000 m2) and y in [2000, 2002] for x in [2, 2000] (3996 m2)
    assert f["unit_id"] == "NE;NW;SE"
    # the widest place is the bend of the L: a circle touching the inner corner and both outer edges,
    # radius r = 2 / (1 + sqrt(2)) * sqrt(2) = 1.17 m, so 2.3 m across
    assert f["message"].startswith("1 sliver narrower than 5 m between the outline and units NE, NW, SE: 7,996 m2 "
                                   "in total, the widest 2.3 m")
    assert f.geometry.area == pytest.approx(7996.0)
    # wider than --sliver-width: the same strip is a gap
    r1 = audit(units, teams, as_of=AS_OF, outline=outline, sliver_width=1.5)
    assert kinds(r1) == ["boundary_gap"] and r1.findings.geometry.iloc[0].area == pytest.approx(7996.0)


def test_zigzag_outline_slivers_are_counted_per_boundary_not_reported_one_by_one():
    """The east edge of the outline zigzags 2.5 m out every 100 m: 20 triangles of 125 m2.

    Each triangle has a base of 100 m and a height of 2.5 m; 10 lie along unit SE and 10 along NE.
    Before: 20 boundary_gap findings; now one summary per unit.
    """
    units, teams, _ = _offset_case(0.0)
    east = [(2 * KM + (2.5 if k % 2 else 0.0), 50.0 * k) for k in range(41)]
    outline = gpd.GeoDataFrame(geometry=[shapely.Polygon([(0, 0), *east, (0, 2 * KM)])], crs=4548)
    r = audit(units, teams, as_of=AS_OF, outline=outline)
    assert kinds(r) == ["boundary_sliver", "boundary_sliver"]
    for unit, row in zip(["NE", "SE"], r.findings.itertuples()):
        assert row.unit_id == unit
        # the widest place of a triangle of base 100 m and height 2.5 m: its inscribed circle, 2 x 125 / 100.06
        assert row.message.startswith(f"10 slivers narrower than 5 m between the outline and unit {unit}: "
                                      "1,250 m2 in total, the widest 2.5 m")
        assert row.geometry.area == pytest.approx(1250.0) and len(row.geometry.geoms) == 10
    assert len(audit(units, teams, as_of=AS_OF, outline=outline, sliver_width=0).findings) == 20


def test_sliver_width_option_on_the_command_line(tmp_path, capsys):
    from planner_gis.cli import main

    units, teams, outline = _offset_case(2.0)
    units.to_file(tmp_path / "units.gpkg")
    teams.to_csv(tmp_path / "teams.csv", index=False)
    outline.to_file(tmp_path / "outline.gpkg")
    args = ["audit", str(tmp_path / "units.gpkg"), "--teams", str(tmp_path / "teams.csv"), "--outline",
            str(tmp_path / "outline.gpkg"), "--as-of", AS_OF]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert "boundary_sliver    1" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "b"), "--sliver-width", "1"]) == 0
    out = capsys.readouterr().out
    assert "boundary_gap       1" in out and "boundary_sliver    0" in out
    assert main([*args, "--out", str(tmp_path / "c"), "--sliver-width", "-1"]) == 2
    assert "--sliver-width >= 0" in capsys.readouterr().err
