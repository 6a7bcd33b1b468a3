"""Write the SYNTHETIC work records, people and ratings of the annual-evaluation demo (Fengtai, 2025).

Deterministic (seeded): a year of work records of the demo registry's unit planner teams
(data/boundaries/fengtai_teams_demo.csv) in their schematic units, the members of those teams
and their 2025 ratings. Stories planted for the evaluation to find:

- FT-U05 (南苑街道): no visit in July and August (two months without a visit);
- FT-U12 (云岗街道): one visit a month and a few meetings only: 20 service days of 30;
- FT-U18 (花乡地区): no visit from February to April and few service days;
- FT-U21 (王佐镇): its contract ended on 2025-11-29, but it kept logging work in December
  (outside_contract);
- FT-U07 (东铁匠营街道): 8 records placed in a neighbouring unit, far outside its own (outside_unit);
- FT-U09 (丰台街道): 4 records about 50 m outside its boundary (within the 100 m tolerance: counted);
- FT-U14 (宛平城地区): 2 records naming a unit it does not serve (outside_unit);
- FT-U16 (和义街道): 6 meetings without coordinates but with their unit_id (no_location, counted);
- FT-U02, FT-U03, FT-U10: about a fifth of their records come from a phone app in GCJ-02
  coordinates (coords column = gcj02), some of them near the unit's edge, where the unconverted
  point would lie outside the unit;
- FT-U99: a team that is not in the registry (unknown_team);
- reports: every team's annual report (述职报告) in December; FT-U04, FT-U15 and FT-U20 hand in
  no rating of the street/township authority;
- the people table: individual planners are one planner (no architect or engineer), university
  teams of three have no engineer; ratings with satisfaction 59% (FT-U05-P1) and 60% (FT-U05-P2)
  and a special item of 15 points (capped at 10; FT-U01-P1).

Kinds are written in English or Chinese (走访, 调研, 座谈 ...), dates as 2025-03-05, 2025/3/5 or
2025年3月5日, as real ledgers mix them.

Run: python scripts/make_demo_records.py
"""

import csv
import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner_gis.crs import wgs84_to_gcj02

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "data" / "boundaries" / "fengtai_units_schematic.geojson"
REGISTRY = ROOT / "data" / "boundaries" / "fengtai_teams_demo.csv"
OUT = ROOT / "data" / "evaluation"
YEAR = 2025
METRIC = 4548
SERVICE_KINDS = ("survey", "meeting", "review")
OTHER_KINDS = ("publicity", "training", "event")
ZH = {"visit": ("走访", "现场服务"), "survey": ("调研",), "meeting": ("会议", "座谈"), "review": ("审查",),
      "publicity": ("宣传",), "training": ("培训",), "event": ("活动",), "report": ("报告", "述职")}
PROFESSIONS = {"design_institute": ("planner", "architect", "engineer", "planner"),
               "university": ("planner", "planner", "architect", "engineer"),
               "joint": ("planner", "architect", "engineer"), "individual": ("planner",)}
PROFESSION_ZH = {"planner": "规划师", "architect": "建筑师", "engineer": "工程师"}
TITLES = ("intermediate", "senior", "junior", "professor", "senior", "intermediate")
TITLE_ZH = {"junior": "初级", "intermediate": "中级", "senior": "副高级", "professor": "正高级"}


class Writer:
    """Collects the records of the year; numbers them and writes dates and kinds as ledgers do."""

    def __init__(self, rng, units_m):
        self.rng, self.units_m, self.rows = rng, units_m, []

    def point_in(self, unit_id, margin=30.0):
        """A random point at least ``margin`` metres inside the unit (EPSG:4548)."""
        poly = self.units_m.loc[unit_id, "geometry"]
        inner = poly.buffer(-margin)
        x0, y0, x1, y1 = inner.bounds
        while True:
            p = shapely.Point(self.rng.uniform(x0, x1), self.rng.uniform(y0, y1))
            if inner.contains(p):
                return p

    def add(self, team, day, kind, point=None, person="", unit_id="", notes="", coords=""):
        """One record; the date and kind written in one of the styles ledgers use."""
        rng = self.rng
        style = rng.random()
        date = (day.isoformat() if style < 0.6 else f"{day.year}/{day.month}/{day.day}" if style < 0.85
                else f"{day.year}年{day.month}月{day.day}日")
        kind_text = kind if rng.random() < 0.65 else ZH[kind][int(rng.integers(len(ZH[kind])))]
        lon = lat = ""
        if point is not None:
            wgs = gpd.GeoSeries([point], crs=METRIC).to_crs(4326).iloc[0]
            x, y = (wgs84_to_gcj02(wgs.x, wgs.y) if coords == "gcj02" else (wgs.x, wgs.y))
            lon, lat = f"{x:.6f}", f"{y:.6f}"
        self.rows.append({"record_id": "", "team_id": team, "person_id": person, "date": date, "kind": kind_text,
                          "lon": lon, "lat": lat, "coords": coords, "unit_id": unit_id,
                          "hours": f"{rng.choice([1.5, 2, 2.5, 3, 4, 6]):g}",
                          "with_unit_head": ("是" if rng.random() < 0.3 else "") if kind == "visit" else "",
                          "notes": notes, "_day": day})


