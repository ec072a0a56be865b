"""Image folders: labels from the subfolders, decoded once into the cache, clear messages for
broken or mixed images, the same training whether the images sit on the device or stream
through a DataLoader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from image_helpers import write_folder

from tunestudio import paths
from tunestudio.config import (
    AugmentConfig,
    CNNModel,
    ConstantSchedule,
    DataConfig,
    ImageFolderData,
    RunConfig,
    TrainingConfig,
)
from tunestudio.engine import DataError, Trainer, load_splits
from tunestudio.engine import image_folder as image_folder_module
from tunestudio.engine.evaluation import confusion_matrix, evaluate_split
from tunestudio.engine.loader_data import LoaderSplits, load_data


def data(root: Path, **source: object) -> DataConfig:
    return DataConfig(source=ImageFolderData(path=str(root), channels=1, **source),
                      val_fraction=0.25, test_fraction=0.0)


def test_labels_come_from_sorted_subfolders_and_images_stay_uint8(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs")
    splits = load_splits(data(root))
    assert splits.class_names == ("class_0", "class_1", "class_2")
    assert splits.x_train.dtype == np.uint8 and splits.input_shape == (1, 8, 8)
    assert splits.n_train + splits.n_val == 24
    mean, std = splits.normalization or ((), ())
    train = splits.x_train / 255.0
    assert mean[0] == pytest.approx(train.mean()) and std[0] == pytest.approx(train.std())


def test_folder_is_decoded_once_then_read_from_the_cache(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    root = write_folder(tmp_path / "imgs")
    first = load_splits(data(root))
    assert list((paths.cache_dir() / "image_folders").glob("*.pt"))

    def no_decoding(*args: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder_module, "decode_images", no_decoding)
    again = load_splits(data(root))
    np.testing.assert_array_equal(first.x_val, again.x_val)
    (root / "class_0" / "000.png").unlink()  # an edited folder is decoded again
    with pytest.raises(AssertionError, match="decoded again"):
        load_splits(data(root))


def test_unreadable_image_names_the_file(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs")
    (root / "class_1" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"broken\.png.*cannot be read"):
        load_splits(data(root))


def test_mixed_sizes_name_the_file_unless_resized(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs")
    write_folder(tmp_path / "big", classes=3, per_class=1, size=12)
    (tmp_path / "big" / "class_2" / "000.png").rename(root / "class_2" / "zz_big.png")
    with pytest.raises(DataError, match=r"zz_big\.png' is 12x12.*image_size"):
        load_splits(data(root))
    resized = load_splits(data(root, image_size=[6, 10]))
    assert resized.input_shape == (1, 6, 10)


def test_folder_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_splits(data(tmp_path / "missing"))
    write_folder(tmp_path / "one", classes=1)
    with pytest.raises(DataError, match="at least two"):
        load_splits(data(tmp_path / "one"))
    root = write_folder(tmp_path / "imgs")
    (root / "empty").mkdir()
    with pytest.raises(DataError, match="holds no PNG"):
        load_splits(data(root))


def test_rgb_folder_has_three_channels(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "rgb", mode="RGB")
    config = DataConfig(source=ImageFolderData(path=str(root), channels=3), test_fraction=0)
    splits = load_splits(config)
    assert splits.input_shape == (3, 8, 8)
    assert splits.normalization is not None and len(splits.normalization[0]) == 3


def _config(root: Path, loading: str, epochs: int = 2) -> RunConfig:
    return RunConfig(
        data=DataConfig(source=ImageFolderData(path=str(root), channels=1,
                                               loading=loading),
                        val_fraction=0.25, test_fraction=0.0,
                        augment=AugmentConfig(crop_padding=1, rotation=5.0)),
        model=CNNModel(channels=[4], hidden=8),
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=epochs, batch_size=8, device="cpu"),
    )


def test_device_and_stream_paths_train_identically(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs")
    on_device = Trainer(_config(root, "device")).fit()
    streamed_trainer = Trainer(_config(root, "stream"))
    streamed = streamed_trainer.fit()
    assert isinstance(streamed_trainer.datasets, LoaderSplits)
    assert on_device.ok and streamed.ok, (on_device.message, streamed.message)
    assert on_device.steps == streamed.steps == 2 * 3  # 18 samples: batches of 8, 8 and 2
    assert streamed.metrics == pytest.approx(on_device.metrics, rel=1e-5)
    assert on_device.normalization == streamed.normalization
    # the split's evaluation and confusion matrix work on the streamed data too
    val = evaluate_split(streamed_trainer, "val")
    assert val["val_accuracy"] == pytest.approx(streamed.metrics["val_accuracy"])
    assert confusion_matrix(streamed_trainer).matrix.sum() == 6


def test_an_augmented_image_folder_group_trains_as_its_members_alone(tmp_path: Path) -> None:
    """uint8 images on the device, normalised inside each trial's model, each member
    augmenting from its own seed: every member's steps and result are its lone run's, and the
    result keeps the data's normalisation."""
    from engine_helpers import Recorder

    from tunestudio.config import merge_values
    from tunestudio.engine.fused import FusedTrainer

    root = write_folder(tmp_path / "imgs")
    configs = [_config(root, "device", epochs=3),
               merge_values(_config(root, "device", epochs=3),
                            {"training.seed": 4, "optimizer.lr": 0.003})]
    recs = [Recorder(), Recorder()]
    group = FusedTrainer(configs, hooks=[[r] for r in recs], device="cpu")
    results = group.fit()
    assert group.route == "conv"
    for config, rec, result in zip(configs, recs, results, strict=True):
        lone = Recorder()
        alone = Trainer(config, hooks=[lone]).fit()
        assert result.ok and alone.ok, (result.message, alone.message)
        assert [s.loss for s in rec.steps] == pytest.approx([s.loss for s in lone.steps],
                                                            rel=1e-4)
        assert result.metrics == pytest.approx(alone.metrics, rel=1e-4)
        assert result.normalization is not None
        assert result.normalization == alone.normalization


