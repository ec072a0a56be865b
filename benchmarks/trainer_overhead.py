"""What our Trainer costs over a plain PyTorch loop (Lightning's "parity" figure).

Trains the digits template's MLP three ways on the same data, model, optimiser (the same fused
implementation) and batch size, for the same epochs:
  ours        Trainer.fit with every event on: a hook receives each step, evaluation and epoch.
  bare        a hand-written loop over tensors with index-permutation batches that measures
              what ours reports: each step's loss and global gradient norm (the numbers the
              curves show), and the validation loss and accuracy after each epoch.
  dataloader  the same loop, with batches from DataLoader(TensorDataset(x, y), shuffle=True)
              over host tensors, each batch sent to the device (the usual pattern).
For reference it also runs `minimal`: the bare loop measuring nothing (no loss read-back, no
gradient norm, no validation), the floor no useful loop gets under.

Runs alternate in rotating order, several rounds; each figure is the median over rounds of the
paired ratio within a round, so drift in machine load cancels out. On the CPU the time is the
process's CPU time (other processes on a busy machine do not count against a run); on CUDA it is
wall-clock time after a device synchronisation.

Prints one line per device, and as its last line one JSON object with `ratio_vs_bare` (ours /
bare; goal >= 0.97) and `ratio_vs_dataloader` (ours / dataloader; goal >= 3) for the CPU, and
every figure per device under "devices" (CUDA too, where a GPU is available).

    python benchmarks/trainer_overhead.py [--epochs 5] [--rounds 21]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tunestudio.config import RunConfig, from_template, merge_values
from tunestudio.engine import (
    EvalEvent,
    FitResult,
    FitStartEvent,
    Splits,
    StepEvent,
    Trainer,
    TrainerHooks,
    Trial,
    build_model,
    load_splits,
    torch_threads,
    warm_up,
)
from tunestudio.engine.optimizers import build_optimizer
from tunestudio.engine.runtime import apply_torch_threads

Batch = tuple[torch.Tensor, torch.Tensor]



def benchmark_config(epochs: int) -> RunConfig:
    """The digits template with a fixed length: constant LR, no early stopping."""
    return merge_values(from_template("digits").baseline, {
        "schedule.kind": "constant", "schedule.warmup_epochs": 0.0,
        "training.epochs": epochs, "early_stopping.enabled": False,
    })


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


class EveryEvent(TrainerHooks):
    """Receives every event and times the loop from fit start to fit end."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.steps = self.evals = self.epochs = 0
        self.loss = 0.0
        self.t0 = self.t1 = 0.0

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        self.t0 = self.clock()

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        self.steps += 1
        self.loss = event.loss

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        self.epochs += 1

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        self.evals += 1

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        _sync(result.device)
        self.t1 = self.clock()


def run_ours(config: RunConfig, data: Splits, device: str, clock: Callable[[], float]
             ) -> float:
    hook = EveryEvent(clock)
    result = Trainer(config, hooks=[hook], device=device, datasets=data).fit()
    if result.status != "completed" or hook.steps != result.steps:
        raise RuntimeError(f"benchmark run ended {result.status}: {result.message}")
    return hook.t1 - hook.t0


def _plain_parts(config: RunConfig, data: Splits, device: str
                 ) -> tuple[nn.Module, torch.optim.Optimizer, list[torch.Tensor]]:
    torch.manual_seed(config.training.seed)
    model = build_model(config.model, data.input_shape, data.n_outputs).to(device)
    opt = build_optimizer(config.optimizer, model.parameters())
    tensors = [torch.from_numpy(a).to(device)
               for a in (data.x_train, data.y_train, data.x_val, data.y_val)]
    return model, opt, tensors


def _validate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    with torch.inference_mode():
        out = model(x)
        loss = nn.functional.cross_entropy(out, y)
        accuracy = (out.argmax(1) == y).float().mean()
        values = torch.stack([loss, accuracy]).tolist()
    model.train()
    return values[0], values[1]


Batches = Callable[[], Iterable[Batch]]  # one epoch of batches


def _plain_loop(config: RunConfig, data: Splits, device: str, clock: Callable[[], float],
                make_batches: Callable[[torch.Tensor, torch.Tensor], Batches],
                measure: bool) -> float:
    """A hand-written loop; with `measure`, it records what our StepEvents and EvalEvents
    carry (loss, gradient norm, validation loss and accuracy)."""
    model, opt, (x, y, xv, yv) = _plain_parts(config, data, device)
    params = [p for p in model.parameters() if p.requires_grad]
    epoch_batches = make_batches(x, y)
    log: list[tuple[float, float]] = []
    model.train()
    _sync(device)
    t0 = clock()
    for _ in range(config.training.epochs):
        for xb, yb in epoch_batches():
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves it unannotated
            if measure:
                norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
                log.append((loss.item(), norm.item()))
            opt.step()
        if measure:
            _validate(model, xv, yv)
    _sync(device)
    return clock() - t0


