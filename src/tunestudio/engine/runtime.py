"""Process-wide settings for training: the CPU thread count, a one-off warm-up, and (through
engine.host_memory, once) how the C allocator keeps large freed buffers.

Thread count: small models are dominated by per-operation overhead, and on a 2-core machine one
torch thread trained the digits MLP faster than two (the second thread only adds hand-off cost
and competes with the GUI and the run's bookkeeping threads), while a step with much arithmetic
(a fused group of wide MLPs, a wide trial's large batch) ran up to 1.8x faster on two. So:
`TUNESTUDIO_TORCH_THREADS` when set; else, on a machine of at most 2 logical CPUs, 1 thread for a
step of fewer than PARALLEL_MACS forward multiply-accumulates (engine.step_work) and torch's
default beside it for larger ones; on larger machines torch's own default (one per physical
core), which suits the larger models such machines are used for. A process that is one of N
training side by side (`--workers N`, `share_cores`) counts 1/N of that default as its own. The
setting is applied in the thread that trains, at each fit's setup, because OpenMP keeps a thread
count per calling thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import torch

from tunestudio.config import AdamOptimizer, SGDOptimizer
from tunestudio.engine.host_memory import keep_freed_memory
from tunestudio.engine.optimizers import build_optimizer
from tunestudio.errors import TuneStudioError

THREADS_ENV = "TUNESTUDIO_TORCH_THREADS"

_warm_lock = threading.Lock()
_warmed = False
_optimizers_warmed = False
_default_threads = torch.get_num_threads()
_slots = 1  # processes of this machine training side by side, this one among them (share_cores)

# A step of at least this many forward multiply-accumulates trains on every core of a 2-core
# CPU. Measured there (seconds per step through the whole loop, digits MLPs of two hidden
# layers, one thread -> two): 16 trials of width 64, batch 32 (4.5 M): 0.94 -> 0.86 ms; one of
# width 400, batch 32 (6.1 M): 0.94 -> 0.81; 2 of width 430 (14 M): 1.61 -> 1.02; 4 of width
# 300, batch 128 (57 M): 4.3 -> 2.5; below it, e.g. width 200, batch 32 (1.8 M), 0.56 -> 0.54,
# and width 64, batch 128 (1.1 M), 0.50 -> 0.50. In a whole run the second thread's spinning
# also takes CPU from the bookkeeping threads: two threads for every step made the digits
# template's 400-trial Bayesian search one at a time 1.2x slower (92 s against 75), where by
# this threshold it took what one thread takes (72.5-75.1 s against 73.3-74.1) and fused
# 30.7 s against 38.5.
PARALLEL_MACS = 4e6


def torch_threads(macs_per_step: float | None = None) -> int:
    """The intra-op thread count training on the CPU uses (see the module docstring) for steps
    of `macs_per_step` forward multiply-accumulates (None: unknown, counted as small)."""
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
    own = _own_threads()
    if (os.cpu_count() or 1) <= 2:
        large = macs_per_step is not None and macs_per_step >= PARALLEL_MACS
        return own if large else 1
    return own


def _own_threads() -> int:
    """torch's default thread count, this process's share of it (`share_cores`)."""
    return max(1, _default_threads // _slots)


def share_cores(slots: int) -> None:
    """This process is one of `slots` training side by side on this machine (`--workers N`):
    each counts `slots`-th of torch's default thread count as its own (at least 1), so that N
    processes do not each start a thread per core and oversubscribe the CPU (torch's default
    ignores the other processes). Applied by the next `apply_torch_threads`."""
    global _slots
    _slots = max(1, int(slots))


def counts_step_work() -> bool:
    """Whether the thread count depends on a step's arithmetic here (a machine of at most 2
    logical CPUs without `TUNESTUDIO_TORCH_THREADS`): elsewhere its count is not worth taking."""
    return (os.cpu_count() or 1) <= 2 and not os.environ.get(THREADS_ENV, "").strip() \
        and _own_threads() > 1


def apply_step_threads(models: Sequence[torch.nn.Module], batch_sizes: Sequence[int],
                       data: object, device: str) -> int:
    """Set the calling thread's thread count for trials training `models` side by side (one
    per trial, with its batch size) on `device` from `data` (engine.data.Splits; anything else,
    e.g. streamed batches, counts as a small step): the step's multiply-accumulates are
    counted (engine.step_work) only where they decide it (`counts_step_work`)."""
    if device != "cpu" or not counts_step_work():
        return apply_torch_threads()
    from tunestudio.engine.step_work import step_macs

    x_train = getattr(data, "x_train", None)
    n_train = len(x_train) if x_train is not None else 0
    macs = None if x_train is None else step_macs(
        models, [min(b, n_train) for b in batch_sizes], x_train)
    return apply_torch_threads(macs)


def apply_torch_threads(macs_per_step: float | None = None) -> int:
    """Set the thread count for the calling thread (`torch_threads`) for steps of
    `macs_per_step` forward multiply-accumulates; cheap when already set. Also, once per
    process, the allocator's treatment of large freed buffers (engine.host_memory)."""
    keep_freed_memory()
    wanted = torch_threads(macs_per_step)
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
