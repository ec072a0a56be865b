"""Projects whose baseline is a small stdlib-only Python script, run through the real runner."""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path
from typing import Any

from tunestudio.config import (
    Budget,
    Experiment,
    Objective,
    Project,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    save_project,
)
from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, RunSummary
from tunestudio.search.storage import open_store
from tunestudio.store import TrialRow


def program_project(folder: Path, script: str, dims: list[Any], *,
                    parameters: list[ProgramParameter], strategy: str = "tpe",
                    trials: int | None = 6, pruner: PrunerConfig | None = None,
                    metric: str = "val_acc", name: str = "train.py", seed: int | None = 3,
                    **program: Any) -> tuple[Project, Path]:
    (folder / name).write_text(textwrap.dedent(script), encoding="utf-8")
    config = ProgramConfig(**{"command": f"python {name}", "parameters": parameters,
                              "grace_s": 1.0, **program})
    search = SearchDefinition(strategy=strategy, dimensions=dims, budget=Budget(trials=trials),
                              pruner=pruner or PrunerConfig(kind="none"),
                              objective=Objective(metric=metric), sampler_seed=seed)
    project = Project(name="prog", baseline=RunConfig(program=config),
                      experiments=[Experiment(name="e", search=search)])
    path = folder / "prog.tuneproj"
    save_project(project, path)
    return project, path


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
