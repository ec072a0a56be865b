"""What an editor needs to know about one pydantic field, read from the model class: its kind of
value, bounds, choices, log scale, help text and, for sections, the nested model or the union
variants. The form is generated from these, so a field added to a config model appears in the
GUI without GUI code."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from tunestudio.gui.common.i18n import translate

Kind = Literal["bool", "choice", "int", "float", "text", "list", "model", "union"]

# Words the generated labels spell differently from the field names.
_WORDS = {"lr": "LR", "l1": "L1", "eps": "Epsilon", "kfold": "k-fold", "pct": "Fraction",
          "div": "Division", "mult": "Multiplier", "n": "Number of", "s": "(s)",
          "id": "ID", "url": "URL", "val": "Validation", "mlp": "MLP", "cnn": "CNN",
          "sgd": "SGD", "adamw": "AdamW", "rmsprop": "RMSprop", "csv": "CSV", "npz": "NPZ",
          "qmc": "QMC", "cmaes": "CMA-ES", "tpe": "TPE", "gp": "GP", "ovat": "OVAT", "pbt": "PBT",
          "mse": "MSE", "json": "JSON", "dir": "folder", "mae": "MAE", "r2": "R²"}


@dataclass(frozen=True)
class FieldSpec:
    """What an editor needs to know about one pydantic field: its `name`, the `kind` of editor it
    gets, its description and tuning advice, whether it may be None (`optional`), a choice
    field's `choices`, its bounds (`low`/`high`, open when `low_open`/`high_open`, from
    Ge/Gt/Le/Lt), whether it steps on the log scale (`log_scale`), a list's `item_type`, a
    section's `model` or a union's `variants` by kind tag, and its default."""

    name: str
    kind: Kind
    description: str
    advice: str | None = None
    optional: bool = False
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    log_scale: bool = False
    # list items: int, float, dict (a model's fields, edited as a JSON list of objects) or
    # object (any scalar)
    item_type: type | None = None
    model: type[BaseModel] | None = None  # kind "model"
    variants: dict[str, type[BaseModel]] = field(default_factory=dict)  # kind "union"
    default: Any = None

    @property
    def label(self) -> str:
        """The field's label in the window's language (`humanize`)."""
        return humanize(self.name)

    @property
    def help(self) -> str:
        """Description, then the tuning practice for this knob, in the window's language."""
        description = field_text(self.description)
        if not self.advice:
            return description
        return translate("FieldHelp", "{description}\n\nAdvice: {advice}").format(
            description=description, advice=field_text(self.advice))

    def allows(self, value: float) -> bool:
        """Within the field's bounds (stepping keeps to them; typing may leave them, and then
        pydantic's message is shown at the field)."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (self.high is not None
                    and (value > self.high or (self.high_open and value == self.high)))


def english_label(name: str) -> str:
    """`weight_decay` -> `Weight decay`, `lr` -> `LR`: a field's name as the form labels it."""
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def humanize(name: str) -> str:
    """The label of a field (or a union tag, a section) in the window's language. The config
    models' names, descriptions and advice are English; packaging/translations.py walks the
    models and puts each into the catalogue (contexts FieldLabel and Field)."""
    return translate("FieldLabel", english_label(name))


def field_text(text: str) -> str:
    """A config field's description or advice in the window's language."""
    return translate("Field", text) if text else text


def _members(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [annotation]


def _kind_tag(model: type[BaseModel]) -> str | None:
    """The value of a union member's tag: a `kind` or `type` field typed as a one-value Literal."""
    for name in ("kind", "type"):
        info = model.model_fields.get(name)
        if info is not None and get_origin(info.annotation) is Literal \
                and len(get_args(info.annotation)) == 1:
            return str(get_args(info.annotation)[0])
    return None


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            out["low"] = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Gt):
            out["low"], out["low_open"] = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Le):
            out["high"] = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Lt):
            out["high"], out["high_open"] = float(m.lt), True  # type: ignore[arg-type]
    return out


def spec_for(name: str, info: FieldInfo) -> FieldSpec:
    """The `FieldSpec` of field `name` of a pydantic model, read from its annotation and
    `FieldInfo`: a union of several models is a "union" (by their `kind`/`type` tags), one model
    a "model", Literals a "choice", a list a "list" (int, float, dict for models, else object
    items), then "bool", "int", "float", else "text"; None among the members makes it optional.
    Bounds come from the annotated constraints, advice and log scale from `json_schema_extra`."""
    members = _members(info.annotation)
    optional = type(None) in members
    members = [m for m in members if m is not type(None)]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    advice = extra.get("advice")
    common: dict[str, Any] = {
        "name": name,
        "description": info.description or "",
        "advice": advice if isinstance(advice, str) else None,
        "optional": optional,
        "log_scale": bool(extra.get("log_scale")),
        "default": None if info.default is PydanticUndefined else info.default,
        **_bounds(info.metadata),
    }
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1:
        variants = {tag: m for m in models if (tag := _kind_tag(m)) is not None}
        return FieldSpec(kind="union", variants=variants, **common)
    if models:
        return FieldSpec(kind="model", model=models[0], **common)
    literals = [c for m in members if get_origin(m) is Literal for c in get_args(m)]
    if literals:
        return FieldSpec(kind="choice", choices=tuple(dict.fromkeys(literals)), **common)
    if any(get_origin(m) is list for m in members):
        item = _members(get_args(next(m for m in members if get_origin(m) is list))[0])
        objects = any(isinstance(m, type) and issubclass(m, BaseModel) for m in item)
        item_type = int if item == [int] else float if item == [float] else \
            dict if objects else object
        return FieldSpec(kind="list", item_type=item_type, **common)
    if bool in members:
        return FieldSpec(kind="bool", **common)
    if int in members and float not in members:
        return FieldSpec(kind="int", **common)
    if float in members:
        return FieldSpec(kind="float", **common)
    return FieldSpec(kind="text", **common)


def field_specs(model: type[BaseModel], exclude: frozenset[str] = frozenset()) -> list[FieldSpec]:
    """The model's fields in declaration order, minus `exclude` and the union tag (`kind`), which
    the enclosing section edits as its variant picker."""
    tag = {"kind", "type"} if _kind_tag(model) is not None else set()  # a union member
    return [spec_for(name, info) for name, info in model.model_fields.items()
            if name not in exclude and name not in tag]
