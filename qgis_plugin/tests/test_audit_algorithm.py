"""planner_gis:audit through processing.run equals planner_gis.audit.audit on the demo data."""

from __future__ import annotations

import collections
import math

import pytest
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

AS_OF = "2026-06-30"
ALGORITHMS = {"planner_gis:audit", "planner_gis:reach", "planner_gis:isochrones", "planner_gis:webmap"}


def _rows(path: str) -> list:
    layer = QgsVectorLayer(path, "out", "ogr")
    assert layer.isValid(), path
    names = [f.name() for f in layer.fields()]
    out = []
    for feature in layer.getFeatures():
        row = {n: (None if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
               for n, v in zip(names, feature.attributes())}
        geom = feature.geometry()
        row["_area"] = None if geom.isNull() else geom.area()
        out.append(row)
    return out, layer


@pytest.fixture(scope="module")
def demo():
    from planner_gis import datasets

    return {
        "units": str(datasets.demo_units_path()),
        "registry": str(datasets.demo_registry_path()),
        "outline": str(datasets.demo_outline_path()),
    }


@pytest.fixture(scope="module")
def library_result(demo):
    from planner_gis.audit import audit

    return audit(demo["units"], demo["registry"], as_of=AS_OF, outline=demo["outline"])


def test_provider_lists_all_algorithms(provider):
    ids = {alg.id() for alg in provider.algorithms()}
    assert ids == ALGORITHMS
    for alg in provider.algorithms():
        assert alg.displayName() and alg.shortHelpString()
        # standard parameter types only: every parameter has a Processing type string
        for p in alg.parameterDefinitions():
            assert p.type() in {"source", "sink", "field", "file", "datetime", "number", "crs", "string",
                                "raster", "fileDestination"}, (alg.id(), p.name(), p.type())


def test_audit_matches_library(provider, demo, library_result, tmp_path):
    import processing

    feedback = QgsProcessingFeedback()
    progress = []
    feedback.progressChanged.connect(progress.append)
    results = processing.run("planner_gis:audit", {
        "ZONES": demo["units"], "REGISTRY": demo["registry"], "AS_OF": AS_OF, "OUTLINE": demo["outline"],
        "UNITS": str(tmp_path / "units.gpkg"), "FINDINGS": str(tmp_path / "findings.gpkg"),
        "WORKLOAD": str(tmp_path / "workload.csv"),
    }, feedback=feedback)
    lib = library_result

    units, layer = _rows(results["UNITS"])
    assert layer.crs().authid() == f"EPSG:{lib.crs.to_epsg()}"
    assert len(units) == len(lib.units) == 24
    expected = lib.units.set_index("unit_id")
    for row in units:
        exp = expected.loc[row["unit_id"]]
        for col in ("name", "unit_type", "level", "status", "team_ids", "team_names", "roles", "org_types",
                    "contract_end"):
            assert (row[col] or "") == (exp[col] or ""), (row["unit_id"], col)
        assert row["volunteers"] == int(exp["volunteers"])
        assert math.isclose(row["area_km2"], float(exp["area_km2"]), rel_tol=1e-9)
        # geometry went through unchanged: area in the metric CRS equals the library's
        assert math.isclose(row["_area"], exp.geometry.area, rel_tol=1e-9)

    findings, flayer = _rows(results["FINDINGS"])
    got = collections.Counter((f["kind"], f["severity"], f["unit_id"], f["team_id"], f["message"]) for f in findings)
    want = collections.Counter(tuple(r) for r in lib.findings[["kind", "severity", "unit_id", "team_id", "message"]]
                               .itertuples(index=False))
    assert got == want and len(findings) > 0
    assert results["ERRORS"] == int((lib.findings["severity"] == "error").sum())
    assert results["WARNINGS"] == int((lib.findings["severity"] == "warning").sum())

    workload, _ = _rows(results["WORKLOAD"])
    assert sorted(w["team_id"] for w in workload) == sorted(lib.workload["team_id"])
    n_units = {w["team_id"]: int(w["n_units"]) for w in workload}
    assert n_units == dict(zip(lib.workload["team_id"], lib.workload["n_units"].astype(int)))

    assert progress and progress[-1] == pytest.approx(100.0)


def test_audit_from_project_layer(provider, demo, library_result, tmp_path, qgis_new_project):
    """A layer of the project (by id) gives the same statuses as the file."""
    import processing

    layer = QgsVectorLayer(demo["units"], "units", "ogr")
    QgsProject.instance().addMapLayer(layer)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    results = processing.run("planner_gis:audit", {
        "ZONES": layer.id(), "ZONE_ID": "unit_id", "REGISTRY": demo["registry"], "AS_OF": AS_OF,
        "EXPIRING_DAYS": 90, "MAX_UNITS": 3, "MIN_AREA": 100.0,
        "UNITS": "TEMPORARY_OUTPUT", "FINDINGS": "TEMPORARY_OUTPUT",
    }, context=context)
    out = results["UNITS"]
    out = out if isinstance(out, QgsVectorLayer) else context.getMapLayer(out)
    status = {f["unit_id"]: f["status"] for f in out.getFeatures()}
    assert status == dict(zip(library_result.units["unit_id"], library_result.units["status"]))


def test_library_error_becomes_processing_exception(provider, demo, tmp_path):
    import processing
    from planner_gis.audit import audit
    from planner_gis.errors import PlannerGisError

    bad = tmp_path / "registry.csv"
    bad.write_text("team_id,unit_id,role,start_date,end_date\nT1,110106001,unit,2025-13-45,2026-01-01\n",
                   encoding="utf-8")
    with pytest.raises(PlannerGisError) as lib_err:
        audit(demo["units"], str(bad), as_of=AS_OF)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:audit", {
            "ZONES": demo["units"], "REGISTRY": str(bad), "AS_OF": AS_OF,
            "UNITS": "TEMPORARY_OUTPUT", "FINDINGS": "TEMPORARY_OUTPUT",
        })
    assert str(lib_err.value) in str(err.value)
    assert "Traceback" not in str(err.value)
    assert not (tmp_path / "units.gpkg").exists()


