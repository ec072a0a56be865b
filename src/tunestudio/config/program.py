"""A baseline that is the user's own program: the command that trains (or a Python
`module:function`), where it runs, its named parameters with defaults and types, how a trial's
values reach it, and how its printed metric lines are read. Pure data; `search/program/` runs
it, one child process per trial.

Search dimensions name a parameter as `params.NAME` (`params.lr`), as they name a built-in
field by its dotted path (`optimizer.lr`)."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from tunestudio.config.common import ConfigModel, field
from tunestudio.messages import N_

ParamValue = bool | int | float | str
ParameterType = Literal["float", "int", "bool", "str"]
PARAMS = "params"  # the RunConfig section of a program's parameter values
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# `package.module:function` (no spaces): a Python function instead of a command.
FUNCTION_TARGET = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
# The default metric-line pattern: `key=value` and `key: value` pairs, where the value is a
# number (NaN and infinities included, as Python prints them).
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf(?:inity)?)"
DEFAULT_METRIC_PATTERN = (
    r"(?<![\w./-])(?P<key>[A-Za-z_][\w./-]*)\s*(?:=|:)\s*(?P<value>" + NUMBER + r")(?![\w.])"
)


class ProgramParameter(ConfigModel):
    """One named parameter of the program, as its `--help` or its function signature has it."""

    name: str = field("lr", "Name of the parameter (a Python identifier, e.g. batch_size); a "
                      "search dimension names it params.NAME.", pattern=NAME_PATTERN,
                      max_length=80)
    type: ParameterType = field("float", "Type of its value.")
    default: ParamValue = field(0.001, "Value a trial passes when no dimension varies it.")
    choices: list[ParamValue] | None = field(None, "The only values it accepts; empty = any.",
                                             min_length=1)
    flag: str = field("", "Its flag exactly as the program spells it (e.g. -lr); empty = made "
                      "from the name by the program's flag style.", max_length=80)

    @model_validator(mode="after")
    def _default_fits(self) -> ProgramParameter:
        problem = value_problem(self, self.default)
        if problem is not None:
            raise ValueError(N_("Validation", "parameter '{name}': default: {problem}").format(
                name=self.name, problem=problem))
        for choice in self.choices or []:
            wrong = _type_problem(self.type, choice)
            if wrong is not None:
                raise ValueError(N_("Validation", "parameter '{name}': choice {choice}: "
                                    "{problem}").format(name=self.name, choice=repr(choice),
                                                        problem=wrong))
        return self

    def coerce(self, value: ParamValue) -> ParamValue:
        """`value` as this parameter's type: an int for a float parameter becomes a float, a
        whole float for an int parameter an int (samplers and JSON blur the two)."""
        if self.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if self.type == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        return value


def _type_problem(kind: ParameterType, value: ParamValue) -> str | None:
    ok = {
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "int": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer()),
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
    }[kind]
    if ok:
        return None
    if kind == "int":
        return N_("Validation", "{value} is not an int").format(value=repr(value))
    return N_("Validation", "{value} is not a {kind}").format(value=repr(value), kind=kind)


def value_problem(parameter: ProgramParameter, value: ParamValue) -> str | None:
    """Why `value` cannot be this parameter's, or None."""
    wrong = _type_problem(parameter.type, value)
    if wrong is not None:
        return wrong
    if parameter.choices is not None and parameter.coerce(value) not in [
            parameter.coerce(c) for c in parameter.choices]:
        allowed = ", ".join(map(str, parameter.choices))
        return N_("Validation", "{value} is not one of its choices ({allowed})").format(
            value=repr(value), allowed=allowed)
    return None


