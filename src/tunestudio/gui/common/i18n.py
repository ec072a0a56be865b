"""The window's language: Qt's own translation system. Every string the window shows goes
through `self.tr()` (in a QObject) or `translate(context, text)` (elsewhere); lupdate collects
them into `resources/i18n/tunestudio_<language>.ts` and lrelease compiles those into the `.qm`
files loaded here (`packaging/translations.py` does both; a test fails while they are stale).

Text made below the GUI (field help and advice, diagnoses, validation messages) is English
in `config/`, `engine/`, `search/` and `store/`, marked there with `tunestudio.messages.N_` so
that lupdate finds it too, and rendered here with `translate(context, text)`.

The language follows the system's locale unless the preferences name one; a change applies
when the app starts next (every widget reads its text once, when built)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from tunestudio import resources

_log = logging.getLogger(__name__)

Language = Literal["system", "en", "zh_CN"]
LANGUAGES: tuple[Language, ...] = ("system", "en", "zh_CN")
NATIVE_NAMES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
"""Each language by its own name, as a language menu shows it (never translated)."""

translate = QCoreApplication.translate
"""`translate(context, text, disambiguation=None, n=-1)`: the text in the window's language.
lupdate reads the context and text from each call, so both must be string literals."""


def system_language(locale: QLocale | None = None) -> Literal["en", "zh_CN"]:
    """`zh_CN` for a Chinese locale written in simplified characters (China, Singapore, or
    Chinese without a script), `en` for every other locale."""
    locale = locale or QLocale.system()
    if locale.language() != QLocale.Language.Chinese:
        return "en"
    if locale.script() == QLocale.Script.TraditionalChineseScript:
        return "en"
    return "zh_CN"


def resolve(choice: str) -> Literal["en", "zh_CN"]:
    """The language a preference (`system`, `en`, `zh_CN`, or anything unknown: `system`)
    stands for on this machine."""
    if choice == "en":
        return "en"
    if choice == "zh_CN":
        return "zh_CN"
    return system_language()


def catalogue(language: str) -> Path:
    """The compiled catalogue of TuneStudio's own strings for `language` (it may not exist:
    English has one only for its plural forms)."""
    return Path(str(resources.root().joinpath("i18n", f"tunestudio_{language}.qm")))


def install(choice: str, app: QCoreApplication | None = None) -> list[QTranslator]:
    """Load the translators for the preference `choice` into `app` (the running application
    by default): TuneStudio's catalogue and, for a language other than English, Qt's own
    (qtbase: the standard buttons, file and input dialogs). Returns them; the caller keeps
    them alive as long as the app (QCoreApplication does not own them). A missing catalogue
    is logged and the app stays in English."""
    app = app or QCoreApplication.instance()
    if app is None:
        raise RuntimeError("i18n.install needs a QCoreApplication")
    language = resolve(choice)
    loaded: list[QTranslator] = []
    paths = [catalogue(language)]
    if language != "en":
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        paths.append(Path(qt_dir) / f"qtbase_{language}.qm")
    for path in paths:
        translator = QTranslator(app)
        if translator.load(str(path)):
            app.installTranslator(translator)
            loaded.append(translator)
        elif language != "en" or path.exists():
            _log.warning("no translation loaded from %s", path)
    if language != "en":
        QLocale.setDefault(QLocale(language))
    return loaded


def uninstall(translators: list[QTranslator], app: QCoreApplication | None = None) -> None:
    """Remove translators `install` loaded (tests switch languages within one process)."""
    app = app or QCoreApplication.instance()
    if app is None:
        return
    for translator in translators:
        app.removeTranslator(translator)
    QLocale.setDefault(QLocale.system())
