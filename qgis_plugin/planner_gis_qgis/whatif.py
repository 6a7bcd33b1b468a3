"""The dock's what-if tool: click to place a facility, drag to move one, see each unit's coverage change at once.

One ``planner-gis whatif REACH_DIR --serve`` process is kept alive for the
session of the tool (:class:`WhatIfSession`, a :class:`QProcess`): each click
sends one JSON request line and the answer (one JSON line, a few
milliseconds on a city) updates the table of units. The process is stopped
with the tool's Stop button, when the dock closes and when the plugin
unloads; it also ends by itself when its standard input closes (QGIS exits).
No GIS work happens here: the library computes every number.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
)
from qgis.gui import QgsFileWidget, QgsMapTool
from qgis.PyQt.QtCore import QObject, QProcess, QVariant, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from .i18n import tr

#: Pixels the mouse must move between press and release to count as a drag (move) rather than a click (add).
DRAG_PIXELS = 6
#: How close (pixels) a press must be to a facility to pick it up.
PICK_PIXELS = 12


class WhatIfSession(QObject):
    """A ``planner-gis whatif --serve`` process: JSON lines in, JSON lines out, answers in order."""

    ready = pyqtSignal(dict)
    answered = pyqtSignal(dict)
    failed = pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.process: QProcess | None = None
        self.info: dict | None = None
        self._buffer = b""
        self._pending: list[Callable[[dict], None] | None] = []
        self._stderr = b""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.NotRunning

    def start(self, command: list[str]) -> None:
        """Start the process (``command`` ends with ``whatif REACH_DIR --serve``)."""
        self.stop()
        self.info, self._buffer, self._pending, self._stderr = None, b"", [], b""
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._read)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._finished)
        self.process = process
        process.start(command[0], command[1:])

    def request(self, message: dict, on_answer: Callable[[dict], None] | None = None) -> bool:
        """Send one request; ``on_answer`` gets its answer (then :attr:`answered` is emitted)."""
        if not self.running or self.info is None:
            return False
        self._pending.append(on_answer)
        self.process.write((json.dumps(message) + "\n").encode("utf-8"))
        return True

    def stop(self) -> None:
        """Ask the process to quit, and end it if it does not within a second."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.finished.disconnect(self._finished)
        except TypeError:
            pass
        if process.state() != QProcess.NotRunning:
            process.write(b'{"op": "quit"}\n')
            process.closeWriteChannel()
            if not process.waitForFinished(1000):
                process.kill()
                process.waitForFinished(1000)
        process.deleteLater()
        self.info = None

    def _read(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput())
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                message = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if message.get("event") == "ready":
                self.info = message
                self.ready.emit(message)
                continue
            callback = self._pending.pop(0) if self._pending else None
            if callback is not None:
                callback(message)
            self.answered.emit(message)

    def _read_errors(self) -> None:
        if self.process is not None:
            self._stderr += bytes(self.process.readAllStandardError())

    def _finished(self, code: int, status) -> None:
        text = self._stderr.decode("utf-8", "replace").strip().splitlines()
        errors = [json.loads(t).get("message", t) if t.startswith("{") else t for t in text]
        errors = [e for e in errors if e]
        self.process, self.info = None, None
        self.failed.emit(errors[-1] if errors else tr("the what-if process stopped (exit status {code})").format(
            code=code))


class WhatIfMapTool(QgsMapTool):
    """Click: add a facility there. Press on a facility and drag: move it there."""

    def __init__(self, canvas, on_click: Callable, on_drag: Callable):
        super().__init__(canvas)
        self.on_click, self.on_drag = on_click, on_drag
        self._press = None

    def canvasPressEvent(self, event):  # noqa: N802
        self._press = (event.pos(), self.toMapCoordinates(event.pos()))

    def canvasReleaseEvent(self, event):  # noqa: N802
        if self._press is None:
            return
        pos, start = self._press
        self._press = None
        end = self.toMapCoordinates(event.pos())
        if (event.pos() - pos).manhattanLength() >= DRAG_PIXELS:
            self.on_drag(start, end, PICK_PIXELS * self.canvas().mapUnitsPerPixel())
        else:
            self.on_click(end)


