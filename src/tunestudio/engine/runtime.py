"""Process-wide torch settings: the CPU thread count and a one-off warm-up.

Thread count: small models are dominated by per-operation overhead, and on a 2-core machine one
torch thread trained the digits MLP faster than two (the second thread only adds hand-off cost
and competes with the GUI). So: `TUNESTUDIO_TORCH_THREADS` when set; else 1 thread when the
machine has at most 2 logical CPUs; else torch's own default (one per physical core), which suits
the larger models such machines are used for. The setting is applied in the thread that trains,
because OpenMP keeps a thread count per calling thread."""

from __future__ import annotations

import os
import threading

import torch

from tunestudio.config import AdamOptimizer, SGDOptimizer
from tunestudio.engine.optimizers import build_optimizer
from tunestudio.errors import TuneStudioError

THREADS_ENV = "TUNESTUDIO_TORCH_THREADS"

_warm_lock = threading.Lock()
_warmed = False
_optimizers_warmed = False
_default_threads = torch.get_num_threads()


def torch_threads() -> int:
    """The intra-op thread count training on the CPU uses (see the module docstring)."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise TuneStudioError(f"{THREADS_ENV}={raw!r} is not a positive whole number; "
                                  "set it to e.g. 1 or unset it")
        return value
    if (os.cpu_count() or 1) <= 2:
        return 1
    return _default_threads


def apply_torch_threads() -> int:
    """Set the thread count for the calling thread; cheap when already set."""
    wanted = torch_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
    return wanted


def warm_up(*, scikit_learn: bool = False, optimizers: bool = True) -> None:
    """Pay torch's one-off start-up costs now (the first backward starts autograd; with
    `optimizers`, `warm_optimizers`), and load the data layer, so the first trial starts at
    once. scikit-learn (with SciPy and pandas behind it, about 2 s) is imported only with
    `scikit_learn`: a run imports it only to split data that the disk cache of prepared splits
    does not hold (in its preflight, see engine.split_cache), so a run started again never
    imports it. `optimizers=False` leaves torch.optim's import to the first trial that needs
    it: a fused group builds no torch optimiser, not even for its members' checkpoints
    (`Trial.optimizer`), and a lone trial warms them before its clock starts (`Trainer.fit`).
    Idempotent and thread-safe; the GUI calls it with `scikit_learn` in a worker thread after
    the window shows (a run's own imports held the GUI thread for up to 100 ms at a time while
    the live view drew)."""
    global _warmed
    with _warm_lock:
        if scikit_learn:
            import sklearn.datasets  # the built-in sets
            import sklearn.model_selection  # noqa: F401  (engine.data splits with it)
        if not _warmed:
            import tunestudio.engine.data  # noqa: F401  (the data layer, see above)

            apply_torch_threads()
            layer = torch.nn.Linear(4, 2)
            layer(torch.zeros(3, 4)).square().mean().backward()
            _warmed = True
    if optimizers:
        warm_optimizers()


def warm_optimizers() -> None:
    """Build and step each built-in torch optimiser once: torch.optim's first optimiser
    imports torch._dynamo (about 1 s on a 2-core CPU), which must not count as a trial's
    training time. Idempotent and thread-safe; cheap once done."""
    global _optimizers_warmed
    if _optimizers_warmed:
        return
    with _warm_lock:
        if _optimizers_warmed:
            return
        apply_torch_threads()
        layer = torch.nn.Linear(4, 2)
        for spec in (AdamOptimizer(), SGDOptimizer()):
            opt = build_optimizer(spec, layer.parameters())
            layer(torch.zeros(3, 4)).square().mean().backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        _optimizers_warmed = True


def seed_initialisation(seed: int, device: str) -> None:
    """Seed the generator that a model's initial weights are drawn from (models are built on
    the CPU, then moved). On a CPU-only run that is the CPU generator alone: `torch.manual_seed`
    also queues seeding every accelerator, and each such call records its caller's traceback
    (about 0.3 ms, paid for every trial of a fused group)."""
    if device == "cpu":
        torch.default_generator.manual_seed(seed)
    else:
        torch.manual_seed(seed)
