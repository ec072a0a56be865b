"""Fused trials: several configs of one shape signature trained at once as one model (weights
stacked on a trial axis), each still an ordinary trial with its own events and outcome."""

from tunestudio.engine.fused.signature import (
    fuse_signature,
    fusion_obstacle,
    group_shape,
    hand_fused_mlp,
    signature_difference,
    unpadded_widths,
)
from tunestudio.engine.fused.stacked import FusionError
from tunestudio.engine.fused.trainer import FusedTrainer, GroupOutOfMemoryError

__all__ = [
    "FusedTrainer",
    "FusionError",
    "GroupOutOfMemoryError",
    "fuse_signature",
    "fusion_obstacle",
    "group_shape",
    "hand_fused_mlp",
    "signature_difference",
    "unpadded_widths",
]
