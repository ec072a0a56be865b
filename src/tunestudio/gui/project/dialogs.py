"""The questions the main window asks: where to open or save a file, whether to keep unsaved
changes, whether to stop a running search, whether to restore a recovery copy. Message boxes
carry object names so tests can find and click them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from tunestudio.config import SUFFIX
from tunestudio.gui.common.i18n import translate

SaveAnswer = Literal["save", "discard", "cancel"]


def _filter() -> str:
    return translate("dialogs", "TuneStudio projects (*{suffix});;All files (*)").format(
        suffix=SUFFIX)


def ask_open_path(parent: QWidget | None, start: Path) -> Path | None:
    """Asks for a project file to open, starting in `start`; the chosen path, or None when
    cancelled."""
    name, _ = QFileDialog.getOpenFileName(parent, translate("dialogs", "Open project"), str(start),
                                          _filter())
    return Path(name) if name else None


def ask_save_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """Asks where to save the project, suggesting `suggested`; the chosen path with the project
    suffix (`.tuneproj`) added when it lacks it, or None when cancelled."""
    name, _ = QFileDialog.getSaveFileName(parent, translate("dialogs", "Save project as"),
                                          str(suggested), _filter())
    if not name:
        return None
    path = Path(name)
    return path if path.suffix == SUFFIX else path.with_suffix(SUFFIX)


def ask_save_changes(parent: QWidget | None, name: str, has_trials: bool = False) -> SaveAnswer:
    """`has_trials`: the project was never saved and has trials, which only its file reaches."""
    box = QMessageBox(QMessageBox.Icon.Warning, translate("dialogs", "Unsaved changes"),
                      translate("dialogs", "Save {name}?").format(name=name) if has_trials
                      else translate("dialogs", "Save the changes to {name}?").format(name=name),
                      parent=parent)
    box.setObjectName("savePrompt")
    box.setInformativeText(
        translate("dialogs", "It was never saved: its trials can only be found again through "
                             "the project file.")
        if has_trials else translate("dialogs", "Your changes are lost if you don't save them."))
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def ask_stop_run(parent: QWidget | None) -> bool:
    """Asks whether to stop the running search and close; True for "Stop and close" (the running
    trial is then marked interrupted, finished trials kept)."""
    box = QMessageBox(QMessageBox.Icon.Question, translate("dialogs", "A search is running"),
                      translate("dialogs", "Stop the search and close?"), parent=parent)
    box.setObjectName("stopRunPrompt")
    box.setInformativeText(translate("dialogs", "The running trial is marked interrupted; finished "
                                                "trials are kept. You can run the experiment again "
                                                "later."))
    stop = box.addButton(translate("dialogs", "Stop and close"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(translate("dialogs", "Keep running"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is stop


def ask_restore(parent: QWidget | None, name: str, when: float) -> bool:
    """Asks whether to restore project `name`'s unsaved changes from a recovery copy written at
    `when` (seconds since the epoch, shown as local time); True for Yes."""
    stamp = datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M")
    box = QMessageBox(QMessageBox.Icon.Question, translate("dialogs", "Unsaved changes found"),
                      translate("dialogs", "{name} has unsaved changes from {stamp} (TuneStudio "
                                           "closed before they were saved). Restore them?").format(
                                               name=name, stamp=stamp), parent=parent)
    box.setObjectName("restorePrompt")
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes
