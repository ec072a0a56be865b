"""Every public module-level function and class of the package says what it is: its docstring
gives shapes, units, errors and sources (the project's standard); this test keeps new ones from
landing without one."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src" / "tunestudio"


def _undocumented(tree: ast.Module, path: Path) -> list[str]:
    return [f"{path.relative_to(SRC.parent)}:{node.lineno} {node.name}" for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not node.name.startswith("_") and ast.get_docstring(node) is None]


def test_every_public_function_and_class_has_a_docstring() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) > 100  # the package itself, not an empty folder
    missing = [line for path in modules
               for line in _undocumented(ast.parse(path.read_text(encoding="utf-8")), path)]
    assert missing == [], "public definitions without a docstring:\n" + "\n".join(missing)


def test_the_check_finds_a_public_function_without_a_docstring() -> None:
    source = "def shown(x):\n    return x\n\n\ndef _hidden(x):\n    return x\n\n\n" \
             "class Said:\n    '''A class that says what it is.'''\n"
    path = SRC / "example.py"  # named as a module of the package; never written
    assert _undocumented(ast.parse(source), path) == ["tunestudio/example.py:1 shown"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _undocumented_methods(module: Any) -> list[str]:
    """Public methods (and properties) defined in `module`'s public classes without a
    docstring, except overrides: a method a base class also has says what it does there (Qt's
    virtuals, Optuna's sampler hooks, torch's `forward` of a user template)."""
    missing = []
    for cls_name, cls in vars(module).items():
        if cls_name.startswith("_") or not inspect.isclass(cls) or \
                cls.__module__ != module.__name__:
            continue
        for name, member in vars(cls).items():
            if name.startswith("_") or any(hasattr(base, name) for base in cls.__mro__[1:]):
                continue
            function = member.fget if isinstance(member, property) else member
            if isinstance(function, (staticmethod, classmethod)):
                function = function.__func__
            if inspect.isfunction(function) and not inspect.getdoc(function):
                missing.append(f"{module.__name__}.{cls_name}.{name}")
    return missing


def test_every_public_method_says_what_it_does() -> None:
    names = [_module_name(path) for path in sorted(SRC.rglob("*.py"))
             if "templates" not in path.parts and path.name != "__main__.py"]
    missing = [line for name in names for line in
               _undocumented_methods(importlib.import_module(name))]
    assert missing == [], "public methods without a docstring:\n" + "\n".join(missing)
