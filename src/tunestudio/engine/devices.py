"""Which devices can train here, and turning a device setting (`auto`, `cuda`, `cuda:1`, `mps`,
`cpu`) into the concrete device a run uses."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

import torch

from tunestudio.errors import TuneStudioError


class DeviceError(TuneStudioError):
    """The requested device does not exist on this machine."""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One device a trial can train on: its torch id, its name, and its memory in bytes (None where
    unknown)."""
    id: str  # "cpu", "cuda:0", "mps"
    name: str
    memory_bytes: int | None


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _system_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def available_devices() -> list[DeviceInfo]:
    """Every device a run can use, the best first (CUDA GPUs, then MPS, then the CPU)."""
    found: list[DeviceInfo] = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            found.append(DeviceInfo(f"cuda:{index}", str(props.name), int(props.total_memory)))
    if _mps_available():
        found.append(DeviceInfo("mps", "Apple GPU (MPS)", None))
    cpu_name = platform.processor() or platform.machine() or "CPU"
    found.append(DeviceInfo("cpu", f"{cpu_name} ({os.cpu_count() or 1} cores)", _system_memory()))
    return found


def resolve_device(spec: str) -> str:
    """`auto` picks CUDA, then MPS, then the CPU; `cuda` means `cuda:0`. Asking for a device that
    is not here is an error rather than a silent fallback, so a run never lands elsewhere."""
    spec = spec.strip().lower()
    if spec == "auto":
        if torch.cuda.is_available():
            return "cuda:0"
        return "mps" if _mps_available() else "cpu"
    if spec == "cpu":
        return "cpu"
    if spec == "mps":
        if not _mps_available():
            raise DeviceError("device 'mps' is not available on this machine (it needs an Apple "
                              "GPU and a torch build with MPS); use auto or cpu")
        return "mps"
    if spec == "cuda" or spec.startswith("cuda:"):
        index = 0 if spec == "cuda" else _cuda_index(spec)
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise DeviceError(f"device '{spec}': CUDA is not available here (torch "
                              f"{torch.__version__}); use auto or cpu")
        if index >= count:
            raise DeviceError(f"device '{spec}': this machine has {count} CUDA device(s), "
                              f"cuda:0 to cuda:{count - 1}")
        return f"cuda:{index}"
    raise DeviceError(f"unknown device '{spec}'; use auto, cpu, cuda, cuda:N or mps")


def _cuda_index(spec: str) -> int:
    try:
        index = int(spec.split(":", 1)[1])
    except ValueError:
        raise DeviceError(f"unknown device '{spec}'; use cuda:N with N a number") from None
    if index < 0:
        raise DeviceError(f"unknown device '{spec}'; use cuda:N with N >= 0")
    return index
