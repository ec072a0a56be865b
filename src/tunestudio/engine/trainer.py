"""The training loop. One validated config trains on one device and reports every step and
evaluation through hooks; whatever happens, `fit` returns a FitResult.

Speed: the data sets live as tensors on the device and batches are drawn by index permutation
(no DataLoader, no per-batch Python collation); only a user's Datasets and image folders too
large for the device come through a DataLoader (engine.loader_data), beside that path. On an
accelerator nothing in the loop reads a value back from the device except in batched flushes
(see step_recorder). Train metrics are computed from the outputs the steps produced anyway (kept
on the device, evaluated at the next evaluation), so they cost no extra forward pass."""

from __future__ import annotations

import contextlib
import gc
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tunestudio.config import RunConfig
from tunestudio.engine import checkpoint
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.data import Splits
from tunestudio.engine.dataset import DataError
from tunestudio.engine.devices import resolve_device
from tunestudio.engine.events import (
    FitResult,
    FitStatus,
    StepEvent,
    TrainerHooks,
)
from tunestudio.engine.loader_data import (
    LoaderSplits,
    eval_loader,
    load_data,
    loader_outputs,
    to_device,
    train_loader,
)
from tunestudio.engine.metrics import (
    TrainWindow,
    evaluate_tensors,
    gather,
    metric_tensors,
)
from tunestudio.engine.models import check_output
from tunestudio.engine.optimizers import l1_penalty, penalised_weights
from tunestudio.engine.runtime import apply_torch_threads
from tunestudio.engine.step_recorder import Divergence, StepRecorder, buffered_for
from tunestudio.engine.trial import (
    Trial,
    all_finite,
    classify,
    determinism,
    is_out_of_memory,
    overriding,
)
from tunestudio.messages import TRAINED


