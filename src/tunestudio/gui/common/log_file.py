"""The application's log file: every record of level INFO and above also goes to
`tunestudio.log` in the log folder (`paths.log_dir()`), rotated at 1 MB with 5 old files kept, so
an error a user saw in a notification can be read in full afterwards."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tunestudio import paths

MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
_handler: RotatingFileHandler | None = None


def install_log_file(level: int = logging.INFO) -> Path:
    """Adds the rotating file handler to the root logger (once per log path); returns the
    file's path. Raises OSError when the log folder cannot be created."""
    global _handler
    path = paths.log_dir() / "tunestudio.log"
    if _handler is not None and Path(_handler.baseFilename) == path.resolve():
        return path
    remove_log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                  encoding="utf-8", delay=True)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _handler = handler
    return path


def log_file() -> Path | None:
    """The log file records go to, or None when none was installed."""
    return Path(_handler.baseFilename) if _handler is not None else None


def remove_log_file() -> None:
    """Takes the handler `install_log_file` added off the root logger and closes it (nothing if
    none)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None
