"""Renders the icons from their SVG sources: the PNG sizes the package carries (for the Linux
hicolor theme and the window icon) and the platform icon files PyInstaller needs on Windows
(.ico) and macOS (.icns), which only the bundle build uses, so they live in the top-level
`resources/`. Run after editing an SVG, then commit the results:

    .venv/bin/python packaging/render_icons.py

Uses QtSvg from PySide6-Essentials, so no other image library is needed; the .ico and .icns
containers are written by hand because both simply wrap PNG images.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tunestudio" / "resources"
BUILD_ICONS = ROOT / "resources"
sys.path.insert(0, str(ROOT / "src"))

from tunestudio.resources import APP_ID, ICON_SIZES, MIME_ICON  # noqa: E402

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# (type code, pixel size) of the PNG-carrying .icns entries; @2x types repeat a size.
ICNS_TYPES = (("icp4", 16), ("icp5", 32), ("ic11", 32), ("icp6", 64), ("ic12", 64),
              ("ic07", 128), ("ic08", 256), ("ic13", 256), ("ic09", 512), ("ic14", 512),
              ("ic10", 1024))


def render_png(svg: Path, size: int) -> bytes:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # quality 0 = strongest compression; the format as str, which PySide6 takes (its stubs
    # say bytes, which it refuses at run time)
    image.save(buffer, "PNG", 0)  # type: ignore[call-overload]
    buffer.close()
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO whose entries are PNGs (read by Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(images: dict[int, bytes]) -> bytes:
    body = b"".join(code.encode("ascii") + struct.pack(">I", 8 + len(images[size]))
                    + images[size] for code, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")


def main() -> int:
    QGuiApplication.instance() or QGuiApplication([])
    for name in (APP_ID, MIME_ICON):
        svg = PACKAGE / f"{name}.svg"
        for size in ICON_SIZES:
            write(PACKAGE / "icons" / f"{name}-{size}.png", render_png(svg, size))
    app_svg = PACKAGE / f"{APP_ID}.svg"
    sizes = {*ICO_SIZES, *(size for _, size in ICNS_TYPES)}
    images = {size: render_png(app_svg, size) for size in sorted(sizes)}
    write(BUILD_ICONS / f"{APP_ID}.ico", ico({s: images[s] for s in ICO_SIZES}))
    write(BUILD_ICONS / f"{APP_ID}.icns", icns(images))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
