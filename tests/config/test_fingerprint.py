"""Config fingerprints (one per trained config, baseline included) and config diffs."""

from __future__ import annotations

import json

from tunestudio.config import from_template, merge_values
from tunestudio.config.diff import MISSING, config_diff, show_value
from tunestudio.config.fingerprint import (
    canonical_config,
    config_fingerprint,
    fingerprint_data,
    fingerprint_json,
    point_fingerprint,
)


def test_the_same_config_has_the_same_fingerprint_and_any_change_another() -> None:
    base = from_template("digits").baseline
    same = merge_values(base, {})
    assert config_fingerprint(base) == config_fingerprint(same)
    assert len(config_fingerprint(base)) == 64
    for path, value in [("training.epochs", 7), ("model.width", 31),
                        ("data.standardize", not base.data.standardize),
                        ("optimizer.lr", base.optimizer.lr * (1 + 2 ** -52)),
                        ("training.seed", 1), ("optimizer.kind", "sgd")]:
        changed = merge_values(base, {path: value})
        assert config_fingerprint(changed) != config_fingerprint(base), path


def test_the_batch_size_and_every_other_field_but_the_device_define_the_run() -> None:
    """Only `training.device` places a run: the hashed data holds every other field of the
    config, so a change of any (the batch size, say) is a change of the fingerprint."""
    base = from_template("digits").baseline
    assert base.training.batch_size != 32
    smaller = merge_values(base, {"training.batch_size": 32})
    assert config_fingerprint(smaller) != config_fingerprint(base)
    assert point_fingerprint(base, {"training.batch_size": 32}) == config_fingerprint(smaller)

    def leaves(tree: dict[str, object], prefix: str = "") -> set[str]:
        out: set[str] = set()
        for key, value in tree.items():
            out |= leaves(value, f"{prefix}{key}.") if isinstance(value, dict) \
                else {f"{prefix}{key}"}
        return out

    dumped = base.model_dump(mode="json")
    # an empty hyperparameter schedule is left out too: such a config hashes as before the
    # field existed, so the trials stored then keep their fingerprints
    assert leaves(dumped) - leaves(canonical_config(dumped)) == {"training.device",
                                                                   "hyper_schedule"}
    scheduled = merge_values(base, {"hyper_schedule": [{"step": 3,
                                                        "values": {"optimizer.lr": 0.01}}]})
    dumped = scheduled.model_dump(mode="json")
    assert leaves(dumped) - leaves(canonical_config(dumped)) == {"training.device"}


def test_the_device_places_a_run_and_is_not_part_of_its_fingerprint() -> None:
    base = from_template("digits").baseline
    assert base.training.device != "cpu"
    assert config_fingerprint(merge_values(base, {"training.device": "cpu"})) \
        == config_fingerprint(base)


def test_a_stored_snapshot_hashes_like_the_config_and_an_empty_one_to_none() -> None:
    base = from_template("digits").baseline
    assert fingerprint_json(base.model_dump_json()) == config_fingerprint(base)
    assert fingerprint_json("") is None


def test_a_point_is_fingerprinted_on_its_baseline_even_when_invalid() -> None:
    base = from_template("digits").baseline
    assert point_fingerprint(base, {"model.width": 64}) \
        == config_fingerprint(merge_values(base, {"model.width": 64}))
    bad = {"schedule.warmup_epochs": 1e6}  # longer than training: invalid
    assert point_fingerprint(base, bad) == point_fingerprint(base, bad)
    longer = merge_values(base, {"training.epochs": 10**5})
    assert point_fingerprint(base, bad) != point_fingerprint(longer, bad)


def test_diff_lists_every_path_and_marks_what_differs() -> None:
    base = from_template("digits").baseline
    other = merge_values(base, {"training.epochs": 6, "optimizer.kind": "sgd"})
    lines = config_diff(base.model_dump(mode="json"), other.model_dump(mode="json"))
    differing = {x.path for x in lines if x.differs}
    assert "training.epochs" in differing and "optimizer.kind" in differing
    assert "model.width" not in differing
    assert {x.path for x in lines} >= {"model.width", "data.val_fraction"}
    momentum = next(x for x in lines if x.path == "optimizer.momentum")  # sgd only
    assert momentum.left is MISSING and momentum.differs and show_value(momentum.left) == "-"
    assert show_value(0.00375619614449984) == "0.00375619614449984"
    assert show_value(True) == "true"


def test_hashing_plain_data_leaves_it_as_it_was_and_ignores_key_order() -> None:
    data = from_template("digits").baseline.model_dump(mode="json")
    before = json.loads(json.dumps(data))
    shuffled = {k: dict(reversed(list(v.items()))) if isinstance(v, dict) else v
                for k, v in reversed(list(data.items()))}
    assert fingerprint_data(shuffled) == fingerprint_data(data)
    assert data == before and "device" in data["training"]
    assert fingerprint_data({"x": float("nan")}) == fingerprint_data({"x": float("nan")})


def test_a_snapshot_todays_model_refuses_is_hashed_as_stored() -> None:
    old = '{"optimizer": {"lr": 0.1, "kind": "lbfgs"}}'  # a kind that no longer exists
    assert fingerprint_json(old) == fingerprint_data(json.loads(old))
    assert fingerprint_json(old) != fingerprint_json('{"optimizer": {"lr": 0.2}}')
    assert fingerprint_json("not json at all") is None
    assert fingerprint_json("[1, 2]") is None
