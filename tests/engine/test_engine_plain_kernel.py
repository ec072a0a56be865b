"""The plain step kernel (engine/plain_kernel.py), the lone fit's way: on the CPU the
built-in CNN and the torchvision architectures measured faster so train in channels-last
memory, stepping as in torch's default layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from image_helpers import write_folder

from tunestudio.config import (
    AugmentConfig,
    CNNModel,
    ConstantSchedule,
    DataConfig,
    ImageFolderData,
    MLPModel,
    RunConfig,
    TorchvisionModel,
    TrainingConfig,
)
from tunestudio.engine import Trainer


def _config(root: Path, epochs: int) -> RunConfig:
    return RunConfig(
        data=DataConfig(source=ImageFolderData(path=str(root), channels=1, loading="device"),
                        val_fraction=0.25, test_fraction=0.0,
                        augment=AugmentConfig(crop_padding=1, rotation=5.0)),
        model=CNNModel(channels=[4], hidden=8),
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=epochs, batch_size=8, device="cpu"),
    )


def test_a_lone_cnn_trains_in_channels_last_memory_with_the_same_steps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the CPU the built-in CNN trains alone in channels-last memory (oneDNN's fast paths:
    about 40 % shorter steps), stepping as in the other layout to float rounding; its
    checkpoint's weights load into a fresh model of either layout."""
    import torch
    from engine_helpers import Recorder

    from tunestudio.engine import plain_kernel

    root = write_folder(tmp_path / "imgs")
    config = _config(root, epochs=3).model_copy(
        update={"model": CNNModel(channels=[4, 4], hidden=8)})
    fast, plain = Recorder(), Recorder()
    trainer = Trainer(config, hooks=[fast])
    assert trainer.fit().ok
    assert trainer.model is not None
    convs = [m for m in trainer.model.modules()  # one input channel: either layout at once
             if isinstance(m, torch.nn.Conv2d) and m.in_channels > 1]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last)
                         and not c.weight.is_contiguous() for c in convs)
    real = plain_kernel.channels_last_pays
    monkeypatch.setattr(plain_kernel, "channels_last_pays", lambda *args: False)
    other = Trainer(config, hooks=[plain])
    assert other.fit().ok and other.model is not None
    assert all(m.weight.is_contiguous() for m in other.model.modules()
               if isinstance(m, torch.nn.Conv2d))
    assert [s.loss for s in fast.steps] == pytest.approx([s.loss for s in plain.steps],
                                                         rel=1e-4)
    state = trainer.model.state_dict()
    other.model.load_state_dict(state)
    for name, value in other.model.state_dict().items():
        assert torch.equal(value, state[name]), name
    # the built-in CNN and the torchvision models measured faster so, on the CPU only
    def pays(model: object, device: str = "cpu") -> bool:
        return real(config.model_copy(update={"model": model}), device)

    assert pays(config.model) and not pays(config.model, "cuda")
    assert not pays(MLPModel(width=8))
    assert pays(TorchvisionModel(name="mobilenet_v3_small"))
    assert not pays(TorchvisionModel(name="resnet18"))
