"""Preferences: the default device, where trial databases live, the window's language (English,
简体中文, or the system's) and the theme (following the system unless told otherwise). Kept by
`Settings` (QSettings)."""

from __future__ import annotations

import os

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio import paths
from tunestudio.gui.app.theme import apply_theme
from tunestudio.gui.common import i18n, notifications
from tunestudio.gui.common.settings import THEMES, Settings, Theme
from tunestudio.gui.common.wheel import wheel_only_when_focused
from tunestudio.gui.run.devices import DeviceCatalog, DeviceCombo


class PreferencesDialog(QDialog):
    """Edit > Preferences: the default device, theme, language and data folder. Accepting writes
    them to `settings`, points the data folder at the choice and applies the theme at once; a new
    language applies at the next start."""

    def __init__(self, settings: Settings, catalog: DeviceCatalog,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences"))
        self.setMinimumWidth(560)
        self.settings = settings
        self.device = DeviceCombo(catalog, settings.default_device, self)
        self.theme = QComboBox(self)
        for theme in THEMES:
            self.theme.addItem(self._theme_label(theme), theme)
        self.theme.setCurrentIndex(THEMES.index(settings.theme))
        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        system = i18n.NATIVE_NAMES[i18n.system_language()]
        self.language.addItem(self.tr("Follow the system ({language})").format(language=system),
                              "system")
        for code in ("en", "zh_CN"):  # each in its own words, whatever the window's language
            self.language.addItem(i18n.NATIVE_NAMES[code], code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.language.setToolTip(self.tr("Applies when TuneStudio starts next; projects, trials "
                                         "and settings stay as they are."))
        for combo in (self.device, self.theme, self.language):
            wheel_only_when_focused(combo)
        self.data_dir = QLineEdit(settings.data_dir, self)
        self.data_dir.setPlaceholderText(str(paths.data_dir()))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._on_browse)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(browse)
        note = QLabel(self.tr("Trial databases of projects without their own storage URL live in "
                              "the data directory; a change applies to projects opened "
                              "afterwards."), self)
        note.setObjectName("hint")
        note.setWordWrap(True)
        if "TUNESTUDIO_DATA_DIR" in os.environ and not settings.data_dir:
            note.setText(note.text() + self.tr(" TUNESTUDIO_DATA_DIR is set and takes "
                                               "precedence."))
        form = QFormLayout()
        form.addRow(self.tr("Default device"), self.device)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Data directory"), data_row)
        form.addRow("", note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _theme_label(self, theme: Theme) -> str:
        if theme == "light":
            return self.tr("Light")
        if theme == "dark":
            return self.tr("Dark")
        return self.tr("Follow the system")

    @Slot()
    def _on_browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Data directory"),
                                                  self.data_dir.text() or str(paths.data_dir()))
        if folder:
            self.data_dir.setText(folder)

    def accept(self) -> None:
        self.settings.default_device = self.device.currentData() or "auto"
        theme: Theme = self.theme.currentData()
        self.settings.theme = theme
        language = self.language.currentData()
        if language != self.settings.language:
            self.settings.language = language
            notifications.info(self.tr("The language changes when TuneStudio starts next."))
        self.settings.data_dir = self.data_dir.text().strip()
        self.settings.apply_data_dir()
        self.settings.sync()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        super().accept()
