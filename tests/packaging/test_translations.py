"""The translation sources are current: lupdate over the code finds no string missing from
`tunestudio_zh_CN.ts` and no obsolete entry, every entry is translated, and the committed
`.qm` is the compiled `.ts` (packaging/translations.py regenerates them)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _translations() -> ModuleType:
    spec = importlib.util.spec_from_file_location("translations",
                                                  ROOT / "packaging" / "translations.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_translations_are_current() -> None:
    assert _translations().stale() == []


def test_a_new_string_in_the_code_is_found_missing(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    translations = _translations()
    source = tmp_path / "new_text.py"
    source.write_text('from tunestudio.gui.common.i18n import translate\n\n'
                      'TEXT = translate("Probe", "A sentence nobody translated")\n')
    i18n = tmp_path / "i18n"
    shutil.copytree(translations.I18N, i18n)
    monkeypatch.setattr(translations, "I18N", i18n)
    files = translations.source_files()
    monkeypatch.setattr(translations, "source_files", lambda: [*files, source])
    problems = translations.stale()
    assert any("differs from what lupdate makes" in p for p in problems)
    # and a string the code no longer has is obsolete
    without_about = [f for f in files if f.name != "about.py"]
    monkeypatch.setattr(translations, "source_files", lambda: without_about)
    assert any("differs from what lupdate makes" in p for p in translations.stale())


def _unmarked_raises(source: str) -> list[int]:
    """Lines where a ValueError (what a pydantic validator raises) is raised with a message
    that is not marked for translation: neither `N_(...)` (formatted or not) nor a module
    constant made by it."""
    import ast

    def marked(node: ast.expr) -> bool:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "format":
            node = node.func.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id == "N_"
        return isinstance(node, ast.Name) and node.id.isupper()

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and isinstance(node.exc.func, ast.Name) \
                and node.exc.func.id == "ValueError" and node.exc.args \
                and not marked(node.exc.args[0]):
            lines.append(node.lineno)
    return lines


def test_every_validation_message_of_the_config_is_marked_for_translation() -> None:
    """The messages `config/` raises reach the window (the editors mark the field with them),
    so each is an `N_` message the window shows in its language (tests/gui/app/
    test_chinese_window.py renders them in Chinese)."""
    assert _unmarked_raises('raise ValueError(f"{x} is bad")\n') == [1]
    assert _unmarked_raises('raise ValueError(N_("Validation", "{x} is bad").format(x=x))\n'
                            'raise ValueError(AT_FIELD.format(where=w, problem=p))\n') == []
    found = {path.name: lines for path in sorted((ROOT / "src" / "tunestudio" / "config")
                                                 .glob("*.py"))
             if (lines := _unmarked_raises(path.read_text(encoding="utf-8")))}
    assert found == {}


def _marked_texts(source: str) -> set[tuple[str, str]]:
    """(context, text) of every `self.tr("...")` (its class's name as context),
    `translate("Context", "...")` and `N_("Context", "...")` call with literal arguments in
    `source`."""
    import ast

    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, cls: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call):
                args = child.args
                func = child.func
                if isinstance(func, ast.Attribute) and func.attr == "tr" and args and \
                        isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                    found.add((cls, args[0].value))
                elif isinstance(func, ast.Name) and func.id in ("translate", "N_") and \
                        len(args) >= 2 and all(isinstance(a, ast.Constant) and
                                               isinstance(a.value, str) for a in args[:2]):
                    found.add((str(args[0].value), str(args[1].value)))  # type: ignore[attr-defined]
            visit(child, cls)

    visit(ast.parse(source), "")
    return found


def test_every_marked_text_reaches_the_catalogue() -> None:
    """lupdate skips a call it cannot parse without a word (a plural's `None` disambiguation
    did: the load-error dialog's headline stayed English); every text the code marks is in
    the zh_CN catalogue."""
    import xml.etree.ElementTree as ET

    translations = _translations()
    tree = ET.parse(translations.ts_path("zh_CN"))
    catalogue = {(context.findtext("name"), message.findtext("source"))
                 for context in tree.getroot().iter("context")
                 for message in context.iter("message")}
    marked: set[tuple[str, str]] = set()
    for path in translations.source_files():
        marked |= {(c, t) for c, t in _marked_texts(path.read_text(encoding="utf-8")) if c}
    assert sorted(marked - catalogue) == []
