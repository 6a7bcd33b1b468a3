"""The scenario sidecar of a reach result (``scenario.npz``) and building a :class:`Scenario` from a reach.

``planner-gis reach ... --scenario`` writes ``DIR/scenario.npz`` next to the
reach outputs (the other outputs are unchanged). It is an uncompressed numpy
archive (read it with ``np.load(path, allow_pickle=False)``) holding what a
what-if needs and the reach outputs lack:

* ``format``: ``"planner-gis-scenario/1"``;
* the walking network: ``node_xy``, ``edge_u``, ``edge_v``, ``edge_length``,
  ``crs_wkt`` (as a saved network, :mod:`planner_gis.network.model`);
* the residents: ``origin_xy`` (metric CRS), ``weights``, and the (origin,
  unit) pairs ``member_origin``, ``member_unit`` with ``unit_ids``;
* the catalogue: ``cat_category``, ``cat_tier``, ``cat_threshold``, ``cat_name_zh``;
* the facility access points: ``point_xy``, ``point_facility``,
  ``point_category`` (the category served), ``point_facility_category``;
* ``max_snap``.

Distances are not stored: :class:`Scenario` recomputes them when loaded
(one bounded search per category, as the reach did).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .._atomic import atomic_path
from ..constants import PathLike
from ..errors import InputError
from ..network import WalkNetwork, points_xy
from ..reach.membership import zone_membership
from ..reach.population import population_weights
from .state import Scenario

#: ``format`` entry of scenario files.
FORMAT_TAG = "planner-gis-scenario/1"
#: File name of the sidecar inside a reach output folder.
SIDECAR = "scenario.npz"


def scenario_from_layers(net: WalkNetwork, access: gpd.GeoDataFrame, population: gpd.GeoDataFrame,
                         zones: gpd.GeoDataFrame, catalogue: pd.DataFrame, max_snap: float = 200.0) -> Scenario:
    """A :class:`Scenario` from the layers of a reach (as :func:`planner_gis.assess_living_circle` uses them).

    Parameters
    ----------
    net : WalkNetwork
    access : GeoDataFrame
        Access points (:func:`planner_gis.facility_access_points`, or
        ``LivingCircle.access``): ``facility_id``, ``category``, ``facility_category``.
    population : GeoDataFrame
        Origins with ``population``.
    zones : GeoDataFrame
        Units with ``unit_id``.
    catalogue : DataFrame
    max_snap : float
    """
    oxy = points_xy(population, net.crs, "population layer")
    weights = population_weights(population, "population")
    zm = zones.to_crs(net.crs).geometry if zones.crs is not None else zones.geometry
    p_idx, z_idx = zone_membership(oxy, zm)
    known = access[access["category"].isin(catalogue["category"])]
    pxy = shapely.get_coordinates(known.to_crs(net.crs).geometry.to_numpy()) if len(known) else np.zeros((0, 2))
    fcat = known["facility_category"] if "facility_category" in known else known["category"]
    return Scenario(net, oxy, weights, (p_idx, z_idx), zones["unit_id"].astype(str).tolist(), catalogue, pxy,
                    known["facility_id"].astype(str).tolist(), known["category"].astype(str).tolist(),
                    fcat.astype(str).tolist(), max_snap)


def save_scenario(sc: Scenario, path: PathLike) -> Path:
    """Write ``sc`` (its current facilities) as a scenario file, atomically."""
    p = Path(path)
    pts = sc.facilities()
    pairs = sc._units_of.tocoo()
    net = sc.net
    with atomic_path(p) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, format=np.array(FORMAT_TAG), node_xy=net.node_xy, edge_u=net.edge_u, edge_v=net.edge_v,
                     edge_length=net.edge_length, crs_wkt=np.array(net.crs.to_wkt()), origin_xy=sc.origin_xy,
                     weights=sc.weights, member_origin=pairs.row.astype(np.int64),
                     member_unit=pairs.col.astype(np.int64), unit_ids=np.array(sc.unit_ids.tolist(), dtype=str),
                     cat_category=sc.catalogue["category"].to_numpy(dtype=str),
                     cat_tier=sc.catalogue["tier_min"].to_numpy(dtype=np.int64),
                     cat_threshold=sc.catalogue["threshold_m"].to_numpy(dtype=np.float64),
                     cat_name_zh=sc.catalogue["name_zh"].astype(str).to_numpy(dtype=str),
                     point_xy=pts[["x", "y"]].to_numpy(dtype=np.float64).reshape(-1, 2),
                     point_facility=pts["facility_id"].astype(str).to_numpy(dtype=str),
                     point_category=pts["category"].astype(str).to_numpy(dtype=str),
                     point_facility_category=pts["facility_category"].astype(str).to_numpy(dtype=str),
                     max_snap=np.array(sc.max_snap))
    return p


def load_scenario(path: PathLike) -> Scenario:
    """Read a scenario file written by :func:`save_scenario` (or ``planner-gis reach --scenario``)."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            tag = str(z["format"]) if "format" in z else ""
            if tag != FORMAT_TAG:
                raise InputError(f"{p}: not a planner-gis scenario file (format {tag!r})",
                                 fix="write it with planner-gis reach --scenario")
            a = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{p}: cannot read the scenario file ({exc})",
                         fix="run planner-gis reach again with --scenario") from None
    net = WalkNetwork(CRS.from_wkt(str(a["crs_wkt"])), a["node_xy"], a["edge_u"], a["edge_v"], a["edge_length"])
    cat = pd.DataFrame({"category": a["cat_category"].astype(str), "tier_min": a["cat_tier"],
                        "threshold_m": a["cat_threshold"], "name_zh": a["cat_name_zh"].astype(str)})
    return Scenario(net, a["origin_xy"], a["weights"], (a["member_origin"], a["member_unit"]),
                    a["unit_ids"].astype(str).tolist(), cat, a["point_xy"], a["point_facility"].astype(str).tolist(),
                    a["point_category"].astype(str).tolist(), a["point_facility_category"].astype(str).tolist(),
                    float(a["max_snap"]))


def open_reach(reach_dir: PathLike) -> Scenario:
    """The :class:`Scenario` of a reach output folder (its ``scenario.npz``)."""
    d = Path(reach_dir)
    if not d.is_dir():
        raise InputError(f"{d} is not a reach output folder", fix="give the --out folder of planner-gis reach")
    f = d / SIDECAR
    if not f.exists():
        raise InputError(f"{d} has no {SIDECAR} (the reach ran without --scenario)",
                         fix="run planner-gis reach again with --scenario (the same inputs and --out)")
    return load_scenario(f)


__all__ = ["scenario_from_layers", "save_scenario", "load_scenario", "open_reach", "FORMAT_TAG", "SIDECAR"]
