#!/usr/bin/env bash
# Creates or updates the project's virtualenv in .venv. Idempotent: a second run installs
# nothing new. Usage: scripts/bootstrap.sh [EXTRA]   (EXTRA: test, package)
set -euo pipefail
cd "$(dirname "$0")/.."

extra="${1:-}"
python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python="$candidate"; break
    fi
  done
fi
[ -n "$python" ] || { echo "TuneStudio needs Python 3.11 or newer on PATH." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
py=.venv/bin/python

# Every install goes through the lock (scripts/lock.sh writes it), so a fresh machine gets the
# versions CI passed. PIP_CONSTRAINT also reaches the isolated environment in which pip builds
# the editable install (setuptools), which a -c option would not.
export PIP_CONSTRAINT="$PWD/requirements/constraints.txt"

# torch first. A machine that keeps a local CPU wheel of 2.13.0 (find-links) uses it, so
# that no multi-GB CUDA build is downloaded; elsewhere pip picks the normal wheel for the
# platform when the project is installed below.
if ! "$py" -c 'import torch' >/dev/null 2>&1; then
  if "$py" -m pip install --no-index --no-deps --quiet 'torch==2.13.0' 2>/dev/null; then
    "$py" -m pip install --quiet 'torch==2.13.0'  # its small pure-Python dependencies
    echo "==> torch 2.13.0 installed from the local wheel"
  else
    echo "==> no local torch wheel: torch comes from the package index"
  fi
fi

spec="."
[ -n "$extra" ] && spec=".[$extra]"
stamp=".venv/.installed-${extra:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] ||
   [ requirements/constraints.txt -nt "$stamp" ]; then
  echo "==> installing TuneStudio ($spec) into .venv"
  "$py" -m pip install --quiet --disable-pip-version-check -e "$spec"
  touch "$stamp"
fi

# Byte-compile the sources, as pip does for a non-editable install: an editable one leaves
# that to the first import, which a PYTHONDONTWRITEBYTECODE environment (CI images, some
# shells) never does, and every start would then compile ~80 modules again (~0.4 s of the
# window's start-up on this machine). Stale files are rewritten, current ones skipped.
"$py" -m compileall -q src/tunestudio >/dev/null
