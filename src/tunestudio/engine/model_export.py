"""Writing a trained model out for use elsewhere: its state dict (`torch.load(weights_only=True)`
then `load_state_dict`), TorchScript (`torch.jit.load`, also from C++ libtorch) or ONNX (any
ONNX runtime). ONNX needs the optional packages `onnx` and `onnxscript` (torch's exporter,
`torch.onnx.export(dynamo=True)`, the default of torch 2.13, builds the graph with them)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from tunestudio.errors import TuneStudioError

ExportFormat = Literal["state_dict", "torchscript", "onnx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("state_dict", "torchscript", "onnx")
ONNX_INSTALL = "pip install 'tunestudio[onnx]' (or: pip install onnx onnxscript onnxruntime)"
_ONNX_MAX_INLINE_BYTES = 1_800_000_000  # protobuf's 2 GB limit: larger weights go beside


class ExportError(TuneStudioError):
    """The model cannot be written in the asked format (a missing optional package, a model
    the exporter cannot trace)."""


def onnx_missing() -> list[str]:
    """The optional packages the ONNX export needs that are not installed."""
    return [name for name in ("onnx", "onnxscript") if importlib.util.find_spec(name) is None]


def export_model(model: nn.Module, example: torch.Tensor, out: Path,
                 fmt: ExportFormat) -> list[Path]:
    """Write `model` (in eval mode, on the CPU) to `out` in `fmt`; returns the files written.
    `example` is one input batch `(B, *input_shape)` (float32) that traces the graph; the
    TorchScript and ONNX files take inputs of that dtype and any batch size. Raises
    ExportError (ONNX without its packages: the message says how to install them; a model
    that does not trace) and OSError (the file cannot be written)."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format '{fmt}'; use one of "
                          f"{', '.join(EXPORT_FORMATS)}")
    model = model.eval().cpu()
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "state_dict":
        torch.save(model.state_dict(), out)
        return [out]
    if fmt == "torchscript":
        try:
            with warnings.catch_warnings():
                # trace is deprecated in favour of torch.export, but TorchScript is the
                # format libtorch and many deployments still load
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                traced = torch.jit.trace(  # type: ignore[no-untyped-call]
                    model, example, check_trace=False)
                traced.save(str(out))
        except Exception as exc:
            raise ExportError(f"the model cannot be traced to TorchScript: {exc}") from None
        return [out]
    missing = onnx_missing()
    if missing:
        raise ExportError(f"the ONNX export needs the optional package(s) "
                          f"{' and '.join(missing)}: {ONNX_INSTALL}")
    size = sum(p.numel() * p.element_size() for p in model.state_dict().values())
    external = size > _ONNX_MAX_INLINE_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (example,), str(out), input_names=["input"],
                              output_names=["output"], external_data=external, verbose=False,
                              dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True)
    except Exception as exc:
        raise ExportError(f"the model cannot be exported to ONNX: "
                          f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}"
                          ) from None
    files = [out]
    if external:
        files += sorted(p for p in out.parent.glob(f"{out.name}.data*") if p.is_file())
    return files
