"""export_model writes the model as it predicts: in eval mode (dropout off, batch norm on its
running statistics) whatever mode it was handed in, and leaves it in eval mode on the CPU."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from tunestudio.engine.model_export import export_model, onnx_missing


def _trained_in_train_mode() -> nn.Module:
    """Batch norm whose running statistics are far from a batch's own, and heavy dropout: a
    traced graph in training mode would give other (and random) outputs."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Dropout(0.5), nn.Linear(16, 3))
    with torch.no_grad():
        model(torch.randn(256, 12) * 4 + 2)
    return model.train()


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_a_model_handed_in_training_mode_is_exported_in_eval_mode(fmt: str,
                                                                  tmp_path: Path) -> None:
    if fmt == "onnx" and onnx_missing():
        pytest.skip("onnx/onnxscript not installed (pip install 'tunestudio[onnx]')")
    model = _trained_in_train_mode()
    x = torch.randn(8, 12)
    with torch.no_grad():
        want = model.eval()(x).numpy()
    model.train()
    out = tmp_path / f"model.{fmt}"
    export_model(model, x[:2], out, fmt)  # type: ignore[arg-type]
    assert not any(m.training for m in model.modules())
    if fmt == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loaded = torch.jit.load(str(out))  # type: ignore[no-untyped-call]
        with torch.no_grad():
            got = [loaded(x).numpy() for _ in range(2)]
    else:
        onnxruntime = pytest.importorskip("onnxruntime")
        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        got = [session.run(None, {"input": x.numpy()})[0] for _ in range(2)]
    for predicted in got:
        assert np.allclose(predicted, want, rtol=1e-4, atol=1e-5)


def test_onnx_weights_over_the_inline_limit_go_to_a_file_beside_the_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Protobuf caps an ONNX file at 2 GB: weights over the limit (here lowered to between
    the model's float32 bytes and 16 times them) are written beside it and still load."""
    if onnx_missing():
        pytest.skip("onnx/onnxscript not installed (pip install 'tunestudio[onnx]')")
    from tunestudio.engine import model_export

    model = _trained_in_train_mode()
    size = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    x = torch.randn(4, 12)
    with torch.no_grad():
        want = model.eval()(x).numpy()
    monkeypatch.setattr(model_export, "_ONNX_MAX_INLINE_BYTES", size - 1)
    files = export_model(model, x[:2], tmp_path / "big.onnx", "onnx")
    assert len(files) == 2 and files[1].name.startswith("big.onnx.data")
    onnxruntime = pytest.importorskip("onnxruntime")
    session = onnxruntime.InferenceSession(str(files[0]), providers=["CPUExecutionProvider"])
    assert np.allclose(session.run(None, {"input": x.numpy()})[0], want, rtol=1e-4, atol=1e-5)
    monkeypatch.setattr(model_export, "_ONNX_MAX_INLINE_BYTES", 2 * size)
    assert export_model(model, x[:2], tmp_path / "small.onnx", "onnx") == \
        [tmp_path / "small.onnx"]
