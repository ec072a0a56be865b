"""The plain step kernel (see engine.step_kernel): one trial's own module, its torch optimiser,
autograd, a GradScaler under float16 mixed precision, and augmentation; the lone fit's way.

Speed: the data sets live as tensors on the device and batches are drawn by index permutation
(no DataLoader, no per-batch Python collation); only a user's Datasets and image folders too
large for the device come through a DataLoader (engine.loader_data), beside that path. On an
accelerator nothing here reads a value back from the device (see step_recorder). Train metrics
are computed from the outputs the steps produced anyway (kept on the device, evaluated at the
next evaluation), so they cost no extra forward pass."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

from tunestudio.config import CNNModel, RunConfig, TorchvisionModel
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.data import Splits
from tunestudio.engine.dataset import DataError
from tunestudio.engine.loader_data import (
    LoaderSplits,
    eval_loader,
    loader_outputs,
    to_device,
    train_loader,
)
from tunestudio.engine.metrics import TrainWindow, predict, trial_metrics
from tunestudio.engine.models import check_output
from tunestudio.engine.optimizers import l1_penalty, penalised_weights
from tunestudio.engine.trial import Trial, all_finite

# torchvision architectures whose steps were shorter in channels-last memory on a 2-core CPU
# (Adam, 2 threads; NCHW / channels-last step time, 3 rounds at 3x64x64 batch 16 and 2 at
# 3x32x32 batch 32): the depthwise and grouped convolutions of mobilenet_v2 1.39-2.43x,
# mobilenet_v3_small 1.27-2.33x, mobilenet_v3_large 1.38-2.27x, efficientnet_b0 1.34-2.65x,
# efficientnet_b1 1.34-2.50x, regnet_y_400mf 1.16-1.56x, shufflenet_v2_x0_5 1.19-1.76x,
# densenet121 1.12-1.27x. Left in NCHW, where the layout did not pay in every round: the
# resnets (0.83-1.25x), convnext_tiny (0.93-1.14x), regnet_x_400mf (0.95-1.22x) and
# shufflenet_v2_x1_0 (0.93-1.36x).
CHANNELS_LAST_TORCHVISION = frozenset({
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
    "efficientnet_b1", "regnet_y_400mf", "shufflenet_v2_x0_5", "densenet121",
})


def channels_last_pays(config: RunConfig, device: str) -> bool:
    """Whether a lone trial of `config` trains its model in channels-last memory on `device`:
    on the CPU, the built-in CNN and the torchvision architectures of
    CHANNELS_LAST_TORCHVISION, where oneDNN's convolutions, batch norm and pooling take their
    vectorised paths in that layout (the images template's CNN at batch 64 with Adam: 18.1 ->
    11.0 ms a step on one thread, 11.4 -> 6.6 ms on two, 12.6 -> 9.4 ms for 3-channel
    images). The fused grouped convolutions already train so
    (engine.fused.stacked.GroupedConvStack). A user's model stays as it is (a `view` of its
    activations would fail on channels-last tensors), as does every model on an accelerator
    (not measured there). Values agree with the other layout to float rounding."""
    if device != "cpu":
        return False
    model = config.model
    return isinstance(model, CNNModel) or (
        isinstance(model, TorchvisionModel) and model.name in CHANNELS_LAST_TORCHVISION)


class PlainKernel:
    """Steps of one built trial (`Trial.build` has run) on its device; `amp`: bfloat16 (or
    float16 with a GradScaler) autocast on CUDA, set on the trial for its evaluations."""

    def __init__(self, trial: Trial, amp: bool = False):
        assert trial.model is not None and trial.datasets is not None
        self.trial = trial
        self.device = trial.device
        if channels_last_pays(trial.config, self.device):
            # the parameters keep their identity (their data is swapped), so an optimiser
            # already built over them, and its state, stay valid (torch's stub of Module.to
            # lacks the documented memory_format argument)
            trial.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.order = [0]
        data = trial.datasets
        self._params = [p for p in trial.model.parameters() if p.requires_grad]
        self._uniform_grads = len({(p.dtype, p.device) for p in self._params}) == 1
        self._python_norm = self.device == "cpu" and self._uniform_grads
        self._l1_weights = penalised_weights(trial.model) if trial.config.optimizer.l1 else []
        if isinstance(data, Splits):  # the fast path: tensors on the device
            self._x_train, self._y_train = self._tensor(data.x_train), self._tensor(data.y_train)
            self._x_val, self._y_val = self._tensor(data.x_val), self._tensor(data.y_val)
        else:
            self._x_train = self._y_train = self._x_val = self._y_val = torch.empty(0)
        bounds = batch_bounds(data.n_train, trial.config.training.batch_size)
        self._sizes = [end - start for start, end in bounds]
        self._window = TrainWindow(len(bounds))
        if amp:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            trial.autocast = lambda: torch.autocast("cuda", dtype=dtype)
            if dtype == torch.float16:
                trial.scaler = torch.amp.GradScaler("cuda")
        self.check_grad = trial.scaler is None
        self._first_step_finite: list[torch.Tensor | bool] | None = None
        self._train_loader: Iterable[Any] | None = None
        self._val_loader: Iterable[Any] | None = None

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        a = a if a.flags.writeable and a.flags.c_contiguous else np.array(a)
        return torch.from_numpy(a).to(self.device)

    # --- the contract ------------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[int, Any]]:
        """One epoch's steps as (batch size, `(xb, yb)`) in the trial's own batch order (its
        generator), the model in training mode."""
        trial = self.trial
        assert trial.datasets is not None and trial.model is not None
        trial.model.train()
        for xb, yb in self.epoch_batches(trial.datasets.n_train, self._sizes,
                                         trial.state.generator):
            yield len(yb), (xb, yb)

    def set_lr(self, rates: np.ndarray) -> None:
        """Set the row's learning rate `rates[0]` on every parameter group of the trial's
        optimiser."""
        assert self.trial.optimizer is not None
        lr = float(rates[0])
        for group in self.trial.optimizer.param_groups:
            group["lr"] = lr

    def step(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor | float]:
        """One optimisation step on the batch (`train_batch`): the data loss `(1,)` and the gradient
        norm before clipping (a tensor on the device, or a float on the CPU)."""
        loss, norm = self.train_batch(*batch)
        return loss.reshape(1), norm

    def evaluate(self) -> dict[str, torch.Tensor]:
        """The running training loss and metrics and, where there is a validation split, the
        validation loss and metrics, `(1,)` tensors on the device."""
        trial = self.trial
        data, cfg = trial.datasets, trial.config
        assert data is not None and trial.model is not None and trial.loss_fn is not None
        values = self._window.values(cfg.task, data.target_std)
        if not data.n_val:
            return values
        if isinstance(data, LoaderSplits):
            if self._val_loader is None:
                self._val_loader = eval_loader(data, "val", cfg.training.num_workers,
                                               self.device)
            out, target = loader_outputs(trial.model, self._val_loader, self.device, cfg.task,
                                         trial.autocast)
        else:
            out, target = predict(trial.model, self._x_val, trial.autocast), self._y_val
        with torch.inference_mode():
            values["val_loss"] = trial.loss_fn(out, target).reshape(1)
            values.update(trial_metrics(cfg.task, out.unsqueeze(0), target, data.target_std,
                                        "val"))
        return values

    def sync(self, row: int, member: Trial) -> None:
        """Nothing to do: the trial's own model and optimiser are the ones trained."""

    def retire(self, row: int) -> None:
        """The trial has ended: its DataLoaders end (`close`)."""
        self.close()

    def select(self, rows: list[int]) -> None:
        """Nothing to do for `[0]`, the one row; raises ValueError for any other selection."""
        if rows != [0]:
            raise ValueError("a lone trial's kernel keeps its one row")

    def first_step_checks(self, row: int) -> Sequence[torch.Tensor | bool] | None:
        """Whether the first step's inputs, targets, output and loss were finite (None before
        it)."""
        return self._first_step_finite

    def train_tensors(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The training inputs and targets on the device, or None where a DataLoader streams
        them."""
        return None if isinstance(self.trial.datasets, LoaderSplits) else (self._x_train,
                                                                            self._y_train)

    def release(self) -> None:
        """Drop the optimiser, the metric window and the data tensors, and end the DataLoaders
        (after running out of device memory)."""
        self.trial.optimizer = None
        self._window.clear()
        self._x_train = self._y_train = self._x_val = self._y_val = torch.empty(0)
        self.close()

    def close(self) -> None:
        """End the DataLoaders (their worker processes end with them)."""
        self._train_loader = self._val_loader = None

    # --- one trial's steps (the LR finder draws them too) --------------------------------------

    def epoch_batches(self, n_train: int, sizes: list[int], generator: torch.Generator
                      ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of (inputs, targets) batches on the device: drawn by index permutation
        from the device tensors, or from the DataLoader (the same permutation rule)."""
        trial = self.trial
        if isinstance(trial.datasets, LoaderSplits):
            if self._train_loader is None:
                self._train_loader = train_loader(
                    trial.datasets, trial.config.training.batch_size,
                    trial.config.training.num_workers, self.device, generator)
            try:
                for batch in self._train_loader:
                    yield to_device(batch, self.device, trial.config.task)
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
        """One optimisation step on the training samples `idx` (indices into the device
        tensors) at the optimiser's current LR; see `train_batch`."""
        return self.train_batch(self._x_train.index_select(0, idx),
                                self._y_train.index_select(0, idx))

    def train_batch(self, xb: torch.Tensor, yb: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor | float]:
        """One optimisation step on inputs `xb` `(B, ...)` and targets `yb` `(B,)` on the
        device (augmented first when configured) at the optimiser's current LR; returns the
        batch's data loss (on the device) and the gradient norm before clipping (on the
        device, or a float on the CPU where reading it costs nothing)."""
        trial = self.trial
        model, opt = trial.model, trial.optimizer
        assert model is not None and opt is not None and trial.loss_fn is not None
        n = len(yb)
        if trial.augmentation is not None:
            xb = trial.augmentation(xb)
        for p in self._params:  # as zero_grad(set_to_none=True), without its dynamo guard
            p.grad = None
        if trial.autocast is not None:
            with trial.autocast():
                output = model(xb)
        else:
            output = model(xb)
        first = trial.step == 0
        if first:
            check_output(output, n, trial.datasets.n_outputs if trial.datasets else 1,
                         trial.config.task)
        loss = trial.loss_fn(output, yb)
        if first:  # kept on the device, read only if the first step is not finite
            self._first_step_finite = [all_finite(xb), all_finite(yb), all_finite(output),
                                       all_finite(loss)]
        total = loss
        if self._l1_weights:
            total = loss + trial.config.optimizer.l1 * l1_penalty(self._l1_weights)
        scaler = trial.scaler
        if scaler is not None:
            torch.autograd.backward(scaler.scale(total))
            scaler.unscale_(opt)
        else:
            torch.autograd.backward(total)
        norm = self._grad_norm()
        clip = trial.config.training.grad_clip_norm
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
