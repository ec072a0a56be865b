"""Entry point of the desktop app: `run_app(argv)` with argv `[]`, `[PROJECT.tuneproj]` or
`["--smoke-test"]`. Only Qt and the config layer are imported before the window shows; torch
is loaded by the device catalog's worker thread once the window is up."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication

from tunestudio import __version__
from tunestudio.gui.app.app_icon import app_icon
from tunestudio.gui.app.gc_policy import collect_in_gui_thread
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.app.startup import seconds_since_process_start
from tunestudio.gui.app.theme import apply_theme
from tunestudio.gui.common import i18n, notifications
from tunestudio.gui.common.log_file import install_log_file
from tunestudio.gui.common.settings import Settings

_log = logging.getLogger(__name__)
USAGE = "usage: tunestudio [PROJECT.tuneproj | --smoke-test]"
# How long the training thread may keep the GIL when the GUI thread asks for it. Every call from
# Qt into Python (a slot, a paint override) must take the GIL; at Python's default 5 ms a busy
# event-loop iteration can wait several times that. 1 ms keeps the window smooth during a run
# at no measurable cost in steps per second (benchmarks/ui_latency.py).
GIL_SWITCH_INTERVAL_S = 0.001


def make_app() -> QApplication:
    """The QApplication (the existing one, if any) named, versioned and iconed as TuneStudio, with
    garbage collection moved to the GUI thread (`collect_in_gui_thread`) and the GIL's switch
    interval set to GIL_SWITCH_INTERVAL_S seconds."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName("TuneStudio")
    app.setOrganizationName("TuneStudio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("tunestudio")
    app.setWindowIcon(app_icon())
    collect_in_gui_thread(app)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    return app


class _StartupReporter(QObject):
    """Logs the start-up time when the window first shows, then loads the engine."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.startup_s: float | None = None
        window.first_shown.connect(self.on_shown)

    @Slot()
    def on_shown(self) -> None:
        self.startup_s = seconds_since_process_start()
        _log.info("main window shown %.2f s after the process started", self.startup_s)
        self.window.catalog.start()


def run_app(argv: list[str]) -> int:
    """Runs the desktop app with the command-line arguments `argv` (without the program name): none,
    one project file to open once the window shows, or `--smoke-test`. Returns the process's exit
    status: the event loop's, the smoke test's, or 2 (usage printed to stderr) for other arguments.
    Installs the log file (a folder that cannot be written only costs the file), applies the data
    folder, language and theme preferences before building the window."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    flags = [a for a in argv if a.startswith("-")]
    files = [a for a in argv if not a.startswith("-")]
    if set(flags) - {"--smoke-test"} or len(files) > 1 or (flags and files):
        print(USAGE, file=sys.stderr)
        return 2
    if "--smoke-test" in flags:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from tunestudio.gui.app.smoke import run_smoke_test

        return run_smoke_test(make_app())
    try:
        install_log_file()
    except OSError as exc:  # a read-only log folder: the app still runs, logging to stderr
        _log.warning("no log file: %s", exc)
    app = make_app()
    settings = Settings()
    settings.apply_data_dir()
    i18n.install(settings.language, app)  # before any widget: each reads its text when built
    apply_theme(app, settings.theme)
    notifications.install_excepthook()
    window = MainWindow(settings)
    _StartupReporter(window)
    if files:
        window.open_after_show(Path(files[0]))
    window.show()
    return app.exec()
