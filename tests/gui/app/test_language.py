"""The window's language: the system locale by default, the preference otherwise, applied at
start-up with TuneStudio's catalogue and Qt's own (standard buttons and dialogs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QDialogButtonBox, QToolButton
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.app.practice import PracticeDialog
from tunestudio.gui.app.preferences import PreferencesDialog
from tunestudio.gui.common import i18n
from tunestudio.gui.common.settings import Settings


@pytest.fixture
def start_in() -> Iterator[Callable[[str], None]]:
    """`start_in(language)` loads a language preference as the app's start-up does; the
    translators go when the test ends."""
    loaded: list[QTranslator] = []

    def start(choice: str) -> None:
        loaded.extend(i18n.install(choice))

    yield start
    i18n.uninstall(loaded)


def _menu_titles(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


@pytest.mark.parametrize(("name", "expected"), [
    ("zh_CN", "zh_CN"), ("zh_SG", "zh_CN"), ("zh", "zh_CN"), ("zh_TW", "en"), ("zh_HK", "en"),
    ("en_US", "en"), ("de_DE", "en"), ("C", "en")])
def test_system_language_follows_the_locale(name: str, expected: str) -> None:
    assert i18n.system_language(QLocale(name)) == expected


def test_english_unless_the_locale_or_the_preference_says_chinese(qtbot: QtBot) -> None:
    # This test machine's locale is not Chinese: nothing is loaded, the window is as it was.
    assert i18n.system_language() == "en"
    assert i18n.install("system") == []
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert _menu_titles(window) == ["&File", "&Edit", "&Run", "&Help"]


def test_chinese_window_and_qt_dialogs(qtbot: QtBot, start_in: Callable[[str], None]) -> None:
    start_in("zh_CN")
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert _menu_titles(window) == ["文件(&F)", "编辑(&E)", "运行(&R)", "帮助(&H)"]
    assert window.open_action.text() == "打开(&O)…"
    # the toolbar's buttons show the action without its accelerator's bracket
    buttons_of = {b.defaultAction(): b.text() for b in window.findChildren(QToolButton)}
    assert buttons_of[window.run_action] == "运行"
    # Qt's own texts come from its bundled qtbase_zh_CN.qm
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None and cancel.text() == "取消"
    # a plural (%n) goes through the catalogue with its number
    window.run_message.show_problems(3)
    assert window.run_message.text() == "3 个无效字段：修正后才能运行或保存"


def _trials(project_file: Path) -> list[tuple[object, ...]]:
    """Every stored trial of the project, as a tuple of what the history holds of it."""
    from tunestudio.config import load_project
    from tunestudio.store import Store, storage_url_for

    with Store.open(storage_url_for(load_project(project_file))) as store:
        return [(t.id, t.number, t.state, t.params, t.objective, t.message, t.notes,
                 t.excluded_reason) for e in store.experiments() for t in store.trials(e.id)]


def _write_history(project_file: Path) -> None:
    """Two trials of the project's first experiment, one of them excluded, one failed."""
    from tunestudio.config import load_project
    from tunestudio.store import Store, storage_url_for

    project = load_project(project_file)
    with Store.open(storage_url_for(project)) as store:
        exp = store.ensure_experiment("three", "three")
        for number, (lr, state) in enumerate([(0.003, "complete"), (0.01, "failed")]):
            tid = store.start_trial(exp, number=number, optuna_trial_id=None,
                                    params={"optimizer.lr": lr},
                                    config_json=project.baseline.model_dump_json(),
                                    device="cpu", seed=0)
            store.finish_trial(tid, state=state, objective=0.9 if state == "complete" else None,
                               message="trained 2 epoch(s), 20 steps" if state == "complete"
                               else "RuntimeError: out of memory", duration_s=1.0)
        store.exclude_trials(exp, [0], "trained on the broken data file")


def test_the_preference_applies_on_restart_and_keeps_everything(
        window: MainWindow, qtbot: QtBot, project_file: Path,
        start_in: Callable[[str], None]) -> None:
    settings = window.settings
    settings.add_recent(project_file)
    _write_history(project_file)
    trials = _trials(project_file)
    before = project_file.read_bytes()
    settings.theme = "dark"
    recent = settings.recent_files()
    assert recent
    dialog = PreferencesDialog(settings, window.catalog, window)
    qtbot.addWidget(dialog)
    assert dialog.language.currentData() == "system"
    assert [dialog.language.itemText(i) for i in (1, 2)] == ["English", "简体中文"]
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.accept()
    assert _menu_titles(window)[0] == "&File"  # applies on restart
    again = Settings()
    assert again.language == "zh_CN"
    assert (again.theme, again.recent_files()) == ("dark", recent)
    start_in(again.language)  # the next start
    restarted = MainWindow(again)
    qtbot.addWidget(restarted)
    assert _menu_titles(restarted)[0] == "文件(&F)"
    assert restarted.welcome.recent.count() == len(recent)  # still offered, under its name
    assert restarted.welcome.recent.item(0).text().startswith(project_file.stem)
    # the project opens in Chinese as it was: its trials listed, the excluded one with its
    # reason, nothing to save, nothing in the history changed
    restarted.show()
    assert restarted.session.open_project(project_file)
    ws = restarted.workspace
    assert ws is not None
    ws.show_page("Trials")
    qtbot.waitUntil(lambda: ws.table.model.rowCount() == 2, timeout=20_000)
    model = ws.table.model
    reasons = [model.index(r, model.column_of("reason")).data() for r in range(2)]
    assert any("trained on the broken data file" in str(r) for r in reasons), reasons
    assert restarted.document is not None and restarted.document.undo_stack.isClean()
    assert restarted.session.close_project()
    assert project_file.read_bytes() == before
    assert _trials(project_file) == trials


def test_help_shows_the_practice_in_the_window_language(qtbot: QtBot,
                                                        start_in: Callable[[str], None]) -> None:
    english = PracticeDialog(i18n.current())
    qtbot.addWidget(english)
    assert english.text.toPlainText().startswith("The tuning practice TuneStudio embodies")
    start_in("zh_CN")
    assert i18n.current() == "zh_CN"
    chinese = PracticeDialog(i18n.current())
    qtbot.addWidget(chinese)
    assert chinese.windowTitle() == "调参实践"
    text = chinese.text.toPlainText()
    assert text.startswith("TuneStudio 所体现的调参实践")
    for term in ("学习率", "预热", "早停", "基准模型", "单一变量变化", "过拟合"):
        assert term in text
