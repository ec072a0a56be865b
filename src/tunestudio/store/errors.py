"""Known database failures versus bugs.

As in qutebrowser's SQLite wrapper, a failure the user can act on (the file is locked, the disk
is full, the file is corrupt, the server is unreachable) becomes a StoreError whose message names
the problem and the fix; anything else (a wrong query, a violated constraint) is a bug and
propagates unchanged so that it reaches the crash report with its traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from tunestudio.errors import TuneStudioError

# Primary SQLite result codes (https://sqlite.org/rescode.html); extended codes keep them in
# their low byte.
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_NOMEM = 7
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

# Messages of the same codes, for drivers or Python builds without `sqlite_errorcode`.
_SQLITE_TEXT = {
    "database is locked": _SQLITE_BUSY,
    "database table is locked": _SQLITE_LOCKED,
    "database or disk is full": _SQLITE_FULL,
    "database disk image is malformed": _SQLITE_CORRUPT,
    "file is not a database": _SQLITE_NOTADB,
    "unable to open database file": _SQLITE_CANTOPEN,
    "attempt to write a readonly database": _SQLITE_READONLY,
    "disk i/o error": _SQLITE_IOERR,
}


class StoreError(TuneStudioError):
    """The trial history database cannot be used right now; the message says why and what to
    do about it."""


class NotFoundError(StoreError):
    """An experiment or trial id that is not (or no longer) in the database, for instance one
    deleted by another window or worker."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sqlite_problem(exc: sqlite3.Error, where: str, busy_timeout_s: float) -> str | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        text = str(exc).lower()
        code = next((c for t, c in _SQLITE_TEXT.items() if t in text), None)
        if code is None:
            return None
    primary = code & 0xFF
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return (f"the trial history {where} stayed locked by another process for more than "
                f"{busy_timeout_s:g} s; close other TuneStudio windows or workers that write to "
                f"it, or retry")
    if primary == _SQLITE_FULL:
        return (f"the disk holding the trial history {where} is full; free some disk space "
                f"and retry")
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return (f"the trial history {where} is corrupt or is not a SQLite database "
                f"({_first_line(exc)}); restore it from a backup, or point the project's "
                f"storage URL at a new file")
    if primary == _SQLITE_CANTOPEN:
        return (f"cannot open the trial history {where}: its folder does not exist or is not "
                f"writable; create the folder or choose another storage URL")
    if primary == _SQLITE_READONLY:
        return (f"the trial history {where} is read-only; check the permissions of the file "
                f"and of its folder")
    if primary == _SQLITE_IOERR:
        return (f"the disk failed while reading or writing the trial history {where} "
                f"({_first_line(exc)}); check the disk, then retry")
    if primary == _SQLITE_NOMEM:
        return "out of memory while using the trial history; close other programs and retry"
    return None


def _server_problem(exc: BaseException, where: str) -> str | None:
    """PostgreSQL (psycopg2) and other servers, by SQLSTATE class where the driver gives one."""
    code = getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)
    name = type(exc).__name__
    if code is None:
        if name == "OperationalError":  # psycopg2 raises it without a code when connecting
            return (f"cannot reach the database server of {where}: {_first_line(exc)}; check "
                    f"that the server is running and that the URL's host, port, user, password "
                    f"and database name are right")
        return None
    code = str(code)
    if code.startswith("08") or code.startswith("57P"):
        return (f"lost the connection to the database server of {where} ({_first_line(exc)}); "
                f"check the server and the network, then retry")
    if code.startswith("28"):
        return (f"the database server of {where} refused the login ({_first_line(exc)}); check "
                f"the user and password in the storage URL")
    if code == "3D000":
        return (f"the database named in {where} does not exist on the server; create it "
                f"(createdb) or fix the storage URL")
    if code == "53100":
        return (f"the disk of the database server of {where} is full; free space on the "
                f"server and retry")
    if code.startswith("53"):
        return (f"the database server of {where} is out of resources ({_first_line(exc)}); "
                f"retry later or ask its administrator")
    if code in ("40001", "40P01", "55P03"):
        return (f"another process holds a conflicting lock on {where} ({_first_line(exc)}); "
                f"retry")
    return None


def known_problem(exc: BaseException, where: str, busy_timeout_s: float = 30.0) -> str | None:
    """The user-facing description of a known database failure, or None for a bug.

    `exc` may be SQLAlchemy's wrapper or the driver's own exception (errors raised while a
    connection is being set up are not always wrapped)."""
    orig: BaseException | None = exc.orig if isinstance(exc, DBAPIError) else exc
    if orig is None:
        return None
    if isinstance(orig, sqlite3.Error):
        return _sqlite_problem(orig, where, busy_timeout_s)
    if type(orig).__module__.split(".")[0] in ("psycopg2", "psycopg", "pg8000", "asyncpg"):
        return _server_problem(orig, where)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return (f"lost the connection to the database of {where} ({_first_line(orig)}); "
                f"check the server and the network, then retry")
    return None


@contextmanager
def translate_errors(where: str, busy_timeout_s: float = 30.0) -> Iterator[None]:
    """Turn known database failures raised inside the block into StoreError; let bugs pass."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        problem = known_problem(exc, where, busy_timeout_s)
        if problem is None:
            raise
        raise StoreError(problem) from exc