class ProgramConfig(ConfigModel):
    """The user's own training program: each trial runs it once, in a child process of its own,
    with the trial's values, and reads what it prints (or what it reports through
    `from tunestudio import trial`)."""

    command: str = field(
        "python train.py", "The command that trains, e.g. 'python train.py --epochs 20' "
        "(python is the Python TuneStudio runs on), or a Python function 'module:function' "
        "called with the parameters as keyword arguments.", min_length=1)
    working_dir: str = field("", "Folder the program runs in, relative to the project file's "
                             "folder; empty = the project file's folder.")
    env: dict[str, str] = field({}, "Environment variables set for the program.")
    parameters: list[ProgramParameter] = field([], "The program's named parameters.")
    pass_values: Literal["flags", "key_value", "env", "json_file"] = field(
        "flags", "How a trial's values reach the program: command-line flags (--lr 0.003), "
        "key=value overrides (Hydra style: lr=0.003), environment variables (LR=0.003), or a "
        "JSON file whose path is passed (json_flag).")
    flag_style: Literal["dashes", "underscores"] = field(
        "dashes", "How a flag is made from a parameter's name: batch_size -> --batch-size "
        "(dashes) or --batch_size (underscores). A parameter's own 'flag' wins.")
    bool_flags: Literal["switch", "value"] = field(
        "switch", "A bool parameter as a switch (--amp when true, nothing when false, as "
        "argparse's store_true reads it) or with a value (--amp true).")
    env_prefix: str = field("", "Prefix of the environment variables when values are passed "
                            "as such: with 'TRAIN_', lr becomes TRAIN_LR.", max_length=40)
    json_flag: str = field("--config", "With pass_values json_file: the flag that gives the "
                           "file's path (empty: only the TUNESTUDIO_PARAMS_FILE environment "
                           "variable names it).", max_length=80)
    metric_pattern: str = field(
        "", "Regular expression that finds metrics in a printed line: with groups 'key' and "
        "'value' each match is one metric; otherwise each named group is a metric of that "
        "name. Empty = key=value and key: value pairs (epoch 3 train_loss=0.41 val_acc=0.93).")
    timeout_s: float | None = field(None, "Seconds one trial may run before it is stopped and "
                                    "fails; empty = no limit.", gt=0)
    grace_s: float = field(10.0, "Seconds a stopped program gets after an interrupt (Ctrl+C), "
                           "and again after a terminate signal, before it is killed.", gt=0,
                           le=3600)
    seed_parameter: str = field("", "The parameter that takes the run's seed (repeats over "
                                "seeds add 0, 1, ... to it); empty = none.", max_length=80)

    @model_validator(mode="after")
    def _consistent(self) -> ProgramConfig:
        try:
            words = shlex.split(self.command)
        except ValueError as exc:
            raise ValueError(N_("Validation", "command: cannot be split into words ({error}); "
                                "check its quotes").format(error=str(exc))) from None
        if not words:
            raise ValueError(N_("Validation", "command: empty; give the command that trains, "
                                "e.g. 'python train.py'"))
        names = [p.name for p in self.parameters]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(N_("Validation", "parameters repeat: {names}").format(
                names=", ".join(dupes)))
        if self.seed_parameter and self.seed_parameter not in names:
            raise ValueError(N_("Validation", "seed_parameter '{name}' is not one of the "
                                "parameters ({names}); declare it").format(
                name=self.seed_parameter, names=", ".join(names) or "none"))
        if self.seed_parameter:
            kind = self.parameter(self.seed_parameter).type
            if kind != "int":
                raise ValueError(N_("Validation", "seed_parameter '{name}' is a {kind}; a seed "
                                    "is an int").format(name=self.seed_parameter, kind=kind))
        if self.metric_pattern:
            try:
                compiled = re.compile(self.metric_pattern)
            except re.error as exc:
                raise ValueError(N_("Validation", "metric_pattern is not a regular expression: "
                                    "{error}").format(error=str(exc))) from None
            groups = set(compiled.groupindex)
            if not groups:
                raise ValueError(N_("Validation", "metric_pattern has no named group: use "
                                    "(?P<key>...) and (?P<value>...), or name each metric's "
                                    "group, e.g. val_acc=(?P<val_acc>[\\d.]+)"))
            if ("key" in groups) != ("value" in groups):
                raise ValueError(N_("Validation", "metric_pattern needs both groups 'key' and "
                                    "'value', or neither"))
        if self.is_function and self.pass_values != "flags":
            raise ValueError(N_("Validation", "a 'module:function' program takes its values as "
                                "keyword arguments; pass_values applies to commands only, leave "
                                "it at flags"))
        return self

    @property
    def is_function(self) -> bool:
        """The command names a Python function (`module:function`) rather than a program."""
        return FUNCTION_TARGET.match(self.command.strip()) is not None

    def parameter(self, name: str) -> ProgramParameter:
        """The parameter of that name; KeyError listing the known ones."""
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise KeyError(N_("Validation", "the program has no parameter '{name}' (its "
                          "parameters: {known})").format(name=name, known=known))

    def defaults(self) -> dict[str, ParamValue]:
        """Every parameter's default by name: what a run passes where its `params` set no value."""
        return {p.name: p.default for p in self.parameters}