def month_days(rng, month, n):
    """``n`` distinct working days of a month of YEAR."""
    days = [dt.date(YEAR, month, d) for d in range(1, 29) if dt.date(YEAR, month, d).weekday() < 5]
    return sorted(rng.choice(days, size=min(n, len(days)), replace=False))


def team_plan(team):
    """Visits and other service records per month of a team's story: {month: (visits, service, other)}."""
    plan = {m: (2, 2, 1) for m in range(1, 13)}
    if team == "FT-U05":
        plan.update({7: (0, 3, 1), 8: (0, 3, 1)})
    elif team == "FT-U12":
        plan = {m: (1, 1 if m <= 8 else 0, 1) for m in range(1, 13)}
    elif team == "FT-U18":
        plan = {m: (0 if m in (2, 3, 4) else 1, 1 if m in (1, 5, 6, 9, 10, 11) else 0, 0) for m in range(1, 13)}
    return plan


def gcj_edge_point(writer, unit_id, tolerance=100.0):
    """A point inside the unit whose GCJ-02 coordinates, read as WGS84, lie beyond the tolerance outside it."""
    poly = writer.units_m.loc[unit_id, "geometry"]
    for _ in range(20000):
        p = writer.point_in(unit_id, margin=20.0)
        wgs = gpd.GeoSeries([p], crs=METRIC).to_crs(4326).iloc[0]
        x, y = wgs84_to_gcj02(wgs.x, wgs.y)
        shifted = gpd.GeoSeries([shapely.Point(x, y)], crs=4326).to_crs(METRIC).iloc[0]
        if poly.distance(shifted) > tolerance + 50:
            return p
    raise RuntimeError(f"no edge point in {unit_id}")


def team_records(writer, team, unit, members):
    """The year of one unit planner team, with its planted story."""
    rng = writer.rng
    gcj_share = 0.2 if team in ("FT-U02", "FT-U03", "FT-U10") else 0.0
    last = dt.date(YEAR, 12, 31)
    for month, (n_visit, n_service, n_other) in team_plan(team).items():
        days = month_days(rng, month, n_visit + n_service + n_other)
        kinds = (["visit"] * n_visit + list(rng.choice(SERVICE_KINDS, size=n_service))
                 + list(rng.choice(OTHER_KINDS, size=n_other)))
        for day, kind in zip(days, kinds):
            if day > last:
                continue
            coords = "gcj02" if rng.random() < gcj_share else ""
            named = unit if rng.random() < 0.3 else ""
            writer.add(team, day, kind, writer.point_in(unit), rng.choice(members), named, coords=coords)
    if gcj_share:
        for k in range(3):
            writer.add(team, dt.date(YEAR, 3 + 3 * k, 10 + k), "survey", gcj_edge_point(writer, unit),
                       members[0], coords="gcj02", notes="手机App定位（高德坐标）")
    rating = team not in ("FT-U04", "FT-U15", "FT-U20")
    report_day = dt.date(YEAR, 11, 20) if team == "FT-U21" else dt.date(YEAR, 12, 15)
    writer.add(team, report_day, "report", writer.point_in(unit), members[0], unit, notes="2025年度述职报告")
    if rating:
        writer.add(team, report_day + dt.timedelta(days=1), "report", writer.point_in(unit), members[0], unit,
                   notes="对街道（乡镇）主管部门的绩效评价报告")


