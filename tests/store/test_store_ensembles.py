"""Ensembles kept in the history: numbered within their experiment, the same ensemble kept
once, the test split's result kept once, exports appended, and gone with their experiment."""

from __future__ import annotations

import math

import pytest
from store_helpers import start

from tunestudio.store import EnsembleMember, EnsembleRow, NotFoundError, Store


def _keep(store: Store, experiment_id: int, members: list[EnsembleMember],
          method: str = "top", accuracy: float = 0.95) -> EnsembleRow:
    return store.record_ensemble(
        experiment_id, method=method, k=len(members), task="classification",
        metric="val_accuracy", direction="maximize", members=members,
        metrics={"val_loss": 0.2, "val_accuracy": accuracy}, best_member=members[0].number,
        gain=accuracy - 0.9, skipped={7: "no usable checkpoint (gone)"})


def _members(store: Store, experiment_id: int, *numbers: int) -> list[EnsembleMember]:
    return [EnsembleMember(n, start(store, experiment_id, number=n), 1, 0.9 - n / 100,
                           {"val_accuracy": 0.9 - n / 100, "val_loss": math.nan})
            for n in numbers]


def test_an_ensemble_is_kept_with_its_members_metrics_and_gain(
        store: Store, experiment_id: int) -> None:
    members = _members(store, experiment_id, 0, 1, 2)
    kept = _keep(store, experiment_id, members)
    assert kept.number == 1 and kept.method == "top" and kept.k == 3 and kept.size == 3
    assert [m.number for m in kept.members] == [0, 1, 2]
    assert [m.trial_id for m in kept.members] == [m.trial_id for m in members]
    assert kept.members[1].metrics["val_accuracy"] == pytest.approx(0.89)
    assert math.isnan(kept.members[1].metrics["val_loss"])  # NaN survives the JSON
    assert kept.value == pytest.approx(0.95) and kept.gain == pytest.approx(0.05)
    assert kept.best_member == 0 and kept.skipped == {7: "no usable checkpoint (gone)"}
    assert kept.test_metrics is None and kept.exports == ()
    assert store.ensembles(experiment_id) == [kept] == store.ensembles()
    assert store.ensemble(kept.id) == kept


def test_the_same_ensemble_is_kept_once_and_others_are_numbered_after_it(
        store: Store, experiment_id: int) -> None:
    members = _members(store, experiment_id, 0, 1)
    first = _keep(store, experiment_id, members)
    again = _keep(store, experiment_id, list(reversed(members)), accuracy=0.5)
    assert again == first  # the stored row, unchanged
    greedy = _keep(store, experiment_id, [EnsembleMember(0, members[0].trial_id, 2, 0.9, {})],
                   method="greedy")
    other = _keep(store, experiment_id, members[:1])
    assert [e.number for e in store.ensembles(experiment_id)] == [1, 2, 3]
    assert (greedy.number, greedy.members[0].count, greedy.size) == (2, 2, 2)
    assert greedy.members_text() == "#0x2" and first.members_text("×") == "#0 #1"
    assert other.number == 3
    elsewhere = store.ensure_experiment("other", "other-study")
    assert _keep(store, elsewhere, _members(store, elsewhere, 0)).number == 1
    with pytest.raises(ValueError, match="unknown ensemble method"):
        _keep(store, experiment_id, members, method="mean")


def test_the_test_split_result_is_kept_once(store: Store, experiment_id: int) -> None:
    kept = _keep(store, experiment_id, _members(store, experiment_id, 0))
    store.set_ensemble_test_metrics(kept.id, {"test_accuracy": 0.93, "test_loss": 0.25})
    tested = store.ensemble(kept.id)
    assert tested.test_metrics == {"test_accuracy": 0.93, "test_loss": 0.25}
    assert tested.tested_at is not None and tested.tested_at >= kept.created_at
    with pytest.raises(ValueError, match="already evaluated on the test split"):
        store.set_ensemble_test_metrics(kept.id, {"test_accuracy": 0.99})
    assert store.ensemble(kept.id).test_metrics == tested.test_metrics
    with pytest.raises(NotFoundError):
        store.set_ensemble_test_metrics(kept.id + 100, {"test_accuracy": 0.5})


def test_exports_are_appended_and_the_experiment_takes_its_ensembles_along(
        store: Store, experiment_id: int) -> None:
    kept = _keep(store, experiment_id, _members(store, experiment_id, 0))
    store.add_ensemble_export(kept.id, {"format": "onnx", "files": ["/tmp/e.onnx"],
                                        "agrees": True})
    store.add_ensemble_export(kept.id, {"format": "state_dict", "files": ["/tmp/e.pt"]})
    exports = store.ensemble(kept.id).exports
    assert [e["format"] for e in exports] == ["onnx", "state_dict"]
    assert exports[0]["agrees"] is True and exports[0]["at"] >= kept.created_at
    store.delete_experiment(experiment_id)
    assert store.ensembles() == []
    with pytest.raises(NotFoundError):
        store.ensemble(kept.id)
