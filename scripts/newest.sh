#!/usr/bin/env bash
# Tries TuneStudio with the newest releases that pyproject.toml admits, without the lock, and
# reports what breaks: a throw-away venv (.venv-newest), the packages whose newest release
# differs from requirements/constraints.txt, then each check of scripts/test.sh (ruff, mypy,
# import contracts, pytest) with its outcome. Exit 0 when every check passes, 1 otherwise.
#
#   scripts/newest.sh                    every check, the whole pytest suite
#   scripts/newest.sh -x -q tests/search  pytest arguments narrow the suite
#
# torch stays at the lock's version (a local wheel where the machine keeps one): a newer torch
# is a multi-GB download; set NEWEST_TORCH=1 to let pip take the newest one too.
# When everything passes, `scripts/lock.sh --upgrade` moves the lock to these releases.
set -uo pipefail
cd "$(dirname "$0")/.."
unset PIP_CONSTRAINT
venv=.venv-newest
python="${PYTHON:-python3}"
rm -rf "$venv"
"$python" -m venv "$venv" || exit 1
py="$venv/bin/python"
pip=("$py" -m pip install --quiet --disable-pip-version-check)

torch_pin=$(sed -n 's/^torch==\([^ ;]*\).*/\1/p' requirements/constraints.txt | head -1)
if [ "${NEWEST_TORCH:-0}" != 1 ] && [ -n "$torch_pin" ]; then
  "${pip[@]}" --no-index --no-deps "torch==$torch_pin" 2>/dev/null ||
    echo "==> no local torch $torch_pin wheel: pip takes it from the index"
  "${pip[@]}" "torch==$torch_pin" || exit 1
  torchvision_pin=$(sed -n 's/^torchvision==\([^ ;]*\).*/\1/p' requirements/constraints.txt | head -1)
  echo "torch==$torch_pin" > "$venv/torch-pin.txt"
  [ -n "$torchvision_pin" ] && echo "torchvision==$torchvision_pin" >> "$venv/torch-pin.txt"
  export PIP_CONSTRAINT="$PWD/$venv/torch-pin.txt"
fi
echo "==> installing TuneStudio's test extra with the newest releases into $venv"
"${pip[@]}" -e ".[test]" || { echo "newest releases: the install itself fails" >&2; exit 1; }
unset PIP_CONSTRAINT

"$py" scripts/newest_report.py requirements/constraints.txt

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
failed=()
run_check() {
  local name=$1; shift
  echo "==> $name"
  if "$@"; then echo "--> $name: passed"; else echo "--> $name: FAILED"; failed+=("$name"); fi
}
run_check ruff "$venv/bin/ruff" check src tests benchmarks packaging
run_check mypy "$venv/bin/mypy" src
run_check lint-imports "$venv/bin/lint-imports"
run_check pytest "$py" -m pytest "$@"
if [ ${#failed[@]} -gt 0 ]; then
  echo "newest releases break: ${failed[*]} (the lock keeps the versions that pass)"
  exit 1
fi
echo "newest releases pass every check: scripts/lock.sh --upgrade takes them into the lock"
