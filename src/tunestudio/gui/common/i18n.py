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
import re
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from tunestudio import resources
from tunestudio.config import Project
from tunestudio.messages import N_, STORED, Text

_log = logging.getLogger(__name__)

Language = Literal["system", "en", "zh_CN"]
LANGUAGES: tuple[Language, ...] = ("system", "en", "zh_CN")
NATIVE_NAMES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
"""Each language by its own name, as a language menu shows it (never translated)."""

_current: Literal["en", "zh_CN"] = "en"  # the language `install` loaded

# Qt's bundled Chinese catalogue (qtbase_zh_CN.qm) lacks a few texts of its file dialog as Qt 6
# writes them (with their shortcuts) and of its file kinds: ours carries them in Qt's own
# contexts, which Qt asks after its catalogue found nothing (the Open and Save dialogs'
# "Look in" and "Files of type" labels were English in the Chinese window)
QT_GAPS = (N_("QFileDialog", "&Look in:"), N_("QFileDialog", "Files of &type:"),
           N_("QAbstractFileIconProvider", "Drive"), N_("QAbstractFileIconProvider", "Folder"),
           N_("QAbstractFileIconProvider", "File"), N_("QAbstractFileIconProvider", "Unknown"),
           N_("QAbstractFileIconProvider", "Alias"),
           N_("QAbstractFileIconProvider", "Shortcut"),
           N_("QAbstractFileIconProvider", "%1 File"))

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
    global _current
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
    _current = language if loaded or language == "en" else "en"
    return loaded


def current() -> Literal["en", "zh_CN"]:
    """The language the window shows (the one loaded at start-up)."""
    return _current


def uninstall(translators: list[QTranslator], app: QCoreApplication | None = None) -> None:
    """Remove translators `install` loaded (tests switch languages within one process)."""
    app = app or QCoreApplication.instance()
    if app is None:
        return
    global _current
    for translator in translators:
        app.removeTranslator(translator)
    QLocale.setDefault(QLocale.system())
    _current = "en"


def render(text: str) -> str:
    """A message from below the GUI (`tunestudio.messages.Text`) in the window's language,
    its values filled in (each itself rendered when it is a message); any other text as it
    is."""
    if not isinstance(text, Text):
        return text
    values = {k: render(v) if isinstance(v, str) else v for k, v in text.args.items()}
    translated = translate(text.context, text.template)
    try:
        return translated.format(**values) if values else translated
    except (KeyError, IndexError, ValueError):  # a translation naming a placeholder wrongly
        _log.warning("translation of %r does not format; English shown", text.template)
        return str(text)


def state_name(state: str) -> str:
    """A trial state (Optuna's and ours: complete, running, pruned, failed, diverged,
    interrupted, invalid) as the window shows it; an unknown one as it is."""
    names = {
        "complete": translate("TrialState", "complete"),
        "running": translate("TrialState", "running"),
        "pruned": translate("TrialState", "pruned"),
        "failed": translate("TrialState", "failed"),
        "diverged": translate("TrialState", "diverged"),
        "interrupted": translate("TrialState", "interrupted"),
        "invalid": translate("TrialState", "invalid"),
        "waiting": translate("TrialState", "waiting"),
    }
    return names.get(state, state)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)[^}]*\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                    for i, p in enumerate(parts))
    return re.compile(regex + r"\Z", re.DOTALL)


_STORED = [(message, _pattern(message.template)) for message in STORED]


def render_stored(text: str) -> str:
    """A message read back from the history (plain English there) in the window's language
    when it is one of `tunestudio.messages.STORED`, its values as stored; any other text (an
    exception, a program's own words) as it is."""
    for message, pattern in _STORED:
        if (match := pattern.match(text)) is not None:
            return render(message.format(**match.groupdict()))
    return text


JOURNAL = ("goal", "hypothesis", "expected_result", "conclusion")


def localize_journal(project: Project) -> Project:
    """A template's project with its experiments' example journal (goal, hypothesis,
    expected result) in the window's language: a new project's text becomes the user's own,
    so it is written in their language once, when the project is made."""
    experiments = [e.model_copy(update={k: translate("Template", getattr(e, k))
                                        for k in JOURNAL if getattr(e, k)})
                   for e in project.experiments]
    return project.model_copy(update={"experiments": experiments})


def without_mnemonic(text: str) -> str:
    """A menu text without its accelerator, for a tool button: `&Run` -> `Run`, and the
    Chinese `运行(&R)` -> `运行` (Qt strips the `&` but leaves the bracket)."""
    return re.sub(r"\s*\(&\w\)", "", text).replace("&&", "\0").replace("&", "").replace("\0", "&")
