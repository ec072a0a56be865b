#!/usr/bin/env bash
# Writes requirements/constraints.txt: every dependency of TuneStudio, of all its extras and of
# the install scripts (requirements/tools.in), pinned for every platform and Python >= 3.11
# (uv's universal resolution). Both README commands install through it (scripts/bootstrap.sh),
# so a fresh machine gets the versions CI passed.
#
#   scripts/lock.sh              after a change of pyproject.toml: pins already in the lock stay
#   scripts/lock.sh --upgrade    move every pin to the newest release (then run scripts/test.sh;
#                                scripts/newest.sh tries the newest releases without the lock)
#
# Pins are versions only, without hashes: pip takes torch from a local CPU wheel where a
# machine keeps one (its hash differs from PyPI's), and the lock is a constraints file, so the
# CUDA libraries it lists for PyPI's torch are installed only where that torch asks for them.
set -euo pipefail
cd "$(dirname "$0")/.."
# uv lives in a venv of its own, so a pyproject.toml the current lock cannot satisfy yet can
# still be locked.
tools=.venv-lock
uv_version=$(sed -n 's/^uv==\([^ ;]*\).*/\1/p' requirements/constraints.txt 2>/dev/null || true)
if [ ! -x "$tools/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$tools"
fi
if ! "$tools/bin/uv" --version 2>/dev/null | grep -q "${uv_version:-.}"; then
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check \
    "uv${uv_version:+==$uv_version}"
fi
"$tools/bin/uv" pip compile pyproject.toml requirements/tools.in --all-extras --universal \
  --python-version 3.11 --custom-compile-command scripts/lock.sh --quiet \
  -o requirements/constraints.txt "$@"
echo "==> requirements/constraints.txt written; run scripts/test.sh before committing it"
