"""Opens the app on a prepared project and shows one of the trial views, for screenshots:

    python docs/screenshots/trial_views.py prepare ROOT      # histories for the scenes
    /work/shared/tools/xshot live.png 40 python docs/screenshots/trial_views.py live ROOT
    ... analysis-parallel | analysis-contour | analysis-importance | analysis-history |
        analysis-batch | table | compare | diagnosis | lr-range | baseline-lr |
        branches-experiment | branches-table | branches-parallel | branches-slices |
        branches-importance | lineage | exclude | config-diff | ensemble
    a third argument `dark` shows the scene in the dark theme

Everything (project files, history, the app's settings) lives under ROOT, never in the
user's own folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tunestudio-screens").resolve()
THEME = sys.argv[3] if len(sys.argv) > 3 else "light"
# TUNESTUDIO_SCREEN_LANGUAGE=zh_CN and TUNESTUDIO_SCREEN_SIZE=960x600 for the other screenshots
LANGUAGE = os.environ.get("TUNESTUDIO_SCREEN_LANGUAGE", "en")
SIZE = tuple(int(n) for n in os.environ.get("TUNESTUDIO_SCREEN_SIZE", "1400x900").split("x"))
for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
    os.environ[f"TUNESTUDIO_{kind}_DIR"] = str(ROOT / kind.lower())

from tunestudio.config import (  # noqa: E402
    Budget,
    CategoricalDimension,
    ConstantSchedule,
    EarlyStoppingConfig,
    Experiment,
    FloatDimension,
    IntDimension,
    Objective,
    Project,
    PrunerConfig,
    SearchDefinition,
    StopRules,
    from_template,
    merge_values,
    save_project,
)
from tunestudio.config.search import Condition  # noqa: E402


def search_project() -> Project:
    """Digits, a TPE search over LR, weight decay, width and batch size."""
    project = from_template("digits")
    baseline = merge_values(project.baseline, {"data.fraction": 0.5, "training.epochs": 12,
                                                "schedule.warmup_epochs": 1.0,
                                                "training.device": "cpu"})
    exp = Experiment(
        name="bayes-lr-wd-width-batch", goal="Highest validation accuracy on digits.",
        hypothesis="LR and weight decay matter most; width and batch size matter less.",
        expected_result="Above 97% validation accuracy; LR the most important parameter.",
        search=SearchDefinition(
            strategy="tpe", sampler_seed=3,
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-4, high=3e-2, log=True),
                        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2,
                                       log=True),
                        IntDimension(path="model.width", low=32, high=512, log=True),
                        CategoricalDimension(path="training.batch_size",
                                             choices=[32, 64, 128, 256])],
            budget=Budget(trials=24), pruner=PrunerConfig(kind="none"),
            objective=Objective(metric="val_accuracy")))
    return project.model_copy(update={
        "name": "Digits", "baseline": baseline, "experiments": [exp],
        "storage_url": f"sqlite:///{ROOT / 'search.db'}"})


def overfit_project() -> Project:
    """A baseline built to overfit, and one trial at a huge LR."""
    project = from_template("digits")
    baseline = merge_values(project.baseline, {
        "data.fraction": 0.1, "model.width": 256, "optimizer.weight_decay": 0.0,
        "optimizer.lr": 0.003, "training.batch_size": 16, "training.epochs": 40,
        "training.device": "cpu"}).model_copy(update={
            "schedule": ConstantSchedule(warmup_epochs=0),
            "early_stopping": EarlyStoppingConfig(enabled=False)})
    exp = Experiment(
        name="small-data", goal="See what a big network does with 180 samples.",
        hypothesis="It memorises the training split.",
        search=SearchDefinition(strategy="ovat", dimensions=[FloatDimension(
            path="optimizer.lr", low=1e-3, high=10.0, log=True, values=[0.003, 10.0])],
            budget=Budget(trials=None), pruner=PrunerConfig(kind="none")))
    return project.model_copy(update={
        "name": "Overfit", "baseline": baseline, "experiments": [exp],
        "storage_url": f"sqlite:///{ROOT / 'overfit.db'}"})


def branches_project() -> Project:
    """Digits, a TPE search over the optimizer's kind with momentum for SGD only and beta1 for
    Adam only (a conditional space), stopped by a patience rule."""
    project = from_template("digits")
    baseline = merge_values(project.baseline, {"data.fraction": 0.5, "training.epochs": 6,
                                                "training.device": "cpu"})
    exp = Experiment(
        name="sgd-or-adam", goal="Which optimizer suits digits, each with its own knobs?",
        hypothesis="Adam reaches the best accuracy with less tuning.",
        search=SearchDefinition(
            strategy="tpe", sampler_seed=5,
            dimensions=[
                CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"]),
                FloatDimension(path="optimizer.lr", low=1e-4, high=3e-1, log=True),
                FloatDimension(path="optimizer.momentum", low=0.0, high=0.95,
                               condition=Condition(path="optimizer.kind", values=["sgd"])),
                FloatDimension(path="optimizer.beta1", low=0.8, high=0.99,
                               condition=Condition(path="optimizer.kind", values=["adam"]))],
            budget=Budget(trials=16), pruner=PrunerConfig(kind="none"),
            stop=StopRules(patience=10, min_delta=0.002, trial_hours=2.0),
            objective=Objective(metric="val_accuracy")))
    return project.model_copy(update={
        "name": "Digits", "baseline": baseline, "experiments": [exp],
        "storage_url": f"sqlite:///{ROOT / 'branches.db'}"})


def pbt_project() -> Project:
    """Digits, population-based training of the LR: a population whose members copy the
    best ones' weights (the Lineage tab)."""
    from tunestudio.config.pbt import PBTSettings

    project = from_template("digits")
    baseline = merge_values(project.baseline, {"data.fraction": 0.5, "training.epochs": 8,
                                                "training.device": "cpu"})
    exp = Experiment(
        name="pbt-lr", goal="An LR schedule found while training.",
        search=SearchDefinition(
            strategy="pbt", sampler_seed=2,
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-3, high=3e-1, log=True)],
            pbt=PBTSettings(population=8, interval=1, quantile=0.25),
            budget=Budget(trials=8), pruner=PrunerConfig(kind="none"),
            objective=Objective(metric="val_accuracy")))
    return project.model_copy(update={
        "name": "Digits", "baseline": baseline, "experiments": [exp],
        "storage_url": f"sqlite:///{ROOT / 'pbt.db'}"})


