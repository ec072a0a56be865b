"""The fingerprint of a run config: a hash that two trials share exactly when they trained the
same config, baseline included. It is what keeps an experiment honest after the baseline
changes: a trial whose fingerprint differs from the current baseline merged with its values was
trained on another config, and a grid or one-variable-at-a-time plan counts only the points run
under the current one.

The hash is SHA-256 over canonical JSON of the full config (`model_dump(mode="json")`, keys
sorted, floats as their shortest round-trip text, so 0.1 and 0.1000000000000001 differ). Only
`training.device` is left out: it says where a config ran, not what was trained, and each trial
records its device on its own; and an empty `hyper_schedule`, so that a config without one
hashes as it did before the field existed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tunestudio.config.dotted import set_values
from tunestudio.config.run import RunConfig

# Fields that place a run rather than define it: (section, field).
PLACEMENT_FIELDS: tuple[tuple[str, str], ...] = (("training", "device"),)


def canonical_config(data: Mapping[str, Any]) -> dict[str, Any]:
    """A config dump (as `RunConfig.model_dump(mode="json")` gives it) without the fields that
    only place the run; a new dict, the input is left as it was."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in data.items()}
    if not out.get("hyper_schedule"):  # none: the config as it was before the field existed
        out.pop("hyper_schedule", None)
    for section, name in PLACEMENT_FIELDS:
        part = out.get(section)
        if isinstance(part, dict):
            part.pop(name, None)
    return out


def fingerprint_data(data: Mapping[str, Any]) -> str:
    """The fingerprint (64 hex digits) of a config given as plain JSON data."""
    text = json.dumps(canonical_config(data), sort_keys=True, separators=(",", ":"),
                      allow_nan=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_fingerprint(config: RunConfig) -> str:
    """The fingerprint (64 hex digits) of a validated config."""
    return fingerprint_data(config.model_dump(mode="json"))


def fingerprint_json(config_json: str) -> str | None:
    """The fingerprint of a stored config snapshot (`RunConfig.model_dump_json()`), validated
    with today's model so that fields added since get their defaults; None for an empty
    snapshot (an invalid trial has none). A snapshot today's model refuses is hashed as it is
    stored, so it never equals a current config's fingerprint."""
    if not config_json.strip():
        return None
    try:
        return config_fingerprint(RunConfig.model_validate_json(config_json))
    except ValidationError:
        try:
            data = json.loads(config_json)
        except ValueError:
            return None
        return fingerprint_data(data) if isinstance(data, Mapping) else None


def point_fingerprint(baseline: RunConfig, values: Mapping[str, Any]) -> str:
    """The fingerprint of what a trial with these values trains on this baseline: the merged
    config's, or, when the merge fails validation (an `invalid` trial), that of the merged data
    as it stands, so that the same invalid point on the same baseline has the same fingerprint
    and a point made valid by a new baseline gets a new one."""
    data = set_values(RunConfig, baseline.model_dump(mode="python"), values)
    try:
        config = RunConfig.model_validate(data)
    except ValidationError:
        return fingerprint_data(json.loads(json.dumps(data, default=str)))
    return config_fingerprint(config)
