"""The document: validated drafts, undo/redo and the dirty marker, saving, recovery copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tunestudio.config import from_template, load_project
from tunestudio.errors import TuneStudioError
from tunestudio.gui.common.document import ProjectDocument, recovery_newer_than_file


def test_invalid_value_is_kept_with_pydantic_message(qtbot: QtBot) -> None:
    doc = ProjectDocument.from_project(from_template("digits"))
    assert doc.is_valid and not doc.is_dirty
    with qtbot.waitSignal(doc.validity_changed):
        doc.set_value("baseline.optimizer.lr", -0.01)
    assert not doc.is_valid and doc.project is None and doc.is_dirty
    assert doc.problems == [("baseline.optimizer.lr", "Input should be greater than 0")]
    doc.undo_stack.undo()
    assert doc.is_valid and not doc.is_dirty
    doc.undo_stack.redo()
    assert doc.value("baseline.optimizer.lr") == -0.01


def test_edits_of_one_field_merge_into_one_undo_step() -> None:
    doc = ProjectDocument.from_project(from_template("digits"))
    for text in ("H", "Hy", "Hyp"):
        doc.set_value("experiments.0.hypothesis", text)
    doc.set_value("baseline.training.epochs", 5)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.value("experiments.0.hypothesis") == from_template(
        "digits").experiments[0].hypothesis


def test_save_is_atomic_and_refused_while_invalid(tmp_path: Path) -> None:
    doc = ProjectDocument.from_project(from_template("digits"))
    with pytest.raises(TuneStudioError, match="choose where"):
        doc.save()
    target = tmp_path / "p"  # the suffix is added
    doc.set_value("baseline.training.epochs", 7)
    saved = doc.save(target)
    assert saved.name == "p.tuneproj" and not doc.is_dirty
    assert load_project(saved).baseline.training.epochs == 7
    doc.set_value("baseline.training.epochs", 0)
    with pytest.raises(TuneStudioError, match=r"invalid fields \(baseline.training.epochs\)"):
        doc.save()
    assert load_project(saved).baseline.training.epochs == 7


def test_experiments_are_added_with_unique_names() -> None:
    doc = ProjectDocument.from_project(from_template("digits"))
    first = doc.add_experiment()
    second = doc.add_experiment()
    copy = doc.add_experiment(0)
    names = doc.experiment_names()
    assert names[first] == "experiment" and names[second] == "experiment-2"
    assert names[copy] == "bayes-lr-wd-width-batch-copy"
    assert doc.is_valid
    doc.remove_experiment(first)
    assert "experiment" not in doc.experiment_names()


def test_recovery_copy_keeps_unsaved_even_invalid_edits(tmp_path: Path) -> None:
    path = tmp_path / "p.tuneproj"
    doc = ProjectDocument.from_project(from_template("digits"))
    doc.save(path)
    assert doc.write_recovery() is None  # nothing unsaved
    doc.set_value("baseline.optimizer.lr", -1.0)
    recovery = doc.write_recovery()
    assert recovery is not None and recovery.parent.parent.name == "cache"
    assert json.loads(recovery.read_text())["draft"]["baseline"]["optimizer"]["lr"] == -1.0
    before = path.read_bytes()
    reopened = ProjectDocument.open(path)
    assert recovery_newer_than_file(reopened)
    assert reopened.restore_recovery()
    assert reopened.value("baseline.optimizer.lr") == -1.0 and reopened.is_dirty
    assert path.read_bytes() == before  # the project file is only written by save
    reopened.discard_recovery()
    assert not recovery_newer_than_file(reopened)


def test_an_objective_without_a_validation_split_is_a_problem_of_val_fraction() -> None:
    """The editor refuses what `validate` refuses: the problem is placed on the field to fix
    and names the experiment's objective."""
    doc = ProjectDocument.from_project(from_template("digits"))
    doc.set_value("baseline.early_stopping.monitor", "train_loss")
    assert doc.is_valid
    doc.set_value("baseline.data.val_fraction", 0.0)
    assert not doc.is_valid
    [(where, message)] = doc.problems
    assert where == "baseline.data.val_fraction"
    objective = from_template("digits").experiments[0].search.objective.metric
    assert f"objective '{objective}'" in message
