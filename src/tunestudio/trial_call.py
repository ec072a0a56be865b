"""Runs a program baseline's `module:function` as one trial, in the trial's child process:

    python -m tunestudio.trial_call package.module:function

The module is imported from the working folder (which goes first on `sys.path`) and the
function called with the trial's parameters as keyword arguments. It may report through
`tunestudio.trial` as it trains; what it returns is reported as its last evaluation: a number
is the objective's value, a mapping of names to numbers is a set of metrics. Standard library
only, like the client."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from tunestudio import trial


def main(argv: list[str]) -> int:
    """Runs one trial's function. `argv`: one `package.module:function`. Imports the module
    (the working folder first on `sys.path`), calls the function with `trial.params()` as
    keyword arguments and reports what it returns as its last evaluation (at the last epoch it
    reported, at least 1): a number as the objective's metric (TUNESTUDIO_OBJECTIVE), a mapping
    as metrics by name. Returns 0, or 2 with a line on stderr for a bad argument, a missing
    function or another return type. Errors of the import and of the function pass through."""
    if len(argv) != 1 or ":" not in argv[0]:
        print("usage: python -m tunestudio.trial_call package.module:function", file=sys.stderr)
        return 2
    module_name, _, function_name = argv[0].partition(":")
    sys.path.insert(0, str(Path.cwd()))
    module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        print(f"{module_name} has no function '{function_name}'", file=sys.stderr)
        return 2
    result = function(**trial.params())
    metrics: dict[str, float] = {}
    if isinstance(result, Mapping):
        metrics = {str(k): float(v) for k, v in result.items()}
    elif isinstance(result, int | float) and not isinstance(result, bool):
        objective = os.environ.get(trial.OBJECTIVE_ENV, "objective")
        metrics = {objective: float(result)}
    elif result is not None:
        print(f"{argv[0]} returned a {type(result).__name__}; return a number (the "
              "objective) or a mapping of metric names to numbers", file=sys.stderr)
        return 2
    if metrics:
        trial.report(max(trial._last_epoch[0], 1.0), None, **metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
