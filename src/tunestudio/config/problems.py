"""pydantic errors turned into (field path, message) pairs a person can act on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tunestudio.messages import N_, Text

_HEAD = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)")


def validation_problems(
    exc: ValidationError, data: Any = None, prefix: str = ""
) -> list[tuple[str, str]]:
    """pydantic's errors as (dotted field path, message), with union tags removed from the path
    so that `baseline.optimizer.adam.lr` reads `baseline.optimizer.lr`."""
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = _clean_loc(err["loc"], data)
        loc.extend(_named_field(err, loc, data))
        path = ".".join(str(p) for p in loc) or "(file)"
        out.append((f"{prefix}{path}" if prefix else path, _message(err)))
    return out


# pydantic's messages of the commonest errors, by error type, with the values of their context:
# the GUI shows them in the window's language; the text is pydantic's own (checked below)
_PYDANTIC = {
    "greater_than": N_("Validation", "Input should be greater than {gt}"),
    "greater_than_equal": N_("Validation", "Input should be greater than or equal to {ge}"),
    "less_than": N_("Validation", "Input should be less than {lt}"),
    "less_than_equal": N_("Validation", "Input should be less than or equal to {le}"),
    "missing": N_("Validation", "Field required"),
    "int_parsing": N_("Validation", "Input should be a valid integer, unable to parse string "
                                    "as an integer"),
    "float_parsing": N_("Validation", "Input should be a valid number, unable to parse string "
                                      "as a number"),
    "literal_error": N_("Validation", "Input should be {expected}"),
    "string_too_short": N_("Validation", "String should have at least {min_length} "
                                         "character{s}"),
    "string_too_long": N_("Validation", "String should have at most {max_length} "
                                        "character{s}"),
    "too_short": N_("Validation", "List should have at least {min_length} item{s} after "
                                  "validation, not {actual_length}"),
    "string_pattern_mismatch": N_("Validation", "String should match pattern '{pattern}'"),
    "union_tag_invalid": N_("Validation", "Input tag '{tag}' found using {discriminator} does "
                                          "not match any of the expected tags: "
                                          "{expected_tags}"),
    "bool_parsing": N_("Validation", "Input should be a valid boolean, unable to interpret "
                                     "input"),
    "string_type": N_("Validation", "Input should be a valid string"),
    "list_type": N_("Validation", "Input should be a valid list"),
    "dict_type": N_("Validation", "Input should be a valid dictionary"),
    "float_type": N_("Validation", "Input should be a valid number"),
    "int_type": N_("Validation", "Input should be a valid integer"),
}


def _message(err: Mapping[str, Any]) -> str:
    raised = (err.get("ctx") or {}).get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Text):
        return raised.args[0]  # our validators' own message: the GUI renders it translated
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err.get("type") == "extra_forbidden":
        msg = N_("Validation", "unknown field (a typo?); remove it")
    template = _PYDANTIC.get(str(err.get("type")))
    if template is not None:
        # the values as pydantic wrote them; no match: another pydantic words it otherwise
        parts = re.split(r"\{(\w+)\}", template.template)
        # {s}: pydantic's plural ending, '' or 's' (the translation leaves it out)
        pattern = "".join(re.escape(part) if i % 2 == 0 else "(?P<s>s?)" if part == "s"
                          else f"(?P<{part}>.+)" for i, part in enumerate(parts))
        if (match := re.fullmatch(pattern, msg, re.DOTALL)) is not None:
            return template.format(**match.groupdict())
    return msg


def _clean_loc(loc: tuple[int | str, ...], data: Any) -> list[int | str]:
    out: list[int | str] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and isinstance(part, str) and part not in node \
                and node.get("kind", node.get("type")) == part:
            continue  # the discriminator tag pydantic inserts
        if isinstance(node, Mapping) and isinstance(part, str) and "[" in part \
                and part not in node:
            continue  # a function-validator tag such as 'function-after[...]'
        out.append(part)
        if isinstance(node, Mapping):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _named_field(err: Mapping[str, Any], loc: list[int | str], data: Any) -> list[str]:
    """Cross-field rules raise at the model; their message starts with the field they blame
    (`schedule.warmup_epochs (12) must be ...`). Point the location at that field so an editor
    can mark it."""
    if err.get("type") != "value_error" or not isinstance(data, Mapping):
        return []
    match = _HEAD.match(_message(err))
    if not match:
        return []
    node: Any = data
    for part in loc:  # through an experiment's index too (experiments.0.search.pbt)
        if isinstance(node, Mapping) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    parts = match.group(1).split(".")
    probe = node
    for part in parts:
        if not isinstance(probe, Mapping) or part not in probe:
            return []
        probe = probe[part]
    return parts