class WhatIfTab(QWidget):
    """The What-if tab: the reach folder, the category, start/stop, the map tool, undo and the unit table."""

    def __init__(self, iface, command: Callable[[str], list | None], parent=None):
        super().__init__(parent)
        self.iface = iface
        self.command = command  # reach folder -> the command line, or None without an environment
        self.session = WhatIfSession(self)
        self.session.ready.connect(self._ready)
        self.session.failed.connect(self._failed)
        self.tool: WhatIfMapTool | None = None
        self.transform: QgsCoordinateTransform | None = None
        self.markers: QgsVectorLayer | None = None
        self.history: list = []
        self._build()

    def _build(self) -> None:
        form = QFormLayout(self)
        self.reach_dir = QgsFileWidget()
        self.reach_dir.setStorageMode(QgsFileWidget.GetDirectory)
        self.reach_dir.setToolTip(tr("A folder written by the reach with the what-if file (scenario.npz); the "
                                     "dock's reach runs write it"))
        form.addRow(tr("Reach result folder"), self.reach_dir)
        self.category = QComboBox()
        form.addRow(tr("Facility category"), self.category)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(tr("Start what-if"))
        self.start_button.setObjectName("planner_gis_whatif_start")
        self.tool_button = QPushButton(tr("Place or drag facilities"))
        self.tool_button.setObjectName("planner_gis_whatif_tool")
        self.tool_button.setCheckable(True)
        self.undo_button = QPushButton(tr("Undo"))
        self.undo_button.setObjectName("planner_gis_whatif_undo")
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.setObjectName("planner_gis_whatif_stop")
        for b in (self.start_button, self.tool_button, self.undo_button, self.stop_button):
            buttons.addWidget(b)
        form.addRow(buttons)
        self.state = QLabel(tr("not started"))
        self.state.setWordWrap(True)
        self.state.setObjectName("planner_gis_whatif_state")
        form.addRow(self.state)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("planner_gis_whatif_table")
        self.table.setHorizontalHeaderLabels([tr("Unit"), tr("Share before"), tr("Share after"),
                                              tr("Change (residents)")])
        form.addRow(self.table)
        self.start_button.clicked.connect(self.start)
        self.tool_button.toggled.connect(self._toggle_tool)
        self.undo_button.clicked.connect(self.undo)
        self.stop_button.clicked.connect(self.stop)
        self.category.currentTextChanged.connect(lambda _: self._show(self.last_diff))
        self.last_diff: list = []
        self._enable(False)

    def _enable(self, on: bool) -> None:
        for b in (self.tool_button, self.undo_button, self.stop_button):
            b.setEnabled(on)
        self.start_button.setEnabled(not on)

    # ------------------------------------------------------------------- session
    def start(self) -> bool:
        """Start the what-if process on the chosen reach folder."""
        folder = self.reach_dir.filePath().strip()
        command = self.command(folder) if folder else None
        if command is None:
            self.state.setText(tr("choose a reach result folder written with the what-if file (run the reach "
                                  "in this dock first)"))
            return False
        self.state.setText(tr("loading the scenario ..."))
        self.session.start(command)
        return True

    def _ready(self, info: dict) -> None:
        current = self.category.currentText()
        self.category.clear()
        self.category.addItems(info.get("categories", []))
        if current:
            self.category.setCurrentText(current)
        target = QgsCoordinateReferenceSystem(info.get("crs_wkt", ""))
        if info.get("epsg"):
            target = QgsCoordinateReferenceSystem(f"EPSG:{info['epsg']}")
        project = QgsProject.instance()
        self.transform = QgsCoordinateTransform(project.crs(), target, project)
        self.history, self.last_diff = [], []
        self._markers()
        self._enable(True)
        self.state.setText(tr("ready: {facilities} facilities, {units} units ({crs}). Click the map to place a "
                              "facility, drag one to move it.").format(**info))
        self.tool_button.setChecked(True)

    def _failed(self, message: str) -> None:
        self._enable(False)
        self.tool_button.setChecked(False)
        self.state.setText(message)

    def stop(self) -> None:
        """Stop the process and the map tool (the markers stay until the next start)."""
        self.tool_button.setChecked(False)
        self.session.stop()
        self._enable(False)
        self.state.setText(tr("stopped"))

    # ------------------------------------------------------------------- map
    def _toggle_tool(self, on: bool) -> None:
        canvas = self.iface.mapCanvas()
        if on:
            self.tool = WhatIfMapTool(canvas, self.add_at, self.move_from)
            canvas.setMapTool(self.tool)
        elif self.tool is not None:
            canvas.unsetMapTool(self.tool)
            self.tool = None

    def _to_scenario(self, point: QgsPointXY) -> QgsPointXY:
        return self.transform.transform(point) if self.transform is not None else point

    def add_at(self, point: QgsPointXY) -> bool:
        """Add a facility of the chosen category at ``point`` (map canvas coordinates)."""
        p = self._to_scenario(point)
        category = self.category.currentText()
        return self.session.request({"op": "add", "x": p.x(), "y": p.y(), "category": category},
                                    lambda a: self._applied(a, ("add", a.get("facility_id"), None, point)))

    def move_from(self, start: QgsPointXY, end: QgsPointXY, radius: float) -> bool:
        """Move the facility nearest to ``start`` (within ``radius`` map units) to ``end``."""
        s, e = self._to_scenario(start), self._to_scenario(end)
        r = s.distance(self._to_scenario(QgsPointXY(start.x() + radius, start.y())))  # the radius in metres

        def picked(answer: dict) -> None:
            fid = answer.get("facility_id")
            if not answer.get("ok") or not fid:
                self.state.setText(tr("no facility there to move: press on a facility and drag it"))
                return
            self.session.request({"op": "move", "facility_id": fid, "x": e.x(), "y": e.y()},
                                 lambda a: self._applied(a, ("move", fid, start, end)))

        return self.session.request({"op": "nearest", "x": s.x(), "y": s.y(), "radius": r}, picked)

    def undo(self) -> bool:
        """Take back the last change."""
        return self.session.request({"op": "undo"}, self._undone)

    # ------------------------------------------------------------------- answers
    def _applied(self, answer: dict, change: tuple) -> None:
        if not answer.get("ok"):
            self.state.setText(answer.get("error", ""))
            return
        self.history.append(change)
        op, fid, start, end = change
        if op == "add":
            self._add_marker(fid, end)
        else:
            self._move_marker(fid, end)
        self._answered(answer)

    def _undone(self, answer: dict) -> None:
        if not answer.get("ok"):
            self.state.setText(answer.get("error", ""))
            return
        if self.history:
            op, fid, start, end = self.history.pop()
            if op == "add":
                self._delete_marker(fid)
            else:
                self._move_marker(fid, start)
        self._answered(answer)

    def _answered(self, answer: dict) -> None:
        self.last_diff = answer.get("diff", [])
        self._show(self.last_diff)
        self.state.setText(tr("{op} {facility}: {ms} ms, {origins} origins searched again; {depth} change(s) to "
                              "undo").format(op=answer.get("op"), facility=answer.get("facility_id") or "",
                                             ms=answer.get("ms"), origins=answer.get("origins"),
                                             depth=answer.get("undo_depth")))

    def _show(self, diff: list) -> None:
        rows = [r for r in diff if r.get("category") == self.category.currentText()]
        rows.sort(key=lambda r: -abs(r.get("change") or 0))
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            before, after = r.get("share_before"), r.get("share_after")
            values = [str(r.get("unit_id")), "" if before is None else f"{before:.1%}",
                      "" if after is None else f"{after:.1%}", f"{r.get('change', 0):+.0f}"]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))

    # ------------------------------------------------------------------- markers
    def _markers(self) -> None:
        project = QgsProject.instance()
        if self.markers is not None and project.mapLayer(self.markers.id()) is not None:
            project.removeMapLayer(self.markers.id())
        layer = QgsVectorLayer(f"Point?crs={project.crs().authid() or 'EPSG:4326'}", tr("What-if facilities"),
                               "memory")
        layer.dataProvider().addAttributes([QgsField("facility_id", QVariant.String)])
        layer.updateFields()
        self.markers = project.addMapLayer(layer)

    def _add_marker(self, fid: str, point: QgsPointXY) -> None:
        if self.markers is None:
            return
        f = QgsFeature(self.markers.fields())
        f.setAttributes([fid])
        f.setGeometry(QgsGeometry.fromPointXY(point))
        self.markers.dataProvider().addFeatures([f])
        self.markers.triggerRepaint()

    def _marker_ids(self, fid: str) -> list:
        return [f.id() for f in self.markers.getFeatures() if f["facility_id"] == fid] if self.markers else []

    def _delete_marker(self, fid: str) -> None:
        ids = self._marker_ids(fid)
        if ids:
            self.markers.dataProvider().deleteFeatures(ids[-1:])
            self.markers.triggerRepaint()

    def _move_marker(self, fid: str, point: QgsPointXY) -> None:
        ids = self._marker_ids(fid)
        if ids:
            self.markers.dataProvider().changeGeometryValues({ids[-1]: QgsGeometry.fromPointXY(point)})
            self.markers.triggerRepaint()
        else:
            self._add_marker(fid, point)
