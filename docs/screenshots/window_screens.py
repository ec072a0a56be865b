r"""Opens the app on one of the window's screens, for the `window-*.png` screenshots:

    /work/shared/tools/xshot window-welcome.png 6 \
        python docs/screenshots/window_screens.py welcome ROOT
    ... welcome | baseline | experiment | picker | preferences | running | trust | load-error |
        about | new-experiment | unsaved | stop-run | restore
    a third argument `dark` shows the screen in the dark theme

Everything (project files, history, the app's settings) lives under ROOT, never in the
user's own folders."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/tunestudio-window-screens").resolve()
THEME = sys.argv[3] if len(sys.argv) > 3 else "light"
# TUNESTUDIO_SCREEN_LANGUAGE=zh_CN and TUNESTUDIO_SCREEN_SIZE=960x600 for the other screenshots
LANGUAGE = os.environ.get("TUNESTUDIO_SCREEN_LANGUAGE", "en")
SIZE = tuple(int(n) for n in os.environ.get("TUNESTUDIO_SCREEN_SIZE", "1400x900").split("x"))
for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
    os.environ[f"TUNESTUDIO_{kind}_DIR"] = str(ROOT / kind.lower())

from tunestudio.config import (  # noqa: E402
    Budget,
    Experiment,
    FloatDimension,
    IntDimension,
    Project,
    PrunerConfig,
    SearchDefinition,
    dump_project,
    from_template,
    merge_values,
    save_project,
)


def digits_project(name: str) -> Project:
    """Digits, a random search over LR and width, 40 epochs a trial: a run that lasts."""
    project = from_template("digits")
    baseline = merge_values(project.baseline, {"training.epochs": 40, "training.device": "cpu"})
    exp = Experiment(
        name="lr-and-width", goal="Highest validation accuracy on digits.",
        hypothesis="The LR matters more than the width.",
        expected_result="Above 97% validation accuracy.",
        search=SearchDefinition(
            strategy="random", sampler_seed=1,
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-4, high=3e-2, log=True),
                        IntDimension(path="model.width", low=32, high=512, log=True)],
            budget=Budget(trials=12), pruner=PrunerConfig(kind="none")))
    return project.model_copy(update={
        "name": "Digits", "baseline": baseline, "experiments": [exp],
        "storage_url": f"sqlite:///{ROOT / f'{name}.db'}"})


def write_projects() -> None:
    ROOT.mkdir(parents=True, exist_ok=True)
    save_project(digits_project("digits"), ROOT / "digits.tuneproj")
    long = digits_project("long")
    search = long.experiments[0].search.model_copy(update={"budget": Budget(trials=400)})
    long = long.model_copy(update={"experiments": [
        long.experiments[0].model_copy(update={"search": search})]})
    save_project(long, ROOT / "long.tuneproj")
    # an LR below zero: the project opens into the editor with the field marked
    data = json.loads(dump_project(digits_project("invalid")))
    data["baseline"]["optimizer"]["lr"] = -0.01
    (ROOT / "invalid-lr.tuneproj").write_text(json.dumps(data, indent=2), encoding="utf-8")
    # not a project file at all: the load-error dialog
    (ROOT / "broken.tuneproj").write_text('{"schema_version": 2, "name": "Digits", "baseline": ',
                                          encoding="utf-8")
    (ROOT / "my_model.py").write_text("import torch\n\n\ndef build_model(config):\n"
                                      "    return torch.nn.Linear(64, 10)\n", encoding="utf-8")


def show(scene: str) -> int:
    from PySide6.QtCore import QTimer

    from tunestudio.gui.app.app import make_app
    from tunestudio.gui.app.main_window import MainWindow
    from tunestudio.gui.app.theme import apply_theme
    from tunestudio.gui.common import i18n
    from tunestudio.gui.common.settings import Settings

    write_projects()
    app = make_app()
    i18n.install(LANGUAGE, app)
    apply_theme(app, "dark" if THEME == "dark" else "light")
    window = MainWindow(Settings())
    window.resize(*SIZE)
    window.move(0, 0)
    window.show()
    file = {"baseline": "invalid-lr", "load-error": "broken",
            "running": "long"}.get(scene, "digits")
    if scene == "load-error":
        QTimer.singleShot(300, lambda: window.session.open_project(ROOT / f"{file}.tuneproj"))
    elif scene not in ("welcome", "about", "preferences"):
        assert window.session.open_project(ROOT / f"{file}.tuneproj")
        view = window.project_view
        assert view is not None
        if scene == "baseline":
            view.tabs.setCurrentIndex(0)
            QTimer.singleShot(300, lambda: view.baseline.go_to("optimizer.lr"))
        elif scene in ("experiment", "picker"):
            view.tabs.setCurrentIndex(1)
            if scene == "picker":
                QTimer.singleShot(300, view.experiment.dimensions.add_button.click)
        elif scene == "running":  # the live curves, a long search mid-way
            assert window.workspace is not None
            window.workspace.show_page("Curves")
            QTimer.singleShot(500, window.runs.start)
        elif scene == "new-experiment":
            view.tabs.setCurrentIndex(1)
            QTimer.singleShot(300, view.experiments.add_button.click)
        elif scene in ("unsaved", "stop-run", "restore"):  # the questions File > Close asks
            import time

            from tunestudio.gui.project import dialogs

            ask = {"unsaved": lambda: dialogs.ask_save_changes(window, "Digits", True),
                   "stop-run": lambda: dialogs.ask_stop_run(window),
                   "restore": lambda: dialogs.ask_restore(window, "Digits", time.time())}[scene]
            QTimer.singleShot(300, ask)
        elif scene == "trust":
            from tunestudio.gui.run.trust import UserCode, confirm_user_code
            QTimer.singleShot(300, lambda: confirm_user_code(
                window, [UserCode("model", ROOT / "my_model.py")]))
    if scene == "about":
        QTimer.singleShot(300, window.show_about)
    elif scene == "preferences":
        QTimer.singleShot(300, window.show_preferences)
    import shots  # in-app screenshots when TUNESTUDIO_SCREEN_SHOTS is set (shots.py)

    shots.schedule(app, window, float(os.environ.get("TUNESTUDIO_SCREEN_SETTLE", "3")))
    code = app.exec()
    window.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(show(sys.argv[1] if len(sys.argv) > 1 else "welcome"))
