"""Reading the result folders a report is made from.

``--reach DIR`` (required: ``coverage.csv``, ``reach.gpkg``, ``reach.json`` of
``planner-gis reach``), and optionally ``--audit DIR`` (``planner-gis audit``),
``--evaluation DIR`` (``planner-gis evaluate``) and ``--suggest DIR``
(``planner-gis suggest``). Every problem is an
:class:`~planner_gis.errors.InputError` naming the option, the folder and the fix.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from ..constants import PathLike
from ..errors import InputError

#: Files each input folder must hold, by option.
REQUIRED = {
    "reach": ("coverage.csv", "reach.gpkg", "reach.json"),
    "audit": ("findings.csv", "workload.csv", "audit.gpkg", "audit.json"),
    "evaluation": ("compliance.csv", "record_findings.csv", "evaluation.gpkg", "evaluation.json"),
    "suggest": ("sites.csv", "suggest.json"),
}
#: Columns the report reads from each CSV.
COLUMNS = {
    "coverage.csv": ("unit_id", "category", "tier_min", "threshold_m", "population", "covered_population"),
    "findings.csv": ("kind", "severity", "unit_id", "team_id", "message"),
    "workload.csv": ("team_id", "n_units", "area_km2"),
    "compliance.csv": ("team_id", "unit_id", "person_id", "year", "rule_id", "value", "required", "passed", "message"),
    "record_findings.csv": ("kind", "record_id", "team_id", "unit_id", "message"),
    "fees.csv": ("team_id", "unit_id", "year", "annual_fee", "deduction_share", "deduction"),
    "sites.csv": ("rank", "candidate_id", "unit_id", "team_id", "x", "y", "gain_population", "cumulative_share"),
}
_MAKER = {"reach": "planner-gis reach", "audit": "planner-gis audit", "evaluation": "planner-gis evaluate",
          "suggest": "planner-gis suggest"}


@dataclasses.dataclass
class ReportInputs:
    """The tables and layers of the result folders (``None`` where a folder was not given)."""

    coverage: pd.DataFrame
    units: gpd.GeoDataFrame  #: one polygon per unit: unit_id, name, geometry (the reach's metric CRS)
    underserved: gpd.GeoDataFrame  #: unit_id, category, population, team_id, team_name, geometry
    reach_info: dict
    audit_units: pd.DataFrame | None = None
    findings: pd.DataFrame | None = None
    workload: pd.DataFrame | None = None
    audit_info: dict | None = None
    compliance: pd.DataFrame | None = None
    fees: pd.DataFrame | None = None
    record_findings: pd.DataFrame | None = None
    evaluation_units: pd.DataFrame | None = None
    evaluation_info: dict | None = None
    sites: gpd.GeoDataFrame | None = None
    suggest_info: dict | None = None
    folders: dict = dataclasses.field(default_factory=dict)
    category_names: dict = dataclasses.field(default_factory=dict)  #: category -> Chinese name


def _folder(path: PathLike | None, option: str) -> Path | None:
    """Check that a result folder exists and holds the files of its command."""
    if path is None:
        return None
    d = Path(path)
    fix = f"give the --out folder of {_MAKER[option]} (it holds {', '.join(REQUIRED[option])})"
    if not d.is_dir():
        raise InputError(f"--{option} {d}: no such folder", fix=fix)
    missing = [f for f in REQUIRED[option] if not (d / f).is_file()]
    if missing:
        raise InputError(f"--{option} {d}: no {', '.join(missing)}", fix=fix)
    return d


def _csv(path: Path, option: str) -> pd.DataFrame:
    """A result CSV as strings-and-numbers, with its columns checked."""
    try:
        df = pd.read_csv(path, dtype={"unit_id": str, "team_id": str, "person_id": str, "record_id": str,
                                      "candidate_id": str}, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"--{option} {path}: not a readable CSV ({str(exc).splitlines()[0]})",
                         fix=f"write the folder again with {_MAKER[option]}") from None
    missing = [c for c in COLUMNS.get(path.name, ()) if c not in df.columns]
    if missing:
        raise InputError(f"--{option} {path}: no column {', '.join(missing)}",
                         fix=f"give a file written by {_MAKER[option]} (columns {', '.join(COLUMNS[path.name])})")
    for col in ("unit_id", "team_id", "person_id"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    return df


def _json(path: Path, option: str) -> dict:
    """A result JSON file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"--{option} {path}: not valid JSON ({exc})",
                         fix=f"write the folder again with {_MAKER[option]}") from None


