"""Writes the bundled demo projects (`src/tunestudio/resources/demos/*.tuneproj`) from the
config templates. Run after changing a template or the project schema, then commit the files;
tests/packaging/test_demos.py fails while they are out of date.

    .venv/bin/python packaging/make_demos.py

Each demo keeps a fixed id derived from its name, so regenerating a file changes only what
the template changed, and a user's demo copy keeps its trial history across app updates.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from tunestudio.config import dump_project, from_template  # noqa: E402
from tunestudio.resources import DEMOS  # noqa: E402

OUT = ROOT / "src" / "tunestudio" / "resources" / "demos"


def demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.demos.tunestudio.invalid")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in DEMOS:
        project = from_template(name).model_copy(update={"id": demo_id(name)})
        text = dump_project(project)
        path = OUT / f"{name}.tuneproj"
        if path.exists() and path.read_text(encoding="utf-8") == text:
            print(f"{path.relative_to(ROOT)}: up to date")
            continue
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"{path.relative_to(ROOT)}: written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
