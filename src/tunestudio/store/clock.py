"""`epoch_now()`: the database's own clock, in seconds since the Unix epoch.

Start, finish and change times are written with the database server's clock rather than the
writing machine's, so that the trials of workers whose clocks disagree by a few minutes still
order and compare correctly (a view polling for changes compares against the same server
clock). On SQLite the server clock is the local one.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Float, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class epoch_now(FunctionElement[float]):  # noqa: N801 - reads as an SQL function
    """Seconds since 1970-01-01 UTC, evaluated by the database when the statement runs."""

    type = Float()
    inherit_cache = True
    name = "epoch_now"


@compiles(epoch_now, "sqlite")
def _sqlite_now(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday('now') has millisecond resolution; 2440587.5 is the Julian day of the epoch.
    return "((julianday('now') - 2440587.5) * 86400.0)"


@compiles(epoch_now, "postgresql")
def _postgresql_now(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


@compiles(epoch_now, "mysql")
def _mysql_now(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    return "UNIX_TIMESTAMP(NOW(6))"


@compiles(epoch_now)
def _client_now(element: epoch_now, compiler: SQLCompiler, **kw: Any) -> str:
    """Other databases: this machine's clock, bound at each execution (never cached)."""
    return compiler.process(bindparam("ts_client_now", callable_=time.time, type_=Float()), **kw)
