"""The config's MLP and CNN, their initialisation options, and a user's model file."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
import torch
from torch import nn

from tunestudio.config import CNNModel, MLPModel, PythonModel
from tunestudio.engine import ModelError, build_model
from tunestudio.errors import UserCodeError


def test_mlp_layers_follow_the_config() -> None:
    model = build_model(MLPModel(hidden_sizes=[20, 10], batch_norm=True, dropout=0.1,
                                 activation="gelu"), (1, 8, 8), 3)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(64, 20), (20, 10), (10, 3)]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model.modules()) == 2
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 2
    assert sum(isinstance(m, nn.GELU) for m in model.modules()) == 2
    assert model(torch.zeros(5, 1, 8, 8)).shape == (5, 3)


@pytest.mark.parametrize("channels", [[8], [8, 16], [4, 8, 16, 32]])
def test_cnn_fits_small_images_at_any_depth(channels: list[int]) -> None:
    model = build_model(CNNModel(channels=channels, kernel_size=3), (1, 8, 8), 10)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == channels


def test_cnn_refuses_tabular_data() -> None:
    with pytest.raises(ModelError, match="image-shaped"):
        build_model(CNNModel(), (13,), 3)


@pytest.mark.parametrize("init", ["kaiming_normal", "kaiming_uniform", "xavier_normal",
                                  "xavier_uniform", "orthogonal"])
def test_initialisation_changes_weights_and_zeroes_biases(init: str) -> None:
    torch.manual_seed(0)
    default = build_model(MLPModel(width=256, depth=1), (64,), 10)
    torch.manual_seed(0)
    chosen = build_model(MLPModel(width=256, depth=1, init=init), (64,), 10)
    # the built-in MLP is an nn.Sequential
    first_default, first = cast(nn.Sequential, default)[1], cast(nn.Sequential, chosen)[1]
    assert isinstance(first, nn.Linear) and isinstance(first_default, nn.Linear)
    assert not torch.equal(first.weight, first_default.weight)
    assert torch.count_nonzero(first.bias) == 0
    if init == "kaiming_normal":  # std = gain / sqrt(fan_in) = sqrt(2 / 64)
        assert first.weight.std().item() == pytest.approx((2 / 64) ** 0.5, rel=0.1)


def test_user_model_file(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, n_outputs))\n"
        "def not_a_module(input_shape, n_outputs):\n"
        "    return 'model'\n")
    model = build_model(PythonModel(path="net.py"), (1, 8, 8), 10, tmp_path)
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    with pytest.raises(UserCodeError, match=r"must return a torch.nn.Module"):
        build_model(PythonModel(path="net.py", function="not_a_module"), (1, 8, 8), 10,
                    tmp_path)
    with pytest.raises(UserCodeError, match=r"no function 'missing'.*build_model"):
        build_model(PythonModel(path="net.py", function="missing"), (1, 8, 8), 10, tmp_path)
    with pytest.raises(UserCodeError, match=r"'other.py' not found.*model.path"):
        build_model(PythonModel(path="other.py"), (1, 8, 8), 10, tmp_path)


def test_user_file_with_dataclasses_and_a_broken_import(tmp_path: Path) -> None:
    (tmp_path / "cfg_net.py").write_text(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "import torch\n"
        "@dataclass\n"
        "class Spec:\n"
        "    hidden: int = 8\n"
        "def build_model(input_shape, n_outputs):\n"
        "    spec = Spec()\n"
        "    return torch.nn.Sequential(torch.nn.Linear(input_shape[0], spec.hidden),\n"
        "                               torch.nn.Linear(spec.hidden, n_outputs))\n")
    model = build_model(PythonModel(path="cfg_net.py"), (5,), 2, tmp_path)
    assert model(torch.zeros(1, 5)).shape == (1, 2)
    (tmp_path / "broken.py").write_text("import not_a_real_module_xyz\n")
    with pytest.raises(UserCodeError, match=r"importing model file .* failed.*ModuleNotFound"):
        build_model(PythonModel(path="broken.py"), (5,), 2, tmp_path)