class Trainer(Trial):
    """Trains `config` once: a Trial (see engine.trial) that trains itself. `resume` is a
    checkpoint state (engine.checkpoint.load) to continue from at its epoch; one that does not
    fit this config makes the fit fail before its first step. `datasets` may be given to skip
    loading (k-fold). The other arguments are `Trial`'s. After `setup()` (called by `fit`),
    `model`, `device` and `datasets` are ready for the evaluation helpers."""

    def __init__(self, config: RunConfig, *, hooks: Sequence[TrainerHooks] = (),
                 base_dir: Path | None = None, device: str | None = None,
                 seed: int | None = None, stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None, step_events: bool = True,
                 datasets: Splits | LoaderSplits | None = None,
                 resume: Mapping[str, Any] | None = None):
        super().__init__(config, hooks=hooks, base_dir=base_dir, device=device, seed=seed,
                         stop_event=stop_event, pause_event=pause_event,
                         step_events=step_events, datasets=datasets)
        self.resume = resume
        self.start_epoch = 0
        self._ready = False
        self._fitted = False
        self._train_loader: Iterable[Any] | None = None
        self._val_loader: Iterable[Any] | None = None

    # --- setup -----------------------------------------------------------------------------

    def setup(self) -> None:
        """Load data, build model, optimiser and schedule on the device (once)."""
        if self._ready:
            return
        cfg = self.config
        apply_torch_threads()
        self.device = resolve_device(self.device)
        if self.datasets is None:
            self.datasets = load_data(cfg.data, self.base_dir, self.device)
        data = self.datasets
        amp = cfg.training.mixed_precision and self.device.startswith("cuda")
        self.build(data, self.device, half_outputs=amp)
        assert self.model is not None
        self._params = [p for p in self.model.parameters() if p.requires_grad]
        self._uniform_grads = len({(p.dtype, p.device) for p in self._params}) == 1
        self._l1_weights = penalised_weights(self.model) if cfg.optimizer.l1 else []
        if isinstance(data, Splits):  # the fast path: tensors on the device
            self._x_train, self._y_train = self._tensors(data.x_train, data.y_train)
            self._x_val, self._y_val = self._tensors(data.x_val, data.y_val)
        else:
            self._x_train = self._y_train = self._x_val = self._y_val = torch.empty(0)
        self._spe = self.steps_per_epoch
        # (batch size, loss, outputs, indices) of recent steps, for the running train metrics
        self._window = TrainWindow(self._spe)
        if amp:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            self.autocast = lambda: torch.autocast("cuda", dtype=dtype)
            if dtype == torch.float16:
                self.scaler = torch.amp.GradScaler("cuda")
        self._python_norm = self.device == "cpu" and self._uniform_grads
        self._ready = True

    def _tensors(self, x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        def move(a: np.ndarray) -> torch.Tensor:
            a = a if a.flags.writeable and a.flags.c_contiguous else np.array(a)
            return torch.from_numpy(a).to(self.device)
        return move(x), move(y)

    # --- fit -------------------------------------------------------------------------------

    def fit(self) -> FitResult:
        """Train once. Never raises for a training problem: bad data, a failing user file,
        divergence, running out of memory and stop requests all come back as the result's
        status and message. (KeyboardInterrupt and other BaseExceptions do propagate, after
        the on_exception hooks.) A Trainer fits once; make a new one for another run."""
        if self._fitted:
            raise RuntimeError("this Trainer has already run fit(); create a new Trainer")
        self._fitted = True
        self.start_clock()
        status: FitStatus = "completed"
        message, trace = "", None
        try:
            with determinism(self.config):
                self.setup()
                status, message = self._train()
        except BaseException as exc:
            for hook in self.hooks:
                with contextlib.suppress(Exception):
                    hook.on_exception(self, exc)
            if not isinstance(exc, Exception):
                raise
            if is_out_of_memory(exc):
                self._release()
            status, message, trace = classify(exc, self.config, self.device)
        # DataLoader worker processes end with their loaders, not when the Trainer is collected
        self._train_loader = self._val_loader = None
        result = self.result(status, message, trace)
        for hook in self.hooks:
            hook.on_fit_end(self, result)
        return result

    def _release(self) -> None:
        """Free device memory after running out of it."""
        self.optimizer = None
        self._window.clear()
        self._x_train = self._y_train = self._x_val = self._y_val = torch.empty(0)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # --- the loop --------------------------------------------------------------------------

    def _train(self) -> tuple[FitStatus, str]:
        cfg = self.config
        assert self.model is not None and self.optimizer is not None
        assert self.schedule is not None and self.datasets is not None
        data = self.datasets
        bounds = batch_bounds(data.n_train, cfg.training.batch_size)
        epochs = cfg.training.epochs
        self.start_fit(data.n_train, data.n_val, epochs * len(bounds))

        on_step = overriding(self.hooks, "on_step_end")
        emit: Callable[[int, StepEvent], None] | None = None
        if self.step_events and on_step:
            def emit(_: int, event: StepEvent) -> None:
                for call in on_step:
                    call(self, event)

        self._recorder = StepRecorder(buffered_for(self.device), emit,
                                      lambda _, d: self.note_divergence(d),
                                      check_grad=self.scaler is None, clock=self.wall_s)
        self.step_flusher = self._recorder.flush
        if self.resume is not None:
            self.start_epoch = checkpoint.restore(self, self.resume)
        self._first_step_finite: list[torch.Tensor | bool] | None = None
        self.model.train()
        self._run_steps(bounds)
        self._recorder.flush()
        if self.divergence is not None:
            return self._diverged(self.divergence)
        if self.stop_requested is not None:
            return self.stop_requested
        if self.stop_event is not None and self.stop_event.is_set():
            return "stopped", "stop requested"
        if not self.evaluated:
            self._evaluate()
            if self.divergence is not None:
                return self._diverged(self.divergence)
        if self.stop_requested is not None:  # a hook may ask for it at the final evaluation
            return self.stop_requested
        return "completed", TRAINED.format(epochs=epochs, steps=self.step)

    def _run_steps(self, bounds: list[tuple[int, int]]) -> None:
        """The epochs and steps; returns at the end, at a stop, or at divergence."""
        cfg = self.config
        assert self.optimizer is not None and self.schedule is not None
        assert self.datasets is not None
        n_train = self.datasets.n_train
        every, by_step = cfg.evaluation.every, cfg.evaluation.unit == "step"
        on_epoch_end = overriding(self.hooks, "on_epoch_end")
        pause_ev = self.pause_event
        lr_now = math.nan
        sizes = [end - start for start, end in bounds]
        for epoch in range(self.start_epoch, cfg.training.epochs):
            for xb, yb in self.epoch_batches(n_train, sizes, self.state.generator):
                n = len(yb)
                if self.stop_due():
                    return
                if pause_ev is not None and pause_ev.is_set():
                    self._wait_while_paused()
                    if self.stop_due():
                        return
                lr = self.schedule.lr(self.step)
                if lr != lr_now:
                    for group in self.optimizer.param_groups:
                        group["lr"] = lr
                    lr_now = lr
                loss, norm = self.train_batch(xb, yb)
                self.step += 1
                self._recorder.record(self.step, epoch, n, (lr,), loss, norm)
                if self.divergence is not None:
                    return
                if by_step and self.step % every == 0:
                    self._evaluate()
            if not by_step and (epoch + 1) % every == 0:
                self._evaluate()
            for call in on_epoch_end:
                call(self, epoch)

    def epoch_batches(self, n_train: int, sizes: list[int], generator: torch.Generator
                       ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of (inputs, targets) batches on the device: drawn by index permutation
        from the device tensors, or from the DataLoader (the same permutation rule)."""
        if isinstance(self.datasets, LoaderSplits):
            if self._train_loader is None:
                self._train_loader = train_loader(
                    self.datasets, self.config.training.batch_size,
                    self.config.training.num_workers, self.device, generator)
            try:
                for batch in self._train_loader:
                    yield to_device(batch, self.device, self.config.task)
            except RuntimeError as exc:
                if "stack expects each tensor to be equal size" in str(exc):
                    raise DataError(f"the Dataset's samples differ in shape ({exc}); resize "
                                    "them to one shape in the Dataset (e.g. torchvision's "
                                    "transforms.Resize)") from None
                raise
            return
        perm = torch.randperm(n_train, generator=generator).to(self.device)
        x, y = self._x_train, self._y_train
        for idx in torch.split(perm, sizes):
            yield x.index_select(0, idx), y.index_select(0, idx)

    def train_step(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | float]:
        """One optimisation step on the training samples `idx` (a tensor of indices into the
        device tensors) at the optimiser's current LR; see `train_batch`. The LR finder
        calls it."""
        return self.train_batch(self._x_train.index_select(0, idx),
                                self._y_train.index_select(0, idx))

    def train_batch(self, xb: torch.Tensor, yb: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor | float]:
        """One optimisation step on inputs `xb` `(B, ...)` and targets `yb` `(B,)` on the
        device (augmented first when configured) at the optimiser's current LR; returns the
        batch's data loss (on the device) and the gradient norm before clipping (on the
        device, or a float on the CPU where reading it costs nothing)."""
        model, opt = self.model, self.optimizer
        assert model is not None and opt is not None
        n = len(yb)
        if self.augmentation is not None:
            xb = self.augmentation(xb)
        for p in self._params:  # as zero_grad(set_to_none=True), without its dynamo guard
            p.grad = None
        if self.autocast is not None:
            with self.autocast():
                output = model(xb)
        else:
            output = model(xb)
        if self.step == 0:
            check_output(output, n, self.datasets.n_outputs if self.datasets else 1,
                         self.config.task)
        assert self.loss_fn is not None
        loss = self.loss_fn(output, yb)
        if self.step == 0:  # kept on the device, read only if the first step is not finite
            self._first_step_finite = [all_finite(xb), all_finite(yb), all_finite(output),
                                       all_finite(loss)]
        total = loss
        if self._l1_weights:
            total = loss + self.config.optimizer.l1 * l1_penalty(self._l1_weights)
        scaler = self.scaler
        if scaler is not None:
            torch.autograd.backward(scaler.scale(total))
            scaler.unscale_(opt)
        else:
            torch.autograd.backward(total)
        norm = self._grad_norm()
        clip = self.config.training.grad_clip_norm
        if clip is not None:
            total_norm = norm if isinstance(norm, torch.Tensor) else torch.tensor(norm)
            torch.nn.utils.clip_grads_with_norm_(self._params, clip, total_norm)
        if scaler is not None:
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()
        self._window.add(n, loss.reshape(1), output.unsqueeze(0), yb)
        return loss, norm

    def _grad_norm(self) -> torch.Tensor | float:
        """Global L2 norm of the gradients. On the CPU the per-tensor norms are combined in
        Python (two fewer operations per step); elsewhere it stays on the device."""
        grads = [p.grad for p in self._params if p.grad is not None]
        if not grads:
            return 0.0
        if self._python_norm:
            return math.sqrt(sum(v.item() ** 2 for v in torch._foreach_norm(grads)))
        if self._uniform_grads:  # about twice as fast as get_total_norm on small models
            norm: torch.Tensor = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
            return norm
        total: torch.Tensor = torch.nn.utils.get_total_norm(grads)
        return total

    def _wait_while_paused(self) -> None:
        self._recorder.flush()
        self.wait_while_paused()
        self._recorder.restart_clock()

    def _diverged(self, d: Divergence) -> tuple[FitStatus, str]:
        train = None if isinstance(self.datasets, LoaderSplits) else (self._x_train,
                                                                       self._y_train)
        return self.diverged(d, self._first_step_finite, train)

    # --- evaluation ------------------------------------------------------------------------

    def _evaluate(self) -> None:
        assert self.model is not None and self.datasets is not None
        assert self.loss_fn is not None
        data, cfg = self.datasets, self.config
        if not self.flush_steps():
            return
        values = {name: value[0] for name, value in
                  self._window.values(cfg.task, data.target_std).items()}
        if data.n_val and isinstance(data, LoaderSplits):
            if self._val_loader is None:
                self._val_loader = eval_loader(data, "val", cfg.training.num_workers,
                                               self.device)
            out, target = loader_outputs(self.model, self._val_loader, self.device, cfg.task,
                                         self.autocast)
            values["val_loss"] = self.loss_fn(out, target)
            values.update(metric_tensors(cfg.task, out, target, data.target_std, "val"))
        elif data.n_val:
            values.update(evaluate_tensors(self.model, self._x_val, self._y_val, cfg,
                                           self.loss_fn, data.target_std, "val",
                                           self.autocast))
        self.report_evaluation(gather(values), self.step / self._spe, self.wall_s())
