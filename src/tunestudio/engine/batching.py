"""How an epoch is cut into batches. Every sample is seen once per epoch (no dropped remainder);
a lone last sample joins the previous batch, because batch norm cannot normalise one sample."""

from __future__ import annotations

from tunestudio.config import RunConfig


def batch_bounds(n_train: int, batch_size: int) -> list[tuple[int, int]]:
    """[start, end) of each batch of one epoch over a permutation of `n_train` samples."""
    if n_train < 1:
        raise ValueError("the training split is empty")
    count = -(-n_train // batch_size)
    if count > 1 and n_train % batch_size == 1:
        count -= 1
    bounds = [(i * batch_size, (i + 1) * batch_size) for i in range(count - 1)]
    bounds.append(((count - 1) * batch_size, n_train))
    return bounds


def steps_per_epoch(config: RunConfig, n_train: int) -> int:
    """Optimiser steps per epoch: the training batches of `n_train` samples at the configured batch
    size (see `batch_bounds`)."""
    return len(batch_bounds(n_train, config.training.batch_size))


def total_steps(config: RunConfig, n_train: int) -> int:
    """Steps of the whole run as configured (early stopping may end it sooner)."""
    return config.training.epochs * steps_per_epoch(config, n_train)
