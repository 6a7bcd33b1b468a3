"""planner_gis:report through processing.run on the toy town, and its atlas print layout, against the library."""

from __future__ import annotations

import re
import subprocess

import pytest
from qgis.core import QgsProcessingException, QgsProject

from conftest import library


@pytest.fixture(scope="module")
def reach_folder(town, qgis_processing):
    import processing

    from conftest import ensure_provider

    ensure_provider()
    out = town["dir"] / "report_reach"
    processing.run("planner_gis:reach", {
        "NETWORK": town["street"], "FACILITIES": town["facilities"], "CATEGORY_FIELD": "category",
        "POPULATION_POINTS": town["population"], "POPULATION_FIELD": "residents",
        "ZONES": town["zones"], "ZONE_ID": "unit_id", "MAX_SNAP": 200.0, "REGISTRY": town["registry"],
        "AS_OF": "2026-06-30", "COVERAGE": "TEMPORARY_OUTPUT", "OUTPUT_FOLDER": str(out)})
    return out


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_report_documents_equal_the_library(reach_folder, provider, tmp_path):
    import processing

    out = tmp_path / "report"
    result = processing.run("planner_gis:report", {"REACH": str(reach_folder), "OUTPUT": str(out),
                                                   "FORMAT": 2, "DATE": "2026-03-31"})
    assert result["DISTRICT"] == str(out / "district.pdf") and "2 unit documents" in result["SUMMARY"]
    assert sorted(p.name for p in (out / "units").iterdir()) == ["A.html", "A.pdf", "B.html", "B.pdf"]
    # the same tables as the library's, for each unit: names and the kindergarten share
    lib = library("""
from planner_gis.report import read_inputs, indicator_table, load_profile
inputs = read_inputs(reach)
t = indicator_table(inputs.coverage, load_profile(), 2026)
kg = t[t.key == "kindergarten"].set_index("unit_id")["share"]
result = {"names": dict(zip(inputs.units.unit_id, inputs.units.name)), "kg": kg.to_dict()}
""", reach=str(reach_folder))
    for unit, name in lib["names"].items():
        text = pdftext(out / "units" / f"{unit}.pdf")
        assert name in text and "2026-03-31" in text
        line = next(row for row in text.splitlines() if "幼儿园步行5分钟覆盖率" in row)
        assert f"{lib['kg'][unit] * 100:.1f}%" in line
    assert "西组" in pdftext(out / "units" / "A.pdf")  # the team of the Chinese registry
    assert lib["kg"]["A"] == pytest.approx(15 / 35)


def test_atlas_layout_one_page_per_unit(reach_folder, provider, tmp_path):
    import processing

    from planner_gis_qgis.atlas import export_atlas_pdf

    project = QgsProject.instance()
    result = processing.run("planner_gis:report", {"REACH": str(reach_folder), "OUTPUT": str(tmp_path / "r"),
                                                   "UNITS": "A", "ATLAS": True})
    assert sorted(p.name for p in (tmp_path / "r" / "units").iterdir()) == ["A.pdf"]
    layout = project.layoutManager().layoutByName(result["LAYOUT"])
    assert layout is not None and layout.atlas().enabled()
    atlas = layout.atlas()
    assert atlas.coverageLayer().name() == "coverage" and atlas.updateFeatures() == 2
    assert {getattr(i, "id", str)() for i in layout.items()} >= {"title", "unit map", "page number", "notes", "date"}
    pdf = tmp_path / "atlas.pdf"
    assert export_atlas_pdf(layout, str(pdf))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info
    text = pdftext(pdf)
    pages = text.split("\f")
    assert "西街道 A" in pages[0] and "东街道 B" in pages[1] and re.search(r"1\s*/\s*2", pages[0])
    assert "审图号" in text
    # the per-unit table lists every category of the unit: A's kindergarten share 15/35
    assert "42.9%" in pages[0] and "0.0%" in pages[1]
    # every category and tier of the unit fits on its page: 15 categories and 3 tiers, each row ending in a share
    for page in pages[:2]:
        assert sum(line.rstrip().endswith("%") for line in page.splitlines()) == 18
    # running again replaces the layout rather than adding a second one
    processing.run("planner_gis:report", {"REACH": str(reach_folder), "OUTPUT": str(tmp_path / "r2"),
                                          "UNITS": "B", "ATLAS": True})
    names = [lay.name() for lay in project.layoutManager().printLayouts()]
    assert names.count(result["LAYOUT"]) == 1


def test_report_errors_are_the_command_message(reach_folder, provider, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException, match="--units X: no such unit.*Fix:"):
        processing.run("planner_gis:report", {"REACH": str(reach_folder), "OUTPUT": str(tmp_path / "r"),
                                              "UNITS": "X"})
    assert not (tmp_path / "r" / "district.pdf").exists()
