"""Every subcommand of `tunestudio` explains itself: a one-line help in `tunestudio --help`, a
description in `tunestudio COMMAND --help`, a help text for each argument, and the project
argument named PROJECT wherever a command takes one."""

from __future__ import annotations

import argparse

from tunestudio.cli import build_parser


def _subcommands() -> tuple[dict[str, str | None], dict[str, argparse.ArgumentParser]]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {action.dest: action.help for action in sub._choices_actions}
    return helps, dict(sub.choices)


def test_every_subcommand_and_argument_has_a_help_text() -> None:
    helps, commands = _subcommands()
    assert len(commands) >= 14
    for name, command in commands.items():
        assert helps.get(name), f"`tunestudio {name}` has no help in `tunestudio --help`"
        assert command.description and len(command.description) > len(name), \
            f"`tunestudio {name} --help` has no description"
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            what = "/".join(action.option_strings) or action.dest
            assert action.help, f"`tunestudio {name}`: {what} has no help text"


def test_the_project_argument_is_named_project_everywhere() -> None:
    _, commands = _subcommands()
    takes_project = 0
    for name, command in commands.items():
        positionals = [a for a in command._actions if not a.option_strings]
        projects = [a for a in positionals if a.dest in ("path", "paths")]
        for action in projects:
            assert action.metavar == "PROJECT", (name, action.metavar)
            assert "PROJECT" in command.format_usage(), name
        takes_project += bool(projects)
        usage = command.format_usage()  # no other spelling of it
        assert " PATH" not in usage and " path" not in usage, (name, usage)
    assert takes_project >= 12
