"""The project: a baseline run config, its experiments and where their history is stored."""

from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from tunestudio.config.checkpoints import CheckpointSettings
from tunestudio.config.common import (
    ConfigModel,
    check_metric_for_task,
    field,
    unmeasured_reason,
)
from tunestudio.config.dotted import resolve
from tunestudio.config.program import ProgramConfig, value_problem
from tunestudio.config.run import RunConfig
from tunestudio.config.search import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    SearchDefinition,
    baseline_value,
)
from tunestudio.errors import TuneStudioError
from tunestudio.messages import N_

SCHEMA_VERSION = 3
IN_EXPERIMENT = N_("Validation", "experiment '{name}': {problem}")


def objective_problem(search: SearchDefinition, config: RunConfig, experiment: str = ""
                      ) -> str | None:
    """Why a search could never measure what it optimises on runs of `config` (the baseline, or
    a trial's merged config), or None. The message starts with the field to change
    (`data.val_fraction`), so editors mark it. The objective's metric also feeds the pruner;
    the second objective, training time, is always measured."""
    metric = search.objective.metric
    if config.program is not None:  # a program measures what it prints; nothing to foresee
        return None
    if unmeasured_reason(metric, config.data.has_validation) is None:
        return None
    users = "search.objective.metric"
    if search.pruner.kind != "none":
        users = N_("Validation", "search.objective.metric, also watched by the {pruner} "
                   "pruner").format(pruner=search.pruner.kind)
    who = N_("Validation", "experiment '{name}'").format(name=experiment) if experiment \
        else N_("Validation", "the search")
    return N_("Validation", "data.val_fraction is 0 (no validation split), so {who} never "
              "measures its objective '{metric}' ({users}): every trial would train, then "
              "fail; hold out a validation split (e.g. data.val_fraction 0.2)").format(
        who=who, metric=metric, users=users)


def program_search_problem(search: SearchDefinition, program: ProgramConfig) -> str | None:
    """Why a search cannot run on this program, or None: each dimension must name one of its
    parameters, with a type that fits; several seeds need the parameter that takes the seed."""
    names = ", ".join(f"params.{p.name}" for p in program.parameters) or \
        N_("Validation", "none declared")
    for dim in search.dimensions:
        name = dim.parameter
        if name is None:
            return N_("Validation", "{path} is a built-in field; the baseline is a program, "
                      "which never sees it: search its parameters ({names})").format(
                path=dim.path, names=names)
        try:
            parameter = program.parameter(name)
        except KeyError:
            return N_("Validation", "{path}: the program has no parameter '{name}' (its "
                      "parameters: {names}); declare it under baseline.program.parameters"
                      ).format(path=dim.path, name=name, names=names)
        if isinstance(dim, FloatDimension) and parameter.type != "float":
            if parameter.type == "int":
                return N_("Validation", "{path} is an int parameter; use an int dimension"
                          ).format(path=dim.path)
            return N_("Validation", "{path} is a {kind} parameter; use a categorical dimension"
                      ).format(path=dim.path, kind=parameter.type)
        if isinstance(dim, IntDimension) and parameter.type not in ("int", "float"):
            return N_("Validation", "{path} is a {kind} parameter; use a categorical dimension"
                      ).format(path=dim.path, kind=parameter.type)
        values = dim.choices if isinstance(dim, CategoricalDimension) \
            else dim.grid_values() if parameter.choices is not None else []
        for value in values:
            problem = value_problem(parameter, value)
            if problem is not None:
                return N_("Validation", "{path}: {problem}").format(path=dim.path,
                                                                    problem=problem)
    if search.repeats > 1 and not program.seed_parameter:
        return N_("Validation", "repeats is {repeats}, but the program takes no seed: name the "
                  "parameter that does as baseline.program.seed_parameter, or set repeats to 1"
                  ).format(repeats=search.repeats)
    return None


class Experiment(ConfigModel):
    """One experiment of a project: a search on the project's baseline, with the notes that make it
    an experiment (goal, hypothesis and expected result written before it runs, conclusion
    after). Its name is unique within the project (`Project` raises ValueError otherwise) and
    keys its trial history."""

    name: str = field("experiment", "Unique name of the experiment within the project.",
                      min_length=1, max_length=80)
    goal: str = field("", "What is being optimised (accuracy, compute, a new technique).",
                      advice="State the goal first.")
    hypothesis: str = field("", "What you expect to happen and why, e.g. 'a wider network "
                            "raises validation accuracy'.")
    expected_result: str = field("", "The result you expect, written before running.")
    conclusion: str = field("", "What happened and why, written after the run.",
                            advice="Reflect: which knob moved the result most? Did the result "
                            "match the expectation, and why?")
    search: SearchDefinition = field(SearchDefinition(), "The search itself.")


