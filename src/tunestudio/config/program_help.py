"""The parameters of a program, read from its `--help`: for a Python script or module, the
arguments its argparse parser declares (types, defaults and choices exactly, through
`tunestudio.help_probe`); for any other program, or a Python one whose parser is not argparse,
the options its help text lists (`--lr LR   learning rate (default: 0.001)`), typed from their
defaults. Running `--help` runs the user's program up to its argument parsing, so callers ask
only on the user's request. Here in the config layer (standard library and the config models
only), so the window reads it without loading the search layer."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunestudio.config.program import (
    NAME_PATTERN,
    PYTHON_WORDS,
    ParameterType,
    ParamValue,
    ProgramConfig,
    ProgramParameter,
    program_folder,
)
from tunestudio.errors import TuneStudioError

HELP_TIMEOUT_S = 60.0
_SKIPPED_ACTIONS = {"help", "version"}
# `  -l, --lr LR   text`, `  --batch-size BATCH_SIZE`, `  --amp`, `  --opt {sgd,adam}`,
# `  --lr=LR`, `  --lr FLOAT`: an option line of a help text, its help on the same line or not
_OPTION_LINE = re.compile(
    r"^\s{1,8}(?:-\w(?:[ =]\S+)?,\s*)?(?P<flag>--[A-Za-z][\w-]*)"
    r"(?:[ =](?P<metavar>(?!-)(?:\{[^}\s]*\}|[^\s,]+)))?(?:,\s*-\w\S*)?(?:\s{2,}(?P<help>.*))?$")
_DEFAULT = re.compile(r"[(\[]\s*default(?:s)?\s*[:=]\s*(?P<value>[^)\]]*?)\s*[)\]]",
                      re.IGNORECASE)
_INT = re.compile(r"^[-+]?\d+$")
_FLOAT = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$|^[-+]?\d+[eE][-+]?\d+$")


class ProgramHelpError(TuneStudioError):
    """The program's --help could not be read: it did not start, failed, timed out, or listed
    no options."""


@dataclass(frozen=True)
class HelpReading:
    """What a program's --help declares: `parameters` ready for ProgramConfig.parameters, and
    for each argument left out, why (`--data: no default; ...`)."""

    parameters: list[ProgramParameter]
    skipped: list[str] = field(default_factory=list)
    source: str = "argparse"  # "argparse" (the parser itself) or "help text"


def read_help_parameters(program: ProgramConfig, base_dir: Path,
                         timeout_s: float = HELP_TIMEOUT_S) -> HelpReading:
    """Runs the program's command with `--help` (in its working folder, with its environment)
    and returns the parameters it declares. Raises ProgramHelpError naming the cause when the
    program cannot start, fails, runs past `timeout_s`, or its help lists no option."""
    if program.is_function:
        raise ProgramHelpError("a 'module:function' program has no --help; declare its "
                               "parameters (the function's keyword arguments) by hand")
    words = shlex.split(program.command)
    folder = program_folder(program, base_dir)
    env = {**os.environ, **program.env}
    here = str(Path(__file__).resolve().parents[2])  # the folder that holds tunestudio/
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(prefix="tunestudio-help-") as tmp:
        probe = Path(tmp) / "arguments.json"
        target = _python_target(words)
        argv = [sys.executable, "-m", "tunestudio.help_probe", str(probe), *target, "--help"] \
            if target is not None else [*words, "--help"]
        code, text = _run(argv, folder, env, timeout_s)
        if probe.is_file():
            declared = json.loads(probe.read_text(encoding="utf-8"))
            reading = from_argparse(declared.get("arguments", []), program)
            if reading.parameters or reading.skipped:
                return reading
    reading = from_help_text(text, program)
    if reading.parameters:
        return reading
    last = "\n".join(text.strip().splitlines()[-8:]) or "(nothing)"
    cause = f"exited with code {code}" if code else "listed no options it takes"
    raise ProgramHelpError(f"'{program.command} --help' {cause}; declare the parameters by "
                           f"hand. Its output ended with:\n{last}")


def _python_target(words: list[str]) -> list[str] | None:
    """`python [-u] train.py --x 1` -> [train.py, --x, 1]; `python -m pkg.train` -> [-m,
    pkg.train]; None for a command that is not a Python script or module."""
    if not (words[0] in PYTHON_WORDS or Path(words[0]).name in PYTHON_WORDS):
        return None
    rest = words[1:]
    while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
        rest = rest[1:]
    if not rest or rest[0] == "-c" or (rest[0] == "-m" and len(rest) < 2):
        return None
    return rest


def _run(argv: list[str], folder: Path, env: dict[str, str], timeout_s: float
         ) -> tuple[int, str]:
    try:
        proc = subprocess.Popen(argv, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=os.name == "posix")
    except OSError as exc:
        raise ProgramHelpError(f"'{shlex.join(argv[:2])}' could not start: {exc}") from None
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError, AttributeError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.kill()
        proc.communicate()
        raise ProgramHelpError(f"the program's --help still ran after {timeout_s:g} s (does "
                               "it train before parsing its arguments?); declare the "
                               "parameters by hand") from None
    return proc.returncode, out.decode("utf-8", errors="replace")


def from_argparse(arguments: list[dict[str, Any]], program: ProgramConfig) -> HelpReading:
    """Parameters from the arguments `tunestudio.help_probe` wrote (see there)."""
    found: list[ProgramParameter] = []
    skipped: list[str] = []
    for arg in arguments:
        options = [o for o in arg.get("option_strings", []) if isinstance(o, str)]
        action = arg.get("action")
        if action in _SKIPPED_ACTIONS:
            continue
        label = max(options, key=len) if options else str(arg.get("dest"))
        why = _argparse_problem(arg, options)
        if why is not None:
            skipped.append(f"{label}: {why}")
            continue
        kind, default = _argparse_type(arg)
        if kind is None or default is None:
            skipped.append(f"{label}: no default to start from (TuneStudio passes every "
                           "parameter on each trial); add it by hand with a default, or fix "
                           "it in the command")
            continue
        choices = arg.get("choices")
        name = str(arg["dest"])
        try:
            parameter = ProgramParameter(
                name=name, type=kind, default=default,
                choices=list(choices) if choices else None,
                flag=_own_flag(name, _long_flag(name, options, program), program))
        except ValueError as exc:
            skipped.append(f"{label}: {_first_line(exc)}")
            continue
        found.append(parameter)
    return HelpReading(found, skipped, "argparse")


def _argparse_problem(arg: dict[str, Any], options: list[str]) -> str | None:
    if not options:
        return "a positional argument; keep it in the command"
    if not any(o.startswith("--") for o in options):
        return "has only a short flag; add it by hand with its flag"
    if arg.get("action") not in ("store", "store_true", "store_false", "boolean_optional"):
        return f"a '{arg.get('action')}' argument, not one value; keep it in the command"
    if arg.get("action") == "store" and arg.get("nargs") not in (None, "?"):
        return "takes several values; keep it in the command"
    if arg.get("action") == "store_false" or (arg.get("action") == "boolean_optional"
                                               and arg.get("default")):
        # a trial's switch is given when true; this flag, given, turns a setting off
        return (f"a switch that turns {arg.get('dest')} off; keep it in the command where "
                "you want it")
    if not re.match(NAME_PATTERN, str(arg.get("dest", ""))):
        return "its name is not an identifier"
    return None


def _argparse_type(arg: dict[str, Any]) -> tuple[ParameterType | None, ParamValue | None]:
    action, default, type_name = arg.get("action"), arg.get("default"), arg.get("type")
    if action in ("store_true", "boolean_optional"):
        return "bool", bool(default)
    if type_name in ("int", "float", "str"):
        kind: ParameterType = type_name
    elif type_name is None and isinstance(default, bool | int | float | str):
        kind = _value_type(default)
    elif isinstance(default, bool | int | float | str):
        kind = _value_type(default)  # a converter function: the default's type says most
    else:
        return None, None
    if default is None:
        return kind, None
    return kind, _as(kind, default)


def _value_type(value: ParamValue) -> ParameterType:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "float" if isinstance(value, float) else "str"


def _as(kind: ParameterType, value: ParamValue) -> ParamValue | None:
    """A default as the parameter's type (argparse converts a text default through `type`)."""
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            return bool(value)
        return str(value)
    except (TypeError, ValueError):
        return None


