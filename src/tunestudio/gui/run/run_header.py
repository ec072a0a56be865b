"""The live view's header line about the run's trials: one trial (`Trial #4 running`,
`Trial #4 complete, objective 0.931`) or a fused group, whose trials start together and end
one by one (`Trials #3–#6 training, #4 complete`), so that it never names one trial as if it
were the whole run. Plain text in the window's language (gui/common/i18n.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from tunestudio.gui.common.i18n import state_name, translate
from tunestudio.gui.common.numbers import short

SHOWN_ENDED = 3  # ended members named one by one; more are counted


def numbers_text(numbers: Iterable[int]) -> str:
    """`#3–#6` for consecutive numbers, `#3, #5–#6` otherwise (sorted, each once)."""
    ordered = sorted(set(numbers))
    spans: list[tuple[int, int]] = []
    for n in ordered:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return ", ".join(f"#{a}" if a == b else f"#{a}–#{b}" for a, b in spans)


@dataclass
class _Ended:
    number: int
    state: str
    objective: float | None

    def text(self) -> str:
        objective = "" if self.objective is None else translate(
            "RunHeader", ", objective {value}").format(value=short(self.objective, 4))
        return f"#{self.number} {state_name(self.state)}{objective}"


@dataclass
class RunHeader:
    """Follows trial starts and ends; `text()` says what runs. Trials that start while others
    run belong to their group; a trial that starts when none runs begins a new one."""

    running: dict[int, int] = field(default_factory=dict)  # trial id -> number
    group: list[int] = field(default_factory=list)  # numbers, in start order
    ended: list[_Ended] = field(default_factory=list)  # members of the group that ended

    def started(self, trial_id: int, number: int) -> None:
        """Trial `number` (store id `trial_id`) started; it begins a new group when no trial
        runs."""
        if not self.running:
            self.group, self.ended = [], []
        self.running[trial_id] = number
        self.group.append(number)

    def finished(self, trial_id: int, number: int, state: str,
                 objective: float | None) -> None:
        """Trial `number` ended in `state` with `objective` (None: none); ignored for a trial not
        of this run."""
        if self.running.pop(trial_id, None) is None and number not in self.group:
            return  # not a trial of this run
        self.ended.append(_Ended(number, state, objective))

    def text(self) -> str:
        """The header line: one trial running or how it ended, a group's trials training with the
        last `SHOWN_ENDED` ended named (more counted), or the ended group's states; "" before any
        trial started."""
        if not self.group:
            return ""
        if len(self.group) == 1:
            if self.running:
                return translate("RunHeader", "Trial #{number} running").format(
                    number=self.group[0])
            return translate("RunHeader", "Trial {ended}").format(
                ended=self.ended[-1].text()) if self.ended else ""
        if not self.running:
            counts = Counter(e.state for e in self.ended)
            states = ", ".join(f"{n} {state_name(state)}" for state, n in counts.items())
            return translate("RunHeader", "Trials {numbers} ended: {states}").format(
                numbers=numbers_text(self.group), states=states)
        text = translate("RunHeader", "Trials {numbers} training").format(
            numbers=numbers_text(self.running.values()))
        if self.ended:
            named = [e.text() for e in self.ended[-SHOWN_ENDED:]]
            more = len(self.ended) - len(named)
            text += "; " + "; ".join(named) + (translate(
                "RunHeader", "; {more} more ended").format(more=more) if more else "")
        return text
