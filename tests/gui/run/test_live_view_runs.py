"""The live view across runs, experiments and comparisons, through real runs of the
RunController: the x range follows the trained steps (not the planned LR of every epoch), only
the current run's trials of the shown experiment are drawn, Compare draws exactly the chosen
trials, a fused group's header names the group, a resumed trial shows its whole history, and an
empty view says so instead of showing bare axes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import RUN_TIMEOUT_MS, Setup, make_setup
from tiny_projects import tiny_project
from tunestudio.config import Budget, CategoricalDimension, FloatDimension, Project
from tunestudio.gui.common.numbers import trial_label
from tunestudio.gui.plots.curves import nice_ceil
from tunestudio.gui.plots.panel import TrialCurves
from tunestudio.gui.run.live_view import AHEAD, KEEP_FINISHED, LiveView
from tunestudio.gui.run.worker import RunRequest


def _view(setup: Setup, qtbot: QtBot) -> LiveView:
    view = LiveView(setup.insights)
    qtbot.addWidget(view)
    view.attach(setup.controller)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def _start(setup: Setup, trials: int | None = None, experiment: str | None = None) -> None:
    setup.controller.start(RunRequest(project=setup.project,
                                      experiment=experiment or setup.experiment,
                                      base_dir=setup.base_dir, device="cpu", trials=trials))


def _run(setup: Setup, qtbot: QtBot, trials: int | None = None,
         experiment: str | None = None) -> None:
    with qtbot.waitSignal(setup.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        _start(setup, trials, experiment)


def _run_until_step(setup: Setup, qtbot: QtBot, step: int) -> None:
    """Starts a run and stops it once a step past `step` has been reported."""
    seen: list[int] = []
    setup.controller.batch.connect(lambda b: seen.extend(s.step for _, s in b.steps))
    with qtbot.waitSignal(setup.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        _start(setup)
        qtbot.waitUntil(lambda: any(s > step for s in seen), timeout=RUN_TIMEOUT_MS)
        setup.controller.stop()


def _legend(view: LiveView) -> list[str]:
    return view.panel.legend.names()


@pytest.fixture
def long_setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Setup]:
    """One trial of 2,000 epochs (three steps each), stopped early by the tests. Early stopping
    is off: with it the trial ended itself after a few dozen steps, sometimes before a test
    that waits for step 40 saw it, or before the stop it sent arrived (a flaky timeout)."""
    project = tiny_project({"budget": Budget(trials=1), "fuse": "off"}, epochs=2000)
    baseline = project.baseline.model_copy(update={
        "early_stopping": project.baseline.early_stopping.model_copy(update={"enabled": False})})
    project = project.model_copy(update={"baseline": baseline})
    yield from make_setup(project, tmp_path)


def test_the_x_range_follows_the_trained_steps_not_the_planned_lr(
        long_setup: Setup, qtbot: QtBot) -> None:
    view = _view(long_setup, qtbot)
    _run_until_step(long_setup, qtbot, 40)
    assert view.live is not None
    view.refresh()
    trained = float(view.live.lr.data("step")[0][-1])
    planned = view.planned.data("step")[0]
    assert len(planned) > 5 * trained  # the plan of every epoch is drawn whole ...
    lr_plot, loss_plot = view.panel.plots["lr"], view.panel.plots["loss"]
    # ... but the range ends a little past the last trained step, rounded up so that it
    # moves a few times per decade, not at every refresh (pyqtgraph pads 2-10 %)
    end = nice_ceil(trained + AHEAD * (trained - 1))
    assert trained * (1 + AHEAD) <= end <= trained * (1 + AHEAD) * 4 / 3 + 1
    # pyqtgraph applies a new auto-range lazily: the range of an earlier refresh (short of the
    # last steps) may still show for a moment, so wait for this one's
    qtbot.waitUntil(lambda: end <= lr_plot.viewRange()[0][1] <= end * 1.1, timeout=30_000)
    high = lr_plot.viewRange()[0][1]
    assert loss_plot.viewRange()[0][1] == pytest.approx(high)
    # nor does the rest of the plan stretch the (log) LR axis: a cosine decays to almost
    # nothing by its last epoch, decades below anything trained so far
    plan = view.planned.data("step")[1]
    reached = min(float(plan[:int(high)].min()), float(view.live.lr.data("step")[1].min()))
    assert plan.min() < reached / 1000
    # the axis ends at round values (a 1-2-5 step of a fifth of its span in decades: up to a
    # decade below the lowest rate reached, which varies with the step the stop lands on), and
    # pyqtgraph pads it: within 20x of it, never the plan's three decades and more below
    qtbot.waitUntil(lambda: 10 ** lr_plot.viewRange()[1][0] > reached / 20, timeout=30_000)
    view.set_x_mode("epoch")
    epochs = float(view.live.lr.data("epoch")[0][-1])
    qtbot.waitUntil(lambda: lr_plot.viewRange()[0][1] < 2 * epochs, timeout=30_000)
    assert epochs <= lr_plot.viewRange()[0][1] <= epochs * (1 + AHEAD) * 4 / 3 * 1.05 + 0.1


@pytest.fixture
def two_experiments(qtbot: QtBot, tmp_path: Path) -> Iterator[Setup]:
    base = tiny_project({"budget": Budget(trials=2), "fuse": "off"}, epochs=2)
    other = base.experiments[0].model_copy(update={"name": "other"})
    project = Project.model_validate(base.model_copy(
        update={"experiments": [base.experiments[0], other]}).model_dump())
    yield from make_setup(project, tmp_path)


def test_only_the_current_runs_trials_of_the_shown_experiment_are_drawn(
        two_experiments: Setup, qtbot: QtBot) -> None:
    setup = two_experiments
    view = _view(setup, qtbot)
    _run(setup, qtbot)
    first_run = {r.id for r in setup.stored()[0]}
    assert len(first_run) == 2 and len(view.all_curves()) == 2
    _run(setup, qtbot, trials=1)
    rows = setup.stored()[0]
    [new] = [r for r in rows if r.id not in first_run]
    # the earlier run's trials are gone: only the new run's trial is drawn
    assert view.live_id == new.id and not view.finished
    assert view.live is not None and list(view.all_curves()) == [view.live.name]
    assert len(_legend(view)) == 1 and f"#{new.number}" in _legend(view)[0]
    # another experiment shown: this run's trial is not its trial
    setup.insights.set_experiment("other")
    assert view.all_curves() == {} and _legend(view) == []
    assert not view.planned.item.isVisible()
    assert view.pages.currentWidget() is view.empty
    setup.insights.set_experiment(setup.experiment)
    assert len(view.all_curves()) == 1 and len(_legend(view)) == 1
    # a run of the other experiment, while this one is shown: drawn only with its own
    with qtbot.waitSignal(setup.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        _start(setup, trials=1, experiment="other")
    assert view.all_curves() == {} and _legend(view) == []
    setup.insights.set_experiment("other")
    assert len(view.all_curves()) == 1 and _legend(view)[0].startswith("other #")


def test_compare_after_a_run_draws_exactly_the_chosen_trials(
        two_experiments: Setup, qtbot: QtBot) -> None:
    setup = two_experiments
    view = _view(setup, qtbot)
    _run(setup, qtbot)
    rows = sorted(setup.stored()[0], key=lambda r: r.id)
    assert view.live_id == rows[-1].id
    setup.insights.compare([rows[0].id])
    qtbot.waitUntil(lambda: rows[0].id in view.overlays or rows[0].id in view.finished,
                    timeout=10_000)
    assert len(view.all_curves()) == 1 and view.live is None  # not the last run's trial
    assert len(_legend(view)) == 1 and f"#{rows[0].number}" in _legend(view)[0]
    assert len(view.planned) == 0
    setup.insights.compare([rows[1].id, rows[0].id])
    qtbot.waitUntil(lambda: len(view.all_curves()) == 2, timeout=10_000)
    assert sorted(_legend(view)) == sorted(
        trial_label(setup.experiment, r.number, r.params) for r in rows)


def test_a_fused_groups_header_names_the_trials_still_training(
        qtbot: QtBot, tmp_path: Path) -> None:
    only_lr = [FloatDimension(path="optimizer.lr", low=1e-3, high=1e-1, log=True)]
    project = tiny_project({"budget": Budget(trials=4), "fuse": "fixed", "fuse_trials": 4,
                            "dimensions": only_lr}, epochs=2)
    gen = make_setup(project, tmp_path)  # closing the generator tears the setup down
    setup = next(gen)
    try:
        view = _view(setup, qtbot)
        seen: list[tuple[int, str]] = []  # trials still running, the header after an end

        def after_end(_ev: object) -> None:
            seen.append((len(setup.controller.progress().running_trials),
                         view.status.text()))

        setup.controller.trial_finished.connect(after_end)
        most = [0]
        setup.controller.trial_started.connect(lambda _ev: most.__setitem__(
            0, max(most[0], len(setup.controller.progress().running_trials))))
        _run(setup, qtbot)
        rows = setup.stored()[0]
        numbers = sorted(r.number for r in rows)
        assert most[0] == 4, "the four trials did not train as one group"
        during = [text for running, text in seen if running]
        assert during, "no member ended while others trained"
        for text in during:
            # the group's trials still training are named, not one ended trial alone
            assert text.startswith("Trials #") and " training; #" in text, text
        last_running, last = seen[-1]
        assert last_running == 0
        assert last == f"Trials #{numbers[0]}–#{numbers[-1]} ended: 4 complete"
    finally:
        gen.close()


def test_every_member_of_a_group_larger_than_the_kept_overlays_draws_its_own_points(
        qtbot: QtBot, tmp_path: Path) -> None:
    """A fused group of more trials than KEEP_FINISHED: the oldest members, still training,
    were dropped as if ended, their curves went back to the panel's spares while their points
    still arrived, and the next trial given a spare drew both trials' points as one zigzag
    line (seen with refilled groups, which start trials while their first ones train)."""
    k = KEEP_FINISHED + 2
    lrs = CategoricalDimension(path="optimizer.lr", choices=[0.01 * (i + 1) for i in range(k)])
    project = tiny_project({"strategy": "grid", "dimensions": [lrs], "budget": Budget(
        trials=None), "fuse": "fixed", "fuse_trials": k}, epochs=3)
    gen = make_setup(project, tmp_path)
    setup = next(gen)
    try:
        view = _view(setup, qtbot)
        drawn: list[set[int]] = []  # at each start: the running trials with curves of their own

        def on_plots() -> dict[int, TrialCurves]:
            sets = dict(view.finished)
            if view.live is not None and view.live_id is not None:
                sets[view.live_id] = view.live
            return sets

        def started(_ev: object) -> None:
            running = {t.trial_id for t in setup.controller.progress().running_trials}
            sets = on_plots()
            drawn.append({t for t in running if t in sets and sets[t].shown})
            # each named running while it trains, the group's other members too
            assert all(sets[t].name.endswith(" (running)") for t in drawn[-1])
            assert len(set(map(id, sets.values()))) == len(sets)  # no set of curves shared

        setup.controller.trial_started.connect(started)
        _run(setup, qtbot)
        view.refresh()
        rows, steps, _ = setup.stored()
        assert len(rows) == k and len({r.group_id for r in rows}) == 1, "not one group"
        # every member drawn while it trains, the first ones too
        assert [len(d) for d in drawn] == list(range(1, k + 1))
        # the ended ones kept: each with exactly its own stored steps
        shown = on_plots()
        assert len(shown) == KEEP_FINISHED + 1
        assert not any(c.name.endswith("(running)") for c in shown.values())
        for tid, curves in shown.items():
            x, y = curves.loss.data("step")
            assert np.array_equal(x, steps[tid].step) and np.allclose(y, steps[tid].loss)
        view.clear_overlays()  # the ended ones go, as after any run
        assert len(view.finished) == 0
    finally:
        gen.close()


def test_a_resumed_trial_shows_its_whole_history(long_setup: Setup, qtbot: QtBot) -> None:
    setup = long_setup
    view = _view(setup, qtbot)
    _run_until_step(setup, qtbot, 20)
    [row] = setup.stored()[0]
    assert row.state == "interrupted"
    seen: list[int] = []
    setup.controller.batch.connect(lambda b: seen.extend(s.step for _, s in b.steps))
    with qtbot.waitSignal(setup.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        _start(setup)
        qtbot.waitUntil(lambda: len(seen) > 30, timeout=RUN_TIMEOUT_MS)
        setup.controller.stop()
    [again] = setup.stored()[0]
    steps = setup.stored()[1][again.id]
    assert again.id == row.id and again.resumed_from_step  # it went on from its checkpoint
    assert min(seen) == again.resumed_from_step + 1  # the run itself sent only what followed
    assert view.live_id == again.id and view.live is not None
    qtbot.waitUntil(lambda: view.live is not None and view.live.loss.data("step")[0][0] == 1,
                    timeout=10_000)
    x, loss = view.live.loss.data("step")
    assert np.array_equal(x, steps.step) and np.allclose(loss, steps.loss)
    assert np.array_equal(view.live.lr.data("step")[0], steps.step)
    assert len(view.live.smooth) == len(steps.step)
    evals = setup.stored()[2][again.id]
    assert np.array_equal(view.live.val.data("step")[0], evals.step)


def test_an_empty_view_says_what_to_do_instead_of_bare_axes(
        two_experiments: Setup, qtbot: QtBot) -> None:
    setup = two_experiments
    view = _view(setup, qtbot)
    assert view.pages.currentWidget() is view.empty and view.empty.isVisible()
    assert "No trials to plot yet" in view.empty.text()
    assert not view.panel.isVisible()
    _run(setup, qtbot, trials=1)
    assert view.pages.currentWidget() is view.panel and view.panel.isVisible()
    view.clear_overlays()
    assert view.pages.currentWidget() is view.panel  # the last run's trial is still drawn


def test_rounded_range_ends() -> None:
    """The ends a growing x range snaps to: at most a third past the value, round numbers."""
    assert [nice_ceil(v) for v in (1.0, 7.0, 11.0, 13.0, 130.0, 3100.0, 0.042)] == [
        1.0, 8.0, 12.0, 15.0, 150.0, 4000.0, 0.05]
    for v in np.geomspace(0.01, 1e6, 200):
        assert v <= nice_ceil(v) <= v * 4 / 3 * (1 + 1e-9)
