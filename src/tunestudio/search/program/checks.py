"""What must hold before a program baseline runs: the user's consent and a program that can
start. Checked once, before the study is opened or anything runs."""

from __future__ import annotations

from pathlib import Path

from tunestudio.config.program import ProgramConfig, program_problems
from tunestudio.errors import TuneStudioError
from tunestudio.messages import Text
from tunestudio.search.preflight import PreflightError


class ProgramNotTrustedError(TuneStudioError):
    """A project's program was about to run without the user's explicit command."""


def check_program(program: ProgramConfig, experiment: str, base_dir: Path | None,
                  trusted: bool) -> None:
    """Raise ProgramNotTrustedError unless the run was started by an explicit command
    (`trusted`), and PreflightError listing what keeps the program from starting."""
    if not trusted:
        raise ProgramNotTrustedError(
            f"this project's baseline runs a program of its own ({program.command}); it runs "
            "only once you trust the project: start it with `tunestudio run PROJECT` (the "
            "command is your consent)")
    problems = program_problems(program, base_dir or Path.cwd())
    if problems:
        # each names its field within the baseline; the window renders it in its language
        raise PreflightError(experiment, [
            p.format(where=f"baseline.{p.args['where']}") if isinstance(p, Text)
            and "where" in p.args else f"baseline.{p}" for p in problems])
