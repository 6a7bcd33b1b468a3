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
# # 04 · Your own city: the whole chain on a real OpenStreetMap extract
#
# Notebooks 01-03 use the bundled Fengtai demo. Here everything comes from a **real
# OpenStreetMap extract**: the small test extract that ships inside the `pyrosm` package
# (`pyrosm.get_data("test_pbf")` returns the path of a file inside the installed package;
# nothing is downloaded). It covers a few square kilometres of a Finnish town, so the walking
# network, the facilities and the buildings are real, only the place is not Chinese.
#
# The chain is the one you run on your own city:
#
# | step | here | for a Chinese city |
# | --- | --- | --- |
# | walking network | the `.osm.pbf` extract | an extract of your city (e.g. from Geofabrik's China extracts, clipped with `osmium extract`), or the bureau's road centre lines |
# | facilities | OSM features classified by the catalogue's `osm_tags` | OSM, or an Amap/Baidu POI export classified by `poi_types` (convert GCJ-02/BD-09 coordinates first) |
# | population | estimated from OSM residential buildings | a WorldPop / census grid (`population_from_raster`) or residents per building or compound |
# | units | a 1 km grid | your streets (街道) and townships (乡镇) |
# | teams | a three-row registry typed in here | your team registry (CSV/Excel) |
#
# Map data © OpenStreetMap contributors, ODbL 1.0.
#
# **Run it**: from the repository root, `.venv/bin/jupyter lab notebooks/` (or any Jupyter with the
# `planner-gis` package installed). Outputs go to an `out/` folder next to where the kernel runs;
# nothing is written into the package's data.

# %%
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
# ## 1 · Walking network from the extract
#
# `read_network` reads the walkable ways of an `.osm.pbf` with pyrosm. Outside China the CRS
# policy picks the UTM zone of the data (in China: the CGCS2000 Gauss-Krüger zone). Ways are
# connected where they share an OSM node, exactly as mapped.

# %%
net = network.read_network(pbf)
print(net)
print(f"{net.edge_length.sum() / 1000:,.1f} km of walkable ways; {net.n_components} connected pieces")
sizes = np.bincount(net.component)
print("nodes per piece:", sorted(sizes.tolist(), reverse=True))

# %% [markdown]
# Small disconnected pieces are common in extracts (a path cut by the extract's edge, a
# footway not joined to the street). A resident who snaps to one reaches only what is on
# it. `read_network(..., drop_disconnected=True)` keeps the largest piece only; here we keep
# them all and let the coverage show it.
#
# ## 2 · Facilities from OSM tags
#
# `osm_facilities` asks pyrosm for the features the catalogue's `osm_tags` mention and
# classifies them (`amenity=kindergarten` → `kindergarten`, `shop=supermarket` →
# `convenience_store`, parks by area, ...).

# %% tags=["osm-facilities"]
cat = catalogue.load_catalogue()
facilities = catalogue.osm_facilities(pbf, cat)
facilities

# %% [markdown]
# A small extract has few facilities: the categories without any are listed by the coverage
# step and simply have no residents covered. Amap/Baidu POIs are classified from their type
# strings instead:

# %%
catalogue.classify_poi_types(["科教文化服务;学校;幼儿园", "医疗保健服务;诊所;诊所", "餐饮服务;中餐厅"]).tolist()

# %%
access = catalogue.facility_access_points(facilities, cat, id_column="osm_id", metric_crs=net.crs)
access.groupby(["category", "facility_id", "access"]).size().rename("access points").to_frame()

# %% [markdown]
# ## 3 · Population from residential buildings
#
# With no population grid for this place, we estimate residents per building from the OSM
# buildings of the extract: residential buildings (and untyped ones inside residential
# land use), floor area = footprint × levels (1 level when untagged), 40 m² of floor area per
# resident. This is a rough, documented assumption; with a census or WorldPop grid use
# `reach.population_from_raster` instead.

# %%
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

# %% [markdown]
# ## 4 · Units and teams
#
# The extract has no administrative units, so we cut its area into a 1 km grid and validate it
# with `read_zones` like any unit layer. A three-row registry stands in for the team
# registry: one cell is left without a team on purpose.

# %% tags=["grid-audit"]
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

# %% [markdown]
# ## 5 · Coverage

# %% tags=["osm-coverage"]
teams = planner_gis.active_unit_teams(registry, "2026-06-30")
result = reach.compute_coverage(net, access, population, units, cat, teams=teams)
print("categories without facilities:", result.summary["categories_without_facilities"])
print("unreachable:", result.summary["unreachable_origins"], "buildings,",
      result.summary["unreachable_facilities"], "facility access points")
with_fac = sorted(set(access["category"]))
shares = result.coverage.pivot(index="unit_id", columns="category", values="share")[with_fac]
shares.round(2)

# %%
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

# %% [markdown]
# ## 6 · Walking distance to the nearest kindergarten, and isochrones
#
# `result.origin_distance` holds each building's walking distance to the nearest facility of
# each category (`inf` beyond the category's distance unless `distance_limit=` is raised).
# Isochrones are drawn around the kindergartens.

# %%
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

# %% [markdown]
# ## 7 · Save and publish
#
# The outputs are the same as for the demo: tables, a GeoPackage for QGIS, and a
# self-contained web map carrying the OpenStreetMap attribution.

# %% tags=["osm-save"]
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

# %% [markdown]
# ## Checklist for your own city
#
# 1. **Network**: an `.osm.pbf` covering the district plus a margin of 1 km (people walk across
#    the boundary), or road centre lines whose lines share vertices at junctions. Check
#    `net.summary` and `net.n_components`.
# 2. **Facilities**: `osm_facilities(pbf)`, or your POI table classified with
#    `classify_poi_types(types, names=...)`. Amap/Baidu coordinates are GCJ-02/BD-09:
#    convert them with `planner_gis.convert_gdf(gdf, "gcj02", "wgs84")` before anything else.
# 3. **Population**: `population_from_raster("worldpop_100m.tif")` or a point/polygon layer
#    with a residents column (`population_from_points`).
# 4. **Units and teams**: `read_zones(...)` and `read_registry(...)` as in notebook 01.
# 5. Run `compute_coverage`, look at `summary` (unreachable points, categories without
#    facilities), then map with `webmap.reach_map` (notebook 03).
#
# The command line does all of it in one go: `planner-gis reach --network city.osm.pbf
# --facilities city.osm.pbf --population pop.tif --zones streets.gpkg --teams teams.xlsx --out out/`.
