"""A fine-tuned trial's stored model needs only its checkpoint: once the pretrained weights file
(`model.weights_path`) is deleted, the model still loads, the confusion matrix and the test
split still run, and export-model still writes and checks its file."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tiny_projects import tiny_project
from tunestudio.config import Budget, Project, PythonModel
from tunestudio.engine.models import build_model
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.model_export import export_trial_model
from tunestudio.search.stored_model import (
    load_stored_model,
    stored_confusion,
    stored_test_evaluation,
)

MODEL_FILE = '''
from torch import nn

def build_model(input_shape, n_outputs):
    channels = input_shape[0]
    return nn.Sequential(
        nn.Conv2d(channels, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Flatten(), nn.Linear(8 * input_shape[1] * input_shape[2], n_outputs))
'''


def fine_tuned(folder: Path) -> Project:
    """The tiny digits project whose model starts from `pretrained.pt` with a frozen
    backbone (the file written here, as a user's earlier training would)."""
    (folder / "model.py").write_text(MODEL_FILE, encoding="utf-8")
    base = tiny_project({"budget": Budget(trials=1)}, epochs=2)
    search = base.experiments[0].search
    dims = [d for d in search.dimensions if d.path == "optimizer.lr"]
    experiment = base.experiments[0].model_copy(update={
        "search": search.model_copy(update={"dimensions": dims})})
    pretrained = build_model(PythonModel(path="model.py"), (1, 8, 8), 10, folder)
    torch.save(pretrained.state_dict(), folder / "pretrained.pt")
    spec = PythonModel(path="model.py", weights_path="pretrained.pt", freeze="backbone")
    return Project.model_validate(base.model_copy(update={
        "baseline": base.baseline.model_copy(update={"model": spec}),
        "experiments": [experiment]}).model_dump())


def test_a_fine_tuned_trial_loads_without_its_pretrained_file(tmp_path: Path) -> None:
    project = fine_tuned(tmp_path)
    ExperimentRunner(project, project.experiments[0].name, base_dir=tmp_path).run()
    store = open_store(project)
    [row] = store.trials()
    store.close()
    assert row.state == "complete", row.message
    before = load_stored_model(project, row.id, base_dir=tmp_path)
    assert before.trainer.model is not None
    weights = {k: v.clone() for k, v in before.trainer.model.state_dict().items()}

    (tmp_path / "pretrained.pt").unlink()
    after = load_stored_model(project, row.id, base_dir=tmp_path)
    assert after.trainer.model is not None
    reloaded = after.trainer.model.state_dict()
    assert weights.keys() == reloaded.keys()
    assert all(torch.equal(weights[k], reloaded[k]) for k in weights)
    # the trial's config is reported as it trained, pretrained file included
    assert getattr(after.config.model, "weights_path", None) == "pretrained.pt"

    cm = stored_confusion(project, row.id, base_dir=tmp_path)
    assert row.objective is not None
    assert cm.matrix.trace() / cm.matrix.sum() == pytest.approx(row.objective, abs=1e-6)
    tested = stored_test_evaluation(project, row.id, base_dir=tmp_path)
    assert tested.test_metrics is not None and 0 < tested.test_metrics["test_accuracy"] <= 1
    for fmt in ("state_dict", "torchscript"):
        out = tmp_path / f"model.{fmt}"
        done = export_trial_model(project, row.number, out, fmt,
                                  base_dir=tmp_path)
        assert out.is_file() and done.checked > 50 and done.same_predictions is True
