"""Updates the translation sources from the code and compiles them, with PySide6's own tools:

    .venv/bin/python packaging/translations.py          # lupdate, then lrelease
    .venv/bin/python packaging/translations.py --check  # exit 1, naming what is stale

`pyside6-lupdate` collects every `self.tr(...)`, `translate("Context", ...)` and
`N_("Context", ...)` (the Qt-free marker of text made below the GUI, `tunestudio.messages`)
from `src/tunestudio` into `src/tunestudio/resources/i18n/tunestudio_<language>.ts`, without
source locations (a moved line does not change the file); `pyside6-lrelease` compiles each
into the `.qm` file the app loads. Translate the new entries of `tunestudio_zh_CN.ts` (Qt
Linguist, `pyside6-linguist`, or a text editor) with the terms of the practice's glossary,
then run this again and commit both files. English needs no catalogue: without one, Qt
shows the source text, `%n` replaced by the number.

tests/packaging/test_translations.py fails while a `.ts` file misses a string of the code,
keeps one the code no longer has, leaves one untranslated, or a `.qm` file is stale.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
SOURCES = ROOT / "src" / "tunestudio"
I18N = SOURCES / "resources" / "i18n"
LANGUAGES: dict[str, list[str]] = {"zh_CN": []}
# The Qt-free marker of text below the GUI: lupdate reads N_("Context", "text") as
# QT_TRANSLATE_NOOP.
ALIASES = ["-tr-function-alias", "QT_TRANSLATE_NOOP+=N_,QT_TRANSLATE_N_NOOP+=N_n"]


def tool(name: str) -> str:
    """A PySide6 tool of the running interpreter's environment (`pyside6-lupdate`, ...)."""
    here = Path(sysconfig.get_path("scripts")) / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install PySide6 (pip install -e .)")
    return found


def source_files() -> list[Path]:
    """The Python files lupdate reads: all of the package but the `script` template's user
    code."""
    return sorted(p for p in SOURCES.rglob("*.py") if "resources" not in p.parts)


def ts_path(language: str, folder: Path | None = None) -> Path:
    return (folder or I18N) / f"tunestudio_{language}.ts"


def qm_path(language: str, folder: Path | None = None) -> Path:
    return (folder or I18N) / f"tunestudio_{language}.qm"


def config_texts() -> Iterator[tuple[str, str]]:
    """(context, English text) of what the window shows of the config models: each field's
    label (as the form makes it from the name), description and advice, every union tag's
    label and each section's, and each template's summary. They are data of pydantic models
    rather than string literals, so lupdate cannot find them in the code: they go to it as a
    generated file of N_ marks."""
    from pydantic import BaseModel

    from tunestudio.config import TEMPLATES, RunConfig
    from tunestudio.config.dotted import iter_leaves
    from tunestudio.config.project import Project
    from tunestudio.gui.app.welcome import english_template_summary
    from tunestudio.gui.form.spec import _members, english_label, field_specs

    seen: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel]) -> Iterator[tuple[str, str]]:
        if model in seen:
            return
        seen.add(model)
        for spec in field_specs(model):
            yield "FieldLabel", english_label(spec.name)
            for text in (spec.description, spec.advice):
                if text:
                    yield "Field", text
            for tag, variant in spec.variants.items():
                yield "FieldLabel", english_label(tag)
                yield from walk(variant)
            if spec.model is not None:
                yield from walk(spec.model)
        for info in model.model_fields.values():
            for inner in nested(info.annotation):
                yield from walk(inner)

    def nested(annotation: object) -> Iterator[type[BaseModel]]:
        """The models an annotation holds, inside lists, unions and Annotated too."""
        for member in _members(annotation):
            if isinstance(member, type) and issubclass(member, BaseModel):
                yield member
            for arg in typing.get_args(member):
                yield from nested(arg)

    yield from walk(Project)
    for leaf in iter_leaves(RunConfig):
        section = leaf.path.rsplit(".", 1)[0]
        yield "FieldLabel", english_label(section.replace(".", " "))
        yield "FieldLabel", english_label(leaf.path.rsplit(".", 1)[-1])
    for name in TEMPLATES:
        yield "FieldLabel", english_label(name)
        yield "Template", english_template_summary(name)
        for experiment in TEMPLATES[name]().experiments:  # the example journal
            for key in ("goal", "hypothesis", "expected_result", "conclusion"):
                if text := getattr(experiment, key):
                    yield "Template", text


def config_marks() -> str:
    """The generated source lupdate reads for `config_texts()`: one N_ mark each."""
    lines = [f"N_({context!r}, {text!r})" for context, text in dict.fromkeys(config_texts())]
    return "\n".join(lines) + "\n"


def lupdate(ts: Path, extra: list[str]) -> str:
    """Update `ts` in place from the sources; returns lupdate's report."""
    folder = Path(tempfile.mkdtemp())
    marks = folder / "config_texts.py"
    marks.write_text(config_marks(), encoding="utf-8")
    listing = folder / "sources.lst"
    listing.write_text("\n".join(str(p) for p in [*source_files(), marks]), encoding="utf-8")
    try:
        done = subprocess.run(
            [tool("pyside6-lupdate"), f"@{listing}", "-locations", "none", "-no-obsolete",
             "-source-language", "en", "-target-language", ts.stem.split("_", 1)[1],
             *ALIASES, *extra, "-ts", str(ts)],
            capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(folder)
    return done.stdout + done.stderr


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)],
                   check=True, capture_output=True, text=True)


def update() -> None:
    I18N.mkdir(parents=True, exist_ok=True)
    for language, extra in LANGUAGES.items():
        print(lupdate(ts_path(language), extra).strip())
        lrelease(ts_path(language), qm_path(language))


def stale() -> list[str]:
    """What is out of date: each problem in words (empty when everything is current)."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for language, extra in LANGUAGES.items():
            ts, fresh = ts_path(language), ts_path(language, Path(tmp))
            if not ts.exists():
                problems.append(f"{ts.name} is missing")
                continue
            shutil.copy(ts, fresh)
            lupdate(fresh, extra)
            if fresh.read_bytes() != ts.read_bytes():
                problems.append(f"{ts.name} differs from what lupdate makes of the sources "
                                "(strings added, changed or removed)")
            if language != "en" and 'type="unfinished"' in ts.read_text(encoding="utf-8"):
                problems.append(f"{ts.name} has untranslated entries")
            compiled = qm_path(language, Path(tmp))
            lrelease(ts, compiled)
            qm = qm_path(language)
            if not qm.exists() or qm.read_bytes() != compiled.read_bytes():
                problems.append(f"{qm.name} is not the compiled {ts.name}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report what is stale, change "
                        "nothing")
    if parser.parse_args().check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main())