def live_project() -> Project:
    project = search_project()
    baseline = merge_values(project.baseline, {"data.fraction": 1.0, "training.epochs": 60})
    return project.model_copy(update={"baseline": baseline,
                                      "storage_url": f"sqlite:///{ROOT / 'live.db'}"})


def prepare() -> None:
    from tunestudio.search import ExperimentRunner
    from tunestudio.store import Store

    ROOT.mkdir(parents=True, exist_ok=True)
    for name, project in (("search", search_project()), ("overfit", overfit_project()),
                          ("branches", branches_project()), ("pbt", pbt_project())):
        save_project(project, ROOT / f"{name}.tuneproj")
        ExperimentRunner(project, project.experiments[0].name).run()
    save_project(live_project(), ROOT / "live.tuneproj")
    # the conditional search's best trial excluded, as a user does after finding it trained
    # on a broken data file (the table marks it, with its reason)
    store = Store.open(branches_project().storage_url)
    try:
        exp = store.experiment("sgd-or-adam")
        assert exp is not None
        best = store.best_trial(exp.id, "maximize")
        assert best is not None
        store.exclude_trials(exp.id, [best.number], "trained on the broken data file")
    finally:
        store.close()


def show(scene: str) -> int:
    from PySide6.QtCore import QTimer

    from tunestudio.gui.app.app import make_app
    from tunestudio.gui.app.main_window import MainWindow
    from tunestudio.gui.app.theme import apply_theme
    from tunestudio.gui.common import i18n
    from tunestudio.gui.common.settings import Settings

    app = make_app()
    i18n.install(LANGUAGE, app)
    apply_theme(app, "dark" if THEME == "dark" else "light")
    window = MainWindow(Settings())
    window.resize(*SIZE)
    window.move(0, 0)
    window.show()
    name = {"live": "live", "diagnosis": "overfit", "lr-range": "overfit",
            "lineage": "pbt"}.get(scene, "branches" if scene.startswith("branches")
                                   or scene == "exclude" else "search")
    assert window.session.open_project(ROOT / f"{name}.tuneproj")
    view = window.project_view
    assert view is not None
    ws = window.workspace
    assert ws is not None
    if scene == "branches-experiment":  # a conditional dimension and the stop rules
        view.tabs.setCurrentIndex(1)
    elif scene in ("branches-table", "exclude", "lineage", "config-diff", "ensemble"):
        ws.show_page("Trials")

        def table_scene() -> None:
            trials = ws.table.model.trials()
            if not trials or (scene == "lineage" and len(trials) < 8):
                QTimer.singleShot(300, table_scene)
                return
            if scene == "branches-table":  # the excluded trial, its reason in sight
                ws.table.select_trials([t.id for t in trials if t.excluded])
            elif scene == "exclude":  # the question Exclude… asks
                ws.table.select_trials([t.id for t in trials if not t.excluded][:2])
                QTimer.singleShot(300, ws.table.trial_actions.exclude_action.trigger)
            elif scene == "lineage":  # a member that copied a better one's weights
                ws.table.select_trials([trials[-1].id])
                ws.trials_page.widget(1).setCurrentIndex(1)  # the detail tab
                ws.detail.tabs.setCurrentIndex(4)
            elif scene == "config-diff":
                ws.table.select_trials([trials[0].id, trials[1].id])
                QTimer.singleShot(300, ws.table.trial_actions.diff_action.trigger)
            else:
                QTimer.singleShot(300, ws.table.trial_actions.ensemble_action.trigger)

        QTimer.singleShot(300, table_scene)
    elif scene == "live":
        ws.show_page("Curves")
        QTimer.singleShot(500, window.runs.start)
    elif scene.startswith(("analysis", "branches")):
        ws.show_page("Analysis")
        tab = {"parallel": 1, "contour": 3, "importance": 4, "history": 0, "batch": 5,
               "slices": 2}[scene.split("-", 1)[1]]
        ws.analysis.tabs.setCurrentIndex(tab)
    elif scene == "baseline-lr":  # the LR range test as the first step, on the baseline
        QTimer.singleShot(300, window.lr_find_action.trigger)
    elif scene == "compare":  # two trials compared: curves named in the legend
        ws.show_page("Trials")

        def compare() -> None:
            trials = sorted(ws.table.model.trials(), key=lambda t: -(t.objective or 0))
            if len(trials) < 2:
                QTimer.singleShot(300, compare)
                return
            ws.table.select_trials([trials[0].id, trials[-1].id])
            ws.table.trial_actions.compare_action.trigger()

        QTimer.singleShot(300, compare)
    elif scene in ("table", "diagnosis", "lr-range"):
        ws.show_page("Trials")

        def pick() -> None:
            trials = ws.table.model.trials()
            if not trials:
                QTimer.singleShot(300, pick)
                return
            chosen = trials[0].id if scene != "table" else ws.table.model.best_id
            ws.table.select_trials([chosen] if scene != "table" else
                                   [t.id for t in trials[:3]])
            if scene == "lr-range":
                ws.trials_page.widget(1).setCurrentIndex(1)  # the detail tab
                ws.detail.tabs.setCurrentIndex(2)
                QTimer.singleShot(300, run_when_ready)

        def run_when_ready() -> None:
            if ws.detail.config is None:
                QTimer.singleShot(300, run_when_ready)
                return
            ws.detail.run_lr_test()

        QTimer.singleShot(300, pick)
    import shots  # in-app screenshots when TUNESTUDIO_SCREEN_SHOTS is set (shots.py)

    shots.schedule(app, window, float(os.environ.get("TUNESTUDIO_SCREEN_SETTLE", "3")))
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    scene = sys.argv[1] if len(sys.argv) > 1 else "live"
    if scene == "prepare":
        prepare()
    else:
        sys.exit(show(scene))
