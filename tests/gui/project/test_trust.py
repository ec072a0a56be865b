"""A project naming a user Python file runs it only after the user trusts that file; the
answer is remembered by content hash; opening a project never runs code."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, fast_project, table_states
from tunestudio.config import (
    CategoricalDimension,
    DataConfig,
    DatasetFileData,
    PythonModel,
    save_project,
)
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.run.trust import TrustStore, user_code_files

MODEL = '''
from pathlib import Path

import torch

Path(__file__).with_name("ran.txt").write_text("imported")


def build_model(input_shape, n_outputs):
    size = 1
    for d in input_shape:
        size *= d
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(size, n_outputs))
'''


def user_model_project(folder: Path, trials: int = 1) -> Path:
    (folder / "my_model.py").write_text(MODEL)
    project = fast_project(trials=trials)
    baseline = project.baseline.model_copy(update={"model": PythonModel(path="my_model.py")})
    path = folder / "user.tuneproj"
    save_project(project.model_copy(update={"baseline": baseline,
                                            "experiments": project.experiments[:1]}), path)
    return path


def test_user_code_files_lists_baseline_and_searched_kinds(tmp_path: Path) -> None:
    project = fast_project()
    assert user_code_files(project, "three", tmp_path) == []
    search = project.experiments[0].search.model_copy(update={"dimensions": [
        CategoricalDimension(path="model.kind", choices=["mlp", "python"])]})
    experiments = [project.experiments[0].model_copy(update={"search": search})]
    files = user_code_files(project.model_copy(update={"experiments": experiments}), "three",
                            tmp_path)
    assert [(f.role, f.path) for f in files] == [("model", (tmp_path / "model.py").resolve())]


def test_a_dataset_file_needs_trust_too(tmp_path: Path) -> None:
    project = fast_project()
    data = DataConfig(source=DatasetFileData(path="sets.py"))
    baseline = project.baseline.model_copy(update={"data": data})
    files = user_code_files(project.model_copy(update={"baseline": baseline}), "three", tmp_path)
    assert [(f.role, f.path) for f in files] == [("data", (tmp_path / "sets.py").resolve())]


def test_trust_is_remembered_by_content_hash(tmp_path: Path) -> None:
    code = tmp_path / "m.py"
    code.write_text("x = 1\n")
    store = TrustStore()
    assert not store.is_trusted(code)
    store.trust(code)
    assert store.is_trusted(code) and TrustStore().is_trusted(code)
    code.write_text("x = 2\n")
    assert not store.is_trusted(code)
    assert not store.is_trusted(tmp_path / "missing.py")


def test_user_model_asks_before_its_first_run_and_refused_runs_nothing(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    path = user_model_project(tmp_path)
    marker = tmp_path / "ran.txt"
    assert window.session.open_project(path) and window.document is not None
    assert not marker.exists()  # opening never runs code
    database = Path(window.document.storage_url().removeprefix("sqlite:///"))
    assert window.project_view is not None
    assert window.workspace is not None
    window.workspace.show_page("Trials")
    answer_box("Don't run")
    assert not window.runs.start()
    assert len(answer_box.seen) == 1
    name, text = answer_box.seen[0]
    assert name == "trustDialog" and str((tmp_path / "my_model.py").resolve()) in text
    assert not window.controller.is_running and not marker.exists()
    assert table_states(window) == []
    assert any("not trusted" in t.message.text for t in window.notifications.toasts())
    # trusted: it runs, and is not asked about again while the file is unchanged
    answer_box("Trust and run")
    with qtbot.waitSignal(window.controller.run_finished, timeout=180_000):
        assert window.runs.start()
    assert len(answer_box.seen) == 2
    assert marker.exists()
    qtbot.waitUntil(lambda: table_states(window) == ["complete"], timeout=10_000)
    assert TrustStore().is_trusted(tmp_path / "my_model.py")
    assert database.exists()
    # an edited file is asked about again
    with qtbot.waitSignal(window.controller.run_finished, timeout=180_000):
        assert window.runs.start()  # unchanged: not asked again
    assert len(answer_box.seen) == 2
    (tmp_path / "my_model.py").write_text(MODEL + "\n# edited\n")
    answer_box("Don't run")
    assert not window.runs.start()
    assert len(answer_box.seen) == 3 and not window.controller.is_running
