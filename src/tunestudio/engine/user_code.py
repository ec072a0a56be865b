"""Running the user's own Python files (a data function, a model function). A file is imported
only when a run needs it, fresh each time (edits take effect), and whatever goes wrong becomes a
UserCodeError that carries the user's traceback, never a crash of the app.

Documented signatures:
    def load_data() -> tuple[X, y]   # NumPy arrays or tensors; X is (N, F) or (N, C, H, W)
    def build_model(input_shape: tuple[int, ...], n_outputs: int) -> torch.nn.Module
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from tunestudio.errors import UserCodeError

_counter = itertools.count()


class UserFunctionError(UserCodeError):
    """A user's file raised; `user_traceback` is the traceback text of their exception."""

    def __init__(self, message: str, user_traceback: str):
        super().__init__(message)
        self.user_traceback = user_traceback


def load_function(path: Path, name: str, what: str) -> Callable[..., Any]:
    """Import `path` as a fresh module and return its function `name`."""
    if not path.is_file():
        raise UserCodeError(f"{what} file '{path}' not found; check the path (relative paths "
                            "start at the project file's folder)")
    module_name = f"tunestudio_user_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"{what} file '{path}' cannot be imported; it must be a .py file")
    _prepare_torchvision(path)
    module = importlib.util.module_from_spec(spec)
    # While it runs, the module is importable by name (dataclasses and typing look it up) and
    # its folder is on the path (so it can import its neighbours); neither outlives the import.
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        if not isinstance(exc, Exception):
            raise
        raise _failure(f"importing {what} file '{path}' failed", exc) from exc
    finally:
        sys.modules.pop(module_name, None)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(path.parent))
    func = getattr(module, name, None)
    if not callable(func):
        found = sorted(n for n, v in vars(module).items()
                       if callable(v) and not n.startswith("_") and
                       getattr(v, "__module__", None) == module_name)
        listing = ", ".join(found) or "none"
        raise UserCodeError(f"{what} file '{path}' has no function '{name}' (functions found: "
                            f"{listing}); define it or set the function name")
    return cast(Callable[..., Any], func)


def _prepare_torchvision(path: Path) -> None:
    """A file that uses torchvision (its datasets, transforms or models) gets the torchvision
    TuneStudio imports: beside a CPU-only torch, PyPI's torchvision fails its own `import`
    unless its operator schemas are declared first (see engine.torchvision_import). One that
    cannot be imported at all is an error saying how to install it."""
    try:
        mentions = "torchvision" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return  # the import below reports the unreadable file
    if not mentions or "torchvision" in sys.modules:
        return
    from tunestudio.engine.torchvision_import import (
        TorchvisionUnavailableError,
        import_torchvision,
    )

    try:
        import_torchvision()
    except TorchvisionUnavailableError as exc:
        raise UserCodeError(f"'{path}' uses torchvision, but {exc}") from None


def call(func: Callable[..., Any], what: str, *args: Any) -> Any:
    """Call a user function; its exception becomes a UserFunctionError with its traceback."""
    try:
        return func(*args)
    except BaseException as exc:
        if not isinstance(exc, Exception):
            raise
        raise _failure(f"{what} raised", exc) from exc


def _failure(context: str, exc: Exception) -> UserFunctionError:
    text = "".join(traceback.format_exception(exc))
    return UserFunctionError(f"{context}: {type(exc).__name__}: {exc}", text)
