"""`tunestudio info` from the project's kept summary and sqlite3 (cli/info_fast.py): the same
answer as the full command, the full command whenever the fast one cannot be exact, and no
pydantic or SQLAlchemy loaded on the fast path."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tunestudio.cli import build_parser, main
from tunestudio.cli.info_fast import answer, summary_file
from tunestudio.config import from_template, merge_values, save_project
from tunestudio.store import Store, TrialState, storage_url_for


@pytest.fixture(scope="module")
def project_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history with complete, pruned and excluded trials, one trained on another baseline,
    and an experiment that never ran."""
    folder = tmp_path_factory.mktemp("info")
    project = from_template("digits").model_copy(update={
        "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
    path = folder / "p.tuneproj"
    save_project(project, path)
    other = project.baseline.model_copy(update={"training": project.baseline.training.model_copy(
        update={"epochs": 3})})
    exp = project.experiments[0]
    with Store.open(storage_url_for(project)) as store:
        eid = store.ensure_experiment(exp.name, exp.name)
        for n, (state, objective, baseline) in enumerate([
                (TrialState.COMPLETE, 0.91, project.baseline),
                (TrialState.COMPLETE, 0.95, other),  # the best, trained on another config
                (TrialState.PRUNED, 0.5, project.baseline),
                (TrialState.COMPLETE, 0.93, project.baseline),
                (TrialState.COMPLETE, 0.97, project.baseline)]):  # excluded below
            params = {"optimizer.lr": 0.1 / (n + 1)}
            tid = store.start_trial(eid, number=n, optuna_trial_id=n, params=params,
                                    config_json=merge_values(baseline, params)
                                    .model_dump_json(), device="cpu", seed=n)
            store.finish_trial(tid, state=state, objective=objective,
                               metrics={"val_accuracy": objective}, duration_s=1.0)
        store.exclude_trials(eid, [4], "a broken data file")
    return path


def full_info(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    args = build_parser().parse_args(["info", str(path)])
    assert args.func(args) == 0
    info: dict[str, object] = json.loads(capsys.readouterr().out)
    return info


def command_info(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["info", str(path)]) == 0
    info: dict[str, object] = json.loads(capsys.readouterr().out)
    return info


def test_the_fast_answer_is_the_full_commands(project_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert answer(str(project_path)) is None  # no summary yet: the full command answers
    first = command_info(project_path, capsys)  # and keeps the summary, the verdicts settled
    fast = answer(str(project_path))
    assert fast is not None
    assert json.loads(json.dumps(fast, default=str)) == first == full_info(project_path, capsys)
    assert command_info(project_path, capsys) == first
    exp = first["experiments"][0]  # type: ignore[index]
    assert exp["best"]["number"] == 3 and exp["best_on_other_config"]["number"] == 1
    assert exp["trained_on_other_config"] == 1 and exp["excluded"] == {"4": "a broken data file"}
    assert exp["counts"]["complete"] == 4 and exp["counts"]["pruned"] == 1
    assert first["experiments"][1]["counts"] == {}  # type: ignore[index]


def test_the_full_command_answers_what_the_summary_cannot(
        project_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command_info(project_path, capsys)
    assert answer(str(project_path)) is not None
    database = Path(str(storage_url_for_path(project_path)).removeprefix("sqlite:///"))
    with sqlite3.connect(database) as conn:  # a trial not judged against this baseline yet
        conn.execute("UPDATE ts_trial SET verdict_baseline = NULL WHERE number = 0")
    assert answer(str(project_path)) is None
    command_info(project_path, capsys)  # judges it again
    assert answer(str(project_path)) is not None
    with sqlite3.connect(database) as conn:  # repeated trials: their noise needs the rows
        conn.execute("UPDATE ts_trial SET repeats = 3 WHERE number = 0")
    assert answer(str(project_path)) is None
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE ts_trial SET repeats = 1 WHERE number = 0")
        conn.execute("UPDATE ts_meta SET value = '1' WHERE key = 'schema_version'")
    assert answer(str(project_path)) is None  # an old schema: the full command upgrades it
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE ts_meta SET value = ? WHERE key = 'schema_version'",
                     (str(json.loads(summary_file(project_path.read_bytes()).read_text())
                          ["schema_version"]),))
    assert answer(str(project_path)) is not None
    edited = project_path.read_text().replace('"name": "Digits"', '"name": "Digits 2"')
    original = project_path.read_text()
    project_path.write_text(edited)  # an edited file has no summary until it is loaded
    try:
        assert answer(str(project_path)) is None
        assert command_info(project_path, capsys)["project"] == "Digits 2"
        assert answer(str(project_path))["project"] == "Digits 2"  # type: ignore[index]
    finally:
        project_path.write_text(original)


def storage_url_for_path(path: Path) -> str:
    from tunestudio.config import load_project

    return storage_url_for(load_project(path))


def test_the_fast_answer_loads_neither_pydantic_nor_sqlalchemy(
        project_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command_info(project_path, capsys)
    code = ("import json, sys\nfrom tunestudio.cli import main\n"
            "rc = main(['info', sys.argv[1]])\n"
            "print(json.dumps([rc, sorted(m for m in ('pydantic', 'sqlalchemy', 'numpy') "
            "if m in sys.modules)]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(project_path)], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    rc, heavy = json.loads(out.rstrip().rsplit("\n", 1)[-1])
    assert rc == 0 and heavy == []
    assert json.loads(out.rstrip().rsplit("\n", 1)[0])["project"] == "Digits"