def param_name(path: str) -> str | None:
    """`params.lr` -> `lr`; None for a path that does not name a program parameter."""
    head, _, name = path.partition(".")
    return name if head == PARAMS and name else None


PYTHON_WORDS = frozenset({"python", "python3"})


def program_folder(program: ProgramConfig, base_dir: Path) -> Path:
    """The folder the program runs in: its working_dir under the project file's folder."""
    return (base_dir / program.working_dir).resolve() if program.working_dir \
        else base_dir.resolve()


def program_problems(program: ProgramConfig, base_dir: Path) -> list[str]:
    """What keeps the program from starting, found before anything runs (empty: none): its
    working folder, script, module or executable missing, or a file that is not executable.
    `base_dir` is the project file's folder."""
    folder = program_folder(program, base_dir)
    if not folder.is_dir():
        return [_at("program.working_dir", N_("Validation", "no such folder: {folder}").format(
            folder=str(folder)))]
    if program.is_function:
        module = program.command.strip().partition(":")[0]
        return _module_problems(module, folder, "program.command")
    words = shlex.split(program.command)
    head = words[0]
    if head in PYTHON_WORDS or Path(head).name in PYTHON_WORDS:
        if head not in PYTHON_WORDS and not Path(head).is_file():
            return [_at("program.command", N_("Validation", "no such Python interpreter: "
                                              "{head}").format(head=head))]
        rest = words[1:]
        while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
            rest = rest[1:]
        if not rest:
            return [_at("program.command", N_("Validation", "python is given no script; name "
                                              "it, e.g. 'python train.py'"))]
        if rest[0] == "-m":
            return _module_problems(rest[1], folder, "program.command") if len(rest) > 1 \
                else [_at("program.command", N_("Validation", "python -m is given no module"))]
        if rest[0] == "-c":
            return []
        script = folder / rest[0]
        if not script.is_file():
            return [_at("program.command", N_(
                "Validation", "no such file: {path} (relative paths start at the program's "
                "working folder, {folder})").format(path=str(script), folder=str(folder)))]
        return []
    if "/" in head or "\\" in head:
        path = (folder / head).resolve()
        if not path.is_file():
            return [_at("program.command", N_("Validation", "no such file: {path}").format(
                path=str(path)))]
        if not os.access(path, os.X_OK):
            return [_at("program.command", N_(
                "Validation", "{path} is not executable; make it so (chmod +x {name}) or run it "
                "through its interpreter (python {head})").format(path=str(path), name=path.name,
                                                                 head=head))]
        return []
    if shutil.which(head, path=program.env.get("PATH", os.environ.get("PATH"))) is None:
        return [_at("program.command", N_("Validation", "no program '{head}' on the PATH; give "
                                          "its path or install it").format(head=head))]
    return []


def _module_problems(module: str, folder: Path, where: str) -> list[str]:
    top = module.split(".")[0]
    if (folder / f"{top}.py").is_file() or (folder / top).is_dir():
        return []
    if importlib.util.find_spec(top) is not None:
        return []
    return [_at(where, N_("Validation", "no module '{module}' in {folder} (nor installed); "
                          "check the name and the working folder").format(module=module,
                                                                          folder=str(folder)))]


def _at(where: str, problem: str) -> str:
    """`where: problem`, a message the window renders in its language (`where` names the
    field, `problem` says what is wrong with it)."""
    return N_("Validation", "{where}: {problem}").format(where=where, problem=problem)


def program_script(program: ProgramConfig, base_dir: Path) -> Path | None:
    """The file of the user's that the program runs, for its provenance: the script after
    `python` (`python train.py` -> train.py), the executable named by a path, or the module
    file of a `module:function`; None when it names none (an installed tool, `python -m`)."""
    folder = program_folder(program, base_dir)
    if program.is_function:
        module = program.command.strip().partition(":")[0].replace(".", "/")
        for candidate in (folder / f"{module}.py", folder / module / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None
    words = shlex.split(program.command)
    if words[0] in PYTHON_WORDS or Path(words[0]).name in PYTHON_WORDS:
        rest = [w for w in words[1:] if not w.startswith("-")]
        if not rest or "-m" in words[1:2] or "-c" in words[1:2]:
            return None
        return folder / rest[0]
    if "/" in words[0] or "\\" in words[0]:
        return folder / words[0]
    return None
