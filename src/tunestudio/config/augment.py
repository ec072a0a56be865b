"""Random changes to the training images, drawn anew for every sample of every batch: a crop
with padding, a horizontal flip and a small affine transform. Validation and test images are
never changed."""

from __future__ import annotations

from tunestudio.config.common import ConfigModel, field

_ADVICE = "Overfitting on images: augmentation is often the cheapest regulariser. Too strong " \
    "a change makes the task harder than it is and the model underfits."


class AugmentConfig(ConfigModel):
    """The `data.augment` section: random changes to the training images, each turned off by 0 (or
    False). The engine composes them into one affine transform per sample and applies it to the
    batch on the training device (`engine.augment`). Only images can be augmented: `DataConfig`
    raises ValueError when a change is on and the source holds tabular data, and a source whose
    shape is known only once it is read (an .npz file, the user's function) fails with a
    DataError at training when its samples are not `(C, H, W)`."""

    crop_padding: int = field(
        0,
        "Random crop with padding: pad each side by this many pixels (zeros), then crop a "
        "window of the original size at a random place; 0 = off.",
        advice="For 32x32 images, 4 pixels is the usual choice (about 1/8 of the side).",
        ge=0,
        le=256,
    )
    horizontal_flip: bool = field(
        False,
        "Mirror half of the images left-right.",
        advice="Only where a mirrored image keeps its class (photos: yes; digits, text: no).",
    )
    rotation: float = field(
        0.0, "Random rotation up to this many degrees either way; 0 = off.",
        advice=_ADVICE, ge=0.0, le=180.0,
    )
    translate: float = field(
        0.0, "Random shift up to this fraction of the width and height either way; 0 = off.",
        advice=_ADVICE, ge=0.0, le=0.5,
    )
    scale: float = field(
        0.0, "Random zoom by up to this fraction either way (0.1: 90% to 110%); 0 = off.",
        advice=_ADVICE, ge=0.0, lt=1.0,
    )

    @property
    def enabled(self) -> bool:
        """Whether any change is on: a padded crop, a flip, a rotation, a shift or a zoom."""
        return bool(self.crop_padding or self.horizontal_flip or self.rotation
                    or self.translate or self.scale)
