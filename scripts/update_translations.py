#!/usr/bin/env python3
"""Keep the plugin's Qt translation files in step with its sources.

Every interface text of the plugin is written ``tr("...")`` (context
``planner_gis``). This script collects those texts from the plugin's Python
files, updates ``qgis_plugin/planner_gis_qgis/i18n/planner_gis_zh.ts`` (new
texts are added as unfinished, texts no longer used are dropped, translations
are kept) and compiles it to ``planner_gis_zh.qm`` with Qt's ``lrelease``
(Debian package qttools5-dev-tools). Standard library only. ::

    python3 scripts/update_translations.py            # update .ts, compile .qm
    python3 scripts/update_translations.py --check    # exit 1 if anything is missing or stale
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "qgis_plugin" / "planner_gis_qgis"
TS = PLUGIN / "i18n" / "planner_gis_zh.ts"
QM = TS.with_suffix(".qm")
CONTEXT = "planner_gis"
LANGUAGE = "zh_CN"


def source_texts(plugin: Path = PLUGIN) -> list:
    """The literal texts passed to ``tr()``, ``self.tr()`` or ``alg.tr()`` in the plugin, in file order."""
    texts: list = []
    for path in sorted(plugin.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args]
        calls.sort(key=lambda n: (n.lineno, n.col_offset))
        for call in calls:
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            arg = call.args[0]
            if name == "tr" and isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in texts:
                texts.append(arg.value)
    return texts


def read_ts(path: Path = TS) -> dict:
    """``{source: translation}`` of the finished messages of a .ts file ({} if there is none)."""
    if not path.exists():
        return {}
    out = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is not None and translation.get("type") not in ("unfinished", "obsolete") and translation.text:
            out[source] = translation.text
    return out


def ts_text(texts: list, translations: dict) -> str:
    """The .ts XML for ``texts`` with the known ``translations``."""
    root = ET.Element("TS", version="2.1", language=LANGUAGE)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for text in texts:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = text
        translation = ET.SubElement(message, "translation")
        if text in translations:
            translation.text = translations[text]
        else:
            translation.set("type", "unfinished")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode") + "\n"


def lrelease(ts: Path, qm: Path) -> None:
    """Compile ``ts`` to ``qm`` with Qt's lrelease."""
    exe = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if exe is None:
        raise SystemExit("update_translations: lrelease not found. Fix: apt-get install qttools5-dev-tools")
    subprocess.run([exe, "-silent", str(ts), "-qm", str(qm)], check=True)


def check() -> list:
    """What is out of step: texts without translation, a stale .ts or .qm."""
    problems = []
    texts = source_texts()
    translations = read_ts()
    missing = [t for t in texts if t not in translations]
    if missing:
        problems.append(f"{len(missing)} text(s) without a Chinese translation, e.g. {missing[0]!r}")
    if not TS.exists() or TS.read_text(encoding="utf-8") != ts_text(texts, translations):
        problems.append(f"{TS.relative_to(ROOT)} is not up to date with the sources")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.qm"
        if TS.exists():
            lrelease(TS, fresh)
            if not QM.exists() or QM.read_bytes() != fresh.read_bytes():
                problems.append(f"{QM.relative_to(ROOT)} is not compiled from the .ts")
    return problems


def main(argv=None) -> int:
    """Update (or check) the .ts and .qm files."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="report what is out of step; change nothing")
    args = p.parse_args(argv)
    if args.check:
        problems = check()
        for line in problems:
            print(f"update_translations: {line}. Fix: python3 scripts/update_translations.py, then translate")
        return 1 if problems else 0
    texts = source_texts()
    translations = read_ts()
    TS.parent.mkdir(parents=True, exist_ok=True)
    TS.write_text(ts_text(texts, translations), encoding="utf-8")
    lrelease(TS, QM)
    missing = [t for t in texts if t not in translations]
    print(f"{TS.relative_to(ROOT)}: {len(texts)} texts, {len(missing)} without translation; {QM.name} compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
