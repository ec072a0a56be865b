"""The command line and environment of one program trial: the trial's values passed as the
program asks (flags, key=value overrides, environment variables or a JSON file), `python`
meaning the interpreter TuneStudio runs on, and the TUNESTUDIO_* variables the client reads."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tunestudio import trial as client
from tunestudio.config.program import (
    PYTHON_WORDS,
    ParamValue,
    ProgramConfig,
    ProgramParameter,
    program_folder,
)
from tunestudio.search.program.files import TrialFiles
from tunestudio.search.program.slots import Slot


@dataclass(frozen=True)
class Launch:
    """What starts one run of a program: argv, the whole environment, the folder."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path


def text_of(value: ParamValue) -> str:
    """A value as a command line or environment variable spells it: true/false, 0.003."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def flag_of(parameter: ProgramParameter, program: ProgramConfig) -> str:
    """`batch_size` -> `--batch-size` (dashes) or `--batch_size`; a parameter's own flag wins."""
    if parameter.flag:
        return parameter.flag
    name = parameter.name.replace("_", "-") if program.flag_style == "dashes" \
        else parameter.name
    return f"--{name}"


def value_args(program: ProgramConfig, values: Mapping[str, ParamValue],
               params_file: Path) -> list[str]:
    """The arguments that carry `values` after the command's own words."""
    args: list[str] = []
    if program.pass_values == "flags":
        for parameter in program.parameters:
            value = values[parameter.name]
            flag = flag_of(parameter, program)
            if isinstance(value, bool) and program.bool_flags == "switch":
                args += [flag] if value else []
            else:
                args += [flag, text_of(value)]
    elif program.pass_values == "key_value":
        args += [f"{p.name}={text_of(values[p.name])}" for p in program.parameters]
    elif program.pass_values == "json_file" and program.json_flag:
        args += [program.json_flag, str(params_file)]
    return args


def build_launch(program: ProgramConfig, values: Mapping[str, ParamValue], *,
                 base_dir: Path, files: TrialFiles, trial_number: int | None, resuming: bool,
                 objective: str, address: str, token: str, slot: Slot | None = None) -> Launch:
    """The launch of one run with these values (every parameter's, defaults included).
    Writes the JSON file of the values (the client and json_file mode read it)."""
    files.params_file.write_text(json.dumps(dict(values), indent=1), encoding="utf-8")
    if program.is_function:
        argv = [sys.executable, "-m", "tunestudio.trial_call", program.command.strip()]
    else:
        words = shlex.split(program.command)
        if words[0] in PYTHON_WORDS:
            words[0] = sys.executable
        argv = words + value_args(program, values, files.params_file)
    env = dict(os.environ)
    # Printed metric lines must arrive as they are printed, or pruning and the live curves
    # would wait for a pipe buffer to fill.
    env["PYTHONUNBUFFERED"] = "1"
    # the client (`from tunestudio import trial`) importable as this TuneStudio's, wherever it
    # was installed or run from
    here = str(Path(client.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    env.update((slot or Slot()).program_env(env, program.env))
    env.update(program.env)
    if program.pass_values == "env":
        for parameter in program.parameters:
            env[f"{program.env_prefix}{parameter.name.upper()}"] = text_of(
                values[parameter.name])
    env.update({
        client.PARAMS_ENV: json.dumps(dict(values)),
        client.PARAMS_FILE_ENV: str(files.params_file),
        client.ADDRESS_ENV: address,
        client.TOKEN_ENV: token,
        client.CHECKPOINT_ENV: str(files.checkpoint),
        client.OUTPUT_ENV: str(files.output),
        client.RESUMING_ENV: "1" if resuming else "0",
        client.OBJECTIVE_ENV: objective,
    })
    if trial_number is not None:
        env[client.NUMBER_ENV] = str(trial_number)
    return Launch(argv, env, program_folder(program, base_dir))
