"""Help > The Tuning Practice: the practice TuneStudio teaches (rules, defaults, diagnoses),
shown in the window's language from the copy bundled in `resources/practice/`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from tunestudio import resources


def practice_file(language: str) -> Path:
    """The practice in `language` (`en`, `zh_CN`); English where there is no translation."""
    folder = Path(str(resources.root().joinpath("practice")))
    translated = folder / f"tuning-practice.{language}.md"
    return translated if translated.exists() else folder / "tuning-practice.md"


class PracticeDialog(QDialog):
    """Help > The Tuning Practice: the practice's Markdown in `language` (`practice_file`), links
    opened in the browser."""

    def __init__(self, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("The Tuning Practice"))
        self.setObjectName("practiceDialog")
        self.resize(880, 640)
        self.path = practice_file(language)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(self.path.read_text(encoding="utf-8"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