def _layer(path: Path, layer: str, option: str, geometry: bool = True):
    """One layer of a result GeoPackage."""
    try:
        return pyogrio.read_dataframe(path, layer=layer, read_geometry=geometry)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"--{option} {path}: no layer {layer} ({str(exc).splitlines()[0]})",
                         fix=f"write the folder again with {_MAKER[option]}") from None


def _reach(d: Path) -> dict:
    """coverage, units and underserved of a reach folder."""
    coverage = _csv(d / "coverage.csv", "reach")
    if coverage.empty:
        raise InputError(f"--reach {d / 'coverage.csv'}: no rows", fix="run planner-gis reach on units with residents")
    cov_layer = _layer(d / "reach.gpkg", "coverage", "reach")
    if cov_layer.crs is None or not cov_layer.crs.is_projected:
        raise InputError(f"--reach {d / 'reach.gpkg'}: layer coverage has no metric CRS",
                         fix="write the folder again with planner-gis reach")
    first = cov_layer["category"].iloc[0]
    units = cov_layer[cov_layer["category"] == first][["unit_id", "name", "geometry"]].copy()
    units["unit_id"] = units["unit_id"].astype(str)
    under = _layer(d / "reach.gpkg", "underserved", "reach").to_crs(cov_layer.crs)
    under["unit_id"] = under["unit_id"].astype(str)
    names = dict(zip(cov_layer["category"], cov_layer.get("category_zh", cov_layer["category"])))
    return {"coverage": coverage, "units": units.reset_index(drop=True), "underserved": under,
            "reach_info": _json(d / "reach.json", "reach"), "category_names": names}


def _sites(d: Path, crs) -> dict:
    """sites.csv as points in the reach's CRS (x, y are in the CRS named in suggest.json)."""
    info = _json(d / "suggest.json", "suggest")
    sites = _csv(d / "sites.csv", "suggest")
    src = info.get("crs_wkt") or str(info.get("crs", "")).split(" ")[0]
    try:
        pts = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["x"], sites["y"]), crs=src).to_crs(crs)
    except Exception as exc:  # noqa: BLE001 - pyproj raises several types for a bad CRS
        raise InputError(f"--suggest {d / 'suggest.json'}: unusable crs ({exc})",
                         fix="write the folder again with planner-gis suggest") from None
    return {"sites": pts, "suggest_info": info}


def read_inputs(reach: PathLike, audit: PathLike | None = None, evaluation: PathLike | None = None,
                suggest: PathLike | None = None) -> ReportInputs:
    """Read the result folders of a report; only ``reach`` is required."""
    dirs = {k: _folder(v, k) for k, v in
            (("reach", reach), ("audit", audit), ("evaluation", evaluation), ("suggest", suggest))}
    data = _reach(dirs["reach"])
    crs = data["units"].crs
    if dirs["audit"] is not None:
        a = dirs["audit"]
        data.update(findings=_csv(a / "findings.csv", "audit"), workload=_csv(a / "workload.csv", "audit"),
                    audit_units=_layer(a / "audit.gpkg", "units", "audit", geometry=False),
                    audit_info=_json(a / "audit.json", "audit"))
        data["audit_units"]["unit_id"] = data["audit_units"]["unit_id"].astype(str)
    if dirs["evaluation"] is not None:
        e = dirs["evaluation"]
        data.update(compliance=_csv(e / "compliance.csv", "evaluation"),
                    record_findings=_csv(e / "record_findings.csv", "evaluation"),
                    evaluation_units=_layer(e / "evaluation.gpkg", "units", "evaluation", geometry=False),
                    evaluation_info=_json(e / "evaluation.json", "evaluation"),
                    fees=_csv(e / "fees.csv", "evaluation") if (e / "fees.csv").is_file() else None)
        data["evaluation_units"]["unit_id"] = data["evaluation_units"]["unit_id"].astype(str)
    if dirs["suggest"] is not None:
        data.update(_sites(dirs["suggest"], crs))
    return ReportInputs(**data, folders={k: str(v) for k, v in dirs.items() if v is not None})
