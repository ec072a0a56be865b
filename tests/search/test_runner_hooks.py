"""The run's observers as one (`ExperimentRunner.hooks`): each event reaches, in order, the
observers that override it; an event none overrides is a no-op."""

from __future__ import annotations

from tiny_projects import tiny_project
from tunestudio.search import ExperimentRunner, RunnerHooks


class _Messages(RunnerHooks):
    def __init__(self, name: str, seen: list[str]) -> None:
        self.name, self.seen = name, seen

    def on_message(self, text: str) -> None:
        self.seen.append(f"{self.name}:{text}")


def test_each_event_reaches_the_observers_that_override_it_in_order() -> None:
    seen: list[str] = []
    project = tiny_project()
    quiet = RunnerHooks()
    patched = RunnerHooks()
    patched.on_run_start = (  # type: ignore[method-assign]
        lambda total_trials: seen.append(f"patched:{total_trials}"))
    runner = ExperimentRunner(project, project.experiments[0].name,
                              hooks=[_Messages("a", seen), quiet, patched, _Messages("b", seen)])
    runner.hooks.on_message("hello")
    runner.hooks.on_run_start(3)
    runner.hooks.on_step(1, None)  # type: ignore[arg-type]  # nobody overrides it: ignored
    assert seen == ["a:hello", "b:hello", "patched:3"]
    one = ExperimentRunner(project, project.experiments[0].name, hooks=[_Messages("c", seen)])
    one.hooks.on_message("x")
    assert seen[-1] == "c:x"
    # no observer: every event is accepted and does nothing
    ExperimentRunner(project, project.experiments[0].name).hooks.on_trial_end(None)  # type: ignore[arg-type]
