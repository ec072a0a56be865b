"""Image folders: one subfolder per class of PNG, JPEG or BMP files, labelled by the subfolder
names in sorted order (torchvision's ImageFolder convention). The images are decoded once with
Pillow and kept as one uint8 tensor `(N, C, H, W)` in the cache folder (16-bit images scaled
to 8 bits, see `_to_8bit`), keyed by the folder's
file list (names, sizes, modification times), the image size and the channels, so an edited
folder is decoded again and an unchanged one loads in milliseconds (memory-mapped)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from tunestudio import paths
from tunestudio.config import ImageFolderData
from tunestudio.engine.dataset import DataError, RawData
from tunestudio.engine.demo_images import ensure_digits_folder

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp"})
CACHE_FORMAT = 2  # 2: 16-bit images scaled, no longer clamped to 255 by convert("L")
_decode_lock = threading.Lock()  # two trials of one search must not decode the same folder


@dataclass(frozen=True)
class FolderListing:
    """The image files of a folder, in label order then name order, with their labels."""

    root: Path
    files: tuple[Path, ...]
    labels: tuple[int, ...]
    class_names: tuple[str, ...]
    fingerprint: str


def resolve_folder(raw: str, base_dir: Path | None) -> Path:
    """A relative folder is relative to the project file's folder; a missing one is a DataError
    naming the path and the field to fix."""
    path = Path(raw).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    ensure_digits_folder(path)  # the images template builds its folder on first use
    if not path.is_dir():
        raise DataError(f"image folder '{raw}' not found (looked at {path}); check "
                        "data.source.path")
    return path


def list_folder(source: ImageFolderData, base_dir: Path | None) -> FolderListing:
    """Scan the class subfolders. Raises DataError for fewer than two classes or a class
    without images. Hidden files and files of other types are skipped."""
    root = resolve_folder(source.path, base_dir)
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    files: list[Path] = []
    labels: list[int] = []
    digest = hashlib.sha256(json.dumps(
        [CACHE_FORMAT, str(root.resolve()), source.image_size, source.channels]).encode())
    for label, name in enumerate(classes):
        found = sorted(f for f in (root / name).iterdir()
                       if f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith(".")
                       and f.is_file())
        if not found:
            raise DataError(f"class folder '{root / name}' holds no PNG, JPEG or BMP image; add "
                            "images or remove the folder")
        for f in found:
            stat = f.stat()
            digest.update(f"{name}/{f.name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        files += found
        labels += [label] * len(found)
    if len(classes) < 2:
        raise DataError(f"image folder '{root}' has {len(classes)} class subfolder(s); it needs "
                        "one subfolder per class, at least two (e.g. cats/ and dogs/)")
    return FolderListing(root, tuple(files), tuple(labels), tuple(classes), digest.hexdigest())


def load_image_folder(source: ImageFolderData, base_dir: Path | None) -> RawData:
    """The folder as uint8 images `(N, C, H, W)` (memory-mapped from the cache when it was
    decoded before) and int64 labels. Raises DataError naming the file for an unreadable image,
    or for mixed sizes when `image_size` is empty."""
    listing = list_folder(source, base_dir)
    cache = paths.cache_dir() / "image_folders" / f"{listing.fingerprint}.pt"
    with _decode_lock:
        stored = _read_cache(cache)
        if stored is None:
            images = decode_images(listing, source)
            stored = {"images": torch.from_numpy(images),
                      "labels": torch.tensor(listing.labels, dtype=torch.int64)}
            _write_cache(cache, stored)
    x = stored["images"].numpy()
    y = stored["labels"].numpy()
    return RawData(x, y, "classification", listing.class_names)


def decode_images(listing: FolderListing, source: ImageFolderData) -> np.ndarray:
    """Decode every file with Pillow into one uint8 array `(N, C, H, W)`, on a few threads
    (Pillow releases the GIL while it decodes). Raises DataError naming the first file that
    cannot be read or, without `image_size`, that differs in size from the first image."""
    from concurrent.futures import ThreadPoolExecutor

    size = tuple(source.image_size) if source.image_size is not None else None  # (H, W)
    first = _decode(listing.files[0], source.channels, size)
    out = np.empty((len(listing.files), source.channels, *first.shape[1:]), np.uint8)
    out[0] = first
    if size is None:
        size = (first.shape[1], first.shape[2])
        strict = True
    else:
        strict = False

    def one(i: int) -> None:
        pixels = _decode(listing.files[i], source.channels, None if strict else size)
        if pixels.shape[1:] != out.shape[2:]:
            raise DataError(
                f"image '{listing.files[i]}' is {pixels.shape[2]}x{pixels.shape[1]} pixels but "
                f"'{listing.files[0]}' is {out.shape[3]}x{out.shape[2]}; set "
                "data.source.image_size to resize them all to one size")
        out[i] = pixels

    workers = min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        for done in pool.map(one, range(1, len(listing.files))):
            del done  # pool.map re-raises the first failure in file order
    return out


def _decode(file: Path, channels: int, size: tuple[int, ...] | None) -> np.ndarray:
    """One image as uint8 `(C, H, W)`, converted to grey or RGB, resized to `size` (H, W)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as opened:
            image = _to_8bit(opened, file).convert("L" if channels == 1 else "RGB")
            if size is not None and image.size != (size[1], size[0]):
                image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"image '{file}' cannot be read ({exc}); replace or remove it") \
            from None
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return pixels.transpose(2, 0, 1)


def _to_8bit(image: Image.Image, file: Path) -> Image.Image:
    """`image` with 8-bit channels. A 16-bit or 32-bit integer greyscale image (Pillow's modes
    `I;16`, `I;16B`, `I;16L`, `I`: microscopy, X-ray, depth, thermal PNGs) is scaled from
    0..65535 to 0..255 (v * 255 / 65535, rounded), as skimage's `img_as_ubyte` does: Pillow's
    own `convert("L")` clamps every value above 255 to white (Pillow issue #3011), which left
    such folders as flat white squares training at chance. Other modes are returned as they
    are (`convert` handles them). Raises DataError naming the file for floating-point pixels
    or integer pixels outside 0..65535, which have no agreed 8-bit scale."""
    from PIL import Image

    mode = image.mode
    if mode == "F":
        raise DataError(f"image '{file}' holds floating-point pixels, which TuneStudio cannot "
                        "scale to 8 bits; save it as an 8-bit or 16-bit PNG")
    if not (mode == "I" or mode.startswith("I;16")):
        return image
    values = np.asarray(image).astype(np.int64)
    if values.size and (values.min() < 0 or values.max() > 65535):
        raise DataError(f"image '{file}' holds {mode} pixels from {values.min()} to "
                        f"{values.max()}, outside the 16-bit range 0..65535; save it as an "
                        "8-bit or 16-bit PNG")
    scaled = (values * 255 + 65535 // 2) // 65535
    return Image.fromarray(scaled.astype(np.uint8), mode="L")


def _read_cache(path: Path) -> dict[str, torch.Tensor] | None:
    """The cached tensors, or None when there is no cache or it is unreadable (decoded again)."""
    if not path.is_file():
        return None
    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # a truncated or foreign file is only a cache miss
        return None
    if not isinstance(data, dict) or not {"images", "labels"} <= data.keys():
        return None
    return data


def _write_cache(path: Path, data: dict[str, torch.Tensor]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(data, tmp)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full disk costs the cache only
