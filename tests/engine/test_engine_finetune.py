"""torchvision architectures by name, weights from a local checkpoint, and freezing: a
fine-tune with a frozen backbone changes the head's weights and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from image_helpers import write_folder
from torch import nn

from tunestudio.config import (
    ConstantSchedule,
    DataConfig,
    ImageFolderData,
    PythonModel,
    RunConfig,
    TorchvisionModel,
    TrainingConfig,
)
from tunestudio.engine import Trainer
from tunestudio.engine.finetune import ModelError, blocks, freeze, head_name, load_weights
from tunestudio.engine.models import build_model
from tunestudio.engine.torchvision_import import import_torchvision


def test_torchvision_imports_beside_this_torch() -> None:
    torchvision = import_torchvision()
    assert torchvision.__version__.startswith("0.28")


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "efficientnet_b0"])
def test_architectures_build_for_grey_images_and_the_tasks_outputs(name: str) -> None:
    model = build_model(TorchvisionModel(name=name), (1, 16, 16), 7)
    model.eval()
    assert model(torch.rand(2, 1, 16, 16)).shape == (2, 7)


def test_freeze_modes() -> None:
    model = build_model(TorchvisionModel(name="resnet18"), (3, 16, 16), 4)
    assert head_name(model) == "fc"
    assert blocks(model, "fc") == ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"]
    freeze(model, "all_but_last", 1)
    learning = {n.split(".")[0] for n, p in model.named_parameters() if p.requires_grad}
    assert learning == {"layer4", "fc"}
    frozen_bn = [m for n, m in model.named_modules() if n.startswith("layer3")
                 and isinstance(m, nn.BatchNorm2d)]
    assert not frozen_bn  # frozen batch norm layers keep their statistics


def folder_config(root: Path, model: TorchvisionModel | PythonModel) -> RunConfig:
    return RunConfig(
        data=DataConfig(source=ImageFolderData(path=str(root), channels=1),
                        val_fraction=0.25, test_fraction=0.0),
        model=model,
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=1, batch_size=6, device="cpu"),
    )


def test_frozen_backbone_fine_tune_changes_only_the_head(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs", classes=2, per_class=6)
    base = TorchvisionModel(name="mobilenet_v3_small")
    first = Trainer(folder_config(root, base))
    assert first.fit().ok
    assert first.model is not None
    checkpoint = tmp_path / "pretrained.pt"
    torch.save({"model": first.model.state_dict()}, checkpoint)  # keys under "net."
    before = {k: v.clone() for k, v in first.model.state_dict().items()}

    tuned_spec = base.model_copy(update={"weights_path": str(checkpoint), "freeze": "backbone"})
    tuned = Trainer(folder_config(root, tuned_spec))
    tuned.setup()
    assert tuned.model is not None
    loaded = tuned.model.state_dict()
    assert all(torch.equal(loaded[k], before[k]) for k in before if k in loaded)
    result = tuned.fit()
    assert result.ok, result.message
    after = tuned.model.state_dict()
    head = "net.classifier."
    changed = {k for k in before if k in after and not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith(head) for k in changed), sorted(changed)[:5]
    assert {f"{head}3.weight", f"{head}3.bias"} <= changed
    assert not [k for k in before if k not in after and not k.endswith("num_batches_tracked")]


def test_checkpoint_for_other_classes_keeps_a_fresh_head(tmp_path: Path) -> None:
    source = build_model(TorchvisionModel(name="resnet18"), (3, 16, 16), 1000)
    path = tmp_path / "imagenet_like.pt"
    torch.save(source.state_dict(), path)
    target = build_model(TorchvisionModel(name="resnet18"), (1, 16, 16), 5)
    skipped = load_weights(target, str(path), None)
    assert skipped == ["fc.weight", "fc.bias"]
    assert torch.allclose(target.state_dict()["conv1.weight"],
                          source.state_dict()["conv1.weight"].sum(1, keepdim=True))


class NotATensor:
    """An arbitrary object: torch.load(weights_only=True) refuses to unpickle it."""


def test_bad_checkpoints_get_clear_messages(tmp_path: Path) -> None:
    model = build_model(TorchvisionModel(name="resnet18"), (3, 16, 16), 5)
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="not a readable weights file"):
        load_weights(model, str(broken), None)
    other = tmp_path / "other.pt"
    torch.save(build_model(TorchvisionModel(name="mobilenet_v3_small"), (3, 16, 16),
                           5).state_dict(), other)
    with pytest.raises(ModelError, match="do not fit this model"):
        load_weights(model, str(other), None)
    with pytest.raises(ModelError, match="not found"):
        load_weights(model, "missing.pt", tmp_path)
    unsafe = tmp_path / "unsafe.pt"
    torch.save({"model": NotATensor()}, unsafe)  # an arbitrary object is never unpickled
    with pytest.raises(ModelError, match="not a readable weights file"):
        load_weights(model, str(unsafe), None)


USER_MODEL = '''
import torch

def build_model(input_shape, n_outputs):
    c, h, w = input_shape
    return torch.nn.Sequential(torch.nn.Conv2d(c, 4, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(4 * h * w, n_outputs))
'''


def test_user_model_takes_weights_and_freezing(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(USER_MODEL)
    spec = PythonModel(path="net.py")
    first = build_model(spec, (1, 8, 8), 3, tmp_path)
    torch.save(first.state_dict(), tmp_path / "w.pt")
    spec = spec.model_copy(update={"weights_path": "w.pt", "freeze": "backbone"})
    second = build_model(spec, (1, 8, 8), 3, tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(),
                                                 second.state_dict().values(), strict=True))
    assert [n for n, p in second.named_parameters() if p.requires_grad] == ["3.weight", "3.bias"]


def test_safetensors_checkpoint(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.torch")
    source = build_model(TorchvisionModel(name="resnet18"), (3, 16, 16), 5)
    path = tmp_path / "weights.safetensors"
    safetensors.save_file(source.state_dict(), str(path))
    target = build_model(TorchvisionModel(name="resnet18"), (3, 16, 16), 5)
    assert load_weights(target, str(path), None) == []
    assert torch.equal(target.state_dict()["fc.weight"], source.state_dict()["fc.weight"])
