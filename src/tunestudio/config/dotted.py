"""Dotted paths into a RunConfig (`optimizer.lr`, `model.width`): how search dimensions name
the knob they vary, and how sampled values are merged into the baseline.

A path may pass through a discriminated union (optimizer, schedule, model, data.source); it is
valid when some variant has the field. Setting a `kind` switches the variant, keeping the
fields the new variant shares with the old one and defaulting the rest."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tunestudio.messages import N_


@dataclass(frozen=True)
class Leaf:
    """A searchable field: its path, the Python types it accepts and, for a Literal, its choices."""

    path: str
    types: frozenset[type]
    choices: tuple[Any, ...] | None
    info: FieldInfo
    variants: tuple[str, ...]  # kinds of the union variants that have it (empty: no union above)

    @property
    def is_int(self) -> bool:
        """Whether the field takes whole numbers only (int, and not float too)."""
        return int in self.types and float not in self.types

    @property
    def is_numeric(self) -> bool:
        """Whether the field takes a number from a range: an int or a float, not a bool nor one of a
        Literal's choices."""
        return bool(self.types & {int, float}) and self.choices is None and bool not in self.types


def _strip(annotation: Any) -> list[Any]:
    """Flatten Annotated and unions into their member types."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _strip(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in get_args(annotation):
            out.extend(_strip(arg))
        return out
    return [annotation]


def _models(members: list[Any]) -> list[type[BaseModel]]:
    return [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]


def _kind_of(model: type[BaseModel]) -> str | None:
    f = model.model_fields.get("kind")
    return f.default if f is not None and isinstance(f.default, str) else None


def _program_field(info: FieldInfo) -> bool:
    """A field that holds the user's program or its values (`program`, `params`): no knob of
    the built-in run; a program's parameters are searched as `params.NAME`."""
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("program"))


def resolve(root: type[BaseModel], path: str) -> Leaf:
    """The leaf a path names, or ValueError listing what exists at the point it went wrong."""
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise ValueError(N_("Validation", "'{path}' is not a dotted path like optimizer.lr"
                            ).format(path=path))
    top = root.model_fields.get(parts[0])
    if top is not None and _program_field(top):
        raise ValueError(N_("Validation", "'{path}' is the program itself, not one of its "
                            "parameters; search a program parameter as params.NAME (e.g. "
                            "params.lr)").format(path=path))
    candidates: list[type[BaseModel]] = [root]
    walked: list[str] = []
    variants: tuple[str, ...] = ()
    for i, part in enumerate(parts):
        owners = [m for m in candidates if part in m.model_fields]
        if not owners:
            known = sorted({name for m in candidates for name in m.model_fields})
            where = ".".join(walked) or N_("Validation", "the config")
            raise ValueError(N_("Validation", "'{path}': {where} has no field '{part}'; known: "
                                "{known}").format(path=path, where=where, part=part,
                                                  known=", ".join(known)))
        if len(candidates) > 1:
            variants = tuple(k for k in (_kind_of(m) for m in owners) if k)
        walked.append(part)
        members = [m for o in owners for m in _strip(o.model_fields[part].annotation)]
        nested = _models(members)
        last = i == len(parts) - 1
        if last:
            if nested:
                raise ValueError(N_("Validation", "'{path}' is a section, not a value; pick one "
                                    "of its fields").format(path=path))
            info = owners[0].model_fields[part]
            return _leaf(path, members, info, variants)
        if not nested:
            raise ValueError(N_("Validation", "'{path}' is a value and has no field '{part}'"
                                ).format(path=".".join(walked), part=parts[i + 1]))
        candidates = nested
    raise AssertionError("unreachable")


def _leaf(path: str, members: list[Any], info: FieldInfo, variants: tuple[str, ...]) -> Leaf:
    found: set[type] = set()
    choices: list[Any] = []
    for m in members:
        if get_origin(m) is Literal:
            choices.extend(get_args(m))
            found.update(type(c) for c in get_args(m))
        elif m is type(None):
            found.add(type(None))
        elif isinstance(m, type):
            found.add(m)
        else:  # list[...] and other containers
            found.add(get_origin(m) or object)
    unique = tuple(dict.fromkeys(choices))
    return Leaf(path, frozenset(found), unique or None, info, variants)


def iter_leaves(root: type[BaseModel]) -> Iterator[Leaf]:
    """Every scalar field, variants merged (the GUI's dimension picker lists these)."""
    yield from _walk([root], "", ())


def _walk(
    models: list[type[BaseModel]], prefix: str, variants: tuple[str, ...]
) -> Iterator[Leaf]:
    names: list[str] = []
    for m in models:
        names.extend(n for n in m.model_fields if n not in names)
    for name in names:
        owners = [m for m in models if name in m.model_fields]
        if _program_field(owners[0].model_fields[name]):
            continue  # the program's parameters are listed from the program, not the model
        if len(models) > 1:
            variants = tuple(k for k in (_kind_of(o) for o in owners) if k)
        members = [a for o in owners for a in _strip(o.model_fields[name].annotation)]
        nested = _models(members)
        if nested:
            yield from _walk(nested, f"{prefix}{name}.", variants)
        else:
            yield _leaf(f"{prefix}{name}", members, owners[0].model_fields[name], variants)


def get_value(data: Mapping[str, Any], path: str) -> Any:
    """Read a dotted path from a dumped config; KeyError when the current variant lacks it."""
    node: Any = data
    for part in path.split("."):
        node = node[part]
    return node


def set_values(
    root: type[BaseModel], data: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return a deep copy of `data` with `values` written at their paths. `kind` paths go first so
    the other values land in the chosen variant; fields the new variant lacks are dropped."""
    out: dict[str, Any] = _deepcopy(data)
    ordered = sorted(values.items(), key=lambda kv: (not kv[0].endswith(".kind"), kv[0]))
    for path, value in ordered:
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        key = parts[-1]
        if key == "kind" and node.get("kind") != value:
            section = ".".join(parts[:-1])
            keep = _variant_fields(root, section, value)
            for name in list(node):
                if name not in keep:
                    del node[name]
        node[key] = value
    return out


def _variant_fields(root: type[BaseModel], section: str, kind: Any) -> set[str]:
    candidates: list[type[BaseModel]] = [root]
    for part in section.split(".") if section else []:
        candidates = _models(
            [a for m in candidates if part in m.model_fields
             for a in _strip(m.model_fields[part].annotation)]
        )
    for m in candidates:
        if _kind_of(m) == kind:
            return set(m.model_fields)
    return set()


def _deepcopy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deepcopy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    return value
