"""Step values: read at once on the CPU, buffered on an accelerator; the same events either way,
and divergence found at the step it happened."""

from __future__ import annotations

import torch

from tunestudio.engine import StepEvent
from tunestudio.engine import step_recorder as sr
from tunestudio.engine.step_recorder import StepRecorder


def feed(recorder: StepRecorder, losses: list[float]) -> sr.Divergence | None:
    for i, loss in enumerate(losses, start=1):
        found = recorder.record(i, 0, 0.1, 32, torch.tensor(loss), torch.tensor(float(i)))
        if found is not None:
            return found
    return recorder.flush()


def test_buffered_and_immediate_give_the_same_events() -> None:
    losses = [2.0 - 0.01 * i for i in range(150)]
    now: list[StepEvent] = []
    later: list[StepEvent] = []
    assert feed(StepRecorder(False, now.append), losses) is None
    buffered = StepRecorder(True, later.append)
    for i, loss in enumerate(losses[:10], start=1):
        buffered.record(i, 0, 0.1, 32, torch.tensor(loss), torch.tensor(float(i)))
    assert later == []  # nothing read from the device yet
    buffered.flush()
    assert len(later) == 10
    feed_rest = losses[10:]
    for i, loss in enumerate(feed_rest, start=11):
        buffered.record(i, 0, 0.1, 32, torch.tensor(loss), torch.tensor(float(i)))
    buffered.flush()
    assert [(e.step, e.loss, e.grad_norm) for e in later] == \
        [(e.step, e.loss, e.grad_norm) for e in now]


def test_buffer_flushes_by_itself_every_n_steps() -> None:
    events: list[StepEvent] = []
    recorder = StepRecorder(True, events.append)
    for i in range(1, sr.FLUSH_STEPS + 1):
        recorder.record(i, 0, 0.1, 8, torch.tensor(1.0), torch.tensor(1.0))
    assert len(events) == sr.FLUSH_STEPS


def test_divergence_found_at_its_step_in_both_modes() -> None:
    losses = [1.0, 0.9, float("inf"), 0.8]
    for buffered in (False, True):
        events: list[StepEvent] = []
        found = feed(StepRecorder(buffered, events.append), losses)
        assert found is not None and found.step == 3 and found.what == "loss"
        assert [e.step for e in events] == [1, 2]


def test_gradient_check_off_under_a_grad_scaler() -> None:
    recorder = StepRecorder(False, None, check_grad=False)
    assert recorder.record(1, 0, 0.1, 8, torch.tensor(1.0), torch.tensor(float("inf"))) is None
    strict = StepRecorder(False, None)
    found = strict.record(1, 0, 0.1, 8, torch.tensor(1.0), torch.tensor(float("inf")))
    assert found is not None and found.what == "gradient norm"


def test_wall_time_is_read_when_the_step_is_recorded_not_at_the_flush() -> None:
    for buffered in (False, True):
        events: list[StepEvent] = []
        clock = iter(float(t) for t in range(1, 100))
        recorder = StepRecorder(buffered, events.append, clock=lambda c=clock: next(c))
        feed(recorder, [1.0, 0.9, 0.8])
        assert [e.wall_s for e in events] == [1.0, 2.0, 3.0]  # flushing reads no clock
