"""The About dialog: versions of TuneStudio, Python, Qt, torch and CUDA, and the devices. The
torch figures come from the device catalog, filled off the GUI thread."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from tunestudio import __version__
from tunestudio.gui.common.i18n import translate
from tunestudio.gui.run.devices import DeviceCatalog


def about_html(catalog: DeviceCatalog) -> str:
    """The About text as rich text: the versions of TuneStudio, Python, Qt/PySide6, PyTorch and
    CUDA, and the devices, from `catalog` ('loading…' until it has loaded, the error once it
    failed)."""
    info = catalog.info
    if info is not None:
        torch = info.torch_version
        cuda = info.cuda_version or translate("AboutDialog", "none (CPU build)")
        devices = "<br>".join(d.label for d in info.devices) or \
            translate("AboutDialog", "none found")
    elif catalog.error:
        torch = cuda = devices = translate("AboutDialog", "unavailable ({error})").format(
            error=catalog.error)
    else:
        torch = cuda = devices = translate("AboutDialog", "loading…")
    rows = [
        ("TuneStudio", __version__),
        ("Python", platform.python_version()),
        ("Qt / PySide6", f"{qVersion()} / {PySide6.__version__}"),
        ("PyTorch", torch),
        ("CUDA", cuda),
        (translate("AboutDialog", "Devices"), devices),
    ]
    table = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in rows)
    tagline = translate("AboutDialog", "Tune deep-learning training runs by controlled "
                                       "experiments.")
    return f"<h2>TuneStudio {__version__}</h2><p>{tagline}</p><table>{table}</table>"


class AboutDialog(QDialog):
    """Help > About: `about_html`, refreshed when the device catalog finishes loading."""

    def __init__(self, catalog: DeviceCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About TuneStudio"))
        self._catalog = catalog
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        catalog.loaded.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Rewrites the text from the catalog's current state."""
        self.text.setText(about_html(self._catalog))
