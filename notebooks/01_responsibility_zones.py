# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Responsibility zones: who covers which unit, and where are the gaps?
#
# Beijing assigns every street (街道), township (乡/镇) and management area (地区) a
# **responsibility planner team** (责任规划师团队). A district keeps a registry of the teams and
# their contract terms. This notebook audits a zone layer against that registry:
#
# 1. load the units and the team registry and see what the library checks on reading;
# 2. audit on two dates, **before and after the contracts lapse**;
# 3. read the findings: which unit has no team, which contract ended or is about to end,
#    which unit has two teams;
# 4. plot the units and the findings with matplotlib (Chinese labels), and
# 5. open the same audit as an interactive web map.
#
# The data is the demo bundled with the package: the real outline of Fengtai district (丰台区,
# from OpenStreetMap, ODbL) and **24 schematic units** of its "1+24+N" system. The unit
# boundaries are schematic and the registry is invented; the numbers teach the method, they
# are not facts about Fengtai.
#
# **Run it**: from the repository root, `.venv/bin/jupyter lab notebooks/` (or any Jupyter with the
# `planner-gis` package installed). Outputs go to an `out/` folder next to where the kernel runs;
# nothing is written into the package's data.

# %%
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

# %% [markdown]
# ## Chinese labels in plots
#
# matplotlib's default font has no Chinese characters: names would print as empty boxes.
# We pick an installed CJK font by name and stop with a clear message if there is none.

# %%
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

# %% [markdown]
# ## 1 · The units
#
# `read_zones` reads any vector file (GeoJSON, GeoPackage, Shapefile with GBK names, ...)
# and validates it: unique `unit_id`s, a CRS, valid polygons (repaired ones are flagged in
# `repaired`). It adds `level`: streets, townships and towns form the **base** level that
# should tile the district; management areas (地区, `unit_type="area"`) are an **overlay**
# drawn on top of the streets.

# %%
units = planner_gis.read_zones(datasets.demo_units_path())
print(units.crs.name, "|", len(units), "units")
units[["unit_id", "name", "unit_type", "level", "repaired", "geometry_quality"]]

# %%
units.groupby(["level", "unit_type"]).size().rename("units").to_frame()

# %% [markdown]
# ## 2 · The team registry
#
# One row per contract term: `team_id`, the `unit_id` it covers (`*` = district-wide, for
# the chief planner), its `role` (`chief`, `unit`, `group`, `volunteer`, ...), `start_date`
# and `end_date`. `read_registry` parses dates (several formats), checks that every row has
# what it needs and keeps the source row number in `row` so that findings can point at it.

# %%
registry = planner_gis.read_registry(datasets.demo_registry_path())
print(len(registry), "contract rows,", registry["team_id"].nunique(), "teams")
registry.groupby("role").agg(teams=("team_id", "nunique"), rows=("row", "size"),
                             last_end=("end_date", "max"))

# %% [markdown]
# Only `unit` and `group` teams count as the responsible team of a unit; volunteers and the
# chief planner do not. `active_unit_teams` lists them on a date:

# %%
BEFORE = datasets.DEMO_AS_OF   # "2026-03-31": the date the demo is set at
AFTER = "2026-12-01"           # just after the term ending on 2026-11-29 that most contracts share

active = planner_gis.active_unit_teams(registry, BEFORE)
active.head(8)

# %% [markdown]
# ## 3 · Audit before the contracts lapse
#
# `audit` crosses units and registry on a date. Giving the district `outline` also finds
# area inside the district that no unit covers. Areas are measured in a metric CRS chosen by
# the library's CRS policy (here CGCS2000 Gauss-Krüger, see `planner_gis.crs`).

# %%
outline = datasets.load_demo_outline()
before = planner_gis.audit(units, registry, as_of=BEFORE, outline=outline)
before.summary()

# %% [markdown]
# ### Reading the findings
#
# Each finding has a `kind`, a `severity` (`error` must be fixed, `warning` should be looked
# at), the unit(s) and team(s) involved, and a message that says what is wrong. Errors come
# first.

# %% tags=["findings-table"]
before.findings.drop(columns="geometry")

# %%
for f in before.findings.itertuples():
    print(f"[{f.severity:7}] {f.kind:18} {f.message}")

# %% [markdown]
# The per-unit table says the same thing from the unit's side: its `status` (`covered`,
# `expiring`, `multiple_teams`, `unassigned`), the active team(s) and the earliest contract
# end. The units that need attention:

# %%
cols = ["unit_id", "name", "unit_type", "status", "team_ids", "contract_end", "volunteers"]
before.units.loc[before.units["status"] != "covered", cols]

# %% [markdown]
# The `workload` table is per team: how many units and how much area each active team
# covers. Teams above `max_units` (default 3) are reported as `team_overloaded`.

# %%
before.workload.sort_values("area_km2", ascending=False).head(8)

# %% [markdown]
# ## 4 · Audit after the contracts lapse
#
# Most unit contracts in the demo registry run in one-year terms ending on 29 November. Audit
# again on 1 December 2026, when no renewal has been registered yet:

# %%
after = planner_gis.audit(units, registry, as_of=AFTER, outline=outline)

status = pd.DataFrame({BEFORE: before.summary()["status"], AFTER: after.summary()["status"]})
kinds = pd.DataFrame({BEFORE: before.summary()["findings"], AFTER: after.summary()["findings"]})
status

# %% tags=["findings-counts"]
kinds

# %% [markdown]
# Which findings are new on the later date, and which contracts caused them? Every
# `contract_expired` finding names the team whose term ended:

# %%
key = ["kind", "unit_id"]
new = after.findings.drop(columns="geometry").merge(
    before.findings[key], on=key, how="left", indicator="seen_before")
new = new[new["seen_before"] == "left_only"].drop(columns="seen_before")
print(len(new), "new findings;", new["kind"].value_counts().to_dict())
new[new["kind"] == "contract_expired"].head(6)

# %%
lapsed = registry[registry["role"].isin(["unit", "group"])
                  & (registry["end_date"] >= before.as_of) & (registry["end_date"] < after.as_of)]
print(lapsed["team_id"].nunique(), "unit-level teams end their contract between the two dates")
lapsed.groupby("end_date")["team_id"].nunique().rename("teams").to_frame()

# %% [markdown]
# ## 5 · Plot units and findings
#
# Units are coloured by status with the colours and bilingual labels the web map uses
# (`webmap.STATUS_STYLES`); management areas are drawn as dashed outlines on top of the
# streets, filled with their own status; units named in an error finding are hatched. Results are in the audit's metric CRS,
# so the axes are in metres.

# %% tags=["status-plot"]
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

# %%
fig, ax = plt.subplots(figsize=(8, 4))
kinds.rename(index=FINDING_LABELS).iloc[::-1].plot.barh(ax=ax, color=["#4575b4", "#d73027"])
ax.set_xlabel("发现数量 Number of findings")
ax.set_title("审查发现（按类型）Findings by kind")
ax.legend(title="审查日期 Audit date")
fig.tight_layout()
fig.savefig(OUT / "findings_by_kind.png", dpi=120)
plt.show()

# %% [markdown]
# ## 6 · Interactive map
#
# `webmap.audit_map` turns the same result into a Leaflet map: a popup per unit with its
# teams, the management-area overlay, boundary gaps and overlaps, a legend and the notes a
# published map needs. Leaflet is inlined, so the map also works on an intranet without
# internet access (notebook 03 looks at the saved file in detail).

# %%
audit_web = webmap.audit_map(after, outline=outline, title=f"丰台区责任规划师覆盖 {AFTER}")
print(webmap.layer_names(audit_web))
audit_web

# %% [markdown]
# ## 7 · Hand the results on
#
# Write the findings as a UTF-8 CSV (opens in Excel/WPS) and the map as one HTML file. Both are
# written atomically: a half-written file never replaces a good one.

# %%
csv_path = write_csv(after.findings.drop(columns="geometry"), OUT / "findings_after.csv")
map_path = webmap.save_map(audit_web, OUT / "audit_after.html")
for p in (csv_path, map_path, OUT / "audit_status.png"):
    print(f"{p}  {p.stat().st_size / 1024:,.0f} kB")

# %% [markdown]
# ## Your own district
#
# Replace the demo paths with your files. The zone layer needs an id column (`zone_id=`
# names it if it is not `unit_id`) and a name; the registry needs `team_id, unit_id, role,
# start_date, end_date` (CSV or Excel):
#
# ```python
# units = planner_gis.read_zones("my_streets.shp", zone_id="街道编码")
# registry = planner_gis.read_registry("团队名册.xlsx")
# result = planner_gis.audit(units, registry, as_of="2026-06-30", outline="my_district.geojson")
# ```
#
# The same audit runs from the command line (`planner-gis audit --help`) and in QGIS
# (Processing toolbox → planner-gis).