def planted(writer, units_m, teams):
    """The records of the stories that are not a team's regular year."""
    rng = writer.rng
    members = {t: m for t, (_u, m) in teams.items()}
    for month in (12, 12, 12):  # 王佐镇 after the end of its contract
        writer.add("FT-U21", dt.date(YEAR, month, int(rng.integers(2, 28))), "visit", writer.point_in("110106101"),
                   members["FT-U21"][0])
    own = units_m.loc["110106007", "geometry"]
    far = [u for u in units_m.index if units_m.loc[u, "geometry"].distance(own) > 600
           and units_m.loc[u, "unit_type"] != "area"][:2]
    for k in range(8):
        writer.add("FT-U07", dt.date(YEAR, 2 + k, 12), "meeting", writer.point_in(far[k % 2]), members["FT-U07"][1])
    edge = units_m.loc["110106009", "geometry"].exterior
    for k in range(4):
        on = edge.interpolate((0.1 + 0.2 * k) * edge.length)
        out = [shapely.Point(on.x + dx, on.y + dy) for dx, dy in ((50, 0), (-50, 0), (0, 50), (0, -50))]
        p = max(out, key=lambda q: units_m.loc["110106009", "geometry"].distance(q))
        writer.add("FT-U09", dt.date(YEAR, 4 + k, 8), "visit", p, members["FT-U09"][0])
    for k in range(2):
        writer.add("FT-U14", dt.date(YEAR, 6, 3 + k), "review", writer.point_in("110106014"), members["FT-U14"][0],
                   unit_id="110106013")
    for k in range(6):
        writer.add("FT-U16", dt.date(YEAR, 1 + 2 * k, 21), "meeting", None, members["FT-U16"][0], "110106016",
                   notes="街道会议室座谈（未定位）")
    writer.add("FT-U11", dt.date(YEAR, 12, 18), "report", None, members["FT-U11"][0], notes="专题报告：街区更新评估")
    for k in range(2):
        writer.add("FT-U99", dt.date(YEAR, 5, 6 + k), "visit", writer.point_in("110106001"))
    for k in range(6):
        unit = sorted(units_m.index)[int(rng.integers(len(units_m)))]
        writer.add("FT-C01", dt.date(YEAR, 2 * k + 1, 25), "meeting", writer.point_in(unit), notes="总规划师工作会")
    for team, unit in (("FT-V01", "110106001"), ("FT-V05", "110106005"), ("FT-V13", "110106013")):
        for k in range(3):
            writer.add(team, dt.date(YEAR, 4 * k + 3, 9), "event", writer.point_in(unit), notes="社区营造活动")


def people_rows(rng, teams, orgs):
    """The members of the unit planner teams: professions by organisation type, titles in turn."""
    rows = []
    for team, (_unit, members) in teams.items():
        for k, pid in enumerate(members):
            prof = PROFESSIONS[orgs[team]][k]
            title = TITLES[(int(team[-2:]) + k) % len(TITLES)]
            zh = rng.random() < 0.5
            rows.append({"person_id": pid, "team_id": team, "profession": PROFESSION_ZH[prof] if zh else prof,
                         "title": TITLE_ZH[title] if zh else title, "name": f"{pid}（示例）"})
    return rows


def rating_rows(rng, people):
    """The 2025 ratings of every person, with the planted 59% / 60% and the 15-point special item."""
    rows = []
    for p in people:
        pid = p["person_id"]
        sat = round(float(rng.uniform(0.62, 0.97)), 2)
        text = f"{sat * 100:.0f}%" if rng.random() < 0.5 else f"{sat:.2f}"
        special = "15;5" if pid == "FT-U01-P1" else ("8" if pid == "FT-U13-P2" else "")
        text = {"FT-U05-P1": "59%", "FT-U05-P2": "60%", "FT-U12-P1": "0.55"}.get(pid, text)
        rows.append({"person_id": pid, "year": YEAR, "satisfaction": text,
                     "previous_points": int(rng.integers(0, 250)), "special_points": special})
    return rows


def write(path, rows, fields):
    """Write ``rows`` as a UTF-8 CSV."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def main():
    """Write the three demo files."""
    rng = np.random.default_rng(20251231)
    units_m = gpd.read_file(UNITS).to_crs(METRIC).set_index("unit_id")
    reg = pd.read_csv(REGISTRY, dtype=str)
    unit_rows = reg[(reg["role"] == "unit") & (reg["start_date"] <= f"{YEAR}-12-31")
                    & (reg["end_date"] >= f"{YEAR}-01-01")].drop_duplicates("team_id")
    orgs = dict(zip(reg["team_id"], reg["org_type"]))
    teams = {}
    for r in unit_rows.itertuples(index=False):
        n = min(int(r.members), len(PROFESSIONS[r.org_type]))
        teams[r.team_id] = (r.unit_id, [f"{r.team_id}-P{k + 1}" for k in range(n)])
    writer = Writer(rng, units_m)
    for team, (unit, members) in teams.items():
        team_records(writer, team, unit, members)
    planted(writer, units_m, teams)
    rows = sorted(writer.rows, key=lambda r: (r["_day"], r["team_id"]))
    for i, r in enumerate(rows, start=1):
        r["record_id"] = f"R{YEAR}-{i:05d}"
    OUT.mkdir(parents=True, exist_ok=True)
    write(OUT / f"fengtai_work_records_{YEAR}.csv", rows,
          ["record_id", "team_id", "person_id", "date", "kind", "lon", "lat", "coords", "unit_id", "hours",
           "with_unit_head", "notes"])
    people = people_rows(rng, teams, orgs)
    write(OUT / "fengtai_people_demo.csv", people, ["person_id", "team_id", "profession", "title", "name"])
    write(OUT / f"fengtai_ratings_{YEAR}.csv", rating_rows(rng, people),
          ["person_id", "year", "satisfaction", "previous_points", "special_points"])


if __name__ == "__main__":
    main()
