"""Candidate sites: a point/polygon layer reached like facilities, or points every M metres along the network.

* a point layer: each point is a candidate;
* a polygon layer (vacant plots, public buildings): reached at its entrances
  where given, else at points along its boundary, exactly as parks are
  (:func:`planner_gis.facilities.facility_access_points`);
* ``"every:M"``: points every ``M`` metres of walking network (one per ``M``
  metres of street, the first ``M/2`` along), kept where they lie inside the
  chosen units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..facilities import facility_access_points
from ..network import WalkNetwork

#: ``--candidates every:M``.
EVERY_PATTERN = re.compile(r"^every:(\d+(?:\.\d+)?)$")
#: Candidate id columns used when none is named, in this order.
ID_COLUMNS = ("candidate_id", "site_id", "id", "fac_id")


@dataclass
class Candidates:
    """Candidate sites and their access points (metric CRS).

    Attributes
    ----------
    ids : ndarray of str
        Candidate ids (one per candidate).
    xy : ndarray, shape (n, 2)
        Where each candidate is drawn and reported (its point, or a point on its polygon).
    point_xy : ndarray, shape (m, 2)
        Access points.
    point_candidate : ndarray of int64
        Candidate index of each access point.
    source : str
        ``layer`` or ``every:M``.
    """

    ids: np.ndarray
    xy: np.ndarray
    point_xy: np.ndarray
    point_candidate: np.ndarray
    source: str

    def __len__(self) -> int:
        """Number of candidates."""
        return len(self.ids)


def parse_every(spec: Any) -> float | None:
    """The spacing of ``"every:M"`` (None for anything else).

    >>> parse_every("every:200"), parse_every("plots.gpkg")
    (200.0, None)
    """
    m = EVERY_PATTERN.match(str(spec).strip()) if isinstance(spec, str) else None
    if m is None:
        return None
    spacing = float(m.group(1))
    if spacing <= 0:
        raise InputError(f"--candidates {spec}: the spacing must be positive", fix="e.g. --candidates every:200")
    return spacing


def network_points(net: WalkNetwork, spacing: float, within: Any = None) -> np.ndarray:
    """Points every ``spacing`` metres of walking network, optionally only inside the polygon ``within``.

    Edges are walked in their order with a running distance, so there is one
    point per ``spacing`` metres of network; short edges are not skipped.

    >>> net = WalkNetwork(32650, np.array([[0.0, 0], [1000, 0]]), [0], [1])
    >>> network_points(net, 250)[:, 0].tolist()
    [125.0, 375.0, 625.0, 875.0]
    """
    if net.n_edges == 0:
        return np.zeros((0, 2))
    length = net.edge_length
    end = np.cumsum(length)
    s = np.arange(spacing / 2.0, float(end[-1]), spacing)
    e = np.minimum(np.searchsorted(end, s, side="right"), net.n_edges - 1)
    off = s - (end[e] - length[e])
    t = np.divide(off, length[e], out=np.zeros_like(off), where=length[e] > 0)
    a, b = net.node_xy[net.edge_u[e]], net.node_xy[net.edge_v[e]]
    xy = a + (b - a) * t[:, None]
    if within is not None:
        shapely.prepare(within)
        xy = xy[shapely.intersects_xy(within, xy[:, 0], xy[:, 1])]
    return xy


def every_candidates(net: WalkNetwork, spacing: float, within: Any = None) -> Candidates:
    """Candidates every ``spacing`` m along the network (ids ``E1``, ``E2``, ...)."""
    xy = network_points(net, spacing, within)
    ids = np.array([f"E{i + 1}" for i in range(len(xy))], dtype=object)
    return Candidates(ids, xy, xy, np.arange(len(xy), dtype=np.int64), f"every:{spacing:g}")


def _id_column(layer: gpd.GeoDataFrame, id_column: str | None, what: str) -> str | None:
    if id_column:
        if id_column not in layer.columns:
            raise InputError(f"{what}: no candidate id column '{id_column}'",
                             fix="name an existing column (CLI: --candidate-id), or leave it out")
        return id_column
    for col in ID_COLUMNS:
        if col in layer.columns and layer[col].notna().all() and layer[col].is_unique:
            return col
    return None


def layer_candidates(layer: gpd.GeoDataFrame, crs: Any, catalogue: pd.DataFrame, category: str,
                     entrances: gpd.GeoDataFrame | None = None, id_column: str | None = None,
                     what: str = "candidates") -> Candidates:
    """Candidates from a point or polygon layer, reached like facilities of ``category``.

    Ids come from ``id_column``, else the first complete and unique of
    :data:`ID_COLUMNS`, else the row number (1-based, as the user counts).
    """
    if len(layer) == 0:
        raise InputError(f"{what}: the candidate layer has no features", fix="check the file and layer")
    col = _id_column(layer, id_column, what)
    ids = (layer[col].astype(str) if col else pd.Series([str(i + 1) for i in range(len(layer))], index=layer.index))
    if ids.duplicated().any():
        raise InputError(f"{what}: candidate id {ids[ids.duplicated()].iloc[0]!r} appears twice",
                         fix="give every candidate its own id (CLI: --candidate-id)")
    tagged = gpd.GeoDataFrame({"category": category, "_cid": ids.to_numpy()}, geometry=layer.geometry.values,
                              crs=layer.crs)
    pts = facility_access_points(tagged, catalogue, entrances=entrances, id_column="_cid", nest=False,
                                 metric_crs=crs)
    order = {c: i for i, c in enumerate(ids.tolist())}
    pc = np.array([order[str(c)] for c in pts["facility_id"]], dtype=np.int64)
    pxy = shapely.get_coordinates(pts.geometry.to_numpy())
    geoms = tagged.to_crs(crs).geometry.to_numpy()
    rep = shapely.point_on_surface(geoms)
    xy = shapely.get_coordinates(rep)
    return Candidates(ids.to_numpy(dtype=object), xy, pxy, pc, "layer")


__all__ = ["Candidates", "parse_every", "network_points", "every_candidates", "layer_candidates", "ID_COLUMNS"]
