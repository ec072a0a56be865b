"""TuneStudio's data files, found by package-relative paths so that they load the same from a
source checkout, an installed wheel and a PyInstaller bundle (which collects this folder as
data). Nothing here imports Qt: the CLI's desktop integration and the demo command use it
headless; the GUI turns `app_icon_png()` paths into a QIcon itself.

Files (regenerate the generated ones with the scripts in `packaging/`):
- `tunestudio.svg`, `application-x-tunestudio-project.svg`: the app and project-file icons;
  `icons/<name>-<size>.png` are rendered from them by `packaging/render_icons.py`.
- `tunestudio.desktop`, `tunestudio-project.xml`: the Linux desktop entry and the
  shared-mime-info declaration of `*.tuneproj`.
- `templates/<template>/`: files a project template writes beside the project (the
  `script` template's training scripts).
- `demos/<name>.tuneproj`: the bundled demo projects, written from the config templates by
  `packaging/make_demos.py`.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

APP_ID = "tunestudio"
"""Desktop file id (`tunestudio.desktop`), icon name and the GUI's desktopFileName."""
MIME_TYPE = "application/x-tunestudio-project"
MIME_ICON = MIME_TYPE.replace("/", "-")
"""The icon name shared-mime-info derives from the type; also the file icon's file name."""
DESKTOP_FILE = f"{APP_ID}.desktop"
MIME_XML = "tunestudio-project.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
"""The PNG sizes rendered for each icon: the hicolor theme's usual sizes up to 512."""
DEMOS = ("digits", "regression")


def root() -> Traversable:
    """The resources folder: a real directory when installed or bundled, so `Path(str(...))`
    of a file in it is usable by tools that need a path (Qt, shutil)."""
    return files(__name__)


def app_icon_svg() -> Traversable:
    """The app's icon as SVG (`tunestudio.svg`)."""
    return root() / f"{APP_ID}.svg"


def app_icon_png(size: int) -> Traversable:
    """The app's icon rendered at `size` x `size` pixels. Raises ValueError when `size` is
    not one of ICON_SIZES."""
    return icon_png(APP_ID, size)


def mime_icon_svg() -> Traversable:
    """The project file's (`*.tuneproj`) icon as SVG, named after MIME_ICON."""
    return root() / f"{MIME_ICON}.svg"


def icon_png(name: str, size: int) -> Traversable:
    """`name` is APP_ID or MIME_ICON; `size` one of ICON_SIZES."""
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return root() / "icons" / f"{name}-{size}.png"


def template_file(template: str, name: str) -> Traversable:
    """A file a project template writes beside the project (`templates/<template>/<name>`)."""
    return root() / "templates" / template / name


def desktop_entry() -> Traversable:
    """The Linux desktop entry, `tunestudio.desktop` (its Exec line is rewritten on
    install)."""
    return root() / DESKTOP_FILE


def mime_xml() -> Traversable:
    """The shared-mime-info declaration of `*.tuneproj` as MIME_TYPE."""
    return root() / MIME_XML


def demo_project(name: str) -> Traversable:
    """A bundled demo project file; KeyError lists the known names."""
    if name not in DEMOS:
        raise KeyError(f"unknown demo '{name}'; known: {', '.join(DEMOS)}")
    return root() / "demos" / f"{name}.tuneproj"
