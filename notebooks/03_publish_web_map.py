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
# # 03 · Publish a web map
#
# Planners share results with street offices, residents' committees and the district
# commission, often on an intranet with no internet access. `planner_gis.webmap` builds
# Leaflet maps that are **one self-contained HTML file**:
#
# * Leaflet's JavaScript and CSS are inlined (from the `XStatic-Leaflet` package): no CDN;
# * no basemap by default, so **no request leaves the page**; an intranet tile server or
#   Tianditu can be given with `tiles=`;
# * every text from the data is HTML-escaped;
# * shared unit edges are simplified together, so neighbours never show slivers;
# * a note marks schematic/synthetic data, and a footnote reminds that maps published in
#   China need a map review number (审图号) unless you give one.
#
# This notebook builds, inspects and saves the audit map and the living-circle reach map.
#
# **Run it**: from the repository root, `.venv/bin/jupyter lab notebooks/` (or any Jupyter with the
# `planner-gis` package installed). Outputs go to an `out/` folder next to where the kernel runs;
# nothing is written into the package's data.

# %%
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

# %% [markdown]
# ## 1 · Build the audit map
#
# `audit_map` takes the `AuditResult` (or its `units` frame). It returns a `folium.Map` and
# saves nothing, so you can inspect it first.

# %%
audit_web = webmap.audit_map(result, outline=outline,
                             title=f"丰台区责任规划师覆盖审查 {datasets.DEMO_AS_OF}")
webmap.layer_names(audit_web)

# %%
audit_web


# %% [markdown]
# ## 2 · Inspect the page
#
# `map_html` renders the page as text. Check that it is self-contained: no `<script src=`
# or stylesheet links, and the only URLs left are inert text (Leaflet's attribution link, the
# SVG namespace).

# %% tags=["inspect-audit"]
def inspect_page(html: str) -> dict:
    urls = sorted(set(re.findall(r"https?://[^\s\"'<>)]+", html)))
    return {
        "size_kB": round(len(html.encode("utf-8")) / 1024),
        "external_scripts": len(re.findall(r"<script[^>]+src=", html)),
        "external_stylesheets": len(re.findall(r"<link[^>]+stylesheet", html)),
        "urls": urls,
    }


page = inspect_page(webmap.map_html(audit_web))
assert page["external_scripts"] == 0 and page["external_stylesheets"] == 0, page
page

# %% [markdown]
# Text from the data cannot inject code: a unit renamed to an HTML tag shows as that text.

# %%
hostile = result.units.copy()
hostile.loc[0, "name"] = "<img src=x onerror=alert(1)>"
html = webmap.map_html(webmap.audit_map(hostile))
print("raw tag in page:", "<img src=x" in html, "| escaped:", "&lt;img src=x" in html)

# %% [markdown]
# ## 3 · Options for publishing
#
# * `review_number=` prints your map review number (审图号) instead of the reminder;
# * `tiles=` adds a basemap from a tile URL template, e.g. an intranet server (the page then
#   requests tiles from it); `tiles_attribution=` credits it;
# * `attribution=` credits your data sources; `note=` replaces the demo-data note.
#
# The URLs below are placeholders: nothing is fetched while building or saving the map.

# %%
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

# %% [markdown]
# A wrong tile URL is refused with a message that says how to fix it:

# %%
try:
    webmap.audit_map(result, tiles="https://tiles.example/basemap.png")
except planner_gis.InputError as err:
    print(err)

# %% [markdown]
# ## 4 · Save
#
# `save_map` writes the page atomically (to a temporary file, then renamed) and refuses to
# write over one of the map's inputs or to a name that is not `.html`.

# %% tags=["save-audit"]
inputs = [datasets.demo_units_path(), datasets.demo_registry_path(), datasets.demo_outline_path()]
audit_path = webmap.save_map(audit_web, OUT / "audit_map.html", inputs=inputs)
print(audit_path, f"{audit_path.stat().st_size / 1024:,.0f} kB")

for bad in (OUT / "audit_map.png", OUT / "audit_map.html"):
    try:
        webmap.save_map(audit_web, bad, inputs=inputs + [OUT / "audit_map.html"])
    except OutputError as err:
        print("refused:", err)

# %% [markdown]
# ## 5 · The living-circle reach map
#
# `reach_map` draws a choropleth of the share of residents within walking distance, one
# toggleable layer per facility category and per tier, with the underserved areas and the
# isochrones of the category shown first. Notebook 02 explains the computation; here we
# run it for the 15-minute tier only (six categories, a few seconds).

# %%
from planner_gis import catalogue, isochrones, network, reach
from planner_gis.io import read_vector

cat = catalogue.load_catalogue()
cat15 = cat[cat["tier_min"] == 15]
net = network.read_network(datasets.demo_network_path())
population = reach.population_from_raster(datasets.demo_population_path(), metric_crs=net.crs)
facilities = read_vector(datasets.demo_facilities_path())
gates = read_vector(datasets.demo_entrances_path())
access = catalogue.facility_access_points(facilities, cat15, entrances=gates, id_column="fac_id",
                                          metric_crs=net.crs, unknown="ignore")
teams = planner_gis.active_unit_teams(registry, datasets.DEMO_AS_OF)
reach_result = reach.compute_coverage(net, access, population, units, cat15, teams=teams)
reach_result.coverage.head()

# %% [markdown]
# The map wants the coverage in long format **with the unit polygons** (as the `coverage`
# layer of `reach.gpkg` written by `planner-gis reach`): join the units to the table. A
# `category_zh` column gives the layers Chinese names.

# %%
coverage_units = units.to_crs(reach_result.crs)[["unit_id", "name", "geometry"]].merge(
    reach_result.coverage, on="unit_id")
coverage_units["category_zh"] = coverage_units["category"].map(dict(zip(cat["category"], cat["name_zh"])))

centres = access[access["category"] == "health_centre"]
iso = isochrones.isochrones(net, centres, thresholds=(1000,), id_column="facility_id")
iso["category"] = "health_centre"

reach_web = webmap.reach_map(coverage_units, reach_result.underserved, iso, category="health_centre",
                             outline=outline, title="15分钟生活圈：社区卫生服务中心可达性（示意数据）")
webmap.layer_names(reach_web)

# %%
reach_web

# %% tags=["save-reach"]
page = inspect_page(webmap.map_html(reach_web))
assert page["external_scripts"] == 0 and page["external_stylesheets"] == 0, page
reach_path = webmap.save_map(reach_web, OUT / "reach_map.html",
                             inputs=inputs + [datasets.demo_network_path(), datasets.demo_facilities_path(),
                                              datasets.demo_population_path()])
print(reach_path, f"{reach_path.stat().st_size / 1024:,.0f} kB")

# %% [markdown]
# The page is larger than the audit map: every category layer and the underserved cells are
# in it. To keep it small for a phone, map fewer categories (filter `coverage_units`), pass
# only the underserved areas of the category shown, or raise `simplify_m`.

# %% [markdown]
# ## Sharing the files
#
# Each `.html` file in `out/` is complete: e-mail it, put it on an intranet share or open it
# from a USB stick; a browser shows it without a server. Before publishing outside your
# organisation, replace the schematic data with official boundaries and obtain the map review
# number.
