"""Save dialogs that start in the folder the user last saved or opened a file in (kept in the
settings, so it holds across sessions), with the chosen filter's suffix added to a bare name."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from tunestudio.gui.common.settings import Settings


def last_folder() -> Path:
    """The folder a file dialog last used, else the home folder."""
    folder = Settings().last_folder
    return folder if folder is not None and folder.is_dir() else Path.home()


def remember_folder(path: Path) -> None:
    """Keeps the folder of `path` (a file or folder the user chose) in the settings as the folder
    the next file dialog starts in."""
    Settings().last_folder = Path(path).resolve().parent


def ask_save_file(parent: QWidget | None, caption: str, name: str, filters: str) -> Path | None:
    """The path the user chose (None: cancelled); `name` is the suggested file name."""
    chosen_name, chosen = QFileDialog.getSaveFileName(parent, caption,
                                                      str(last_folder() / name), filters)
    if not chosen_name:
        return None
    path = Path(chosen_name)
    if not path.suffix and "*." in chosen:
        path = path.with_suffix("." + chosen.split("*.")[-1].split(")")[0].split(" ")[0])
    remember_folder(path)
    return path


def ask_open_path(parent: QWidget | None, caption: str, start: Path, folder: bool) -> Path | None:
    """An existing file (or, with `folder`, a folder) the user picked, starting at `start`;
    None: cancelled."""
    if folder:
        chosen = QFileDialog.getExistingDirectory(parent, caption, str(start))
    else:
        chosen, _ = QFileDialog.getOpenFileName(parent, caption, str(start))
    if not chosen:
        return None
    remember_folder(Path(chosen))
    return Path(chosen)
