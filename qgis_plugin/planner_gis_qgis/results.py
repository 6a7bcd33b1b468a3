"""Result layers in the project: grouped, named in Chinese and English, styled, zoomed to."""

from __future__ import annotations

import math
from collections.abc import Callable

from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from .i18n import qgis_locale

#: Bilingual names of the groups and layers the dock adds: key -> (中文, English).
NAMES = {
    "audit": ("覆盖审查", "Audit"),
    "reach": ("生活圈", "Reach"),
    "isochrones": ("等时圈", "Isochrones"),
    "demo": ("演示数据（合成）", "Demo data (synthetic)"),
    "demo_units": ("责任单元（示意）", "Responsibility units (schematic)"),
    "units": ("单元状态", "Units by status"),
    "findings": ("审查发现", "Findings"),
    "workload": ("团队工作量", "Workload per team"),
    "coverage": ("覆盖率", "Covered share"),
    "underserved": ("服务不足区域", "Underserved areas"),
    "unreachable": ("路网外的人口与设施", "Off the network"),
    "outline": ("区界", "District outline"),
    "network": ("步行路网", "Walking network"),
    "facilities": ("设施", "Facilities"),
    "entrances": ("公园出入口", "Park entrances"),
    "population": ("人口", "Population"),
    "evaluation": ("履职评估", "Evaluation"),
    "evaluation_units": ("单元评估", "Units by compliance"),
    "records": ("工作记录", "Work records"),
    "compliance": ("规则结果", "Rule results"),
    "record_findings": ("记录问题", "Record findings"),
}


def name(key: str, suffix: str = "") -> str:
    """``中文 English`` (or ``English 中文`` in an English interface), with an optional suffix."""
    zh, en = NAMES.get(key, (key, key))
    text = f"{zh} {en}" if qgis_locale() == "zh" else f"{en} {zh}"
    return f"{text} {suffix}".strip()


class ResultGroup:
    """A layer-tree group at the top of the project that result layers go into.

    Parameters
    ----------
    title : str
        The group's name.
    project : QgsProject, optional
    """

    def __init__(self, title: str, project: QgsProject | None = None):
        self.project = project or QgsProject.instance()
        self.group = self.project.layerTreeRoot().insertGroup(0, title)
        self.layers: list = []

    def add_vector(self, uri: str, title: str, style: Callable | None = None) -> QgsVectorLayer | None:
        """Load ``uri`` (``path`` or ``path|layername=x``) as a vector layer; None if it is not valid."""
        layer = QgsVectorLayer(uri, title, "ogr")
        if not layer.isValid():
            return None
        if style is not None:
            style(layer)
        return self._add(layer)

    def add_raster(self, path: str, title: str) -> QgsRasterLayer | None:
        """Load ``path`` as a raster layer; None if it is not valid."""
        layer = QgsRasterLayer(path, title)
        return self._add(layer) if layer.isValid() else None

    def _add(self, layer):
        self.project.addMapLayer(layer, False)
        self.group.addLayer(layer)  # in the order added: the first added is drawn on top
        self.layers.append(layer)
        return layer


def zoom_to(iface, layer) -> None:
    """Zoom the map canvas to ``layer`` (in the canvas CRS); a layer without a usable extent is left alone."""
    if iface is None or layer is None or not layer.isValid():
        return
    canvas = iface.mapCanvas()
    layer.updateExtents()
    extent = layer.extent()
    corners = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
    if extent.isNull() or extent.isEmpty() or not all(math.isfinite(v) for v in corners):
        return
    if layer.crs() != canvas.mapSettings().destinationCrs():
        transform = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        try:
            extent = transform.transformBoundingBox(extent)
        except QgsCsException:
            return
    extent.scale(1.05)
    canvas.setExtent(extent)
    canvas.refresh()
