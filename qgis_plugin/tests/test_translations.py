"""Chinese and English interface text: every text has a translation, the .qm is compiled, QGIS's locale is followed."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import REPO


def _script():
    spec = importlib.util.spec_from_file_location("update_translations", REPO / "scripts" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_text_is_translated_and_the_qm_is_current():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "update_translations.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    texts = _script().source_texts()
    assert len(texts) > 100 and "Run audit" in texts and "Walking isochrones" in texts


def test_chinese_interface_follows_the_locale(qgis_iface):
    from planner_gis_qgis import i18n
    from planner_gis_qgis.i18n import tr

    try:
        assert i18n.install("zh_CN").endswith("planner_gis_zh.qm")
        assert tr("Run audit") == "运行覆盖审查" and tr("Isochrones") == "等时圈"
        from planner_gis_qgis.algorithms.reach import ReachAlgorithm

        assert ReachAlgorithm().displayName() == "生活圈可达性（5/10/15 分钟）"
        help_text = ReachAlgorithm().shortHelpString()
        assert "GB 50180-2018" in help_text and "居民比例" in help_text
    finally:
        i18n.remove()
    assert tr("Run audit") == "Run audit"
    assert i18n.install("en_US") is None  # English is the source text


def test_chinese_dock_tabs_fit(qgis_iface, provider):
    from planner_gis_qgis import i18n
    from planner_gis_qgis.dock import PlannerGisDock

    i18n.install("zh")
    try:
        dock = PlannerGisDock(qgis_iface, qgis_iface.mainWindow())
        titles = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
        assert titles == ["覆盖审查", "生活圈", "等时圈", "情景分析"]
        dock.resize(360, 800)
        dock.show()
        bar = dock.tabs.tabBar()
        assert sum(bar.tabRect(i).width() for i in range(bar.count())) <= dock.tabs.width()
        assert dock.audit.run.text() == "运行覆盖审查"
        dock.deleteLater()
    finally:
        i18n.remove()
