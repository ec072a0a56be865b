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
