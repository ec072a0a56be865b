"""A project that fails to load is explained in one dialog that names each bad field; the file
is left exactly as it was (qutebrowser shows config errors the same way)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QMessageBox, QWidget

from tunestudio.config import ProjectFileError
from tunestudio.gui.common.i18n import render, translate


def load_error_text(exc: ProjectFileError) -> str:
    """The dialog's HTML body for a project file that fails to load: the file's path, each
    problem as a bullet (location in bold, then the message, in the window's language), and that
    the file was not changed."""
    rows = "".join(f"<li><b>{escape(render(loc))}</b>: {escape(render(msg))}</li>"
                   for loc, msg in exc.problems)
    return (f"<p><code>{escape(str(exc.path))}</code></p><ul>{rows}</ul><p>"
            + translate("load_error", "The file was not changed. Fix the fields named above (in a "
                                      "text editor) and open it again.") + "</p>")


def show_load_error(parent: QWidget | None, exc: ProjectFileError) -> QMessageBox:
    """Opens the "Cannot open project" message box for `exc`, naming each bad field
    (window-modal; returns at once with the box)."""
    title = translate("load_error", "Cannot open project")
    count = len(exc.problems)  # a name: lupdate skips a translate() whose count is a call
    headline = translate("load_error", "This project file cannot be opened (%n problem(s)):",
                         "", count)
    box = QMessageBox(QMessageBox.Icon.Critical, title, headline,
                      QMessageBox.StandardButton.Close, parent)
    box.setObjectName("loadErrorDialog")
    box.setInformativeText(load_error_text(exc))
    box.open()  # window-modal, returns at once: tests and the event loop keep running
    return box
