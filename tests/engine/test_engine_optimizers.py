"""Optimisers of the config, fused where torch can, and the L1 penalty."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tunestudio.config import AdamOptimizer, AdamWOptimizer, RMSpropOptimizer, SGDOptimizer
from tunestudio.engine.optimizers import build_optimizer, l1_penalty, penalised_weights


@pytest.mark.parametrize(("spec", "cls", "extra"), [
    (SGDOptimizer(lr=0.1, momentum=0.8, nesterov=True), torch.optim.SGD,
     {"momentum": 0.8, "nesterov": True}),
    (AdamOptimizer(lr=0.01, beta1=0.8, beta2=0.99), torch.optim.Adam, {"betas": (0.8, 0.99)}),
    (AdamWOptimizer(lr=0.01, weight_decay=0.01), torch.optim.AdamW, {"weight_decay": 0.01}),
    (RMSpropOptimizer(lr=0.01, alpha=0.9), torch.optim.RMSprop, {"alpha": 0.9}),
])
def test_optimiser_matches_torch_defaults_step_for_step(
        spec: SGDOptimizer, cls: type[torch.optim.Optimizer], extra: dict[str, object]) -> None:
    torch.manual_seed(0)
    ours_model = nn.Linear(6, 3)
    ref_model = nn.Linear(6, 3)
    ref_model.load_state_dict(ours_model.state_dict())
    ours = build_optimizer(spec, ours_model.parameters())
    assert type(ours) is cls
    kwargs = {"lr": spec.lr, "weight_decay": spec.weight_decay, **extra}
    # typed as the base Optimizer (its `defaults` dict), called as the subclass it is
    ref = cls(ref_model.parameters(), **kwargs)  # type: ignore[arg-type]
    x = torch.randn(16, 6)
    for _ in range(5):
        for model, opt in ((ours_model, ours), (ref_model, ref)):
            opt.zero_grad()
            model(x).square().mean().backward()
            opt.step()
    torch.testing.assert_close(ours_model.weight, ref_model.weight, rtol=1e-5, atol=1e-6)


def test_l1_penalises_weights_not_biases() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Linear(2, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(-0.5)
    weights = penalised_weights(model)
    assert [tuple(w.shape) for w in weights] == [(2, 2), (1, 2)]
    assert l1_penalty(weights).item() == pytest.approx(0.5 * 6)
