"""The window in Simplified Chinese: every window, dialog, menu, tab, tooltip and status
message these tests open, every field's label, help and advice, and the diagnoses, with no
English sentence left (names, code and numbers excepted)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QTimer, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGraphicsTextItem,
    QGraphicsView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tiny_projects import tiny_project
from tunestudio.config import (
    Project,
    save_project,
)
from tunestudio.gui.app.about import AboutDialog
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.app.preferences import PreferencesDialog
from tunestudio.gui.common import i18n
from tunestudio.gui.common.settings import Settings

# Names the Chinese text keeps as they are (the practice's writing does too)
NAMES = {
    "TuneStudio", "Optuna", "PyTorch", "TensorBoard", "ONNX", "TorchScript", "CUDA", "CPU",
    "GPU", "MPS", "Python", "SQLite", "SQLAlchemy", "PostgreSQL", "NumPy", "Adam", "AdamW",
    "SGD", "RMSprop", "MLP", "CNN", "ReLU", "Kaiming", "Nesterov", "Welch", "Hydra", "JSON",
    "CSV", "NPZ", "PNG", "JPEG", "BMP", "SVG", "RGB", "URL", "ID", "MSE", "MAE", "ANOVA",
    "PED", "fANOVA", "Dropout", "Torchvision", "TPE", "QMC", "CMA", "ES", "GP", "OVAT", "ETA",
    "Gamma", "Alpha", "Beta", "Epsilon", "Digits", "One", "cycle", "Friedman", "Ctrl", "Shift",
    "Qt", "PySide", "Pareto", "state", "dict", "epoch", "step", "NaN", "Auto", "DataLoader",
    "Dataset", "scikit", "learn", "MLflow", "LR", "std", "mean",
    "Markdown", "HTML",
    "English",  # the language menu names each language in its own words
}
_CODE = re.compile(r"`[^`]*`|<[^>]*>|&\w+;|\{[^}]*\}|https?://\S+|\S+:\S+|"
                   r"\S*[._/\\=#@%\d*<>()\[\]-]\S*")  # paths, names, numbers, markup
_WORD = re.compile(r"[A-Za-z]{2,}")
_EXCEPTION = re.compile(r"\b\w+(Error|Exception): .*")
_CJK = re.compile(r"[\u3400-\u9fff]")


def english(text: str) -> str | None:
    """The untranslated English in `text`: a run of two English words, or a capitalised
    English word in a text without Chinese (a lowercase single word is a code name: a choice,
    a metric, a device); None when there is none."""
    text = _EXCEPTION.sub(" ", text)  # an exception's own words are shown as raised
    plain = html.unescape(_CODE.sub(" ", text.replace("&", "")))
    words = [w for w in re.findall(r"[A-Za-z]+|[^A-Za-z\s]+", plain)]
    run: list[str] = []
    for word in [*words, "。"]:
        if _WORD.fullmatch(word) and word not in NAMES:
            run.append(word)
            continue
        if len(run) >= 2:
            return " ".join(run)
        run = []
    if not _CJK.search(text):
        capital: list[str] = [w for w in _WORD.findall(plain)
                              if w not in NAMES and w[0].isupper()]
        if capital:
            return capital[0]
    return None


def test_the_detector_finds_english_and_passes_chinese() -> None:
    assert english("Add dimension…") == "Add dimension"
    assert english("Remove") == "Remove"
    assert english(" Experiment: <b>bayes-lr</b> ") == "Experiment"
    assert english("移除 {name}？它的 3 个试验") is None
    assert english("在 optimizer.lr 上搜索，PyTorch 的 state dict") is None
    assert english("val_accuracy") is None and english("cosine") is None
    assert english("训练损失 training loss") == "training loss"
    assert english("试验 #2（失败）：RuntimeError: out of memory") is None


def _columns(model: QAbstractItemModel) -> int:
    try:
        return model.columnCount(QModelIndex())
    except TypeError:  # a list model keeps it private: one column
        return 1


def _model_texts(model: QAbstractItemModel) -> Iterator[str]:
    for orientation in (Qt.Orientation.Horizontal, Qt.Orientation.Vertical):
        count = _columns(model) if orientation == Qt.Orientation.Horizontal \
            else 0  # row headers are numbers
        for section in range(count):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.headerData(section, orientation, role)
                if isinstance(value, str):
                    yield value
    for row in range(min(model.rowCount(QModelIndex()), 20)):
        for column in range(_columns(model)):
            index = model.index(row, column, QModelIndex())
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if isinstance(value, str):
                    yield value


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of everything a user reads in `root`: labels, buttons, group boxes, tabs,
    combo items, placeholders, tooltips, menus and actions, item views and their headers,
    read-only rich text, and the plots' text (titles, axes, legends). Text the user typed
    (line edits, notes) is theirs."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        where = f"{type(w).__name__}({w.objectName()})"
        if w.toolTip():
            yield where + ".toolTip", w.toolTip()
        if w.windowTitle() and w.isWindow():
            yield where + ".windowTitle", w.windowTitle()
        if isinstance(w, QLabel | QAbstractButton):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield where + ".tab", w.tabText(i)
                yield where + ".tabToolTip", w.tabToolTip(i)
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield where + ".item", w.itemText(i)
        elif isinstance(w, QLineEdit | QPlainTextEdit):
            yield where + ".placeholder", w.placeholderText()
        elif isinstance(w, QTextBrowser):
            yield where, w.toPlainText()
        elif isinstance(w, QMenu):
            yield where + ".title", w.title()
        if isinstance(w, QTreeWidget):
            header = w.headerItem()
            for c in range(w.columnCount()):
                yield where + ".header", header.text(c)
            for item in w.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive):
                for c in range(w.columnCount()):
                    yield where + ".item", item.text(c)
                    yield where + ".itemToolTip", item.toolTip(c)
        elif isinstance(w, QAbstractItemView) and w.model() is not None \
                and not isinstance(w.parent(), QComboBox):
            for text in _model_texts(w.model()):
                yield where + ".model", text
        for action in w.actions():
            for kind, text in (("action", action.text()), ("actionTip", action.toolTip()),
                               ("statusTip", action.statusTip())):
                if text and not (kind == "actionTip" and text == action.text().replace("&", "")):
                    yield f"{where}.{kind}", text
        if isinstance(w, QGraphicsView) and w.scene() is not None:
            # the plots' titles, axis labels, legend entries and marks (pyqtgraph draws each
            # as a text item of its scene)
            for graphic in w.scene().items():
                if isinstance(graphic, QGraphicsTextItem):
                    yield where + ".plotText", graphic.toPlainText()
        if isinstance(w, QTextEdit) and not isinstance(w, QTextBrowser):
            continue


def untranslated(root: QWidget, seen: set[str]) -> list[str]:
    found = []
    for where, text in visible_texts(root):
        if text and text not in seen:
            seen.add(text)
            if (bad := english(text)) is not None:
                found.append(f"{where}: {text!r} ({bad!r})")
    return found


def dialog_untranslated(open_dialog: Callable[[], object], seen: set[str]) -> list[str]:
    """Calls `open_dialog`, which opens a modal dialog (a message box, an input or file dialog,
    ours or Qt's static ones), reads the dialog as it shows and cancels it. Fails when no
    dialog opened."""
    found: list[str] = []
    read: list[str] = []
    tries = [0]

    def read_and_cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            tries[0] += 1
            if tries[0] < 200:  # a file dialog takes a moment to list its folder
                QTimer.singleShot(10, read_and_cancel)
            return
        read.append(dialog.windowTitle())
        found.extend(untranslated(dialog, seen))
        if isinstance(dialog, QDialog):
            dialog.reject()
        else:
            dialog.close()

    QTimer.singleShot(0, read_and_cancel)
    open_dialog()
    assert read, f"{open_dialog} opened no dialog"
    return found


def _history(root: Path) -> Project:
    """Digits with a written history (no training, so the test stays cheap): a trial that
    overfits, one that diverges and one that failed, with their curves and messages."""
    from tunestudio.config import merge_values
    from tunestudio.store import EvalPoint, Store

    project = tiny_project(epochs=4).model_copy(
        update={"storage_url": f"sqlite:///{root / 'history.db'}"})
    experiment = project.experiments[0]
    store = Store.open(project.storage_url)
    try:
        exp_id = store.ensure_experiment(experiment.name, experiment.name,
                                         search_json=experiment.search.model_dump_json())
        steps = np.arange(200)
        curves = {  # loss per step; train and val loss per evaluation
            0: (np.linspace(2.3, 0.05, 200), np.linspace(2.0, 0.05, 8),
                np.r_[np.linspace(2.0, 0.5, 4), np.linspace(0.6, 1.5, 4)]),
            1: (np.exp(steps / 40.0), np.exp(np.arange(8) * 0.6), np.exp(np.arange(8) * 0.6)),
        }
        for number, lr in enumerate((0.003, 10.0, 0.1)):
            params = {"optimizer.lr": lr}
            tid = store.start_trial(
                exp_id, number=number, optuna_trial_id=None, params=params,
                config_json=merge_values(project.baseline, params).model_dump_json(),
                device="cpu", seed=0)
            if number in curves:
                loss, train, val = curves[number]
                store.append_steps(tid, [(int(i), i / 50, float(v), lr, 1.0)
                                         for i, v in zip(steps, loss, strict=True)])
                store.append_evals(tid, [EvalPoint(int(e * 25), e + 1.0, e * 0.1, float(t),
                                                   float(v), {"val_accuracy": 0.9})
                                         for e, (t, v) in enumerate(zip(train, val,
                                                                        strict=True))])
                store.finish_trial(tid, state="complete", objective=0.9 - number / 10,
                                   message="trained 4 epoch(s), 200 steps", duration_s=1.0)
            else:
                store.finish_trial(tid, state="failed", message="RuntimeError: out of memory")
    finally:
        store.close()
    import optuna  # the analysis reads the experiment's study

    optuna.create_study(study_name=experiment.name, storage=project.storage_url,
                        direction="maximize")
    return project


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _history(tmp_path_factory.mktemp("zh"))


@pytest.fixture
def chinese() -> Iterator[None]:
    translators: list[QTranslator] = i18n.install("zh_CN")
    yield
    i18n.uninstall(translators)


def test_every_screen_in_chinese(chinese: None, history: Project, qtbot: QtBot,
                                 tmp_path: Path) -> None:
    seen: set[str] = set()
    problems: list[str] = []
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    problems += untranslated(window, seen)  # the welcome page, menus, toolbar
    for menu in window.menuBar().findChildren(QMenu):
        problems += untranslated(menu, seen)
    path = tmp_path / "digits.tuneproj"
    save_project(i18n.localize_journal(history), path)  # as File > New makes it
    assert window.session.open_project(path)
    ws = window.workspace
    assert ws is not None and window.project_view is not None
    for index in range(window.project_view.tabs.count()):
        window.project_view.tabs.setCurrentIndex(index)
        qtbot.wait(50)
        problems += untranslated(window, seen)
    ws.show_page("Trials")
    qtbot.waitUntil(lambda: ws.table.model.rowCount() == 3, timeout=20_000)
    for row in range(ws.table.model.rowCount()):
        ws.insights.set_focus(ws.table.model.trial(row).id)
        qtbot.waitUntil(lambda: ws.diagnosis.title.text() != "正在诊断…",
                        timeout=90_000)  # the first diagnosis loads the engine
        assert "#" in ws.diagnosis.title.text(), ws.diagnosis.title.text()
        for f in range(ws.diagnosis.list.count()):
            ws.diagnosis.list.setCurrentRow(f)
            problems += untranslated(ws.diagnosis, seen)
        problems += untranslated(window, seen)
    ws.show_page("Analysis")
    qtbot.waitUntil(lambda: ws.analysis.data is not None, timeout=20_000)
    problems += untranslated(window, seen)
    problems += _every_dialog(window, seen, tmp_path)
    for dialog in (PreferencesDialog(window.settings, window.catalog, window),
                   AboutDialog(window.catalog, window)):
        qtbot.addWidget(dialog)
        problems += untranslated(dialog, seen)
    problems += [f"status bar: {m!r}" for m in [window.statusBar().currentMessage()]
                 if m and english(m)]
    assert window.session.close_project()
    assert not problems, f"untranslated ({len(problems)}):\n" + "\n".join(problems)


def _every_dialog(window: MainWindow, seen: set[str], folder: Path) -> list[str]:
    """The questions and dialogs the window asks and opens (each cancelled): the file
    dialogs, the project's prompts, the experiments', the trials' menu and the analysis'
    exports; the non-modal ones (compare configs, ensemble) as they show."""
    from tunestudio.gui.project import dialogs
    from tunestudio.gui.run.trust import TrustStore, UserCode, confirm_user_code

    ws, view = window.workspace, window.project_view
    assert ws is not None and view is not None
    code = folder / "net.py"
    code.write_text("def build_model(input_shape, n_outputs):\n    pass\n")
    opens: list[Callable[[], object]] = [
        window.open_action.trigger, window.save_as_action.trigger,
        lambda: dialogs.ask_save_changes(window, "Digits", has_trials=True),
        lambda: dialogs.ask_save_changes(window, "Digits"),
        lambda: dialogs.ask_stop_run(window), lambda: dialogs.ask_restore(window, "Digits", 0),
        lambda: confirm_user_code(window, [UserCode("model", code)],
                                  TrustStore(folder / "trust.json")),
        view.experiments.add_button.click, view.experiments.remove_button.click]
    problems: list[str] = []
    for open_dialog in opens:
        problems += dialog_untranslated(open_dialog, seen)
    ws.show_page("Trials")
    table, acts = ws.table, ws.table.trial_actions
    first = table.model.trial(0)
    for action in (acts.exclude_action, acts.delete_action, acts.seeds_action,
                   acts.top_seeds_action, acts.notes_action, acts.test_action,
                   acts.model_action, acts.export_action):
        table.select_trials([first.id])  # they act on the selected trial
        problems += dialog_untranslated(action.trigger, seen)
    ws.show_page("Analysis")
    exports = [b for b in ws.analysis.findChildren(QPushButton)
               if b.text() in ("导出…", "报告…")]
    for button in exports:
        problems += dialog_untranslated(button.click, seen)
    assert len(exports) == 2
    ws.show_page("Trials")
    table.select_trials([table.model.trial(0).id, table.model.trial(1).id])
    for dialog in (acts.compare_configs(), acts.ensemble()):
        assert dialog is not None
        problems += untranslated(dialog, seen)
        dialog.close()
    return problems


def test_every_field_help_and_template_in_chinese(chinese: None) -> None:
    import importlib.util

    root = Path(__file__).resolve().parents[3]
    spec = importlib.util.spec_from_file_location("translations",
                                                  root / "packaging" / "translations.py")
    assert spec is not None and spec.loader is not None
    translations = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(translations)
    problems = [f"{context}: {text!r}" for context, text in translations.config_texts()
                if english(i18n.translate(context, text))]
    assert not problems, f"untranslated ({len(problems)}):\n" + "\n".join(problems)


def test_every_diagnosis_in_chinese(chinese: None) -> None:
    from types import SimpleNamespace

    from tunestudio.config import from_template
    from tunestudio.engine.diagnostics import diagnose

    config = from_template("digits").baseline
    steps = np.arange(200)
    rng = np.random.default_rng(0)
    cases = {  # loss, grad norm per step; train, val loss per evaluation
        "diverging": (np.exp(steps / 40.0), np.ones(200), None),
        "unstable": (1 + (rng.random(200) > 0.8) * 3.0, np.ones(200), None),
        "exploding": (np.linspace(2, 1, 200), np.where(steps % 50 == 7, 1e4, 1.0), None),
        "vanishing": (np.full(200, 2.3), np.geomspace(1, 1e-9, 200), None),
        "overfitting": (np.linspace(2, 0.1, 200), np.ones(200),
                        (np.linspace(2, 0.1, 10), np.r_[np.linspace(2, 1, 5),
                                                        np.linspace(1.1, 2, 5)])),
        "slow": (np.linspace(2.3, 2.0, 200), np.ones(200), None),
    }
    symptoms: set[str] = set()
    problems: list[str] = []
    for loss, grad, evals in cases.values():
        curves = SimpleNamespace(step=steps, loss=loss, lr=np.full(200, 1e-3), grad_norm=grad)
        ev = None if evals is None else SimpleNamespace(
            step=np.arange(10) * 20, epoch=np.arange(10, dtype=float) + 1,
            train_loss=evals[0], val_loss=evals[1])
        for finding in diagnose(curves, ev, config):
            symptoms.add(finding.symptom)
            texts = [finding.title, finding.reading, *finding.remedies,
                     *(e.text for e in finding.evidence), *finding.journal.values()]
            problems += [f"{finding.symptom}: {i18n.render(t)!r}" for t in texts
                         if english(i18n.render(t))]
    assert len(symptoms) >= 5, symptoms
    assert not problems, f"untranslated ({len(problems)}):\n" + "\n".join(problems)


def test_validation_messages_in_chinese(chinese: None) -> None:
    from pydantic import ValidationError

    from tunestudio.config import RunConfig, from_template
    from tunestudio.config.problems import validation_problems

    data = from_template("digits").baseline.model_dump(mode="json")
    data["optimizer"]["lr"] = -0.01
    data["training"]["epochs"] = "many"
    data["training"]["colour"] = 1
    with pytest.raises(ValidationError) as caught:
        RunConfig.model_validate(data)
    problems = validation_problems(caught.value, data)
    assert {p for p, _ in problems} >= {"optimizer.lr", "training.epochs", "training.colour"}
    shown = {p: i18n.render(m) for p, m in problems}
    assert shown["optimizer.lr"] == "输入应大于 0"
    assert [f"{p}: {m!r}" for p, m in shown.items() if english(m)] == []


_DIMS = "experiments.0.search.dimensions"
_KIND = {"type": "categorical", "path": "optimizer.kind", "choices": ["sgd", "adam"]}
# (template, {dotted path: value}): each breaks one rule of our own validators (a message
# they raise themselves, not pydantic's); `None` as a value removes the key
_BROKEN: list[tuple[str, dict[str, object]]] = [
    ("digits", {f"{_DIMS}.0.low": 0.5, f"{_DIMS}.0.high": 0.1}),
    ("digits", {f"{_DIMS}.0.low": 0.0}),
    ("digits", {f"{_DIMS}.0.step": 0.01}),
    ("digits", {f"{_DIMS}.0.values": [0.5]}),
    ("digits", {f"{_DIMS}.0.values": [0.01, 0.01]}),
    ("digits", {f"{_DIMS}.1.log": False, f"{_DIMS}.1.low": -1.0}),
    ("digits", {f"{_DIMS}.0.path": "training.loss"}),
    ("digits", {f"{_DIMS}.0.path": "training.epochs"}),
    ("digits", {f"{_DIMS}.3.choices": [32, 32]}),
    ("digits", {f"{_DIMS}.3.path": "training.loss", f"{_DIMS}.3.choices": ["hinge"]}),
    ("digits", {f"{_DIMS}.3.path": "optimizer"}),
    ("digits", {f"{_DIMS}.3.path": "optimizer.lr.x"}),
    ("digits", {f"{_DIMS}.3.path": "optimizer.nothing"}),
    ("digits", {f"{_DIMS}.3.path": "optimizer.lr"}),
    ("digits", {f"{_DIMS}.0.condition": {"path": "nowhere.at_all", "values": [1]}}),
    ("digits", {f"{_DIMS}.0.condition": {"path": "model.width", "values": [64]}}),
    ("digits", {f"{_DIMS}.0.condition": {"path": "optimizer.lr", "values": [0.01]}}),
    ("digits", {_DIMS: [_KIND, {"type": "float", "path": "optimizer.momentum", "low": 0.0,
                                "high": 0.9, "condition": {"path": "optimizer.kind",
                                                           "values": ["rmsprop"]}}]}),
    ("digits", {"experiments.0.search.stop.deadline": "tomorrow"}),
    ("digits", {"experiments.0.search.objective.metric": "train_loss"}),
    ("digits", {"experiments.0.search.objective.metric": "val_r2"}),
    ("digits", {"experiments.0.search.budget": {"trials": None}}),
    ("digits", {"experiments.1": "copy 0"}),
    ("digits", {"baseline.data.val_fraction": 0.0}),
    ("digits", {"baseline.data.val_fraction": 0.5, "baseline.data.test_fraction": 0.5}),
    ("digits", {"baseline.data.classes": [1]}),
    ("digits", {"baseline.schedule.warmup_epochs": 500.0}),
    ("digits", {"baseline.training.loss": "mse"}),
    ("digits", {"baseline.training.label_smoothing": 0.1, "baseline.training.loss": "mse"}),
    ("digits", {"baseline.training.mixed_precision": True, "baseline.training.device": "cpu"}),
    ("digits", {"baseline.training.device": "tpu"}),
    ("digits", {"baseline.early_stopping.monitor": "val_r2"}),
    ("digits", {"baseline.optimizer": {"kind": "sgd", "lr": 0.1, "momentum": 0.0,
                                       "nesterov": True}}),
    ("digits", {"baseline.schedule": {"kind": "one_cycle", "warmup_epochs": 1.0}}),
    ("digits", {"baseline.schedule": {"kind": "plateau", "factor": 0.5,
                                      "floor_fraction": 0.9}}),
    ("digits", {"baseline.model": {"kind": "cnn", "kernel_size": 4}}),
    ("digits", {"baseline.params": {"lr": 1}}),
    ("digits", {_DIMS: [{"type": "float", "path": "params.lr", "low": 0.1, "high": 1.0}]}),
    ("digits", {_DIMS: [{"type": "float", "path": "optimizer.momentum", "low": 0.1,
                         "high": 0.9}]}),
    ("digits", {"experiments.0.search.pbt.prune": {"enabled": True, "min_population": 16}}),
    ("script", {"baseline.program.command": ""}),  # pydantic's, with its plural
    ("script", {"baseline.program.parameters.0.name": ""}),
    ("script", {"baseline.program.parameters.0.flag": "-" * 81}),
    ("digits", {f"{_DIMS}.3.choices": []}),
    ("digits", {"baseline.optimizer.kind": "lion", "baseline.data.classes": "abc",
                "baseline.training.deterministic": "maybe", "experiments.0.name": 5}),
    ("script", {"baseline.program.command": "python 'train.py"}),
    ("script", {"baseline.program.seed_parameter": "nope"}),
    ("script", {"baseline.program.seed_parameter": "lr"}),
    ("script", {"baseline.program.metric_pattern": "("}),
    ("script", {"baseline.program.metric_pattern": "val"}),
    ("script", {"baseline.program.metric_pattern": "(?P<key>x)"}),
    ("script", {"baseline.program.command": "train:main",
                "baseline.program.pass_values": "env"}),
    ("script", {"baseline.program.parameters.0.default": "fast"}),
    ("script", {"baseline.program.parameters.1": "copy 0"}),
    ("script", {"baseline.params": {"nope": 1}}),
    ("script", {f"{_DIMS}.0.path": "optimizer.lr"}),
    ("script", {f"{_DIMS}.0.path": "params.nope"}),
    ("script", {f"{_DIMS}.0.path": "params.lr.x"}),
    ("script", {f"{_DIMS}.1.type": "float", f"{_DIMS}.1.log": False}),
    ("script", {"baseline.program.seed_parameter": "", "experiments.0.search.repeats": 2}),
]


def _broken(template: str, changes: dict[str, object]) -> dict[str, object]:
    from tunestudio.config import from_template

    data: dict[str, object] = from_template(template).model_dump(mode="json")
    for path, value in changes.items():
        *head, last = path.split(".")
        node: object = data
        for part in head:
            node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore
        if isinstance(value, str) and value.startswith("copy "):
            value = node[int(value.split()[1])]  # type: ignore[index]
        if isinstance(node, list):
            index = int(last)
            node[index:index + 1] = [value]
        elif value is None:
            node.pop(last)  # type: ignore[attr-defined]
        else:
            node[last] = value  # type: ignore[index]
    return data


def test_our_own_validation_messages_in_chinese(chinese: None) -> None:
    """Every rule our validators check themselves says why in Chinese (the message a
    validator raises is marked for translation and reaches the window as such), and in
    English exactly as before."""
    from pydantic import ValidationError

    from tunestudio.config import Project
    from tunestudio.config.problems import validation_problems
    from tunestudio.messages import Text

    problems: list[str] = []
    seen: set[str] = set()
    for template, changes in _BROKEN:
        data = _broken(template, changes)
        # shlex's and re's own words ("No closing quotation") are shown as Python gives them
        python_error = changes.get("baseline.program.command") == "python 'train.py" or \
            changes.get("baseline.program.metric_pattern") == "("
        try:
            Project.model_validate(data)
        except ValidationError as exc:
            found = validation_problems(exc, data)
        else:
            found = []
            problems.append(f"{changes}: accepted")
        for path, message in found:
            shown = i18n.render(message)
            if not isinstance(message, Text) or shown == str(message) or \
                    (english(shown) and not python_error):
                problems.append(f"{changes}: {path}: {shown!r}")
            seen.add(message.template if isinstance(message, Text) else message)
    assert not problems, f"untranslated ({len(problems)}):\n" + "\n".join(problems)
    assert len(seen) >= 50, sorted(seen)


def test_stop_rules_and_run_progress_in_chinese(chinese: None) -> None:
    """Where the stop rules stand and the rule that stopped a run (made in store/) read in
    Chinese in the window; the run's status line for a running trial and a finished run too."""
    from types import SimpleNamespace

    from tunestudio.config import StopRules
    from tunestudio.gui.run.status import summary_counts, trial_line
    from tunestudio.store import TrialRow
    from tunestudio.store.stop_rules import check_stop

    start = 1_800_000_000.0
    rows = [TrialRow(
        id=n + 1, experiment_id=1, number=n, state="complete", message="", params={},
        objective=0.5, objective2=None, objective_std=None, metrics={}, device="cpu", seed=0,
        repeats=1, duration_s=7200.0, started_at=start, finished_at=start + 7200,
        heartbeat_at=None, updated_at=start, notes="", tags=[], optuna_trial_id=n,
        test_metrics=None, excluded_reason=None) for n in range(3)]
    rules = StopRules(target=0.9, patience=2, min_delta=0.01, deadline="2027-01-01T18:00",
                      duration_s=3600, trial_hours=5.0)
    check = check_stop(rules, rows, "maximize", start + 7300)
    assert check.reason is not None and len(check.progress) == 5
    texts = [check.reason, *check.progress]
    started = SimpleNamespace(number=3, device="cpu", params={"optimizer.lr": 0.01})
    texts += [trial_line(started, SimpleNamespace(epoch=2.0, val_loss=0.3), running=3),
              summary_counts(SimpleNamespace(counts={"complete": 2, "failed": 1},
                                             stopped=True))]
    shown = [i18n.render(t) for t in texts]
    assert [s for s in shown if english(s)] == [], shown
    assert "没有" in i18n.render(check.progress[1])  # trials without improvement


def test_what_fuse_auto_chose_in_chinese(chinese: None) -> None:
    """The run's choice of fusing (made in search/, shown on the finished run's status line)
    reads in Chinese, numbers as they were."""
    from tunestudio.search.fuse_cost import ALONE_LINE, BOUND_LINE, FUSED_LINE
    from tunestudio.search.groups import NO_GAIN_LINE, UNFITTED_LINE

    texts = [ALONE_LINE.format(k=16, ratio=1.31, margin=0.85),
             FUSED_LINE.format(size=32, ratio=0.42), NO_GAIN_LINE,
             UNFITTED_LINE.format(k=8, error="RuntimeError"),  # the error's own text as raised
             BOUND_LINE.format(size=16, ratio=0.58)]
    shown = [i18n.render(t) for t in texts]
    assert [s for s in shown if english(s)] == [], shown
    assert "1.31" in shown[0] and "0.85" in shown[0] and "32" in shown[1]
    assert "16" in shown[4] and "0.58" in shown[4] and "至多" in shown[4]


def test_a_refused_run_and_a_halted_one_in_chinese(chinese: None, tmp_path: Path) -> None:
    """Why a run was refused before its first trial (search/preflight.py: the files the
    baseline names, each problem naming its field) and why a run stopped itself (its first
    trials failing alike) read in Chinese in the window; the CLI's English as before."""
    from tunestudio.config import CsvData, DataConfig, PythonModel
    from tunestudio.search.preflight import FailureStreak, PreflightError, preflight

    project = tiny_project()
    baseline = project.baseline.model_copy(update={
        "data": DataConfig(source=CsvData(path="missing.csv", target="label")),
        "model": PythonModel(path="net.py")})
    project = project.model_copy(update={"baseline": baseline})
    with pytest.raises(PreflightError) as caught:
        preflight(project, project.experiments[0].name, tmp_path)
    error = caught.value
    assert str(error).startswith(f"'{project.experiments[0].name}' was not started: every "
                                 "trial would fail.\n  - data file 'missing.csv' not found "
                                 f"(relative paths start at {tmp_path}); check "
                                 "data.source.path\n  - model file 'net.py' not found")
    streak = FailureStreak(limit=2)
    assert streak.add("failed", "ValueError: bad") is None
    halted = streak.add("failed", "ValueError: bad")
    assert halted == "stopped: the first 2 trials failed with the same error: ValueError: bad"
    shown = [i18n.render(t) for t in [error.headline, *error.problems, halted]]
    assert [s for s in shown if english(s)] == [], shown
    assert "missing.csv" in shown[1] and "data.source.path" in shown[1] and \
        str(tmp_path) in shown[1]


def test_why_a_trial_ended_in_chinese(chinese: None) -> None:
    """The reasons the history keeps in English (a pruned trial's verdict, a divergence
    during training) read in Chinese in the table's Reason column and the trial detail,
    their numbers as stored; one the window does not know (an exception) as it is."""
    from types import SimpleNamespace

    from tunestudio.engine.step_recorder import Divergence
    from tunestudio.gui.trials.table_model import reason
    from tunestudio.messages import PBT_PRUNED, PRUNED

    stored = {  # the English the store holds (plain text, as read back)
        "pruned": str(PRUNED.format(evaluation=3, metric="val_loss", value="0.4312")),
        "pruned ": str(PBT_PRUNED.format(step=120, streak=2, metric="val_accuracy",
                                         value="0.9123", margin="0", best="0.9701")),
        "diverged": str(Divergence(step=40, epoch=2, what="loss", value=float("nan"),
                                   lr=0.3).message()),
        "diverged ": str(Divergence(step=7, epoch=0, what="gradient norm",
                                    value=float("inf"), lr=0.5).message()),
    }
    assert stored["diverged"] == ("diverged during training: the loss became nan at step 40 "
                                  "(epoch 3, LR 0.3); lower the learning rate (e.g. 0.03), add "
                                  "gradient clipping or a warm-up")
    # SimpleNamespaces stand in for the TrialRows `reason` reads
    shown = {state: reason(SimpleNamespace(excluded_reason=None, state=state.strip(),  # type: ignore[arg-type]
                                           message=message))
             for state, message in stored.items()}
    assert [s for s in shown.values() if english(s)] == [], shown
    assert "0.4312" in shown["pruned"] and "val_loss" in shown["pruned"]
    assert all(n in shown["pruned "] for n in ("120", "0.9123", "0.9701", "pbt.prune"))
    assert "40" in shown["diverged"] and "0.03" in shown["diverged"]
    failed = SimpleNamespace(excluded_reason=None, state="failed",
                             message="RuntimeError: out of memory\nTraceback ...")
    assert reason(failed) == "RuntimeError: out of memory"  # type: ignore[arg-type]


def test_what_keeps_a_program_from_starting_in_chinese(chinese: None, window: MainWindow,
                                                       tmp_path: Path) -> None:
    """What config/program.py finds before a program runs (its script missing) is listed on
    top of the baseline editor in Chinese, naming the field (the CLI keeps the English)."""
    from tunestudio.config import from_template, save_project
    from tunestudio.config.program import program_problems

    project = from_template("script")
    program = project.baseline.program
    assert program is not None
    program = program.model_copy(update={"command": "python missing_train.py"})
    project = project.model_copy(update={"baseline": project.baseline.model_copy(
        update={"program": program})})
    [problem] = program_problems(program, tmp_path)
    assert problem.startswith("program.command: no such file: ")  # English for the CLI
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    assert window.session.open_project(path)
    assert window.project_view is not None
    banner = window.project_view.baseline.banner.text()
    assert "program.command" in banner and "没有这个文件" in banner, banner
    assert english(banner) is None, banner


def test_the_live_views_header_in_chinese(chinese: None) -> None:
    """The live view's line about the run's trials (a fused group training, members ended,
    the group ended) in Chinese, numbers and states as they were."""
    from tunestudio.gui.run.run_header import RunHeader

    header = RunHeader()
    lines = []
    header.started(1, 0)
    lines.append(header.text())
    header.finished(1, 0, "complete", 0.93)
    lines.append(header.text())
    for tid in range(2, 8):
        header.started(tid, tid)
    for tid in range(2, 7):
        header.finished(tid, tid, "pruned" if tid % 2 else "complete", 0.5)
    lines.append(header.text())
    header.finished(7, 7, "failed", None)
    lines.append(header.text())
    assert [s for s in lines if english(s)] == [], lines
    assert "#2–#7" in lines[-1] and "0.93" in lines[1], lines


def test_a_running_trial_s_legend_name_in_chinese(chinese: None) -> None:
    """The live view's legend marks a running trial in Chinese, and the mark goes once the
    trial ends (an English mark stayed in the Chinese legend)."""
    from tunestudio.gui.run.live_view import ended_name, running_name

    name = running_name("#3 · lr=1e-3")
    assert name == "#3 · lr=1e-3（运行中）" and english(name) is None
    assert ended_name(name) == "#3 · lr=1e-3"


def test_a_project_that_cannot_be_opened_in_chinese(chinese: None, qtbot: QtBot,
                                                     tmp_path: Path) -> None:
    """The load-error dialog (its headline, where the file breaks, what is wrong: made in
    config/projectfile.py) in Chinese; the JSON parser's own words as Python gives them."""
    from tunestudio.config import ProjectFileError, load_project
    from tunestudio.gui.project.load_error import show_load_error

    path = tmp_path / "broken.tuneproj"
    path.write_text('{"schema_version": 2, "name": ', encoding="utf-8")
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    assert caught.value.problems[0][0] == "line 1, column 31"  # the CLI's English
    box = show_load_error(None, caught.value)
    qtbot.addWidget(box)
    assert box.text() == "无法打开这个项目文件（1 个问题）：", box.text()
    assert "第 1 行，第 31 列" in box.informativeText()
    assert untranslated(box, set()) == []


def test_the_trust_question_names_the_files_role_in_chinese(chinese: None, qtbot: QtBot,
                                                            tmp_path: Path) -> None:
    from tunestudio.gui.run.trust import TrustStore, UserCode, confirm_user_code

    code = tmp_path / "my_data.py"
    code.write_text("def load():\n    pass\n")
    asked: list[str] = []

    def read_and_refuse() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(10, read_and_refuse)
            return
        asked.append(box.text())  # type: ignore[attr-defined]
        box.reject()  # type: ignore[attr-defined]

    QTimer.singleShot(0, read_and_refuse)
    assert not confirm_user_code(None, [UserCode("data", code)], TrustStore(tmp_path / "t"))
    assert asked == ["这个项目从一个 Python 文件运行它的数据："], asked
