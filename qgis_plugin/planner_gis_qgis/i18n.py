"""Interface language: Chinese or English, following QGIS's locale setting.

Every text of the dock and the algorithms goes through :func:`tr`, whose
context is ``planner_gis``; the translations are Qt translation files in
``i18n/`` (``planner_gis_zh.ts``, compiled to ``planner_gis_zh.qm`` with
``lrelease``; ``scripts/update_translations.py`` keeps the ``.ts`` in step
with the sources).
"""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

CONTEXT = "planner_gis"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
_installed: list = []


def tr(text: str) -> str:
    """The translation of ``text`` in the interface language (``text`` itself in English)."""
    return QCoreApplication.translate(CONTEXT, text)


def qgis_locale() -> str:
    """QGIS's interface language as a two-letter code (``zh``, ``en`` ...).

    QGIS keeps the language of its interface in the setting ``locale/userLocale``
    (from ``--lang``, from Settings > Options > General, or the system's), so
    plugins follow the same language as QGIS itself.
    """
    from qgis.core import QgsApplication, QgsSettings

    value = str(QgsSettings().value("locale/userLocale", "") or "")
    if not value:
        value = QgsApplication.locale()
    return (value or "en")[:2].lower()


def install(locale: str | None = None) -> str | None:
    """Load the translation for ``locale`` (default: QGIS's); returns the .qm file used, if any."""
    remove()
    code = (locale or qgis_locale())[:2].lower()
    path = I18N_DIR / f"planner_gis_{code}.qm"
    if not path.exists():
        return None
    translator = QTranslator()
    if not translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return str(path)


def remove() -> None:
    """Unload the translation (plugin unload)."""
    while _installed:
        QCoreApplication.removeTranslator(_installed.pop())
