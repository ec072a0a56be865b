"""Lists the installed distributions whose version differs from the lock.

Usage: python scripts/newest_report.py requirements/constraints.txt

Run with the interpreter of the venv to compare (scripts/newest.sh runs it in .venv-newest).
Prints one line per distribution: name, locked version, installed version, and a last line
with the count. Pins whose environment markers do not match this interpreter are skipped.
Raises FileNotFoundError when the lock file does not exist.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


def locked_versions(lock: Path) -> dict[str, str]:
    """Map canonical distribution name -> pinned version for the pins of `lock` that apply
    to this interpreter (markers evaluated here)."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if pinned:
            pins[canonicalize_name(requirement.name)] = pinned[0]
    return pins


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements/constraints.txt")
    pins = locked_versions(lock)
    installed = {canonicalize_name(dist.metadata["Name"]): dist.version
                 for dist in metadata.distributions()}
    rows = [(name, pins.get(name, "-"), version) for name, version in sorted(installed.items())
            if pins.get(name) != version.split("+", 1)[0] and name != "tunestudio"]
    width = max((len(name) for name, _, _ in rows), default=4)
    print(f"{'package':<{width}}  {'locked':<14} newest installed")
    for name, locked, version in rows:
        print(f"{name:<{width}}  {locked:<14} {version}")
    print(f"{len(rows)} package(s) differ from {lock}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
