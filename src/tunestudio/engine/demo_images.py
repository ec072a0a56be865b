"""A small real image folder without a download: scikit-learn's bundled 8x8 digits, upscaled
and written as greyscale PNG files, one subfolder per digit (the `images` template's data)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tunestudio import paths


def digits_folder() -> Path:
    """Where the `images` template keeps its generated folder (in the data dir)."""
    return paths.digits_images_dir()


def build_digits_folder(root: Path, size: int = 28, per_class: int | None = 100) -> Path:
    """Write `per_class` images of each digit 0-9 (all 1,797 when None) as `size` x `size`
    greyscale PNGs under `root/<digit>/`, upscaled bicubically from 8x8 with Pillow. The
    folder is written beside `root` and renamed into place, so a half-written folder never
    looks complete. Returns `root`. The same arguments give the same files."""
    from PIL import Image
    from sklearn.datasets import load_digits

    if root.is_dir():
        return root
    bunch = load_digits()
    images = np.asarray(bunch.images) * (255.0 / 16.0)  # (N, 8, 8), 0..16 -> 0..255
    labels = np.asarray(bunch.target)
    tmp = root.with_name(f".{root.name}.{os.getpid()}.tmp")
    for digit in range(10):
        folder = tmp / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(labels == digit)
        if per_class is not None:
            rows = rows[:per_class]
        for n, row in enumerate(rows):
            small = Image.fromarray(images[row].round().astype(np.uint8), mode="L")
            small.resize((size, size), Image.Resampling.BICUBIC).save(folder / f"{n:04d}.png")
    try:
        tmp.replace(root)
    except OSError:  # another process finished first: keep its folder
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return root


def ensure_digits_folder(path: Path) -> bool:
    """Build the template's digits folder when `path` is it and it is missing; True when it
    was built."""
    if path.exists() or path.resolve() != digits_folder().resolve():
        return False
    build_digits_folder(path)
    return True
