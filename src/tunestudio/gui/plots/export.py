"""Every plot to PNG or SVG (pyqtgraph's exporters, chosen by the file's suffix) and its series
to CSV, so a figure and the numbers behind it leave the app together."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QWidget

from tunestudio.gui.common.file_dialogs import ask_save_file
from tunestudio.gui.common.i18n import translate


def export_image(item: Any, path: Path, width: int = 1600) -> Path:
    """`item`: a PlotItem, a GraphicsLayout or a widget's scene. PNG at `width` pixels (the
    height keeps the aspect) through pyqtgraph's exporter; SVG as vectors through Qt's SVG
    generator (pyqtgraph's SVG exporter fails on the closed paths Qt 6.10+ writes)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        import pyqtgraph.exporters as exporters

        exporter = exporters.ImageExporter(item)
        exporter.parameters()["width"] = width
        exporter.export(str(path))
    elif suffix == ".svg":
        _export_svg(item, path)
    else:
        raise ValueError(f"export to .png or .svg, not '{suffix}'")
    return path


def _export_svg(item: Any, path: Path) -> None:
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator
    from PySide6.QtWidgets import QGraphicsScene

    if isinstance(item, QGraphicsScene):
        scene, source = item, item.sceneRect()
    else:
        scene, source = item.scene(), item.sceneBoundingRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(path.stem)
    painter = QPainter(generator)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Writes `header` then `rows` to `path` as UTF-8 CSV: None and NaN as empty cells, floats at
    full precision (`repr`), numpy integers as ints; returns the path. OSError from opening or
    writing the file passes to the caller."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else _cell(v) for v in row])
    return path


def _cell(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return "" if v != v else repr(float(v))  # NaN -> empty, full precision otherwise
    return v


def export_plot(plot: Any, path: Path) -> Path:
    """A PlotItem as PNG/SVG, or its curves' points as CSV (curve, x, y): what any plot
    without a richer export of its own offers."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return export_image(plot, path)
    rows: list[tuple[Any, ...]] = []
    for index, item in enumerate(plot.listDataItems()):
        name = item.name() or f"series {index + 1}"
        x, y = item.getOriginalDataset()
        if x is not None and y is not None:
            rows.extend((name, xv, yv) for xv, yv in zip(x, y, strict=True))
    return write_csv(path, ("series", "x", "y"), rows)


def ask_and_export(parent: QWidget, plot: Any, stem: str) -> Path | None:
    """The export dialog, then `export_plot`."""
    path = ask_export_path(parent, stem)
    return export_plot(plot, path) if path is not None else None


def ask_export_path(parent: QWidget, stem: str, with_csv: bool = True) -> Path | None:
    """A file dialog; the chosen filter's suffix is added when the name has none."""
    filters = translate("PlotExport", "PNG image (*.png);;SVG drawing (*.svg)")
    if with_csv:
        filters += ";;" + translate("PlotExport", "CSV of the series (*.csv)")
    return ask_save_file(parent, translate("PlotExport", "Export"), f"{stem}.png", filters)
