"""Which network a run trains: an MLP, a small CNN for image-shaped data, a torchvision
architecture, or a model of yours; the last two may start from a local checkpoint and freeze
part of the network (fine-tuning)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tunestudio.config.common import ConfigModel, field
from tunestudio.messages import N_

Activation = Literal["relu", "leaky_relu", "gelu", "silu", "tanh", "sigmoid"]
Init = Literal[
    "default", "kaiming_normal", "kaiming_uniform", "xavier_normal", "xavier_uniform", "orthogonal"
]

_ACTIVATION_HELP = "Non-linearity between layers."
_ACTIVATION_ADVICE = "Vanishing gradients: prefer the ReLU family over tanh or sigmoid."
_INIT_HELP = "How the weights start: 'default' keeps PyTorch's own initialisation."
_INIT_ADVICE = "Vanishing or exploding gradients: try a better initialisation (Kaiming for ReLU)."
_DROPOUT_ADVICE = "Overfitting: raise it. Too much weakens the model."
_BN_ADVICE = "Normalises each layer's input per batch: speeds convergence, mildly regularises."


class MLPModel(ConfigModel):
    """A multilayer perceptron: the sample flattened, then per hidden layer a Linear, batch norm
    (when `batch_norm`), the activation and dropout (when > 0), then a Linear output layer. The
    hidden layers' widths are `hidden_sizes` when set, else `depth` layers of `width` units
    (`layer_sizes`)."""

    kind: Literal["mlp"] = "mlp"
    width: int = field(
        128,
        "Units in each hidden layer.",
        advice="Capacity: too little underfits, too much overfits and trains slowly.",
        ge=1,
        le=65536,
    )
    depth: int = field(2, "Number of hidden layers.", ge=0, le=64)
    hidden_sizes: list[Annotated[int, Field(ge=1, le=65536)]] | None = field(
        None, "Explicit units per hidden layer; when set it replaces width and depth."
    )
    activation: Activation = field("relu", _ACTIVATION_HELP, advice=_ACTIVATION_ADVICE)
    dropout: float = field(0.0, "Dropout after each hidden layer.", advice=_DROPOUT_ADVICE,
                           ge=0.0, lt=1.0)
    batch_norm: bool = field(False, "Batch normalisation after each hidden layer.",
                             advice=_BN_ADVICE)
    init: Init = field("default", _INIT_HELP, advice=_INIT_ADVICE)

    @property
    def layer_sizes(self) -> list[int]:
        """Units of each hidden layer, input side first: `hidden_sizes`, or `depth` times `width`
        (empty for depth 0: a linear model)."""
        if self.hidden_sizes is not None:
            return list(self.hidden_sizes)
        return [self.width] * self.depth


class CNNModel(ConfigModel):
    """A small CNN for image samples `(C, H, W)`: per entry of `channels` a block of convolution
    (same padding), batch norm (when `batch_norm`), the activation and 2x2 max pooling (skipped
    once the image is too small to halve), then a fully connected layer of `hidden` units and the
    output layer. Raises ValueError for an even `kernel_size`; `RunConfig` refuses it for a
    tabular source (ValueError), the engine for samples that turn out not to be images."""

    kind: Literal["cnn"] = "cnn"
    channels: list[Annotated[int, Field(ge=1, le=4096)]] = field(
        [16, 32],
        "Output channels of each convolution block (conv, norm, activation, 2x2 pooling).",
        min_length=1,
        max_length=8,
    )
    kernel_size: int = field(3, "Convolution kernel size (odd).", ge=1, le=11)
    hidden: int = field(64, "Units of the fully connected layer before the output.", ge=1,
                        le=65536)
    activation: Activation = field("relu", _ACTIVATION_HELP, advice=_ACTIVATION_ADVICE)
    dropout: float = field(0.0, "Dropout before the output layer.", advice=_DROPOUT_ADVICE,
                           ge=0.0, lt=1.0)
    batch_norm: bool = field(True, "Batch normalisation after each convolution.",
                             advice=_BN_ADVICE)
    init: Init = field("default", _INIT_HELP, advice=_INIT_ADVICE)

    @model_validator(mode="after")
    def _odd_kernel(self) -> CNNModel:
        if self.kernel_size % 2 == 0:
            raise ValueError(N_("Validation", "kernel_size must be odd (got {kernel_size}) to "
                                "keep the image centred; use 3 or 5").format(
                kernel_size=self.kernel_size))
        return self


TorchvisionName = Literal[
    "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
    "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1", "regnet_y_400mf",
    "regnet_x_400mf", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "convnext_tiny",
    "densenet121",
]
Freeze = Literal["none", "backbone", "all_but_last"]
_WEIGHTS_HELP = (
    "A local checkpoint to start from: a state dict saved with torch.save (loaded with "
    "weights_only=True, never unpickled) or a .safetensors file; a classifier head of another "
    "size is left freshly initialised. Relative to the project file; empty = random weights."
)
_FREEZE_HELP = (
    "What does not train: none; backbone (only the classifier head learns); all_but_last "
    "(the last trainable_blocks blocks and the head learn). Frozen batch norm layers keep "
    "their statistics."
)
_FREEZE_ADVICE = "Fine-tuning a pretrained model on little data: freeze the backbone first, " \
    "then unfreeze the last blocks with a lower learning rate."


class _FineTune(ConfigModel):
    weights_path: str | None = field(None, _WEIGHTS_HELP, min_length=1)
    freeze: Freeze = field("none", _FREEZE_HELP, advice=_FREEZE_ADVICE)
    trainable_blocks: int = field(
        1, "Blocks at the end of the backbone that learn when freeze is all_but_last.",
        ge=1, le=1000,
    )


class TorchvisionModel(_FineTune):
    """A torchvision architecture by name, built with random weights (nothing is downloaded) and
    its classifier head sized to the task's outputs; `weights_path` starts it from a local
    checkpoint and `freeze` fine-tunes part of it. Needs image samples: `RunConfig` raises
    ValueError for a tabular source."""

    kind: Literal["torchvision"] = "torchvision"
    name: TorchvisionName = field(
        "resnet18",
        "A torchvision architecture, built with random weights (nothing is downloaded) and its "
        "classifier head sized to the task's outputs; grey images are fed to its first "
        "convolution directly.",
    )


class PythonModel(_FineTune):
    """The user's own network: `function(input_shape, n_outputs)` in the file returns a
    `torch.nn.Module`, `input_shape` being one sample's shape (`(F,)` or `(C, H, W)`) and
    `n_outputs` the number of classes (1 for regression). The file runs only once the user trusts
    it; `weights_path` and `freeze` fine-tune the model as for a torchvision one."""

    kind: Literal["python"] = "python"
    path: str = field(
        "model.py",
        "A Python file of yours; it runs only after you trust it. Relative to the project file.",
        min_length=1,
    )
    function: str = field(
        "build_model",
        "Function in the file: build_model(input_shape: tuple[int, ...], n_outputs: int) -> "
        "torch.nn.Module.",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
    )


ModelConfig = Annotated[MLPModel | CNNModel | TorchvisionModel | PythonModel,
                       Field(discriminator="kind")]
