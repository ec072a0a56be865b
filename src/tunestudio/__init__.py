"""TuneStudio: tune deep-learning training runs by controlled experiments.

The Python API (`tunestudio.api`) is reachable from here and loads on first use, so that
`import tunestudio` stays light:

    import tunestudio as ts
    project = ts.load_project("digits.tuneproj")
"""

from __future__ import annotations

import importlib
from typing import Any

_API = ("Curves", "Experiment", "Project", "Trial", "load_project", "new_project")

__all__ = ["Curves", "Experiment", "Project", "Trial", "__version__", "load_project",
           "new_project"]


# No import of tunestudio.api here, not even for type checkers: every layer imports this module
# (for __version__), and none may reach the API's imports (search, torch) through it.
def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _API:
        value = getattr(importlib.import_module("tunestudio.api"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _version() -> str:
    """The installed distribution's version. Read on first use: importlib.metadata (and the
    email parser it loads) is a tenth of what the quick CLI commands cost."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tunestudio")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"