def _made_flag(name: str, program: ProgramConfig) -> str:
    return "--" + (name.replace("_", "-") if program.flag_style == "dashes" else name)


def _long_flag(name: str, options: list[str], program: ProgramConfig) -> str:
    """The flag that takes the value: the one the flag style makes from the name if the
    parser has it, else its first long flag."""
    made = _made_flag(name, program)
    return made if made in options else next(o for o in options if o.startswith("--"))


def _own_flag(name: str, flag: str, program: ProgramConfig) -> str:
    """The flag to record: empty when the program's flag style makes it from the name."""
    return "" if flag == _made_flag(name, program) else flag


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[1 if len(str(exc).splitlines()) > 1 else 0].strip()


def from_help_text(text: str, program: ProgramConfig) -> HelpReading:
    """Parameters from a help text's option lines: a flag without a value is a bool switch
    (default false); one with a value takes its type from its default (`(default: 0.001)`,
    `[default: 64]`) and its choices from `{a,b}`; one with a value but no default is left
    out, with the reason."""
    found: list[ProgramParameter] = []
    skipped: list[str] = []
    lines = text.splitlines()
    seen: set[str] = set()
    for index, line in enumerate(lines):
        match = _OPTION_LINE.match(line)
        if match is None:
            continue
        flag, metavar = match["flag"], match["metavar"]
        if flag in ("--help", "--version") or flag in seen:
            continue
        seen.add(flag)
        help_text = " ".join([match["help"] or "", *_continuation(lines, index + 1)])
        name = flag[2:].replace("-", "_")
        if not re.match(NAME_PATTERN, name):
            skipped.append(f"{flag}: its name is not an identifier")
            continue
        default_match = _DEFAULT.search(help_text)
        choices = _choices(metavar)
        kind: ParameterType
        default: ParamValue | None
        if metavar is None:
            kind, default = "bool", False
        elif default_match is None:
            skipped.append(f"{flag}: its help gives no default; add it by hand with a default")
            continue
        else:
            kind, default = _typed(default_match["value"].strip().strip("'\""))
        try:
            found.append(ProgramParameter(name=name, type=kind, default=default,
                                          choices=choices if choices and kind == "str"
                                          else None,
                                          flag=_own_flag(name, flag, program)))
        except ValueError as exc:
            skipped.append(f"{flag}: {_first_line(exc)}")
    return HelpReading(found, skipped, "help text")


def _continuation(lines: list[str], start: int) -> list[str]:
    """The help's next lines: deeper-indented lines that are no option of their own."""
    out = []
    for line in lines[start:]:
        if not line.strip() or _OPTION_LINE.match(line) or not line.startswith(" " * 9):
            break
        out.append(line.strip())
    return out


def _choices(metavar: str | None) -> list[ParamValue] | None:
    if metavar and metavar.startswith("{") and metavar.endswith("}"):
        return [c for c in metavar[1:-1].split(",") if c]
    return None


def _typed(text: str) -> tuple[ParameterType, ParamValue]:
    if text.lower() in ("true", "false"):
        return "bool", text.lower() == "true"
    if _INT.match(text):
        return "int", int(text)
    if _FLOAT.match(text):
        return "float", float(text)
    return "str", text
