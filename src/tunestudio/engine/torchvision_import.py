"""Importing torchvision beside the installed torch.

torchvision's wheel pins one torch release (0.28.0 pins torch 2.13.0). Its C++ operators
(`torchvision::nms`, `roi_align`, image decoding) are a separate library built against one
torch build: PyPI's Linux wheel links the CUDA build, so beside a CPU-only torch of the same
release that library cannot load, and torchvision's own `import` then fails while it registers
fake kernels for `torchvision::nms` and `qnms` ("operator torchvision::nms does not exist",
pytorch/vision#9085). Installing torchvision from the same index as torch (the CPU wheels on
download.pytorch.org) avoids this; where that is not possible we declare the two operator
schemas the registration needs, with no kernel, and import again. TuneStudio uses only
torchvision's pure-Python parts (model definitions, FrozenBatchNorm2d), which need no C++
operator; calling nms or decode_image there raises torch's "no kernel" error."""

from __future__ import annotations

import sys
import threading
from types import ModuleType

import torch

from tunestudio.errors import TuneStudioError

_lock = threading.Lock()
_fallback: torch.library.Library | None = None  # kept alive: the schemas live as long as it
INSTALL_HINT = ("install the torchvision release that matches torch (torch 2.13 -> "
                "torchvision 0.28): pip install 'torchvision==0.28.*', or from PyTorch's CPU "
                "index for a CPU-only torch")


class TorchvisionUnavailableError(TuneStudioError):
    """torchvision is not installed, or cannot be imported beside this torch."""


def import_torchvision() -> ModuleType:
    """The torchvision module; raises TorchvisionUnavailableError with the fix."""
    global _fallback
    with _lock:
        try:
            import torchvision
        except ModuleNotFoundError:
            raise TorchvisionUnavailableError(f"torchvision is not installed; {INSTALL_HINT}") \
                from None
        except RuntimeError as exc:
            if "torchvision::" not in str(exc) or _fallback is not None:
                raise TorchvisionUnavailableError(f"torchvision cannot be imported beside torch "
                                             f"{torch.__version__} ({exc}); {INSTALL_HINT}") \
                    from exc
            for name in [m for m in sys.modules if m == "torchvision" or
                         m.startswith("torchvision.")]:
                del sys.modules[name]  # the half-imported package
            _fallback = torch.library.Library("torchvision", "FRAGMENT")  # type: ignore[no-untyped-call]
            for op in ("nms", "qnms"):
                _fallback.define(  # type: ignore[no-untyped-call]
                    f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            import torchvision
        module: ModuleType = torchvision
        return module