class Project(ConfigModel):
    """A TuneStudio project, as a `*.tuneproj` file holds it: the baseline run config, its
    experiments, where their trial history is stored and which checkpoints are kept. Validation
    raises ValueError when `schema_version` is not the current one (`projectfile.migrate` brings
    an older file forward first), experiment names repeat, or an experiment does not fit the
    baseline: an objective the baseline never measures (not a metric of its task, or no
    validation split), a dimension on a field the baseline's variant lacks (unless the search
    varies that section's `kind` too), a program parameter without a program baseline, or, with
    one, a dimension that does not fit the program's parameters (`program_search_problem`)."""

    schema_version: int = field(SCHEMA_VERSION, "Version of the project file format.")
    id: uuid.UUID = Field(default_factory=uuid.uuid4,
                          description="Identity of the project; keys its default database.")
    name: str = field("Untitled", "Name of the project.", min_length=1, max_length=120)
    baseline: RunConfig = field(RunConfig(), "The baseline every experiment starts from.")
    experiments: list[Experiment] = field([], "Experiments, in the order they were created.")
    storage_url: str = field(
        "", "SQLAlchemy URL of the trial history; empty = a local SQLite file in the data dir.",
    )
    notes: str = field("", "Free notes.")
    checkpoints: CheckpointSettings = field(CheckpointSettings(),
                                            "Trial checkpoints: what is kept, and how often.")

    def experiment(self, name: str) -> Experiment:
        """The experiment named `name`. Raises KeyError, listing the project's experiments,
        when none has that name."""
        for exp in self.experiments:
            if exp.name == name:
                return exp
        known = ", ".join(e.name for e in self.experiments) or "none"
        raise KeyError(f"no experiment named '{name}'; the project has: {known}")

    def experiment_name(self, name: str | None) -> str:
        """The experiment a command means: the named one, or the project's first. Raises
        TuneStudioError when the project has none, or none of that name (listing them)."""
        if not self.experiments:
            raise TuneStudioError("the project has no experiments; add one in the app or the "
                                  "file")
        if name is None:
            return self.experiments[0].name
        try:
            return self.experiment(name).name
        except KeyError as exc:
            raise TuneStudioError(str(exc.args[0])) from None

    @model_validator(mode="after")
    def _experiments_fit_baseline(self) -> Project:
        if self.schema_version != SCHEMA_VERSION:
            raise ValueError(N_("Validation", "schema_version must be {version}").format(
                version=SCHEMA_VERSION))
        names = [e.name for e in self.experiments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(N_("Validation", "experiment names repeat: {names}").format(
                names=", ".join(dupes)))
        task = self.baseline.task
        for exp in self.experiments:
            if self.baseline.program is not None:
                problem = program_search_problem(exp.search, self.baseline.program)
                if problem is not None:
                    raise ValueError(IN_EXPERIMENT.format(name=exp.name, problem=problem))
                continue
            try:
                check_metric_for_task(exp.search.objective.metric, task)
            except ValueError as exc:
                raise ValueError(N_("Validation", "experiment '{name}': objective: {problem}"
                                    ).format(name=exp.name, problem=exc.args[0])) from None
            problem = objective_problem(exp.search, self.baseline, exp.name)
            if problem is not None:
                raise ValueError(N_("Validation", "baseline.{problem}").format(problem=problem))
            searched = {d.path for d in exp.search.dimensions}
            for dim in exp.search.dimensions:
                if dim.parameter is not None:
                    raise ValueError(N_(
                        "Validation", "experiment '{name}': {path} names a program "
                        "parameter, but the baseline has no program; set baseline.program or "
                        "search a built-in field").format(name=exp.name, path=dim.path))
                leaf = resolve(RunConfig, dim.path)
                section = dim.path.rsplit(".", 1)[0]
                if (
                    leaf.variants
                    and baseline_value(self.baseline, dim.path) is None
                    and f"{section}.kind" not in searched
                ):
                    current = baseline_value(self.baseline, f"{section}.kind")
                    raise ValueError(N_(
                        "Validation", "experiment '{name}': {path} does not exist for "
                        "{section} kind '{kind}' (only {kinds}); change the baseline's "
                        "{section}.kind or search over it too").format(
                        name=exp.name, path=dim.path, section=section, kind=str(current),
                        kinds=", ".join(leaf.variants)))
        return self