def test_auto_keeps_images_on_the_cpu_device(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "imgs")
    assert not isinstance(load_data(_config(root, "auto").data, None, "cpu"), LoaderSplits)


def test_images_template_builds_its_folder_on_first_use() -> None:
    from tunestudio.config import from_template
    from tunestudio.engine.demo_images import build_digits_folder

    project = from_template("images")
    source = project.baseline.data.source
    assert isinstance(source, ImageFolderData)
    folder = Path(source.path)
    assert folder == paths.digits_images_dir() and not folder.exists()
    splits = load_splits(project.baseline.data)  # builds the 1,000 PNGs, then decodes them
    assert len(list(folder.glob("*/*.png"))) == 1000
    assert splits.input_shape == (1, 28, 28) and splits.n_classes == 10
    assert splits.n_train + splits.n_val + splits.n_test == 1000
    assert build_digits_folder(folder) == folder  # an existing folder is left as it is


def _scans(root: Path, bits: int) -> Path:
    """Case 24 (../shared/cases/24-image-folder-16bit-grey): 80 12x12 greyscale scans, class
    'left' brighter on its left half, 'right' on its right half, values about 1,000..20,000 of
    65535 saved as 16-bit PNGs (mode I;16), or their 8-bit copies (value >> 8)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("left", "right"):
        (root / name).mkdir(parents=True)
        for i in range(40):
            a = rng.uniform(1000, 6000, size=(12, 12))
            a[:, slice(0, 6) if name == "left" else slice(6, 12)] += rng.uniform(8000, 14000)
            a16 = a.astype(np.uint16)
            image = Image.fromarray(a16 if bits == 16 else (a16 >> 8).astype(np.uint8))
            image.save(root / name / f"{i:03d}.png")
    return root


def test_16_bit_greyscale_pngs_are_scaled_to_8_bits_not_clamped(tmp_path: Path) -> None:
    from PIL import Image

    scans16, scans8 = _scans(tmp_path / "s16", 16), _scans(tmp_path / "s8", 8)
    assert Image.open(scans16 / "left" / "000.png").mode == "I;16"
    for channels in (1, 3):
        def images(root: Path, channels: int = channels) -> np.ndarray:
            return load_splits(DataConfig(
                source=ImageFolderData(path=str(root), channels=channels),
                val_fraction=0.25, test_fraction=0.0)).x_train

        x16, x8 = images(scans16), images(scans8)
        # v * 255 / 65535 rounded against v >> 8: at most one grey level apart
        assert x16.shape == x8.shape and np.abs(x16.astype(int) - x8.astype(int)).max() <= 1
        assert len(np.unique(x16)) > 20  # not a flat white square


def test_16_bit_scans_train_as_well_as_their_8_bit_copies(tmp_path: Path) -> None:
    def fit(root: Path) -> float:
        config = RunConfig(
            data=DataConfig(source=ImageFolderData(path=str(root), channels=1),
                            val_fraction=0.25, test_fraction=0.0),
            model=CNNModel(channels=[8], hidden=16),
            schedule=ConstantSchedule(warmup_epochs=0),
            training=TrainingConfig(epochs=10, batch_size=16, device="cpu"))
        result = Trainer(config).fit()
        assert result.ok, result.message
        return result.metrics["val_accuracy"]

    accuracy8 = fit(_scans(tmp_path / "s8", 8))
    assert accuracy8 >= 0.9
    assert fit(_scans(tmp_path / "s16", 16)) >= accuracy8 - 0.1  # was 0.5: chance


@pytest.mark.parametrize(("mode", "values", "message"), [
    ("F", [0.5, 1.5], "floating-point pixels"),
    ("I", [-3, 70_000], "outside the 16-bit range"),
])
def test_pixels_without_an_8_bit_scale_are_refused_naming_the_file(
        tmp_path: Path, mode: str, values: list[float], message: str) -> None:
    from PIL import Image

    image = Image.fromarray(np.array([values], np.float32 if mode == "F" else np.int32),
                            mode=mode)
    with pytest.raises(DataError, match=message) as raised:
        image_folder_module._to_8bit(image, tmp_path / "odd.tif")
    assert "odd.tif" in str(raised.value)

