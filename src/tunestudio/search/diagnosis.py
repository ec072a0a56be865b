"""What a trial's stored curves say (overfitting, LR too high or too low, vanishing or exploding
gradients) and what to try next: the engine's diagnostics (numpy only, no torch), reached by the
GUI through the search layer like every other question about trials."""

from tunestudio.engine.diagnostics import Finding, diagnose

__all__ = ["Finding", "diagnose"]
