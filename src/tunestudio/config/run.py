"""One complete training run: the baseline of a project, or a trial after sampled values are
merged into it. Cross-field rules live here because they span sections."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from tunestudio.config.common import (
    ConfigModel,
    Task,
    check_metric_for_task,
    field,
    metric_mode,
    unmeasured_reason,
)
from tunestudio.config.data import DataConfig
from tunestudio.config.model import CNNModel, MLPModel, ModelConfig, TorchvisionModel
from tunestudio.config.optim import AdamOptimizer, OptimizerConfig
from tunestudio.config.pbt import HyperChange, check_schedule
from tunestudio.config.program import (
    ParamValue,
    ProgramConfig,
    ProgramParameter,
    value_problem,
)
from tunestudio.config.schedule import CosineSchedule, PlateauSchedule, ScheduleConfig
from tunestudio.config.training import EarlyStoppingConfig, EvaluationConfig, TrainingConfig
from tunestudio.messages import N_

PARAM_PROBLEM = N_("Validation", "params.{name}: {problem}")
AT_FIELD = N_("Validation", "{where}: {problem}")


class RunConfig(ConfigModel):
    """One complete training run: a project's baseline, or a trial's config (the baseline with
    the trial's sampled values merged in: `merge_values`). With `program` set the user's program
    trains instead, with the values of `params`, and the built-in sections go unused.
    Validation raises ValueError, naming the field, when the sections do not fit together: a
    warm-up not shorter than `training.epochs`, a CNN or torchvision model on tabular data, a
    loss or label smoothing that does not fit the task, mixed precision without CUDA, an
    early-stopping or plateau monitor the run never measures, `params` without a program or
    that do not fit its parameters, or a `hyper_schedule` whose steps do not increase or that
    changes a value the optimiser lacks."""

    data: DataConfig = field(DataConfig(), "Data set and split.")
    model: ModelConfig = field(MLPModel(), "Network architecture.")
    optimizer: OptimizerConfig = field(AdamOptimizer(), "Optimiser and regularisation.")
    schedule: ScheduleConfig = field(CosineSchedule(), "Learning-rate schedule.")
    training: TrainingConfig = field(TrainingConfig(), "Training loop.")
    early_stopping: EarlyStoppingConfig = field(EarlyStoppingConfig(), "Early stopping.")
    evaluation: EvaluationConfig = field(EvaluationConfig(), "Evaluation cadence.")
    hyper_schedule: list[HyperChange] = field(
        [], "Optimiser values that change while the run trains, each from a step on (a "
        "population-based training member's schedule, written back); empty = none.")
    program: ProgramConfig | None = field(
        None, "Your own training program, run instead of the built-in training (the sections "
        "above are then unused); empty = the built-in training.",
        json_schema_extra={"program": True})
    params: dict[str, ParamValue] = field(
        {}, "Values of the program's parameters that differ from their defaults (a trial's "
        "sampled values land here).", json_schema_extra={"program": True})

    @property
    def program_values(self) -> dict[str, ParamValue]:
        """Every parameter of the program with the value this run passes: the defaults, then
        `params` over them. Empty for a built-in run."""
        if self.program is None:
            return {}
        return {**self.program.defaults(), **self.params}

    @property
    def task(self) -> Task:
        """Classification or regression, from the data source."""
        return self.data.task

    @property
    def loss_kind(self) -> Literal["cross_entropy", "mse"]:
        """The loss the run trains with: `training.loss`, or for 'auto' cross-entropy on
        classification and mean squared error on regression."""
        if self.training.loss != "auto":
            return self.training.loss
        return "cross_entropy" if self.task == "classification" else "mse"

    @property
    def early_stopping_mode(self) -> Literal["min", "max"]:
        """Whether early stopping wants its monitor low ('min') or high ('max'):
        `early_stopping.mode`, or for 'auto' the metric's own direction (`metric_mode`)."""
        es = self.early_stopping
        return metric_mode(es.monitor) if es.mode == "auto" else es.mode

    @model_validator(mode="before")
    @classmethod
    def _coerce_params(cls, data: object) -> object:
        """A float parameter given 3 holds 3.0, an int one given 3.0 holds 3 (a sampler's or a
        JSON file's numbers), so equal values compare and fingerprint equal."""
        if not isinstance(data, dict):
            return data
        program, params = data.get("program"), data.get("params")
        if isinstance(program, ProgramConfig):
            declared = {p.name: p for p in program.parameters}
        elif isinstance(program, dict) and isinstance(program.get("parameters"), list):
            declared = {}
            for raw in program["parameters"]:
                try:
                    p = raw if isinstance(raw, ProgramParameter) \
                        else ProgramParameter.model_validate(raw)
                except ValueError:
                    continue  # the program's own validation reports it
                declared[p.name] = p
        else:
            return data
        if isinstance(params, dict):
            data = {**data, "params": {k: declared[k].coerce(v) if k in declared else v
                                       for k, v in params.items()}}
        return data

    @model_validator(mode="after")
    def _program_values(self) -> RunConfig:
        if self.program is None:
            if self.params:
                raise ValueError(N_("Validation", "params ({names}) are a program's "
                                    "parameters, but this run has no program; remove them or "
                                    "set program").format(names=", ".join(sorted(self.params))))
            return self
        for name, value in self.params.items():
            try:
                parameter = self.program.parameter(name)
            except KeyError as exc:
                raise ValueError(PARAM_PROBLEM.format(name=name, problem=exc.args[0])) from None
            problem = value_problem(parameter, value)
            if problem is not None:
                raise ValueError(PARAM_PROBLEM.format(name=name, problem=problem))
        return self

    @model_validator(mode="after")
    def _schedule(self) -> RunConfig:
        if self.hyper_schedule:
            check_schedule(self.hyper_schedule, list(type(self.optimizer).model_fields))
        return self

    @model_validator(mode="after")
    def _cross_field(self) -> RunConfig:
        task = self.task
        if self.schedule.warmup_epochs >= self.training.epochs:
            raise ValueError(N_(
                "Validation", "schedule.warmup_epochs ({warmup:g}) must be shorter than "
                "training.epochs ({epochs}); shorten the warm-up or train longer").format(
                warmup=self.schedule.warmup_epochs, epochs=self.training.epochs))
        if isinstance(self.model, CNNModel | TorchvisionModel) \
                and self.data.source.image_shaped is False:
            raise ValueError(N_(
                "Validation", "model.kind: a {kind} model needs image-shaped data (e.g. the "
                "digits set, an image folder, or an .npz with X of shape N x C x H x W); use "
                "an MLP for tabular data").format(kind=self.model.kind))
        loss = self.training.loss
        if loss == "cross_entropy" and task != "classification":
            raise ValueError(N_("Validation", "training.loss cross_entropy needs "
                                "classification data; use mse"))
        if loss == "mse" and task != "regression":
            raise ValueError(N_("Validation", "training.loss mse needs regression data; use "
                                "cross_entropy"))
        if self.training.label_smoothing and self.loss_kind != "cross_entropy":
            raise ValueError(N_("Validation", "training.label_smoothing applies to the "
                                "cross-entropy loss only"))
        if self.training.mixed_precision and self.training.device in ("cpu", "mps"):
            raise ValueError(N_("Validation", "training.mixed_precision needs a CUDA device; "
                                "turn it off or set device to auto or cuda"))
        monitors = [("early_stopping.monitor", self.early_stopping.monitor)]
        if isinstance(self.schedule, PlateauSchedule):
            monitors.append(("schedule.monitor", self.schedule.monitor))
        for where, metric in monitors:
            try:
                check_metric_for_task(metric, task)
            except ValueError as exc:
                raise ValueError(AT_FIELD.format(where=where, problem=exc.args[0])) from None
            reason = unmeasured_reason(metric, self.data.has_validation)
            if reason is not None:
                raise ValueError(AT_FIELD.format(where=where, problem=reason))
        return self