def permutation_batches(config: RunConfig, device: str
                        ) -> Callable[[torch.Tensor, torch.Tensor], Batches]:
    """Index-permutation batches of tensors already on the device."""
    def make(x: torch.Tensor, y: torch.Tensor) -> Batches:
        gen = torch.Generator().manual_seed(config.training.seed)
        bs = config.training.batch_size

        def epoch() -> Iterator[Batch]:
            perm = torch.randperm(len(y), generator=gen).to(device)
            for i in range(0, len(y), bs):
                idx = perm[i:i + bs]
                yield x[idx], y[idx]

        return epoch

    return make


def loader_batches(config: RunConfig, device: str
                   ) -> Callable[[torch.Tensor, torch.Tensor], Batches]:
    """The usual DataLoader pattern: a dataset of host tensors, each batch sent to the
    device (pinned memory on CUDA)."""
    def make(x: torch.Tensor, y: torch.Tensor) -> Batches:
        gen = torch.Generator().manual_seed(config.training.seed)
        loader = DataLoader(TensorDataset(x.cpu(), y.cpu()), shuffle=True, generator=gen,
                            batch_size=config.training.batch_size,
                            pin_memory=device.startswith("cuda"))

        def epoch() -> Iterator[Batch]:
            for xb, yb in loader:
                yield xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)

        return epoch

    return make


def measure(device: str, epochs: int, rounds: int) -> dict[str, float]:
    config = benchmark_config(epochs)
    data = load_splits(config.data)
    samples = data.n_train * epochs
    clock = time.process_time if device == "cpu" else time.perf_counter
    runners: dict[str, Callable[[], float]] = {
        "ours": lambda: run_ours(config, data, device, clock),
        "bare": lambda: _plain_loop(config, data, device, clock,
                                    permutation_batches(config, device), measure=True),
        "dataloader": lambda: _plain_loop(config, data, device, clock,
                                          loader_batches(config, device), measure=True),
        "minimal": lambda: _plain_loop(config, data, device, clock,
                                       permutation_batches(config, device), measure=False),
    }
    for run in runners.values():  # untimed: caches, allocator, lazy imports
        run()
    throughput: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            throughput[name].append(samples / runners[name]())

    def paired(other: str) -> float:
        return statistics.median(o / b for o, b in zip(throughput["ours"], throughput[other],
                                                       strict=True))

    figures: dict[str, float] = {f"{name}_samples_per_s": round(statistics.median(values))
                                 for name, values in throughput.items()}
    figures.update(ratio_vs_bare=round(paired("bare"), 4),
                   ratio_vs_dataloader=round(paired("dataloader"), 3),
                   ratio_vs_minimal=round(paired("minimal"), 4))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--devices", nargs="*", default=None,
                        help="devices to measure (default: cpu, and cuda:0 when available)")
    args = parser.parse_args(argv)
    devices = args.devices or (["cpu", "cuda:0"] if torch.cuda.is_available() else ["cpu"])
    apply_torch_threads()
    warm_up()
    results: dict[str, dict[str, float]] = {}
    for device in devices:
        figures = measure(device, args.epochs, args.rounds)
        results[device] = figures
        print(f"{device}: samples/s ours {figures['ours_samples_per_s']:.0f}, bare "
              f"{figures['bare_samples_per_s']:.0f}, DataLoader "
              f"{figures['dataloader_samples_per_s']:.0f}, minimal "
              f"{figures['minimal_samples_per_s']:.0f}; ours / bare "
              f"{figures['ratio_vs_bare']:.3f}, / DataLoader "
              f"{figures['ratio_vs_dataloader']:.2f}, / minimal "
              f"{figures['ratio_vs_minimal']:.3f}")
    head = results.get("cpu") or next(iter(results.values()))
    print(json.dumps({
        "benchmark": "trainer_overhead",
        "ratio_vs_bare": head["ratio_vs_bare"],
        "ratio_vs_dataloader": head["ratio_vs_dataloader"],
        "epochs": args.epochs,
        "rounds": args.rounds,
        "torch": torch.__version__,
        "cpu_threads": torch_threads(),
        "devices": results,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
