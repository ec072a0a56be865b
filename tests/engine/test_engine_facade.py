"""The engine facade is lazy: events, hooks, diagnostics and schedules load without torch, and
every exported name still resolves."""

from __future__ import annotations

import subprocess
import sys

import tunestudio.engine as engine


def test_events_hooks_and_diagnostics_load_without_torch() -> None:
    code = ("import sys\n"
            "from tunestudio.engine import EvalEvent, FitResult, StepEvent, TrainerHooks\n"
            "from tunestudio.engine import planned_lr, steps_per_epoch\n"
            "import tunestudio.engine.diagnostics\n"
            "print('torch' in sys.modules)\n"
            "from tunestudio.engine import Trainer\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["False", "True"]


def test_every_exported_name_resolves() -> None:
    assert sorted(engine.__all__) == sorted(engine._EXPORTS)
    for name in engine.__all__:
        assert getattr(engine, name) is not None
    assert "Trainer" in dir(engine)