def test_cancel_stops_the_algorithm(provider, demo):
    import processing

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException) as err:
        processing.run("planner_gis:audit", {
            "ZONES": demo["units"], "REGISTRY": demo["registry"], "AS_OF": AS_OF,
            "UNITS": "TEMPORARY_OUTPUT", "FINDINGS": "TEMPORARY_OUTPUT",
        }, feedback=feedback)
    assert "cancelled" in str(err.value)


def test_feedback_progress_callback_drives_feedback_and_cancels():
    from planner_gis.errors import Cancelled
    from planner_gis_qgis.algorithms.base import feedback_progress

    class Recording(QgsProcessingFeedback):
        def setProgressText(self, text):  # noqa: N802
            texts.append(text)
            super().setProgressText(text)

    texts = []
    feedback = Recording()
    cb = feedback_progress(feedback, 20.0, 60.0)
    cb(0.5, "half way")
    assert feedback.progress() == pytest.approx(40.0)
    cb(2.0, "half way")  # clamped, same text not repeated
    assert feedback.progress() == pytest.approx(60.0)
    assert texts == ["half way"]
    feedback.cancel()
    with pytest.raises(Cancelled):
        cb(0.7, "more")


def test_audit_on_selected_features_only(provider, demo, tmp_path, qgis_new_project):
    """Processing's "selected features only" reaches the library as the subset of units."""
    import processing
    from planner_gis.audit import audit
    from planner_gis.io import read_vector
    from qgis.core import QgsProcessingFeatureSourceDefinition

    layer = QgsVectorLayer(demo["units"], "units", "ogr")
    QgsProject.instance().addMapLayer(layer)
    ids = sorted(f["unit_id"] for f in layer.getFeatures())[:5]
    layer.selectByIds([f.id() for f in layer.getFeatures() if f["unit_id"] in ids])
    results = processing.run("planner_gis:audit", {
        "ZONES": QgsProcessingFeatureSourceDefinition(layer.id(), True), "REGISTRY": demo["registry"],
        "AS_OF": AS_OF, "UNITS": str(tmp_path / "u.gpkg"), "FINDINGS": str(tmp_path / "f.gpkg")})
    units, _ = _rows(results["UNITS"])
    zones = read_vector(demo["units"])
    lib = audit(zones[zones["unit_id"].isin(ids)], demo["registry"], as_of=AS_OF)
    assert sorted(u["unit_id"] for u in units) == ids
    assert {u["unit_id"]: u["status"] for u in units} == dict(zip(lib.units["unit_id"], lib.units["status"]))
    findings, _ = _rows(results["FINDINGS"])
    assert collections.Counter(f["kind"] for f in findings) == collections.Counter(lib.findings["kind"])
