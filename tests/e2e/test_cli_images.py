"""Real image runs from the command line: the `images` template (a folder of 1,000 digit PNGs
built on first use) and the same folder read by a user's make_datasets file, each trained with
augmentation by `tunestudio train` to at least 90% validation accuracy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import tunestudio
from tunestudio import paths

DATASETS = '''
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset


class DigitImages(Dataset):
    """The PNGs of one split, decoded with Pillow on each access (as a real Dataset would)."""

    def __init__(self, files, labels):
        self.files, self.targets = files, labels
        self.classes = [str(d) for d in range(10)]

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        grey = np.asarray(Image.open(self.files[i]), dtype=np.float32) / 255.0
        return torch.from_numpy((grey - 0.3) / 0.35)[None], self.targets[i]


def make_datasets(split_seed):
    files = sorted(Path("FOLDER").glob("*/*.png"))
    labels = [int(f.parent.name) for f in files]
    order = np.random.default_rng(split_seed).permutation(len(files))
    val, train = order[:200], order[200:]
    pick = lambda rows: DigitImages([files[i] for i in rows], [labels[i] for i in rows])
    return pick(train), pick(val)
'''




def train(project: Path, epochs: int) -> dict[str, Any]:
    out = tunestudio("train", str(project), "--device", "cpu", "--epochs", str(epochs))
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_images_template_and_a_dataset_file_reach_90_percent(tmp_path: Path) -> None:
    project = tmp_path / "images.tuneproj"
    assert tunestudio("new", str(project), "--template", "images").returncode == 0
    result = train(project, epochs=8)
    folder = paths.digits_images_dir()
    assert len(list(folder.glob("*/*.png"))) == 1000  # built on first use
    assert result["status"] == "completed"
    assert result["best"]["val_accuracy"] >= 0.90, result

    (tmp_path / "datasets.py").write_text(DATASETS.replace("FOLDER", folder.as_posix()))
    doc = json.loads(project.read_text())
    doc["baseline"]["data"]["source"] = {"kind": "python_dataset", "path": "datasets.py"}
    project.write_text(json.dumps(doc))
    result = train(project, epochs=8)
    assert result["status"] == "completed"
    assert result["best"]["val_accuracy"] >= 0.90, result
