"""The PyInstaller spec, checked without building (a build takes minutes; packaging/build.sh
does it and smoke-tests the result): it compiles, names an entry script that runs the CLI,
and, executed with stand-ins for PyInstaller's build classes, collects every resource file
where importlib.resources looks in a bundle, Optuna's migration scripts, and the icon."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "tunestudio.spec"
ENTRY = ROOT / "packaging" / "tunestudio_entry.py"
RESOURCES = ROOT / "src" / "tunestudio" / "resources"


def test_spec_and_entry_script_compile() -> None:
    compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")
    entry = ENTRY.read_text(encoding="utf-8")
    compile(entry, str(ENTRY), "exec")
    assert "from tunestudio.cli import main" in entry


def test_spec_builds_from_the_entry_script_with_console_and_bundle_settings() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    calls = {node.func.id: node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= calls.keys()
    exe_kwargs = {k.arg for k in calls["EXE"].keywords}
    assert {"console", "icon", "exclude_binaries"} <= exe_kwargs  # one folder, icon, console
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {"tunestudio_entry.py", "resources", "tunestudio.ico", "tunestudio.icns"} <= strings


def test_platform_icons_exist_and_have_their_formats() -> None:
    ico = (ROOT / "resources" / "tunestudio.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and int.from_bytes(ico[4:6], "little") >= 5
    icns = (ROOT / "resources" / "tunestudio.icns").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)


class Built(SimpleNamespace):
    """Stands in for Analysis, PYZ, EXE, COLLECT and BUNDLE: records its arguments."""


def run_spec() -> dict[str, Any]:
    pytest.importorskip("PyInstaller", reason="PyInstaller is installed by the 'package' extra "
                        "(packaging/build.sh installs it)")
    built: dict[str, Built] = {}

    def stand_in(kind: str) -> Any:
        def make(*args: Any, **kwargs: Any) -> Built:
            item = Built(args=args, kwargs=kwargs, datas=kwargs.get("datas", []),
                         binaries=[], pure=[], scripts=[])
            built[kind] = item
            return item
        return make

    namespace: dict[str, Any] = {name: stand_in(name)
                                 for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    namespace.update(SPECPATH=str(SPEC.parent), __file__=str(SPEC), __name__="__spec__")
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return {"built": built, "namespace": namespace}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return run_spec()


def test_spec_collects_every_resource_where_importlib_resources_looks(
        spec: dict[str, Any]) -> None:
    analysis = spec["built"]["Analysis"]
    assert analysis.args[0] == [str(ENTRY)]
    datas = {(Path(src).resolve(), dest) for src, dest, *_ in analysis.datas}
    wanted = [p for p in RESOURCES.rglob("*")
              if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert len(wanted) >= 20
    for path in wanted:
        folder = Path("tunestudio") / path.parent.relative_to(RESOURCES.parent)
        assert (path.resolve(), folder.as_posix()) in datas, path


def test_spec_collects_optuna_migrations_and_tunestudio_modules(spec: dict[str, Any]) -> None:
    analysis = spec["built"]["Analysis"]
    dests = {dest for _, dest, *_ in analysis.datas}
    assert "optuna/storages/_rdb/alembic/versions" in dests
    assert "optuna/storages/_rdb" in dests  # alembic.ini
    hidden = set(analysis.kwargs["hiddenimports"])
    assert {"tunestudio.gui.app.smoke", "tunestudio.desktop.install", "tunestudio.cli"} <= hidden
    assert {"pytest", "tkinter"} <= set(analysis.kwargs["excludes"])


def test_spec_names_executable_icon_and_console_per_platform(spec: dict[str, Any]) -> None:
    exe = spec["built"]["EXE"].kwargs
    assert spec["built"]["COLLECT"].kwargs["name"] == "TuneStudio"
    if sys.platform.startswith("linux"):
        assert exe["name"] == "tunestudio" and exe["console"] is True and exe["icon"] is None
    elif sys.platform == "win32":
        assert exe["console"] is False and exe["icon"].endswith("tunestudio.ico")
    elif sys.platform == "darwin":
        assert spec["built"]["BUNDLE"].kwargs["name"] == "TuneStudio.app"


@pytest.mark.parametrize(("dest", "dropped"), [
    ("torch/test/atest", True),
    ("torch/bin/protoc", True),
    ("torch/bin/torch_shm_manager", False),
    ("torch/lib/libtorchbind_test.so", True),
    ("torch/lib/libtorch_cpu.so", False),
    ("torch/lib/libc10.so", False),
    ("torch/_C.cpython-311-x86_64-linux-gnu.so", False),
    ("tunestudio/resources/test.png", False),
])
def test_only_torchs_cpp_tests_are_left_out(spec: dict[str, Any], dest: str,
                                            dropped: bool) -> None:
    assert spec["namespace"]["torch_test_file"](dest) is dropped
