"""Generate the analyst notebooks in ``notebooks/`` from the Python source below.

The notebooks are reviewed here, as plain text, and written without outputs
(the test suite executes them and refuses committed outputs)::

    .venv/bin/python scripts/make_notebooks.py          # write every notebook
    .venv/bin/python scripts/make_notebooks.py --check  # exit 1 if a notebook differs

Each notebook is a list of cells made with :func:`md` and :func:`code`. A code
cell may carry tags; ``tests/test_notebooks.py`` finds the cells it checks by
tag (e.g. ``findings-table``).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def md(*parts: str):
    """A markdown cell; each part is dedented on its own, parts are joined by a blank line."""
    text = "\n\n".join(textwrap.dedent(p).strip("\n") for p in parts)
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, tags: tuple = ()):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


# ----------------------------------------------------------------------------- shared cells

SETUP_NOTE = """
**Run it**: from the repository root, `.venv/bin/jupyter lab notebooks/` (or any Jupyter with the
`planner-gis` package installed). Outputs go to an `out/` folder next to where the kernel runs;
nothing is written into `data/`.
"""

CJK_FONT = '''
# Chinese labels in matplotlib need a CJK font. Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`.
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP"]


def find_cjk_font() -> str:
    """Name of the first installed CJK font in CJK_FONTS; fail loudly if there is none."""
    def installed():
        return {f.name for f in font_manager.fontManager.ttflist}

    names = installed()
    if not any(n in names for n in CJK_FONTS):
        # the font may have been installed after matplotlib cached its font list: register it
        for path in font_manager.findSystemFonts():
            if "notosanscjk" in Path(path).name.lower().replace("-", ""):
                font_manager.fontManager.addfont(path)
        names = installed()
    for name in CJK_FONTS:
        if name in names:
            return name
    raise RuntimeError(
        f"no CJK font found for matplotlib (looked for {CJK_FONTS}): Chinese labels would show as "
        "empty boxes. Fix: install Noto Sans CJK (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk) "
        "and restart the kernel."
    )


cjk_font = find_cjk_font()
plt.rcParams["font.family"] = "sans-serif"
plt.rcParams["font.sans-serif"] = [cjk_font, "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False

# check: draw Chinese text and fail if matplotlib reports a missing glyph
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.set_title("丰台区 责任规划师 15分钟生活圈")
    fig.canvas.draw()
    plt.close(fig)
missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
if missing:
    raise RuntimeError(f"{cjk_font} lacks glyphs: {missing[:3]}")
print("Chinese labels use", cjk_font, "from", font_manager.findfont(cjk_font))
'''


# ----------------------------------------------------------------------------- 01

NB01 = [
    md("""
    # 01 · Responsibility zones: who covers which unit, and where are the gaps?

    Beijing assigns every street (街道), township (乡/镇) and management area (地区) a
    **responsibility planner team** (责任规划师团队). A district keeps a registry of the teams and
    their contract terms. This notebook audits a zone layer against that registry:

    1. load the units and the team registry and see what the library checks on reading;
    2. audit on two dates, **before and after the contracts lapse**;
    3. read the findings: which unit has no team, which contract ended or is about to end,
       which unit has two teams;
    4. plot the units and the findings with matplotlib (Chinese labels), and
    5. open the same audit as an interactive web map.

    The data is the demo bundled with the package: the real outline of Fengtai district (丰台区,
    from OpenStreetMap, ODbL) and **24 schematic units** of its "1+24+N" system. The unit
    boundaries are schematic and the registry is invented; the numbers teach the method, they
    are not facts about Fengtai.
    """, SETUP_NOTE),
    code("""
    import warnings
    from pathlib import Path

    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib import font_manager
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    import planner_gis
    from planner_gis import datasets, webmap
    from planner_gis.io import write_csv

    OUT = Path("out")
    OUT.mkdir(exist_ok=True)
    pd.set_option("display.max_colwidth", 140)
    pd.set_option("display.width", 200)
    print("planner-gis", planner_gis.__version__)
    """),
    md("""
    ## Chinese labels in plots

    matplotlib's default font has no Chinese characters: names would print as empty boxes.
    We pick an installed CJK font by name and stop with a clear message if there is none.
    """),
    code(CJK_FONT),
    md("""
    ## 1 · The units

    `read_zones` reads any vector file (GeoJSON, GeoPackage, Shapefile with GBK names, ...)
    and validates it: unique `unit_id`s, a CRS, valid polygons (repaired ones are flagged in
    `repaired`). It adds `level`: streets, townships and towns form the **base** level that
    should tile the district; management areas (地区, `unit_type="area"`) are an **overlay**
    drawn on top of the streets.
    """),
    code("""
    units = planner_gis.read_zones(datasets.demo_units_path())
    print(units.crs.name, "|", len(units), "units")
    units[["unit_id", "name", "unit_type", "level", "repaired", "geometry_quality"]]
    """),
    code("""
    units.groupby(["level", "unit_type"]).size().rename("units").to_frame()
    """),
    md("""
    ## 2 · The team registry

    One row per contract term: `team_id`, the `unit_id` it covers (`*` = district-wide, for
    the chief planner), its `role` (`chief`, `unit`, `group`, `volunteer`, ...), `start_date`
    and `end_date`. `read_registry` parses dates (several formats), checks that every row has
    what it needs and keeps the source row number in `row` so that findings can point at it.
    """),
    code("""
    registry = planner_gis.read_registry(datasets.demo_registry_path())
    print(len(registry), "contract rows,", registry["team_id"].nunique(), "teams")
    registry.groupby("role").agg(teams=("team_id", "nunique"), rows=("row", "size"),
                                 last_end=("end_date", "max"))
    """),
    md("""
    Only `unit` and `group` teams count as the responsible team of a unit; volunteers and the
    chief planner do not. `active_unit_teams` lists them on a date:
    """),
    code("""
    BEFORE = datasets.DEMO_AS_OF   # "2026-03-31": the date the demo is set at
    AFTER = "2026-12-01"           # just after the term ending on 2026-11-29 that most contracts share

    active = planner_gis.active_unit_teams(registry, BEFORE)
    active.head(8)
    """),
    md("""
    ## 3 · Audit before the contracts lapse

    `audit` crosses units and registry on a date. Giving the district `outline` also finds
    area inside the district that no unit covers. Areas are measured in a metric CRS chosen by
    the library's CRS policy (here CGCS2000 Gauss-Krüger, see `planner_gis.crs`).
    """),
    code("""
    outline = datasets.load_demo_outline()
    before = planner_gis.audit(units, registry, as_of=BEFORE, outline=outline)
    before.summary()
    """),
    md("""
    ### Reading the findings

    Each finding has a `kind`, a `severity` (`error` must be fixed, `warning` should be looked
    at), the unit(s) and team(s) involved, and a message that says what is wrong. Errors come
    first.
    """),
    code("""
    before.findings.drop(columns="geometry")
    """, tags=("findings-table",)),
    code("""
    for f in before.findings.itertuples():
        print(f"[{f.severity:7}] {f.kind:18} {f.message}")
    """),
    md("""
    The per-unit table says the same thing from the unit's side: its `status` (`covered`,
    `expiring`, `multiple_teams`, `unassigned`), the active team(s) and the earliest contract
    end. The units that need attention:
    """),
    code("""
    cols = ["unit_id", "name", "unit_type", "status", "team_ids", "contract_end", "volunteers"]
    before.units.loc[before.units["status"] != "covered", cols]
    """),
    md("""
    The `workload` table is per team: how many units and how much area each active team
    covers. Teams above `max_units` (default 3) are reported as `team_overloaded`.
    """),
    code("""
    before.workload.sort_values("area_km2", ascending=False).head(8)
    """),
    md("""
    ## 4 · Audit after the contracts lapse

    Most unit contracts in the demo registry run in one-year terms ending on 29 November. Audit
    again on 1 December 2026, when no renewal has been registered yet:
    """),
    code("""
    after = planner_gis.audit(units, registry, as_of=AFTER, outline=outline)

    status = pd.DataFrame({BEFORE: before.summary()["status"], AFTER: after.summary()["status"]})
    kinds = pd.DataFrame({BEFORE: before.summary()["findings"], AFTER: after.summary()["findings"]})
    status
    """),
    code("""
    kinds
    """, tags=("findings-counts",)),
    md("""
    Which findings are new on the later date, and which contracts caused them? Every
    `contract_expired` finding names the team whose term ended:
    """),
    code("""
    key = ["kind", "unit_id"]
    new = after.findings.drop(columns="geometry").merge(
        before.findings[key], on=key, how="left", indicator="seen_before")
    new = new[new["seen_before"] == "left_only"].drop(columns="seen_before")
    print(len(new), "new findings;", new["kind"].value_counts().to_dict())
    new[new["kind"] == "contract_expired"].head(6)
    """),
    code("""
    lapsed = registry[registry["role"].isin(["unit", "group"])
                      & (registry["end_date"] >= before.as_of) & (registry["end_date"] < after.as_of)]
    print(lapsed["team_id"].nunique(), "unit-level teams end their contract between the two dates")
    lapsed.groupby("end_date")["team_id"].nunique().rename("teams").to_frame()
    """),
    md("""
    ## 5 · Plot units and findings

    Units are coloured by status with the colours and bilingual labels the web map uses
    (`webmap.STATUS_STYLES`); management areas are drawn as dashed outlines on top of the
    streets, filled with their own status; units named in an error finding are hatched. Results are in the audit's metric CRS,
    so the axes are in metres.
    """),
    code("""
    FINDING_LABELS = {
        "unassigned": "未分配 unassigned",
        "contract_expired": "合同已到期 contract expired",
        "unknown_unit": "未知单元 unknown unit",
        "boundary_overlap": "边界重叠 boundary overlap",
        "multiple_teams": "多个团队 several teams",
        "contract_expiring": "合同即将到期 contract expiring",
        "boundary_gap": "边界缝隙 boundary gap",
        "team_overloaded": "团队超负荷 team overloaded",
    }


    def units_with(findings, severity):
        ids = findings.loc[findings["severity"] == severity, "unit_id"]
        return {u for text in ids for u in str(text).split(";") if u}


    def plot_audit(ax, result, title):
        u = result.units
        base, overlay = u[u["level"] == "base"], u[u["level"] == "overlay"]
        for status, (colour, _label) in webmap.STATUS_STYLES.items():
            part = base[base["status"] == status]
            if len(part):
                part.plot(ax=ax, color=colour, edgecolor="white", linewidth=0.6)
        for s, part in overlay.groupby("status"):  # management areas on top, filled by their own status
            part.plot(ax=ax, color=webmap.STATUS_STYLES[s][0], alpha=0.9, edgecolor="none")
        overlay.boundary.plot(ax=ax, color=webmap.OVERLAY_COLOR, linewidth=1.8, linestyle="--")
        errors = u[u["unit_id"].isin(units_with(result.findings, "error"))]
        if len(errors):
            errors.plot(ax=ax, facecolor="none", edgecolor="#222222", hatch="///", linewidth=0)
        outline.to_crs(result.crs).boundary.plot(ax=ax, color="black", linewidth=1.0)
        for row in base.itertuples():
            p = row.geometry.representative_point()
            ax.annotate(row.name, (p.x, p.y), ha="center", va="center", fontsize=6.5)
        for row in overlay.itertuples():
            c = row.geometry.representative_point()
            ax.annotate(row.name, (c.x, c.y), xytext=(0, -9), textcoords="offset points", ha="center",
                        fontsize=6.5, color=webmap.OVERLAY_COLOR, fontweight="bold")
        ax.set_title(title)
        ax.set_axis_off()


    fig, axes = plt.subplots(2, 1, figsize=(12, 11.5))
    plot_audit(axes[0], before, f"审查日期 {BEFORE}（合同到期前）")
    plot_audit(axes[1], after, f"审查日期 {AFTER}（合同到期后）")
    handles = [Patch(color=c, label=label) for c, label in webmap.STATUS_STYLES.values()]
    handles += [Patch(facecolor="none", edgecolor="#222222", hatch="///", label="有错误 Error finding"),
                Line2D([], [], color=webmap.OVERLAY_COLOR, linestyle="--", linewidth=2, label="管理区 Management area"),
                Line2D([], [], color="black", linewidth=1, label="区界 District outline")]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    fig.suptitle("丰台区责任规划师覆盖审查（示意数据）Fengtai responsibility planner audit (schematic demo)")
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    fig.savefig(OUT / "audit_status.png", dpi=120)
    plt.show()
    """, tags=("status-plot",)),
    code("""
    fig, ax = plt.subplots(figsize=(8, 4))
    kinds.rename(index=FINDING_LABELS).iloc[::-1].plot.barh(ax=ax, color=["#4575b4", "#d73027"])
    ax.set_xlabel("发现数量 Number of findings")
    ax.set_title("审查发现（按类型）Findings by kind")
    ax.legend(title="审查日期 Audit date")
    fig.tight_layout()
    fig.savefig(OUT / "findings_by_kind.png", dpi=120)
    plt.show()
    """),
    md("""
    ## 6 · Interactive map

    `webmap.audit_map` turns the same result into a Leaflet map: a popup per unit with its
    teams, the management-area overlay, boundary gaps and overlaps, a legend and the notes a
    published map needs. Leaflet is inlined, so the map also works on an intranet without
    internet access (notebook 03 looks at the saved file in detail).
    """),
    code("""
    audit_web = webmap.audit_map(after, outline=outline, title=f"丰台区责任规划师覆盖 {AFTER}")
    print(webmap.layer_names(audit_web))
    audit_web
    """),
    md("""
    ## 7 · Hand the results on

    Write the findings as a UTF-8 CSV (opens in Excel/WPS) and the map as one HTML file. Both are
    written atomically: a half-written file never replaces a good one.
    """),
    code("""
    csv_path = write_csv(after.findings.drop(columns="geometry"), OUT / "findings_after.csv")
    map_path = webmap.save_map(audit_web, OUT / "audit_after.html")
    for p in (csv_path, map_path, OUT / "audit_status.png"):
        print(f"{p}  {p.stat().st_size / 1024:,.0f} kB")
    """),
    md("""
    ## Your own district

    Replace the demo paths with your files. The zone layer needs an id column (`zone_id=`
    names it if it is not `unit_id`) and a name; the registry needs `team_id, unit_id, role,
    start_date, end_date` (CSV or Excel):

    ```python
    units = planner_gis.read_zones("my_streets.shp", zone_id="街道编码")
    registry = planner_gis.read_registry("团队名册.xlsx")
    result = planner_gis.audit(units, registry, as_of="2026-06-30", outline="my_district.geojson")
    ```

    The same audit runs from the command line (`planner-gis audit --help`) and in QGIS
    (Processing toolbox → planner-gis).
    """),
]


# ----------------------------------------------------------------------------- 02

NB02 = [
    md("""
    # 02 · The 15-minute living circle: who reaches everyday facilities on foot?

    GB 50180-2018 《城市居住区规划设计标准》 organises residential areas in **5-, 10- and
    15-minute living circles** (生活圈): walks of 300 m, 500 m and 1000 m, each with the everyday
    facilities it should offer (a kindergarten and a community health station within 300 m, a
    primary school and a food market within 500 m, a middle school and a health centre within
    1000 m, parks by size, ...). This notebook measures, for every responsibility unit, **the share
    of residents who reach each facility category within its walking distance**:

    1. the facility catalogue, the walking network, the facilities and the population;
    2. coverage per unit, category and tier, and a chart of the covered share;
    3. the underserved places and the planner teams responsible for them;
    4. walking isochrones around one facility, compared with the crow-flies circle.

    Distances are **walked along streets**: a resident walks to the nearest point of the nearest
    street, along the network, and from the street to the facility (see `planner_gis.reach`).

    **The data is synthetic**: an invented street network, facilities and a 100 m population grid
    inside the real outline of Fengtai (`data/demo/README.md`). The numbers describe that invented
    city, not Fengtai.
    """, SETUP_NOTE),
    code("""
    import warnings
    from pathlib import Path

    import geopandas as gpd
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    from matplotlib import font_manager
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    import planner_gis
    from planner_gis import catalogue, datasets, isochrones, network, reach
    from planner_gis.io import read_vector, write_csv, write_layers

    OUT = Path("out")
    OUT.mkdir(exist_ok=True)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.width", 200)
    """),
    code(CJK_FONT),
    md("""
    ## 1 · The facility catalogue

    Which facilities a living circle needs and how far away, following GB 50180-2018 (Table
    3.0.4 and Appendix B). It is a CSV file: replace it with your own (`load_catalogue(path)`)
    to follow a local standard.
    """),
    code("""
    cat = catalogue.load_catalogue()
    cat[["category", "name_zh", "name_en", "tier_min", "threshold_m", "min_area_ha"]]
    """),
    md("""
    ## 2 · The walking network

    `read_network` reads an OpenStreetMap extract (`.osm.pbf`), an OSMnx GraphML file, a saved
    network or, as here, any line layer whose lines share a vertex where streets meet. Lines
    that only cross (a bridge over a road) are not connected. The network works in a metric CRS
    (here CGCS2000 Gauss-Krüger, EPSG:4548).
    """),
    code("""
    net = network.read_network(datasets.demo_network_path())
    print(net)
    print(f"{net.edge_length.sum() / 1000:,.0f} km of streets")
    net.summary
    """),
    md("""
    ## 3 · Facilities and how walkers reach them

    Each facility has a `category` of the catalogue. Points are reached at the point. Polygons
    (parks) are reached at their gates when gates are known, otherwise at points every 50 m
    along their boundary; a large park also counts as a smaller one (a 15-minute park is a
    10- and 5-minute park too). `facility_access_points` turns the layer into these points.
    """),
    code("""
    facilities = read_vector(datasets.demo_facilities_path())
    gates = read_vector(datasets.data_dir() / "demo" / "fengtai_park_entrances.gpkg")
    print(len(facilities), "facilities,", len(gates), "park gates")
    facilities.groupby([facilities.geom_type.rename("geometry"), "category"]).size().unstack(0).fillna(0).astype(int)
    """),
    code("""
    access = catalogue.facility_access_points(facilities, cat, entrances=gates, id_column="fac_id",
                                              metric_crs=net.crs)
    access.groupby(["access"]).size().rename("access points").to_frame()
    """),
    md("""
    ## 4 · Population and teams

    Residents come from a population raster (WorldPop, a census grid, ...): one origin per
    populated cell, at the cell centre. The active team of each unit is taken from the registry
    (notebook 01), so every underserved place names the team responsible for it.
    """),
    code("""
    population = reach.population_from_raster(datasets.demo_population_path(), metric_crs=net.crs)
    print(f"{len(population):,} populated cells, {population['population'].sum():,.0f} residents, "
          f"cell size {population.attrs['cell_size']} m")

    units = datasets.load_demo_units()
    teams = planner_gis.active_unit_teams(datasets.load_demo_registry(), datasets.DEMO_AS_OF)
    """),
    md("""
    ## 5 · Coverage per unit

    `compute_coverage` runs one shortest-path search per category from all its facilities at
    once, bounded by the category's distance, and counts the residents within reach in every
    unit. It also draws the **underserved** cells (this takes most of the time; pass
    `underserved=False` for coverage only).
    """),
    code("""
    result = reach.compute_coverage(net, access, population, units, cat, teams=teams)
    result.summary
    """),
    md("""
    `result.coverage` has one row per unit and category, plus `tier_5`, `tier_10`, `tier_15`:
    the residents who reach **every** category of that tier. `share` is
    `covered_population / population`.
    """),
    code("""
    names = units.set_index("unit_id")["name"]
    coverage = result.coverage.assign(name=result.coverage["unit_id"].map(names))
    coverage[coverage["category"].str.startswith("tier_")].pivot(
        index="name", columns="category", values="share")[["tier_5", "tier_10", "tier_15"]].round(3)
    """, tags=("tier-table",)),
    md("""
    ### District-wide share by category and tier

    Management areas overlay the streets, so summing units would count some residents twice.
    For the district figure, use `result.origin_distance` (the walking distance from every
    populated cell to the nearest facility of each category) and count every resident once:
    """),
    code("""
    weights = population["population"].to_numpy()
    dist = result.origin_distance
    rows = []
    for c in cat.itertuples():
        covered = dist[c.category].to_numpy() <= c.threshold_m
        rows.append({"category": c.category, "label": f"{c.name_zh} {c.threshold_m:.0f} m", "tier_min": c.tier_min,
                     "share": weights[covered].sum() / weights.sum()})
    for t in (5, 10, 15):
        tier_cats = cat.loc[cat["tier_min"] == t]
        every = np.logical_and.reduce([dist[c].to_numpy() <= d for c, d in
                                       zip(tier_cats["category"], tier_cats["threshold_m"])])
        rows.append({"category": f"tier_{t}", "label": f"{t}分钟生活圈 全部设施", "tier_min": t,
                     "share": weights[every].sum() / weights.sum()})
    district = pd.DataFrame(rows)

    # check: the base units tile the district, so their sums must give the same tier shares
    base = coverage[coverage["unit_id"].isin(units.loc[units["level"] == "base", "unit_id"])]
    tiers = base[base["category"].str.startswith("tier_")].groupby("category")[
        ["covered_population", "population"]].sum()
    check = (tiers["covered_population"] / tiers["population"]).rename("from base units")
    assert np.allclose(check, district.set_index("category").loc[check.index, "share"]), check
    write_csv(district, OUT / "district_shares.csv")
    district.round(3)
    """, tags=("district-shares",)),
    code("""
    TIER_COLOURS = {5: "#1b9e77", 10: "#d95f02", 15: "#7570b3"}
    d = district.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 7))
    bars = ax.barh(d["label"], d["share"] * 100, color=[TIER_COLOURS[t] for t in d["tier_min"]],
                   edgecolor=["black" if c.startswith("tier_") else "none" for c in d["category"]])
    ax.bar_label(bars, labels=[f"{v:.0f}%" for v in d["share"] * 100], padding=3, fontsize=8)
    ax.set_xlim(0, 105)
    ax.set_xlabel("步行可达的居民比例 Share of residents within walking distance (%)")
    ax.set_title("各类设施步行可达覆盖率（示意数据）\\nCovered share by category and tier (synthetic demo)")
    ax.legend(handles=[Patch(color=c, label=f"{t}分钟生活圈 {t}-minute tier") for t, c in TIER_COLOURS.items()],
              loc="lower right")
    fig.tight_layout()
    fig.savefig(OUT / "covered_share.png", dpi=120)
    plt.show()
    """, tags=("share-chart",)),
    md("""
    ### Per unit: the 15-minute tier on a map

    Residents who reach every facility of the tier, per base unit:
    """),
    code("""
    tier_maps = units.to_crs(result.crs).merge(
        coverage[coverage["category"].str.startswith("tier_")], on="unit_id")
    tier_maps = tier_maps[tier_maps["level"] == "base"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for ax, t in zip(axes, (5, 10, 15)):
        part = tier_maps[tier_maps["category"] == f"tier_{t}"]
        part.plot(ax=ax, column="share", cmap="RdYlGn", vmin=0, vmax=1, edgecolor="white", linewidth=0.5,
                  legend=(t == 15), legend_kwds={"label": "覆盖比例 Covered share", "shrink": 0.7})
        ax.set_title(f"{t}分钟生活圈：全部设施可达 All facilities of the {t}-minute tier")
        ax.set_axis_off()
    fig.tight_layout()
    plt.show()
    """),
    md("""
    ## 6 · Underserved places and the teams that own them

    `result.underserved` holds, per unit and category, the populated cells beyond walking
    distance, dissolved into polygons, with the responsible team of the unit. Which units have
    the most residents without a middle school within 1000 m, and who should take it up?
    """),
    code("""
    under = result.underserved.assign(name=result.underserved["unit_id"].map(names))
    cols = ["name", "unit_id", "category", "threshold_m", "population", "team_id", "team_name"]
    under.loc[under["category"] == "middle_school", cols].sort_values("population", ascending=False).head(8)
    """, tags=("underserved-table",)),
    md("""
    A brief per team: for the units each team covers, the residents who lack at least one
    15-minute facility (`population - covered_population` of `tier_15`), and the category that
    leaves the most residents out.
    """),
    code("""
    tier15 = coverage[coverage["category"] == "tier_15"].assign(
        lacking=lambda t: t["population"] - t["covered_population"])
    per_cat = coverage[coverage["category"].isin(cat.loc[cat["tier_min"] == 15, "category"])].assign(
        uncovered=lambda t: t["population"] - t["covered_population"])
    worst = per_cat.sort_values("uncovered", ascending=False).drop_duplicates("unit_id").set_index("unit_id")
    unit_teams = teams.groupby("unit_id").agg(team_id=("team_id", "; ".join), team_name=("team_name", "; ".join))
    brief = (tier15.merge(unit_teams, on="unit_id", how="left")
                   .assign(worst_category=lambda t: t["unit_id"].map(worst["category"]),
                           worst_uncovered=lambda t: t["unit_id"].map(worst["uncovered"])))
    brief["team_id"] = brief["team_id"].fillna("(no team)")
    brief = brief[["name", "unit_id", "team_id", "team_name", "population", "lacking", "worst_category",
                   "worst_uncovered"]].sort_values("lacking", ascending=False)
    write_csv(brief, OUT / "team_brief_15min.csv")
    brief.head(10)
    """, tags=("team-brief",)),
    code("""
    show = "middle_school"
    u_m = units.to_crs(result.crs)
    fig, ax = plt.subplots(figsize=(12, 6))
    base_ids = u_m.loc[u_m["level"] == "base", "unit_id"]
    u_m[u_m["level"] == "base"].plot(ax=ax, color="#f0f0f0", edgecolor="#999999", linewidth=0.6)
    under[(under["category"] == show) & under["unit_id"].isin(base_ids)].plot(ax=ax, color="#b2182b", alpha=0.75)
    pts = facilities[facilities["category"] == show].to_crs(result.crs)
    pts.plot(ax=ax, color="#2166ac", markersize=14, marker="^")
    for row in u_m[u_m["level"] == "base"].itertuples():
        p = row.geometry.representative_point()
        ax.annotate(row.name, (p.x, p.y), ha="center", fontsize=6.5)
    ax.legend(handles=[Patch(color="#b2182b", alpha=0.75, label="1000 m 内无初中的居民 Residents beyond 1000 m"),
                       Line2D([], [], color="#2166ac", marker="^", linestyle="none", label="初中 Middle school")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    ax.set_title("服务不足：初中（示意数据）Underserved: middle schools (synthetic demo)")
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(OUT / "underserved_middle_school.png", dpi=120)
    plt.show()
    """),
    md("""
    ## 7 · Isochrones around one facility

    An isochrone is the street area reachable within a distance: it follows the streets, cut at
    the exact remaining distance, and is drawn as a band around them. Compare it with the
    1000 m circle people often draw: the walk reaches much less.
    """),
    code("""
    school = facilities[facilities["category"] == "middle_school"].sort_values("fac_id").iloc[[0]].to_crs(net.crs)
    iso = isochrones.isochrones(net, school, thresholds=(300, 500, 1000), id_column="fac_id")
    iso.drop(columns="geometry")
    """),
    code("""
    # residents by walking distance to this school, against the crow-flies distance
    origin_xy = network.points_xy(population, net.crs)
    school_xy = network.points_xy(school, net.crs)
    walk = reach.nearest_distance(net, origin_xy, school_xy, cutoff=1000)
    crow = np.hypot(*(origin_xy - school_xy[0]).T)
    within = pd.DataFrame({
        "walk_m": [weights[walk <= t].sum() for t in (300, 500, 1000)],
        "crow_flies_m": [weights[crow <= t].sum() for t in (300, 500, 1000)],
    }, index=pd.Index([300, 500, 1000], name="distance_m"))
    within["walk_vs_circle"] = (within["walk_m"] / within["crow_flies_m"]).round(2)
    assert (within["walk_m"] <= within["crow_flies_m"]).all()  # a walk is never shorter than the straight line
    within
    """, tags=("isochrone-table",)),
    code("""
    x, y = school_xy[0]
    window = (x - 1600, y - 1600, x + 1600, y + 1600)
    edges = net.to_geodataframe().cx[window[0]:window[2], window[1]:window[3]]
    fig, ax = plt.subplots(figsize=(8, 8))
    edges.plot(ax=ax, color="#bbbbbb", linewidth=0.6)
    for t, colour in zip((1000, 500, 300), ("#c6dbef", "#6baed6", "#2171b5")):
        iso[iso["threshold_m"] == t].plot(ax=ax, color=colour, alpha=0.9)
    school.buffer(1000).boundary.plot(ax=ax, color="black", linestyle="--", linewidth=1)
    school.plot(ax=ax, color="#cb181d", marker="*", markersize=250, zorder=5)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    ax.legend(handles=[Patch(color=c, label=f"步行 {t} m walk") for t, c in
                       zip((300, 500, 1000), ("#2171b5", "#6baed6", "#c6dbef"))]
              + [Line2D([], [], color="black", linestyle="--", label="直线 1000 m 圆 crow-flies circle")],
              loc="upper right")
    ax.set_title(f"{school['name'].iloc[0]} 的步行等时圈 Walking isochrones")
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(OUT / "isochrones_school.png", dpi=120)
    plt.show()
    """),
    md("""
    ## 8 · Save the results

    The coverage table as CSV and the underserved areas and isochrones as layers of one
    GeoPackage (open it in QGIS). The same run is available on the command line:

    ```bash
    planner-gis reach --network data/demo/fengtai_walk_network.gpkg \\
        --facilities data/demo/fengtai_facilities.gpkg --entrances data/demo/fengtai_park_entrances.gpkg \\
        --population data/demo/fengtai_population_100m.tif \\
        --zones data/boundaries/fengtai_units_schematic.geojson \\
        --teams data/boundaries/fengtai_teams_demo.csv --as-of 2026-03-31 --out out/reach --isochrones
    ```
    """),
    code("""
    write_csv(result.coverage, OUT / "coverage.csv")
    write_layers({"underserved": result.underserved, "isochrones": iso}, OUT / "reach_demo.gpkg")
    sorted(p.name for p in OUT.iterdir())
    """),
]

# ----------------------------------------------------------------------------- 04

NB04 = [
    md("""
    # 04 · Your own city: the whole chain on a real OpenStreetMap extract

    Notebooks 01-03 use the bundled Fengtai demo. Here everything comes from a **real
    OpenStreetMap extract**: the small test extract that ships inside the `pyrosm` package
    (`pyrosm.get_data("test_pbf")` returns the path of a file inside the installed package;
    nothing is downloaded). It covers a few square kilometres of a Finnish town, so the walking
    network, the facilities and the buildings are real, only the place is not Chinese.

    The chain is the one you run on your own city:

    | step | here | for a Chinese city |
    | --- | --- | --- |
    | walking network | the `.osm.pbf` extract | an extract of your city (e.g. from Geofabrik's China extracts, clipped with `osmium extract`), or the bureau's road centre lines |
    | facilities | OSM features classified by the catalogue's `osm_tags` | OSM, or an Amap/Baidu POI export classified by `poi_types` (convert GCJ-02/BD-09 coordinates first) |
    | population | estimated from OSM residential buildings | a WorldPop / census grid (`population_from_raster`) or residents per building or compound |
    | units | a 1 km grid | your streets (街道) and townships (乡镇) |
    | teams | a three-row registry typed in here | your team registry (CSV/Excel) |

    Map data © OpenStreetMap contributors, ODbL 1.0.
    """, SETUP_NOTE),
    code("""
    import warnings
    from pathlib import Path

    import geopandas as gpd
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd
    import pyrosm
    from matplotlib import font_manager
    from matplotlib.lines import Line2D
    from shapely.geometry import box

    import planner_gis
    from planner_gis import catalogue, isochrones, network, reach, webmap
    from planner_gis.io import write_csv, write_layers

    OUT = Path("out")
    OUT.mkdir(exist_ok=True)
    pd.set_option("display.width", 200)

    pbf = Path(pyrosm.get_data("test_pbf"))
    print(pbf.name, f"{pbf.stat().st_size / 1024:,.0f} kB")
    """),
    code(CJK_FONT),
    md("""
    ## 1 · Walking network from the extract

    `read_network` reads the walkable ways of an `.osm.pbf` with pyrosm. Outside China the CRS
    policy picks the UTM zone of the data (in China: the CGCS2000 Gauss-Krüger zone). Ways are
    connected where they share an OSM node, exactly as mapped.
    """),
    code("""
    net = network.read_network(pbf)
    print(net)
    print(f"{net.edge_length.sum() / 1000:,.1f} km of walkable ways; {net.n_components} connected pieces")
    sizes = np.bincount(net.component)
    print("nodes per piece:", sorted(sizes.tolist(), reverse=True))
    """),
    md("""
    Small disconnected pieces are common in extracts (a path cut by the extract's edge, a
    footway not joined to the street). A resident who snaps to one reaches only what is on
    it. `read_network(..., drop_disconnected=True)` keeps the largest piece only; here we keep
    them all and let the coverage show it.

    ## 2 · Facilities from OSM tags

    `osm_facilities` asks pyrosm for the features the catalogue's `osm_tags` mention and
    classifies them (`amenity=kindergarten` → `kindergarten`, `shop=supermarket` →
    `convenience_store`, parks by area, ...).
    """),
    code("""
    cat = catalogue.load_catalogue()
    facilities = catalogue.osm_facilities(pbf, cat)
    facilities
    """, tags=("osm-facilities",)),
    md("""
    A small extract has few facilities: the categories without any are listed by the coverage
    step and simply have no residents covered. Amap/Baidu POIs are classified from their type
    strings instead:
    """),
    code("""
    catalogue.classify_poi_types(["科教文化服务;学校;幼儿园", "医疗保健服务;诊所;诊所", "餐饮服务;中餐厅"]).tolist()
    """),
    code("""
    access = catalogue.facility_access_points(facilities, cat, id_column="osm_id", metric_crs=net.crs)
    access.groupby(["category", "facility_id", "access"]).size().rename("access points").to_frame()
    """),
    md("""
    ## 3 · Population from residential buildings

    With no population grid for this place, we estimate residents per building from the OSM
    buildings of the extract: residential buildings (and untyped ones inside residential
    land use), floor area = footprint × levels (1 level when untagged), 40 m² of floor area per
    resident. This is a rough, documented assumption; with a census or WorldPop grid use
    `reach.population_from_raster` instead.
    """),
    code("""
    osm = pyrosm.OSM(str(pbf))
    buildings = osm.get_buildings().to_crs(net.crs)
    landuse = osm.get_landuse()
    residential_land = landuse[landuse["landuse"] == "residential"].to_crs(net.crs).make_valid().union_all()
    print("addresses in:", buildings["addr:city"].dropna().value_counts().to_dict())

    RESIDENTIAL = {"residential", "apartments", "house", "terrace", "detached", "semidetached_house"}
    FLOOR_M2_PER_RESIDENT = 40.0
    is_home = buildings["building"].isin(RESIDENTIAL) | (
        (buildings["building"] == "yes") & buildings.representative_point().within(residential_land))
    homes = buildings.loc[is_home, ["id", "building", "building:levels", "geometry"]].copy()
    levels = pd.to_numeric(homes["building:levels"], errors="coerce").fillna(1).clip(lower=1)
    homes["residents"] = np.round(homes.area * levels / FLOOR_M2_PER_RESIDENT)
    homes = homes[homes["residents"] > 0].reset_index(drop=True)
    population = reach.population_from_points(homes, "residents")
    print(f"{len(population):,} residential buildings, {population['population'].sum():,.0f} estimated residents")
    """),
    md("""
    ## 4 · Units and teams

    The extract has no administrative units, so we cut its area into a 1 km grid and validate it
    with `read_zones` like any unit layer. A three-row registry stands in for the team
    registry: one cell is left without a team on purpose.
    """),
    code("""
    x0, y0, x1, y1 = population.total_bounds
    x0, y0 = np.floor(x0 / 1000) * 1000, np.floor(y0 / 1000) * 1000
    cells = [(f"G{r}{c}", box(x, y, x + 1000, y + 1000))
             for r, y in enumerate(np.arange(y0, y1, 1000)) for c, x in enumerate(np.arange(x0, x1, 1000))]
    grid = gpd.GeoDataFrame({"unit_id": [c[0] for c in cells], "name": [f"网格 {c[0]}" for c in cells]},
                            geometry=[c[1] for c in cells], crs=net.crs)
    home_points = population.representative_point()
    grid = grid[[bool(home_points.within(g).any()) for g in grid.geometry]]  # only cells with homes
    units = planner_gis.read_zones(grid, type_column=None, default_type="area")
    print(len(units), "units:", ", ".join(units["unit_id"]))

    ids = units["unit_id"].tolist()
    registry = planner_gis.read_registry(pd.DataFrame({
        "team_id": [f"T{i + 1}" for i in range(len(ids) - 1)],
        "unit_id": ids[:-1],
        "role": "unit",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "team_name": [f"规划团队 {i + 1}（示例）" for i in range(len(ids) - 1)],
    }))
    audit = planner_gis.audit(units, registry, as_of="2026-06-30")
    audit.findings.drop(columns="geometry")
    """, tags=("grid-audit",)),
    md("""
    ## 5 · Coverage
    """),
    code("""
    teams = planner_gis.active_unit_teams(registry, "2026-06-30")
    result = reach.compute_coverage(net, access, population, units, cat, teams=teams)
    print("categories without facilities:", result.summary["categories_without_facilities"])
    print("unreachable:", result.summary["unreachable_origins"], "buildings,",
          result.summary["unreachable_facilities"], "facility access points")
    with_fac = sorted(set(access["category"]))
    shares = result.coverage.pivot(index="unit_id", columns="category", values="share")[with_fac]
    shares.round(2)
    """, tags=("osm-coverage",)),
    code("""
    weights = population["population"].to_numpy()
    district = pd.Series({c.category: weights[result.origin_distance[c.category].to_numpy() <= c.threshold_m].sum()
                          / weights.sum() for c in cat.itertuples() if c.category in with_fac})
    labels = cat.set_index("category").loc[district.index]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.barh([f"{r.name_zh} {r.name_en} ({r.threshold_m:.0f} m)" for r in labels.itertuples()], district * 100,
            color="#3182bd")
    ax.set_xlim(0, 100)
    ax.set_xlabel("步行可达的居民比例 Share of residents within walking distance (%)")
    ax.set_title("OSM 实例：有设施的类别 Categories present in the extract")
    fig.tight_layout()
    fig.savefig(OUT / "osm_covered_share.png", dpi=120)
    plt.show()
    """),
    md("""
    ## 6 · Walking distance to the nearest kindergarten, and isochrones

    `result.origin_distance` holds each building's walking distance to the nearest facility of
    each category (`inf` beyond the category's distance unless `distance_limit=` is raised).
    Isochrones are drawn around the kindergartens.
    """),
    code("""
    kg = access[access["category"] == "kindergarten"]
    iso = isochrones.isochrones(net, kg, thresholds=(300, 500, 1000), id_column="facility_id")
    walk = reach.nearest_distance(net, network.points_xy(population, net.crs), network.points_xy(kg, net.crs))
    homes_m = population.assign(walk_m=np.minimum(walk, 2000))

    fig, ax = plt.subplots(figsize=(9, 8))
    net.to_geodataframe().plot(ax=ax, color="#bdbdbd", linewidth=0.6)
    for t, colour in zip((1000, 500, 300), ("#deebf7", "#9ecae1", "#4292c6")):
        iso[iso["threshold_m"] == t].plot(ax=ax, color=colour, alpha=0.8)
    homes_m.plot(ax=ax, column="walk_m", cmap="viridis_r", vmin=0, vmax=2000, legend=True,
                 legend_kwds={"label": "到最近幼儿园的步行距离 Walk to nearest kindergarten (m)", "shrink": 0.6})
    kg_sites = facilities[facilities["category"] == "kindergarten"].to_crs(net.crs).representative_point()
    kg_sites.plot(ax=ax, color="#e31a1c", marker="*", markersize=200, zorder=5)
    units.boundary.plot(ax=ax, color="black", linewidth=0.8, linestyle=":")
    for u in units.itertuples():
        ax.annotate(u.unit_id, (u.geometry.bounds[0] + 40, u.geometry.bounds[3] - 120), fontsize=8)
    ax.legend(handles=[Line2D([], [], color="#e31a1c", marker="*", linestyle="none", markersize=12,
                              label="幼儿园 Kindergarten (OSM)")], loc="upper left")
    ax.set_title("真实 OSM 数据：幼儿园步行可达 Walking to kindergartens (OpenStreetMap)")
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(OUT / "osm_kindergarten_walk.png", dpi=120)
    plt.show()
    """),
    md("""
    ## 7 · Save and publish

    The outputs are the same as for the demo: tables, a GeoPackage for QGIS, and a
    self-contained web map carrying the OpenStreetMap attribution.
    """),
    code("""
    write_csv(result.coverage, OUT / "osm_coverage.csv")
    write_layers({"units": units, "underserved": result.underserved, "isochrones": iso,
                  "homes": homes_m}, OUT / "osm_reach.gpkg")
    coverage_units = units[["unit_id", "name", "geometry"]].merge(result.coverage, on="unit_id")
    coverage_units["category_zh"] = coverage_units["category"].map(dict(zip(cat["category"], cat["name_zh"])))
    coverage_units = coverage_units[coverage_units["category"].isin(with_fac)]
    osm_web = webmap.reach_map(coverage_units, result.underserved, iso.assign(category="kindergarten"),
                               category="kindergarten", attribution=webmap.OSM_ATTRIBUTION,
                               note="人口由 OSM 住宅建筑估算 Residents estimated from OSM residential buildings",
                               title="OSM 实例：幼儿园步行可达 Kindergartens within 300 m")
    osm_path = webmap.save_map(osm_web, OUT / "osm_reach_map.html", inputs=[pbf])
    print(osm_path, f"{osm_path.stat().st_size / 1024:,.0f} kB")
    osm_web
    """, tags=("osm-save",)),
    md("""
    ## Checklist for your own city

    1. **Network**: an `.osm.pbf` covering the district plus a margin of 1 km (people walk across
       the boundary), or road centre lines whose lines share vertices at junctions. Check
       `net.summary` and `net.n_components`.
    2. **Facilities**: `osm_facilities(pbf)`, or your POI table classified with
       `classify_poi_types(types, names=...)`. Amap/Baidu coordinates are GCJ-02/BD-09:
       convert them with `planner_gis.convert_gdf(gdf, "gcj02", "wgs84")` before anything else.
    3. **Population**: `population_from_raster("worldpop_100m.tif")` or a point/polygon layer
       with a residents column (`population_from_points`).
    4. **Units and teams**: `read_zones(...)` and `read_registry(...)` as in notebook 01.
    5. Run `compute_coverage`, look at `summary` (unreachable points, categories without
       facilities), then map with `webmap.reach_map` (notebook 03).

    The command line does all of it in one go: `planner-gis reach --network city.osm.pbf
    --facilities city.osm.pbf --population pop.tif --zones streets.gpkg --teams teams.xlsx --out out/`.
    """),
]

# ----------------------------------------------------------------------------- 03

NB03_AUDIT = [
    md("""
    # 03 · Publish a web map

    Planners share results with street offices, residents' committees and the district
    commission, often on an intranet with no internet access. `planner_gis.webmap` builds
    Leaflet maps that are **one self-contained HTML file**:

    * Leaflet's JavaScript and CSS are inlined (from the `XStatic-Leaflet` package): no CDN;
    * no basemap by default, so **no request leaves the page**; an intranet tile server or
      Tianditu can be given with `tiles=`;
    * every text from the data is HTML-escaped;
    * shared unit edges are simplified together, so neighbours never show slivers;
    * a note marks schematic/synthetic data, and a footnote reminds that maps published in
      China need a map review number (审图号) unless you give one.

    This notebook builds, inspects and saves the audit map and the living-circle reach map.
    """, SETUP_NOTE),
    code("""
    import re
    from pathlib import Path

    import planner_gis
    from planner_gis import datasets, webmap
    from planner_gis.errors import OutputError

    OUT = Path("out")
    OUT.mkdir(exist_ok=True)

    units = planner_gis.read_zones(datasets.demo_units_path())
    registry = planner_gis.read_registry(datasets.demo_registry_path())
    outline = datasets.load_demo_outline()
    result = planner_gis.audit(units, registry, as_of=datasets.DEMO_AS_OF, outline=outline)
    result.summary()["status"]
    """),
    md("""
    ## 1 · Build the audit map

    `audit_map` takes the `AuditResult` (or its `units` frame). It returns a `folium.Map` and
    saves nothing, so you can inspect it first.
    """),
    code("""
    audit_web = webmap.audit_map(result, outline=outline,
                                 title=f"丰台区责任规划师覆盖审查 {datasets.DEMO_AS_OF}")
    webmap.layer_names(audit_web)
    """),
    code("""
    audit_web
    """),
    md("""
    ## 2 · Inspect the page

    `map_html` renders the page as text. Check that it is self-contained: no `<script src=`
    or stylesheet links, and the only URLs left are inert text (Leaflet's attribution link, the
    SVG namespace).
    """),
    code("""
    def inspect_page(html: str) -> dict:
        urls = sorted(set(re.findall(r"https?://[^\\s\\"'<>)]+", html)))
        return {
            "size_kB": round(len(html.encode("utf-8")) / 1024),
            "external_scripts": len(re.findall(r"<script[^>]+src=", html)),
            "external_stylesheets": len(re.findall(r"<link[^>]+stylesheet", html)),
            "urls": urls,
        }


    page = inspect_page(webmap.map_html(audit_web))
    assert page["external_scripts"] == 0 and page["external_stylesheets"] == 0, page
    page
    """, tags=("inspect-audit",)),
    md("""
    Text from the data cannot inject code: a unit renamed to an HTML tag shows as that text.
    """),
    code("""
    hostile = result.units.copy()
    hostile.loc[0, "name"] = "<img src=x onerror=alert(1)>"
    html = webmap.map_html(webmap.audit_map(hostile))
    print("raw tag in page:", "<img src=x" in html, "| escaped:", "&lt;img src=x" in html)
    """),
    md("""
    ## 3 · Options for publishing

    * `review_number=` prints your map review number (审图号) instead of the reminder;
    * `tiles=` adds a basemap from a tile URL template, e.g. an intranet server (the page then
      requests tiles from it); `tiles_attribution=` credits it;
    * `attribution=` credits your data sources; `note=` replaces the demo-data note.

    The URLs below are placeholders: nothing is fetched while building or saving the map.
    """),
    code("""
    published = webmap.audit_map(
        result, outline=outline, title="丰台区责任规划师覆盖审查",
        tiles="http://tiles.intranet.example/{z}/{x}/{y}.png",
        tiles_attribution="区规划分局内网底图 (example)",
        attribution="团队名册：区规自分局 (example)",
        review_number="示例-审图号待申请",
    )
    html = webmap.map_html(published)
    print("review number shown:", "示例-审图号待申请" in html)
    print("tile server named:", "tiles.intranet.example" in html)
    """),
    md("""
    A wrong tile URL is refused with a message that says how to fix it:
    """),
    code("""
    try:
        webmap.audit_map(result, tiles="https://tiles.example/basemap.png")
    except planner_gis.InputError as err:
        print(err)
    """),
    md("""
    ## 4 · Save

    `save_map` writes the page atomically (to a temporary file, then renamed) and refuses to
    write over one of the map's inputs or to a name that is not `.html`.
    """),
    code("""
    inputs = [datasets.demo_units_path(), datasets.demo_registry_path(), datasets.demo_outline_path()]
    audit_path = webmap.save_map(audit_web, OUT / "audit_map.html", inputs=inputs)
    print(audit_path, f"{audit_path.stat().st_size / 1024:,.0f} kB")

    for bad in (OUT / "audit_map.png", OUT / "audit_map.html"):
        try:
            webmap.save_map(audit_web, bad, inputs=inputs + [OUT / "audit_map.html"])
        except OutputError as err:
            print("refused:", err)
    """, tags=("save-audit",)),
]

NB03_REACH = [
    md("""
    ## 5 · The living-circle reach map

    `reach_map` draws a choropleth of the share of residents within walking distance, one
    toggleable layer per facility category and per tier, with the underserved areas and the
    isochrones of the category shown first. Notebook 02 explains the computation; here we
    run it for the 15-minute tier only (six categories, a few seconds).
    """),
    code("""
    from planner_gis import catalogue, isochrones, network, reach
    from planner_gis.io import read_vector

    cat = catalogue.load_catalogue()
    cat15 = cat[cat["tier_min"] == 15]
    net = network.read_network(datasets.demo_network_path())
    population = reach.population_from_raster(datasets.demo_population_path(), metric_crs=net.crs)
    facilities = read_vector(datasets.demo_facilities_path())
    gates = read_vector(datasets.data_dir() / "demo" / "fengtai_park_entrances.gpkg")
    access = catalogue.facility_access_points(facilities, cat15, entrances=gates, id_column="fac_id",
                                              metric_crs=net.crs, unknown="ignore")
    teams = planner_gis.active_unit_teams(registry, datasets.DEMO_AS_OF)
    reach_result = reach.compute_coverage(net, access, population, units, cat15, teams=teams)
    reach_result.coverage.head()
    """),
    md("""
    The map wants the coverage in long format **with the unit polygons** (as the `coverage`
    layer of `reach.gpkg` written by `planner-gis reach`): join the units to the table. A
    `category_zh` column gives the layers Chinese names.
    """),
    code("""
    coverage_units = units.to_crs(reach_result.crs)[["unit_id", "name", "geometry"]].merge(
        reach_result.coverage, on="unit_id")
    coverage_units["category_zh"] = coverage_units["category"].map(dict(zip(cat["category"], cat["name_zh"])))

    centres = access[access["category"] == "health_centre"]
    iso = isochrones.isochrones(net, centres, thresholds=(1000,), id_column="facility_id")
    iso["category"] = "health_centre"

    reach_web = webmap.reach_map(coverage_units, reach_result.underserved, iso, category="health_centre",
                                 outline=outline, title="15分钟生活圈：社区卫生服务中心可达性（示意数据）")
    webmap.layer_names(reach_web)
    """),
    code("""
    reach_web
    """),
    code("""
    page = inspect_page(webmap.map_html(reach_web))
    assert page["external_scripts"] == 0 and page["external_stylesheets"] == 0, page
    reach_path = webmap.save_map(reach_web, OUT / "reach_map.html",
                                 inputs=inputs + [datasets.demo_network_path(), datasets.demo_facilities_path(),
                                                  datasets.demo_population_path()])
    print(reach_path, f"{reach_path.stat().st_size / 1024:,.0f} kB")
    """, tags=("save-reach",)),
    md("""
    The page is larger than the audit map: every category layer and the underserved cells are
    in it. To keep it small for a phone, map fewer categories (filter `coverage_units`), pass
    only the underserved areas of the category shown, or raise `simplify_m`.
    """),
]

NB03_END = [
    md("""
    ## Sharing the files

    Each `.html` file in `out/` is complete: e-mail it, put it on an intranet share or open it
    from a USB stick; a browser shows it without a server. Before publishing outside your
    organisation, replace the schematic data with official boundaries and obtain the map review
    number.
    """),
]


NOTEBOOKS = {
    "01_responsibility_zones.ipynb": NB01,
    "02_living_circle.ipynb": NB02,
    "04_real_osm_extract.ipynb": NB04,
    "03_publish_web_map.ipynb": None,  # assembled in build()
}


def build() -> dict:
    nbs = dict(NOTEBOOKS)
    nbs["03_publish_web_map.ipynb"] = NB03_AUDIT + NB03_REACH + NB03_END
    out = {}
    for name, cells in nbs.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = cells
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata["language_info"] = {"name": "python"}
        out[name] = nb
    return out


def render(nb) -> str:
    # fixed cell ids keep regenerated files identical
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a notebook on disk differs")
    args = ap.parse_args(argv)
    NB_DIR.mkdir(exist_ok=True)
    stale = []
    for name, nb in build().items():
        nbformat.validate(nb)
        text = render(nb)
        path = NB_DIR / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        print("wrote", path.relative_to(ROOT))
    if stale:
        print("out of date (run scripts/make_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
