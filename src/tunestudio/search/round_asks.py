"""The fused loop's asks: how many trials a search asks before it trains them and tells their
results (`AskPlan`, `ask_plan`), the next valid trial (`ask_valid`), and the run's asks while
fusing (`RoundAsks`: its count, the trials carried to the next round, whether it may still ask,
the round's shape pinned), with a running group's refill state (`GroupAsks`). The loop that
trains the rounds is search/groups.py's `run_groups`."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tunestudio.config import SearchDefinition
from tunestudio.search.events import TrialFinished
from tunestudio.search.round_shapes import RoundShapeSampler, covering_pins
from tunestudio.search.trial_run import Prepared, TrialContext

# a model-based sampler sees results at least this often per budget; on the headline space,
# alternating, 5 took 1.28x the search time of 4 (2.45 s against 1.92 s, 16 sampler seeds) at
# a mean best no higher (0.98103 against 0.98190), and 3 took 0.94x (8 seeds, before the
# start-up was pinned) at 0.98085 against 0.98120
INFORMED_ROUNDS = 4
# a fused run's random start-up round draws at least this many shapes (search/round_shapes.py),
# and at least as many as the shape dimension with the most choices has (`startup_shapes`),
# each part's shape the one the study holds least (`round_shapes.covering_pins`).
# The headline search in one process (alternating, against an unpinned start-up of 8): shared
# whole, 0.85x the search time at a mean best 0.75 validation examples lower (12 seeds); in
# two parts, 0.85x at 0.33 lower (24 seeds, standard error 0.25). In two processes, one part
# each, no loss over 32 seeds; but the digits template's 400-trial search (4 batch sizes, two
# processes, one part of 32 each, drawn at random) saw two batch sizes in its start-up, and
# its best averaged 0.9799 over 10 runs against 0.9824 one trial at a time; covered in parts
# of 16, 0.9819 (8 sampler seeds).
STARTUP_SHAPES = 2


@dataclass(frozen=True)
class AskPlan:
    """How many trials the fused loop asks before it trains them and tells their results:
    `first` in the first round, `then` in each later one.

    A sequential model-based sampler (TPE, GP, CMA-ES) asked for a whole budget before any
    result is told draws every point blind: a random search in disguise (Optuna #892, Oríon
    #678). So it is asked its start-up trials (random by design) at once, then at most a
    quarter of the budget per round, each round asked after the results before it were told;
    groups are smaller for it, which is the price of a search that learns. A run of several
    slots (`--workers`) splits each round between them: together they ask what one process
    would, and the rounds train side by side, each slot's asked after the results told so far
    (the others' running trials are the sampler's constant liars)."""

    first: int
    then: int
    informed: bool
    start_part: int = 0  # the first round's trials that share a shape (0: `then`)

    def size(self, asked: int) -> int:
        """How many trials to ask in the round that starts after `asked` were asked: `first` in the
        first round, `then` after."""
        return self.first if asked == 0 else self.then

    def part(self, asked: int) -> int:
        """How many of the trials of the round that starts after `asked` were asked share the
        shape the first of them draws (search/round_shapes.py): the first round's
        `start_part` at a time, a later round's `then`."""
        return max(1, self.start_part or self.then) if asked == 0 else max(1, self.then)


def ask_plan(search: SearchDefinition, n_objectives: int, size: int,
             total: int | None, slots: int = 1, shapes: int = STARTUP_SHAPES) -> AskPlan:
    """The plan of one of `slots` processes training a search that asks up to `size` trials
    at once (K per group times its shape signatures, `group_members`) and whose budget is
    `total` trials (None: a time budget, rounds of `size`): each slot asks its share of the
    whole run's round, rounded up. The first round shares shapes in parts of a later round's
    share, and of at most 1/`shapes` of the whole run's first round (`startup_shapes`: the
    start-up draws that many shapes at least)."""
    from tunestudio.search.samplers import startup_trials

    startup = startup_trials(search.strategy, n_objectives)
    if startup is None:
        return AskPlan(size, size, informed=False)
    if size <= 1:  # one at a time on the fused pass: each asked once the one before is told
        return AskPlan(1, 1, informed=True)
    share = size if total is None else -(-total // INFORMED_ROUNDS)
    then = max(1, min(size, share))
    first = min(size, max(startup, then))
    slots = max(1, slots)
    part = max(1, min(-(-then // slots), -(-first // max(1, shapes))))
    return AskPlan(-(-first // slots), -(-then // slots), informed=True, start_part=part)


def startup_shapes(choices: Mapping[str, Sequence[object]]) -> int:
    """How many shapes a fused run's start-up round draws at least: STARTUP_SHAPES, or the
    number of choices of the shape dimension (`round_shapes.shape_choices`) that has the
    most, so that it can try every one."""
    return max([STARTUP_SHAPES, *(len(values) for values in choices.values())])


def ask_valid(ask: Callable[[int], Prepared | None], index: int,
              tally: Callable[[TrialFinished], None], stop: threading.Event
              ) -> tuple[Prepared | None, int]:
    """The next trial that can train, asked as number `index` + 1 on (an invalid one, already
    recorded, is tallied and the next asked), and the count asked so far; None when none is
    left or a stop was requested."""
    while not stop.is_set():
        prepared = ask(index + 1)
        if prepared is None:
            break
        index += 1
        if prepared.finished is None:
            return prepared, index
        tally(prepared.finished)
    return None, index



@dataclass
class GroupAsks:
    """A running group's refills: whether it takes no more (`drained`), and the shape values
    its next `pinned_left` asks share (`pins`)."""

    drained: bool = False
    pins: Mapping[str, object] | None = None
    pinned_left: int = 0


class RoundAsks:
    """The run's asks while fusing: the count asked so far (`index`), the trials asked for a
    running group that could not join it (`carried`: they start the next round), and whether
    the run may still ask (`open`: no stop, time left, no stop rule holding)."""

    def __init__(self, ctx: TrialContext, tally: Callable[[TrialFinished], None],
                 total: int | None, ask: Callable[[int], Prepared | None],
                 shapes: tuple[RoundShapeSampler, dict[str, list[Any]]] | None,
                 deadline: float | None, should_stop: Callable[[], str | None], then: int = 1):
        self.ctx, self.tally, self.total, self.ask = ctx, tally, total, ask
        self.shapes, self.deadline, self.should_stop = shapes, deadline, should_stop
        self.then = then  # a later round's size: asks per free draw of a shape
        self.index = 0
        self.carried: list[tuple[Prepared, int]] = []
        self.covered = 0  # the start-up's parts pinned so far (`cover`)

    def open(self) -> bool:
        """Whether the run may ask another trial (no stop requested, its time not spent, no
        stop rule holding)."""
        if self.ctx.stop_event.is_set():
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        return self.should_stop() is None

    def ask_one(self) -> tuple[Prepared, int] | None:
        """The next valid trial and its number in the run (invalid ones are tallied), or None
        when none is left."""
        prepared, self.index = ask_valid(self.ask, self.index, self.tally,
                                         self.ctx.stop_event)
        return None if prepared is None else (prepared, self.index)

    def pin(self, params: Mapping[str, object]) -> None:
        """The next asks share `params`' values of the shape dimensions (until `unpin`); no
        effect where the run pins no shapes."""
        if self.shapes is not None:
            sampler, paths = self.shapes
            sampler.pin({p: params[p] for p in paths if p in params})

    def cover(self) -> bool:
        """Pin the next asks (a part of the first round) to the shape the study holds least
        (`round_shapes.covering_pins`) while the sampler is in its random start-up (fewer
        finished trials than `samplers.startup_trials`); False, pinning nothing, where the
        run pins no shapes or the sampler models the results already (a study run again)."""
        from tunestudio.search.samplers import startup_trials

        if self.shapes is None:
            return False
        sampler, choices = self.shapes
        study, slot = self.ctx.study, self.ctx.slot
        trials = study.get_trials(deepcopy=False)
        startup = startup_trials(self.ctx.search.strategy, len(study.directions)) or 0
        if sum(t.state.is_finished() for t in trials) >= startup:
            return False
        seed = f"{study.study_name}:{self.ctx.search.sampler_seed}"
        sampler.pin(covering_pins(trials, choices, seed, slot.index, slot.count, self.covered))
        self.covered += 1
        return True

    def unpin(self) -> None:
        """The next asks draw their shapes freely."""
        if self.shapes is not None:
            self.shapes[0].unpin()

    @contextlib.contextmanager
    def pinned(self, params: Mapping[str, object] | None) -> Iterator[None]:
        """Asks within share `params`' values of the shape dimensions (None: drawn freely)."""
        if params is None:
            yield
            return
        self.pin(params)
        try:
            yield
        finally:
            self.unpin()
