"""A program's parameters read from its --help: real argparse scripts (types, defaults and
choices from the parser itself), a non-Python program's help text, and the failures."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.config.program_help import (
    ProgramHelpError,
    from_help_text,
    read_help_parameters,
)

ARGPARSE_SCRIPT = """\
import argparse
import sys

def main():
    p = argparse.ArgumentParser(description="a user's training script")
    p.add_argument("data", help="the data folder")                  # positional
    p.add_argument("--lr", "--learning-rate", type=float, default=3e-4)
    p.add_argument("--batch-size", type=int, default=64, help="samples per step")
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="adamw")
    p.add_argument("--amp", action="store_true", help="mixed precision")
    p.add_argument("--no-shuffle", dest="shuffle", action="store_false")
    p.add_argument("-wd", dest="weight_decay", type=float, default=0.0)  # short flag only
    p.add_argument("--warmup_epochs", type=float, default="1.5")      # a text default
    p.add_argument("--layers", type=int, nargs="+", default=[64, 64])
    p.add_argument("--run-name", required=True)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    sys.exit("trained!")  # never reached with --help

main()
"""


def program(folder: Path, command: str, **more: object) -> ProgramConfig:
    return ProgramConfig(command=command, working_dir=str(folder), **more)


def test_an_argparse_script_gives_its_parameters_with_types_and_defaults(
        tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(ARGPARSE_SCRIPT)
    reading = read_help_parameters(program(tmp_path, "python -u train.py --epochs 20"),
                                   tmp_path)
    assert reading.source == "argparse"
    assert reading.parameters == [
        ProgramParameter(name="lr", type="float", default=3e-4),
        ProgramParameter(name="batch_size", type="int", default=64),
        ProgramParameter(name="optimizer", type="str", default="adamw",
                         choices=["sgd", "adamw"]),
        ProgramParameter(name="amp", type="bool", default=False),
        ProgramParameter(name="warmup_epochs", type="float", default=1.5,
                         flag="--warmup_epochs"),
        ProgramParameter(name="epochs", type="int", default=10),
    ]
    skipped = "\n".join(reading.skipped)
    assert "data: a positional argument" in skipped
    assert "-wd: has only a short flag" in skipped
    assert "--layers: takes several values" in skipped
    assert "--no-shuffle: a switch that turns shuffle off" in skipped
    assert "--run-name: no default" in skipped
    # the parameters it offers are ones a ProgramConfig takes
    ProgramConfig(command="python train.py", parameters=reading.parameters)


def test_a_module_and_the_underscore_flag_style(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "train.py").write_text(textwrap.dedent("""\
        import argparse
        p = argparse.ArgumentParser()
        p.add_argument("--batch_size", type=int, default=32)
        p.add_argument("--dropout", default=0.1, type=lambda s: float(s))
        p.parse_args()
    """))
    reading = read_help_parameters(
        program(tmp_path, "python -m pkg.train", flag_style="underscores"), tmp_path)
    assert reading.parameters == [
        ProgramParameter(name="batch_size", type="int", default=32),
        ProgramParameter(name="dropout", type="float", default=0.1)]


def test_a_non_python_program_is_read_from_its_help_text(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("a shell script stands for a non-Python program")
    script = tmp_path / "train.sh"
    script.write_text(textwrap.dedent("""\
        #!/bin/sh
        cat <<'EOF'
        Usage: train.sh [OPTIONS]

        Options:
          --lr FLOAT              Learning rate.  [default: 0.01]
          --batch-size INTEGER    Samples per step (default: 128)
          --scheduler [cosine|step]
          --optimizer {sgd,adam}  The optimiser
                                  (default: sgd)
          --fp16                  Half precision.
          --name TEXT             Run name.
          --help                  Show this message and exit.
        EOF
    """))
    script.chmod(0o755)
    reading = read_help_parameters(program(tmp_path, "./train.sh"), tmp_path)
    assert reading.source == "help text"
    assert reading.parameters == [
        ProgramParameter(name="lr", type="float", default=0.01),
        ProgramParameter(name="batch_size", type="int", default=128),
        ProgramParameter(name="optimizer", type="str", default="sgd", choices=["sgd", "adam"]),
        ProgramParameter(name="fp16", type="bool", default=False),
    ]
    assert any(s.startswith("--name: its help gives no default") for s in reading.skipped)
    assert any(s.startswith("--scheduler:") for s in reading.skipped)


def test_help_text_from_argparse_with_defaults_shown() -> None:
    # ArgumentDefaultsHelpFormatter's layout, as another interpreter's script would print it
    text = textwrap.dedent("""\
        usage: train.py [-h] [--lr LR] [--hidden-size HIDDEN_SIZE]

        options:
          -h, --help            show this help message and exit
          --lr LR               learning rate (default: 0.001)
          --hidden-size HIDDEN_SIZE
                                width of the hidden layer (default: 256)
    """)
    reading = from_help_text(text, ProgramConfig())
    assert reading.parameters == [
        ProgramParameter(name="lr", type="float", default=0.001),
        ProgramParameter(name="hidden_size", type="int", default=256)]


def test_failures_name_the_cause(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import no_such_module_here\n")
    with pytest.raises(ProgramHelpError,
                       match=r"(?s)exited with code 1.*No module named .no_such_module_here"):
        read_help_parameters(program(tmp_path, "python broken.py"), tmp_path)
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(60)\n")
    with pytest.raises(ProgramHelpError, match=r"still ran after 1 s"):
        read_help_parameters(program(tmp_path, f"{sys.executable} slow.py"), tmp_path,
                             timeout_s=1.0)
    with pytest.raises(ProgramHelpError, match=r"has no \-\-help"):
        read_help_parameters(program(tmp_path, "train:main"), tmp_path)
