"""Comparing the environments two trials ran in (the records of engine/environment.py), so that
a comparison of their results can say when they did not run on the same software, hardware,
code or data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tunestudio.messages import N_

# Fields compared, in the order differences are reported, with their labels.
COMPARED_FIELDS = {
    "tunestudio": "TuneStudio", "python": "Python", "torch": "torch", "numpy": "numpy",
    "cuda": "CUDA", "cudnn": "cuDNN", "driver": "NVIDIA driver", "device": "device",
    "device_name": "device name", "os": "OS",
}


@dataclass(frozen=True, slots=True)
class EnvironmentDifference:
    """One way two environments differ: `field` is a key of the record (`torch`), a user file
    (`files.model.path`) or git (`git.commit`, `git.dirty`); `a` and `b` the two values
    (None where one side did not record it)."""

    field: str
    label: str
    a: Any
    b: Any

    def describe(self) -> str:
        """The difference as one translatable line, `label: a vs b` (a SHA-256 shortened to 12 hex
        digits, an unrecorded side shown as 'not recorded')."""
        return N_("Environment", "{label}: {a} vs {b}").format(
            label=self.label, a=_show(self.a), b=_show(self.b))


def _show(value: Any) -> str:
    if value is None:
        return N_("Environment", "not recorded")
    if isinstance(value, str) and len(value) == 64:  # a SHA-256
        return value[:12]
    return str(value)


def environment_differences(a: Mapping[str, Any], b: Mapping[str, Any]
                            ) -> list[EnvironmentDifference]:
    """How environment `a` differs from `b`: versions, device, OS, each user file's SHA-256
    (a changed model file, data script or data file), git commit and dirty flag. Empty when
    they agree, or when either recorded nothing (`{}`: nothing to compare)."""
    if not a or not b:
        return []
    found = [EnvironmentDifference(key, label, a.get(key), b.get(key))
             for key, label in COMPARED_FIELDS.items() if a.get(key) != b.get(key)]
    files_a, files_b = a.get("files") or {}, b.get("files") or {}
    for name in sorted(files_a.keys() | files_b.keys()):
        fa, fb = files_a.get(name) or {}, files_b.get(name) or {}
        for key in ("path", "sha256", "manifest_sha256"):
            if fa.get(key) != fb.get(key):
                label = f"{name} ({'file' if key == 'path' else 'contents'})"
                found.append(EnvironmentDifference(f"files.{name}.{key}", label, fa.get(key),
                                                   fb.get(key)))
                break
    git_a, git_b = a.get("git") or {}, b.get("git") or {}
    for key, label in (("commit", "git commit"), ("dirty", "uncommitted changes")):
        if git_a.get(key) != git_b.get(key):
            found.append(EnvironmentDifference(f"git.{key}", label, git_a.get(key),
                                               git_b.get(key)))
    return found
