"""One JSON request per line in, one JSON answer per line out: a what-if session for other programs.

``planner-gis whatif REACH_DIR --serve`` loads the scenario once, writes a
``ready`` line, then answers each request line on stdin with exactly one
line on stdout (the QGIS plugin keeps this process for the session of its
what-if tool). Requests (``id`` is optional and echoed back; coordinates are
in the reach's metric CRS unless ``"crs"`` names another, e.g. ``"EPSG:4326"``)::

    {"id": 1, "op": "add", "x": 441000, "y": 4410500, "category": "kindergarten"}
    {"id": 2, "op": "remove", "facility_id": "K17"}
    {"id": 3, "op": "move", "facility_id": "new-1", "x": 441050, "y": 4410500}
    {"op": "add_gate", "facility_id": "P3", "x": ..., "y": ...}
    {"op": "remove_gate", "facility_id": "P3", "gate": 0}
    {"op": "move_gate", "facility_id": "P3", "gate": 0, "x": ..., "y": ...}
    {"op": "nearest", "x": ..., "y": ..., "category": "kindergarten", "radius": 50}
    {"op": "undo"}   {"op": "reset"}   {"op": "state"}   {"op": "quit"}

Answers: ``{"id": 1, "ok": true, "op": "add", "facility_id": "new-1",
"ms": 4.2, "origins": 312, "changes": [...], "diff": [...], "undo_depth": 1}``
where ``changes`` are the rows (:data:`~planner_gis.scenario.DIFF_COLUMNS`)
this step changed and ``diff`` every row that now differs from the reach
result; errors are ``{"id": 1, "ok": false, "error": "...", "fix": "..."}``
(the session goes on).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any, TextIO

import pandas as pd

from ..crs import crs_label
from ..errors import InputError, PlannerGisError
from .state import Scenario

#: ``format`` of the ready line.
PROTOCOL = "planner-gis-whatif/1"


def _rows(df: pd.DataFrame) -> list:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else
                        (round(v, 6) if isinstance(v, float) else v)) for k, v in rec.items()})
    return out


class Session:
    """Requests (dicts) applied to a :class:`Scenario`; each answered with a dict."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self._transformers: dict = {}

    def ready(self) -> dict:
        """The first line: CRS, categories and counts."""
        crs = self.sc.net.crs
        return {"event": "ready", "format": PROTOCOL, "crs": crs_label(crs), "epsg": crs.to_epsg(),
                "crs_wkt": crs.to_wkt(), "categories": self.sc.catalogue["category"].tolist(),
                "units": len(self.sc.unit_ids), "facilities": int(self.sc.facilities()["facility_id"].nunique())}

    def _xy(self, req: dict) -> tuple[float, float]:
        try:
            x, y = float(req["x"]), float(req["y"])
        except (KeyError, TypeError, ValueError):
            raise InputError("the request needs numbers x and y", fix='e.g. {"op": "add", "x": 441000, '
                             '"y": 4410500, "category": "kindergarten"}') from None
        if req.get("crs"):
            from pyproj import Transformer

            key = str(req["crs"])
            if key not in self._transformers:
                self._transformers[key] = Transformer.from_crs(key, self.sc.net.crs, always_xy=True)
            x, y = self._transformers[key].transform(x, y)
        return x, y

    def _field(self, req: dict, name: str) -> Any:
        if name not in req:
            raise InputError(f"the {req.get('op')!r} request needs {name!r}", fix=f"add \"{name}\": ... to it")
        return req[name]

    def _step(self, req: dict) -> Any:
        op, sc = req.get("op"), self.sc
        if op == "add":
            return sc.add(*self._xy(req), str(self._field(req, "category")), req.get("facility_id"))
        if op == "remove":
            return sc.remove(self._field(req, "facility_id"))
        if op == "move":
            return sc.move(self._field(req, "facility_id"), *self._xy(req))
        if op == "add_gate":
            return sc.add_gate(self._field(req, "facility_id"), *self._xy(req))
        if op == "remove_gate":
            return sc.remove_gate(self._field(req, "facility_id"), int(self._field(req, "gate")))
        if op == "move_gate":
            return sc.move_gate(self._field(req, "facility_id"), int(self._field(req, "gate")), *self._xy(req))
        if op == "undo":
            return sc.undo()
        raise InputError(f"unknown op {op!r}", fix="use add, remove, move, add_gate, remove_gate, move_gate, "
                         "nearest, undo, reset, state or quit")

    def handle(self, req: dict) -> dict:
        """Apply one request; the answer (never raises for bad requests)."""
        t0 = time.perf_counter()
        base = {"id": req.get("id"), "op": req.get("op")}
        try:
            op = req.get("op")
            if op == "nearest":
                x, y = self._xy(req)
                fid = self.sc.nearest_facility(x, y, req.get("category"), float(req.get("radius", math.inf)))
                return {**base, "ok": True, "facility_id": fid}
            if op in ("state", "reset"):
                if op == "reset":
                    self.sc.reset()
                return {**base, "ok": True, "diff": _rows(self.sc.difference(only_changed=True)),
                        "undo_depth": len(self.sc.history)}
            step = self._step(req)
            return {**base, "ok": True, "facility_id": step.facility_id, "origins": step.origins,
                    "ms": round(1000 * (time.perf_counter() - t0), 2), "changes": _rows(step.changes),
                    "diff": _rows(self.sc.difference(only_changed=True)), "undo_depth": len(self.sc.history)}
        except PlannerGisError as exc:
            return {**base, "ok": False, "error": str(exc), "problem": exc.problem, "fix": exc.fix}
        except (TypeError, ValueError) as exc:
            return {**base, "ok": False, "error": f"bad request: {exc}", "problem": str(exc),
                    "fix": "see planner-gis whatif --help for the request forms"}


def serve(scenario: Scenario, stdin: TextIO, stdout: TextIO) -> int:
    """Answer requests from ``stdin`` until ``quit`` or end of input; returns the number handled."""
    session = Session(scenario)
    stdout.write(json.dumps(session.ready(), ensure_ascii=False) + "\n")
    stdout.flush()
    n = 0
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            answer = {"id": None, "ok": False, "error": f"not a JSON object: {exc}", "problem": str(exc),
                      "fix": 'send one JSON object per line, e.g. {"op": "undo"}'}
        else:
            if req.get("op") == "quit":
                stdout.write(json.dumps({"id": req.get("id"), "ok": True, "op": "quit"}) + "\n")
                stdout.flush()
                break
            answer = session.handle(req)
        stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        stdout.flush()
        n += 1
    return n


__all__ = ["Session", "serve", "PROTOCOL"]
