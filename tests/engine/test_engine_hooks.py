"""`overriding`: the hooks worth calling for an event, found once (engine/events.py)."""

from __future__ import annotations

from typing import Any

from tunestudio.engine.events import TrainerHooks, overriding


class _Steps(TrainerHooks):
    def __init__(self, seen: list[str], name: str) -> None:
        self.seen, self.name = seen, name

    def on_step_end(self, trainer: Any, event: Any) -> None:
        self.seen.append(self.name)


def test_only_hooks_that_override_the_event_are_called_in_order() -> None:
    seen: list[str] = []
    patched = TrainerHooks()
    patched.on_step_end = lambda trainer, event: seen.append("patched")  # type: ignore[method-assign]
    hooks = [_Steps(seen, "a"), TrainerHooks(), patched, _Steps(seen, "b")]
    calls = overriding(hooks, "on_step_end")
    assert len(calls) == 3
    for call in calls:
        call(None, None)
    assert seen == ["a", "patched", "b"]
    assert overriding(hooks, "on_epoch_end") == []  # nobody overrides it: nothing to call
