"""Tiny image folders and a user's dataset file, written by the tests that use them."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_folder(root: Path, classes: int = 3, per_class: int = 8, size: int = 8,
                 mode: str = "L", seed: int = 0) -> Path:
    """`classes` subfolders of `per_class` PNGs: class k is a bright bar in row band k, so a
    small CNN can tell them apart; noise keeps the images distinct."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for k in range(classes):
        folder = root / f"class_{k}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, (size, size), dtype=np.uint8)
            band = slice(k * size // classes, (k + 1) * size // classes)
            pixels[band, :] = 220
            image = Image.fromarray(pixels, mode="L").convert(mode)
            image.save(folder / f"{i:03d}.png")
    return root


DATASET_FILE = '''
import numpy as np
import torch
from PIL import Image
from pathlib import Path
from torch.utils.data import Dataset


class Pngs(Dataset):
    """The PNGs of an image folder, read with Pillow on every access."""

    def __init__(self, files, labels):
        self.files, self.targets = files, labels
        self.classes = sorted(set(p.parent.name for p in files))

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        pixels = np.asarray(Image.open(self.files[i]).convert("L"), dtype=np.float32)
        return torch.from_numpy(pixels / 255.0 - 0.5)[None], self.targets[i]


def make_datasets(split_seed):
    root = Path(__file__).parent / "FOLDER"
    files = sorted(root.glob("*/*.png"))
    names = sorted(set(p.parent.name for p in files))
    labels = [names.index(p.parent.name) for p in files]
    order = np.random.default_rng(split_seed).permutation(len(files))
    n_val = len(files) // 5
    val, train = order[:n_val], order[n_val:]
    pick = lambda rows: Pngs([files[i] for i in rows], [labels[i] for i in rows])
    return pick(train), pick(val)
'''


def write_dataset_file(folder: Path, path: Path) -> Path:
    """A make_datasets() file over `folder` (relative to the file's own folder)."""
    path.write_text(DATASET_FILE.replace("FOLDER", folder.name), encoding="utf-8")
    return path
