"""What a trial ran on, recorded with it so that a result can be reproduced or told apart:
library versions, the device, the OS, a SHA-256 of every user file the config names, and the
git commit of the project's folder.

The record is a JSON object (see `trial_environment`); the static part is measured once per
process, file hashes once per file version (keyed by path, size and modification time), and
git runs per trial, since the working tree may change between trials."""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import subprocess
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tunestudio.config import RunConfig
from tunestudio.config.program import program_script

GIT_TIMEOUT_S = 2.0
_HASH_CHUNK = 1 << 20  # bytes read at a time

_hash_lock = threading.Lock()
_hash_cache: dict[tuple[str, int, int], str] = {}


@functools.lru_cache(maxsize=1)
def software_versions() -> dict[str, str | None]:
    """Versions of TuneStudio, Python, torch, numpy, CUDA (torch's runtime; None for a CPU
    build) and cuDNN, and the OS (`platform.platform()`)."""
    import numpy
    import torch

    from tunestudio import __version__

    cudnn_backend: Any = torch.backends.cudnn  # untyped in torch's stubs
    cudnn = cudnn_backend.version() if cudnn_backend.is_available() else None
    return {"tunestudio": __version__, "python": platform.python_version(),
            "torch": str(torch.__version__), "numpy": str(numpy.__version__),
            "cuda": torch.version.cuda, "cudnn": None if cudnn is None else str(cudnn),
            "os": platform.platform()}


@functools.lru_cache(maxsize=1)
def installed_versions() -> dict[str, str | None]:
    """What a program trial records: the versions of TuneStudio, Python, torch and numpy as
    this interpreter's installed packages say (None: not installed), and the OS. Read from
    the package metadata, without importing torch (seconds): the program trains in its own
    process and may load other versions; its CUDA and cuDNN are its own, not recorded."""
    from importlib.metadata import PackageNotFoundError, version

    from tunestudio import __version__

    def installed(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"tunestudio": __version__, "python": platform.python_version(),
            "torch": installed("torch"), "numpy": installed("numpy"),
            "os": platform.platform()}


@functools.lru_cache(maxsize=8)
def device_details(device: str) -> dict[str, str | None]:
    """The device's name and, for a CUDA device, the NVIDIA driver version (from nvidia-smi,
    None when it is not there). `device` is a resolved device such as `cpu` or `cuda:0`."""
    if device.startswith("cuda"):
        import torch

        index = int(device.split(":", 1)[1]) if ":" in device else 0
        try:
            name = str(torch.cuda.get_device_name(index))
        except (RuntimeError, AssertionError):  # CUDA not usable here: the trial will say so
            name = device
        return {"device_name": name, "driver": _nvidia_driver(index)}
    if device == "mps":
        return {"device_name": "Apple GPU (MPS)", "driver": None}
    return {"device_name": _cpu_name(), "driver": None}


def _cpu_name() -> str:
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _nvidia_driver(index: int) -> str | None:
    try:
        done = subprocess.run(
            ["nvidia-smi", f"--id={index}", "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = done.stdout.strip()
    return text.splitlines()[0].strip() if done.returncode == 0 and text else None


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes. Raises OSError when it cannot be read."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _hash_lock:
        cached = _hash_cache.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    value = digest.hexdigest()
    with _hash_lock:
        _hash_cache[key] = value
    return value


def _path_fields(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted name, value) of every non-empty string field named `path` or `*_path`."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(item, str) and item and (key == "path" or str(key).endswith("_path")):
                yield name, item
            else:
                yield from _path_fields(item, name)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _path_fields(item, f"{prefix}[{i}]")


def user_files(config: RunConfig, base_dir: Path | None) -> dict[str, dict[str, str | None]]:
    """Every file the config names (model file, data script, data file, a program's script as
    `program.command`), by its field's dotted name: `{"path": as written, "sha256": hex or
    None, "error": None or why it was not read}`.
    A folder gets the SHA-256 of its manifest (relative paths and sizes, sorted) as
    `manifest_sha256` instead: hashing every image of a folder per trial would cost too much."""
    found: dict[str, dict[str, str | None]] = {}
    for name, raw in _path_fields(config.model_dump(mode="json")):
        path = Path(raw).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        entry: dict[str, str | None] = {"path": raw, "sha256": None, "error": None}
        try:
            if path.is_dir():
                entry["manifest_sha256"] = _manifest_sha256(path)
            else:
                entry["sha256"] = file_sha256(path)
        except OSError as exc:
            entry["error"] = exc.strerror or type(exc).__name__
        found[name] = entry
    if config.program is not None:  # the user's own program: its script's content
        script = program_script(config.program, base_dir or Path.cwd())
        if script is not None:
            entry = {"path": str(script), "sha256": None, "error": None}
            try:
                entry["sha256"] = file_sha256(script)
            except OSError as exc:
                entry["error"] = exc.strerror or type(exc).__name__
            found["program.command"] = entry
    return found


def _manifest_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            item = Path(root) / name
            digest.update(f"{item.relative_to(folder).as_posix()}\0{item.stat().st_size}\n"
                          .encode())
    return digest.hexdigest()


def git_state(folder: Path | None) -> dict[str, Any] | None:
    """`{"commit": hex, "dirty": bool}` for the git repository holding `folder` (dirty: tracked
    files changed since the commit), or None when there is no folder, no git, no repository,
    or git does not answer within GIT_TIMEOUT_S."""
    if folder is None:
        return None

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                                  text=True, timeout=GIT_TIMEOUT_S, check=False,
                                  env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "--verify", "-q", "HEAD")
    if commit is None:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}


class RunGitState:
    """The project folder's `git_state`, asked once per run: a search's trials share it (the
    run trains the code it started with), and asking git per trial costs a subprocess or two,
    tens of milliseconds on a busy machine. Thread-safe."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._lock = threading.Lock()
        self._asked = False
        self._state: dict[str, Any] | None = None

    def get(self) -> dict[str, Any] | None:
        """`git_state(folder)`, measured on the first call; a copy, so a caller may change it."""
        with self._lock:
            if not self._asked:
                self._state = git_state(self.folder)
                self._asked = True
            return None if self._state is None else dict(self._state)


def trial_environment(config: RunConfig, *, device: str, base_dir: Path | None,
                      git: RunGitState | None = None) -> dict[str, Any]:
    """The environment record of one trial: `software_versions()`, `device` (as resolved, e.g.
    `cuda:0`), `device_name`, `driver`, `files` (see `user_files`; a file is hashed again only
    when its size or modification time changed) and `git` (see `git_state`, of `base_dir`, the
    project's folder; from `git`, the run's, when given). Never raises for a missing file or
    git: what cannot be measured is recorded as None or with its error. A program trial
    records `installed_versions()` instead of `software_versions()`."""
    versions = installed_versions() if config.program is not None else software_versions()
    return {**versions, "device": device, **device_details(device),
            "files": user_files(config, base_dir),
            "git": git.get() if git is not None else git_state(base_dir)}
