"""Step values: read at once on the CPU, buffered on an accelerator; the same events either way,
divergence found at the step it happened, and every trial of K on its own."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from tunestudio.engine import StepEvent
from tunestudio.engine import step_recorder as sr
from tunestudio.engine.step_recorder import Divergence, StepRecorder


def recorder(buffered: bool, events: list[StepEvent] | None = None,
             found: list[Divergence] | None = None, **kwargs: object) -> StepRecorder:
    emit = (lambda _, e: events.append(e)) if events is not None else None
    told = (lambda _, d: found.append(d)) if found is not None else None
    return StepRecorder(buffered, emit, told, **kwargs)  # type: ignore[arg-type]


def feed(rec: StepRecorder, losses: list[float], start: int = 1) -> None:
    for i, loss in enumerate(losses, start=start):
        rec.record(i, 0, 32, (0.1,), torch.tensor(loss), torch.tensor(float(i)))


def test_buffered_and_immediate_give_the_same_events() -> None:
    losses = [2.0 - 0.01 * i for i in range(150)]
    now: list[StepEvent] = []
    later: list[StepEvent] = []
    feed(recorder(False, now), losses)
    buffered = recorder(True, later)
    feed(buffered, losses[:10])
    assert later == []  # nothing read from the device yet
    buffered.flush()
    assert len(later) == 10
    feed(buffered, losses[10:], start=11)
    buffered.flush()
    assert [(e.step, e.loss, e.grad_norm) for e in later] == \
        [(e.step, e.loss, e.grad_norm) for e in now]


def test_buffer_flushes_by_itself_every_n_steps() -> None:
    events: list[StepEvent] = []
    rec = recorder(True, events)
    feed(rec, [1.0] * sr.FLUSH_STEPS)
    assert len(events) == sr.FLUSH_STEPS


def test_divergence_found_at_its_step_in_both_modes() -> None:
    losses = [1.0, 0.9, float("inf"), 0.8]
    for buffered in (False, True):
        events: list[StepEvent] = []
        found: list[Divergence] = []
        rec = recorder(buffered, events, found)
        feed(rec, losses)
        rec.flush()
        assert len(found) == 1 and found[0].step == 3 and found[0].what == "loss"
        assert [e.step for e in events] == [1, 2]  # nothing of the trial after it diverged
        assert rec.diverged == {0: found[0]}


def test_gradient_check_off_under_a_grad_scaler() -> None:
    found: list[Divergence] = []
    rec = recorder(False, None, found, check_grad=False)
    rec.record(1, 0, 8, (0.1,), torch.tensor(1.0), torch.tensor(float("inf")))
    assert found == []
    strict = recorder(False, None, found)
    strict.record(1, 0, 8, (0.1,), torch.tensor(1.0), torch.tensor(float("inf")))
    assert len(found) == 1 and found[0].what == "gradient norm"


def test_wall_time_is_read_when_the_step_is_recorded_not_at_the_flush() -> None:
    for buffered in (False, True):
        events: list[StepEvent] = []
        clock = iter(float(t) for t in range(1, 100))

        def emit(_: int, e: StepEvent, ev: list[StepEvent] = events) -> None:
            ev.append(e)

        def read_clock(c: Iterator[float] = clock) -> float:
            return next(c)

        rec = StepRecorder(buffered, emit, clock=read_clock)
        feed(rec, [1.0, 0.9, 0.8])
        rec.flush()
        assert [e.wall_s for e in events] == [1.0, 2.0, 3.0]  # flushing reads no clock


def test_k_trials_each_get_their_own_events_and_divergence() -> None:
    """Rows of a stack: trial 7 at row 0, trial 3 at row 2 (row 1 is a stopped trial's);
    trial 3 diverges at step 2 and its later steps are dropped, trial 7 goes on."""
    for buffered in (False, True):
        got: dict[int, list[StepEvent]] = {7: [], 3: []}
        found: dict[int, Divergence] = {}

        def emit(k: int, e: StepEvent, g: dict[int, list[StepEvent]] = got) -> None:
            g[k].append(e)

        def told(k: int, d: Divergence, f: dict[int, Divergence] = found) -> None:
            f.setdefault(k, d)

        rec = StepRecorder(buffered, emit, told)
        rows = [
            (torch.tensor([1.0, 5.0, 2.0]), torch.tensor([0.5, 5.0, 0.25])),
            (torch.tensor([0.75, 5.0, float("nan")]), torch.tensor([0.375, 5.0, 0.25])),
            (torch.tensor([0.625, 5.0, 1.0]), torch.tensor([0.25, 5.0, 0.125])),
        ]
        for step, (loss, norm) in enumerate(rows, start=1):
            rec.record(step, 0, 16, (0.1, 0.2), loss, norm, trials=(7, 3), rows=(0, 2))
        rec.flush()
        assert [(e.step, e.loss, e.grad_norm, e.lr) for e in got[7]] == \
            [(1, 1.0, 0.5, 0.1), (2, 0.75, 0.375, 0.1), (3, 0.625, 0.25, 0.1)]
        assert [e.step for e in got[3]] == [1]
        assert list(found) == [3] and found[3].step == 2 and found[3].lr == 0.2

