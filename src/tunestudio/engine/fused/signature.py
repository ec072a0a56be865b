"""What may train together as one fused model: the shape signature of a config.

Trials fuse when everything that shapes the computation is the same: the data (and its split),
the model's kind and layer structure, the batch size and epochs (so every trial takes the same
steps), the loss, the evaluation cadence, the optimiser kind, the device and precision. What
only changes numbers rides on the trial axis as a tensor or a per-trial object: learning rate
and its schedule, weight decay, L1, momentum / betas / eps / alpha, gradient clipping, label
smoothing, early stopping, the seed (initial weights and batch order), and, for the built-in
MLP, the widths of the hidden layers (padded to the widest, the extra units masked) and
dropout."""

from __future__ import annotations

import json
from typing import Any

from tunestudio.config import MLPModel, RunConfig

# Fields that may differ inside a group, by section of the run config.
_PER_TRIAL: dict[str, frozenset[str]] = {
    "optimizer": frozenset({"lr", "weight_decay", "l1", "momentum", "nesterov", "beta1",
                            "beta2", "eps", "alpha"}),
    "training": frozenset({"seed", "grad_clip_norm", "label_smoothing"}),
}
# Whole sections that are per trial: each trial keeps its own schedule, early stopping and
# hyperparameter schedule (its row of the optimiser's tensors).
_PER_TRIAL_SECTIONS = frozenset({"schedule", "early_stopping", "hyper_schedule"})
_MLP_PER_TRIAL = frozenset({"width", "depth", "hidden_sizes", "init", "dropout"})


def hand_fused_mlp(config: RunConfig) -> bool:
    """True when the built-in MLP trains on the hand-fused batched-matmul path (no batch
    norm): there, hidden widths, initialisation and dropout may differ between trials."""
    return isinstance(config.model, MLPModel) and not config.model.batch_norm


def unpadded_widths(config: RunConfig) -> bool:
    """True when the MLP trains on the hand-written pass (engine/fused/handgrad.py), which
    computes each width of a group without padding: no dropout (a CPU ignores mixed precision),
    so trials of any widths cost a group no more than their own units."""
    return hand_fused_mlp(config) and isinstance(config.model, MLPModel) and \
        config.model.dropout == 0 and not (config.training.mixed_precision and
                                            config.training.device.startswith("cuda"))


def fuse_signature(config: RunConfig) -> str:
    """A key equal for exactly the configs that can train as one fused group (JSON text)."""
    return json.dumps(_shape(config), sort_keys=True)


def group_shape(config: RunConfig) -> str:
    """A key equal for exactly the configs that train in one fused group *and* one class of
    it: the shape signature and, for the built-in MLP, its hidden layer sizes (a group computes
    each set of widths apart, engine/fused/handgrad.py). JSON text."""
    sizes = config.model.layer_sizes if isinstance(config.model, MLPModel) else None
    return json.dumps([fuse_signature(config), sizes])


def signature_difference(a: RunConfig, b: RunConfig) -> list[str]:
    """Dotted paths (e.g. `training.batch_size`) where two configs' signatures differ."""
    flat_a, flat_b = _flatten(_shape(a)), _flatten(_shape(b))
    return sorted(k for k in flat_a.keys() | flat_b.keys() if flat_a.get(k) != flat_b.get(k))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _shape(config: RunConfig) -> dict[str, Any]:
    dumped: dict[str, Any] = config.model_dump(mode="json")
    for section in _PER_TRIAL_SECTIONS:
        dumped.pop(section, None)
    for section, names in _PER_TRIAL.items():
        for name in names:
            dumped[section].pop(name, None)
    dumped["evaluation"].pop("kfold", None)
    # each member augments its own batches with its own settings (or none)
    dumped["data"].pop("augment", None)
    if hand_fused_mlp(config):
        assert isinstance(config.model, MLPModel)
        model = {k: v for k, v in dumped["model"].items() if k not in _MLP_PER_TRIAL}
        model["hidden_layers"] = len(config.model.layer_sizes)
        dumped["model"] = model
    else:
        dumped["model"].pop("init", None)  # each trial initialises its own weights
    return dumped


def fusion_obstacle(config: RunConfig) -> str | None:
    """Why a config cannot train fused at all (with any partner), or None when it can."""
    if config.training.mixed_precision and config.training.device == "mps":
        return "mixed precision trains fused on CUDA only"
    # The fused path draws batches from tensors on the device (an image folder's uint8 images
    # too, normalised inside each trial's model); a DataLoader's batches come one trial at a
    # time, so these sources train alone.
    if config.data.loader_based:
        return "data batched through a DataLoader trains one trial at a time"
    return None
