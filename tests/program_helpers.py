"""Projects whose baseline is a small stdlib-only Python script, run through the real runner."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path
from typing import Any

from tunestudio.config import (
    Budget,
    CategoricalDimension,
    Experiment,
    FloatDimension,
    Objective,
    Project,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    save_project,
)
from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.config.search import Condition
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, RunSummary
from tunestudio.search.storage import open_store
from tunestudio.store import TrialRow


def program_project(folder: Path, script: str | None, dims: list[Any], *,
                    parameters: list[ProgramParameter], strategy: str = "tpe",
                    trials: int | None = 6, pruner: PrunerConfig | None = None,
                    metric: str = "val_acc", name: str = "train.py", seed: int | None = 3,
                    project_name: str = "prog", **program: Any) -> tuple[Project, Path]:
    """A project whose baseline runs `script` (dedented, written to `folder/name`; None: no
    file written, e.g. a command naming a missing file) as `python NAME`, or `command` when
    given in `program`; one experiment "e". Saved as `folder/<project_name>.tuneproj`."""
    if script is not None:
        (folder / name).write_text(textwrap.dedent(script), encoding="utf-8")
    config = ProgramConfig(**{"command": f"python {name}", "parameters": parameters,
                              "grace_s": 1.0, **program})
    search = SearchDefinition(strategy=strategy, dimensions=dims, budget=Budget(trials=trials),
                              pruner=pruner or PrunerConfig(kind="none"),
                              objective=Objective(metric=metric), sampler_seed=seed)
    project = Project(name=project_name, baseline=RunConfig(program=config),
                      experiments=[Experiment(name="e", search=search)])
    path = folder / f"{project_name}.tuneproj"
    save_project(project, path)
    return project, path


LR_DIMS = [FloatDimension(path="params.lr", low=1e-3, high=0.1, log=True)]
LR_PARAMS = [ProgramParameter(name="lr", default=0.01)]


def lr_program_project(folder: Path, script: str | None, *, trials: int = 1,
                       project_name: str = "prog", **program: Any) -> Path:
    """A program baseline with one parameter `--lr` searched at random (log scale, 1e-3 to
    0.1, sampler seed 0) for `trials` trials, objective val_acc: the window's tests' project.
    Returns the project file."""
    return program_project(folder, script, list(LR_DIMS), parameters=list(LR_PARAMS),
                           strategy="random", trials=trials, seed=0,
                           project_name=project_name, **program)[1]


# A conditional search: momentum applies to SGD only, beta1 to Adam only; the objective is
# the momentum for SGD and 1 - |beta1 - 0.8| for Adam, so the grid's best is Adam, beta1 0.8.
BRANCHES = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--kind", default="sgd")
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--beta1", type=float, default=0.9)
    a = p.parse_args()
    print(f"epoch 1 val_acc={a.momentum if a.kind == 'sgd' else 1.0 - abs(a.beta1 - 0.8)}")
"""
BRANCH_DIMS = [CategoricalDimension(path="params.kind", choices=["sgd", "adam"]),
               FloatDimension(path="params.momentum", low=0.0, high=0.99, values=[0.0, 0.9],
                              condition=Condition(path="params.kind", values=["sgd"])),
               FloatDimension(path="params.beta1", low=0.5, high=0.99, values=[0.8, 0.9, 0.95],
                              condition=Condition(path="params.kind", values=["adam"]))]
BRANCH_PARAMS = [ProgramParameter(name="kind", type="str", default="sgd"),
                 ProgramParameter(name="momentum", default=0.0),
                 ProgramParameter(name="beta1", default=0.9)]


def conditional_project(folder: Path, *, strategy: str = "grid", trials: int | None = None,
                        seed: int | None = 3) -> tuple[Project, Path]:
    """The conditional search above over `BRANCHES` (the grid: 2 SGD + 3 Adam trials)."""
    return program_project(folder, BRANCHES, list(BRANCH_DIMS),
                           parameters=list(BRANCH_PARAMS), strategy=strategy, trials=trials,
                           seed=seed)


def run(project: Project, path: Path, hooks: list[RunnerHooks] | None = None,
        stop: threading.Event | None = None, trusted: bool = True) -> RunSummary:
    return ExperimentRunner(project, "e", base_dir=path.parent,
                            options=RunOptions(run_programs=trusted), hooks=hooks,
                            stop_event=stop, project_path=path).run()


def rows(project: Project) -> list[TrialRow]:
    store = open_store(project)
    try:
        exp = store.experiment("e")
        assert exp is not None
        return store.trials(exp.id)
    finally:
        store.close()


def pid_alive(pid: int) -> bool:
    """Alive and not a zombie (a zombie's stat state is Z)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"
