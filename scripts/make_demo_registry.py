"""Write planner_gis/data/boundaries/fengtai_teams_demo.csv: an invented registry for Fengtai's "1+24+N" system.

Deterministic; team names are generic (no real people or firms). Structure follows the published
description of Fengtai's system: one chief planner for the district, 24 unit planners (one per unit:
7 full-time individuals and 17 teams, of which 12 from design institutes, 4 from universities and 1
Sino-foreign joint team), and 73 community planning volunteers attached to units. Contracts start on
2019-11-30 and run on yearly terms. A few stories make the demo audit interesting on 2026-03-31:
one unit whose contract lapsed in 2025 and was not renewed, one shortened term that ends soon, and
one street in a hand-over between two teams.

Run: python scripts/make_demo_registry.py
"""

import csv
import datetime as dt
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "planner_gis" / "data" / "boundaries" / "fengtai_units_schematic.geojson"
OUT = ROOT / "planner_gis" / "data" / "boundaries" / "fengtai_teams_demo.csv"

ORG_LABEL = {"individual": "个人责任规划师", "design_institute": "设计院团队",
             "university": "高校团队", "joint": "中外联合团队"}


def terms(first_year, last_year):
    """Yearly terms 30 Nov .. 29 Nov of the next year."""
    for y in range(first_year, last_year + 1):
        yield dt.date(y, 11, 30), dt.date(y + 1, 11, 29)


def main():
    """Write the demo registry CSV."""
    units = [f["properties"] for f in json.loads(UNITS.read_text(encoding="utf-8"))["features"]]
    assert len(units) == 24
    # 7 individuals, 12 design institutes, 4 universities, 1 joint team: spread over the units
    orgs = (["design_institute"] * 12 + ["university"] * 4 + ["joint"] + ["individual"] * 7)
    order = [0, 7, 13, 1, 8, 14, 2, 9, 15, 3, 10, 16, 4, 11, 17, 5, 12, 18, 6, 19, 20, 21, 22, 23]
    orgs = [orgs[k] for k in order]
    volunteers = [3] * 24
    for k in range(73 - sum(volunteers)):
        volunteers[k] += 1
    rows = [dict(team_id="FT-C01", unit_id="*", role="chief", start_date="2019-11-30", end_date="2026-11-29",
                 team_name="丰台区总规划师（示例）", org_type="design_institute", full_time="no", members=1,
                 contact="chief-planner@example.org")]
    for i, (u, org) in enumerate(zip(units, orgs), start=1):
        team = f"FT-U{i:02d}"
        name = f"{ORG_LABEL[org]} {i:02d}（示例）"
        members = 1 if org == "individual" else 3 + (i * 5) % 6
        last = 2025
        if u["unit_id"] == "110106101":  # 王佐镇: lapsed after the 2024-25 term, not yet re-tendered
            last = 2024
        for start, end in terms(2019, last):
            if u["unit_id"] == "FT-A03" and start.year == 2025:  # 北京南站地区: shortened final term
                end = dt.date(2026, 4, 30)
            rows.append(dict(team_id=team, unit_id=u["unit_id"], role="unit", start_date=start.isoformat(),
                             end_date=end.isoformat(), team_name=name, org_type=org,
                             full_time="yes" if org == "individual" else "no", members=members,
                             contact=f"{team.lower()}@example.org"))
        rows.append(dict(team_id=f"FT-V{i:02d}", unit_id=u["unit_id"], role="volunteer",
                         start_date="2020-06-01", end_date="2026-12-31",
                         team_name=f"{u['name']}社区规划志愿者（示例）", org_type="", full_time="no",
                         members=volunteers[i - 1], contact=""))
    # 丰台街道: the incoming team starts before the outgoing team's term ends (hand-over)
    rows.append(dict(team_id="FT-U25", unit_id="110106009", role="unit", start_date="2026-03-01",
                     end_date="2027-02-28", team_name="设计院团队 25（示例，接任）", org_type="design_institute",
                     full_time="no", members=4, contact="ft-u25@example.org"))
    fields = list(rows[0])
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
