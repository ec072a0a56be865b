#!/usr/bin/env bash
# Strict mypy over the tests (scripts/test.sh runs it): one folder at a time, that folder on the
# path as pytest puts it there (its conftest and helpers are top-level modules to its tests), each
# with a cache of its own (the folders' conftest modules share a name, and one cache mixed their
# types up from run to run), as many folders at once as the machine has cores. tests/cases holds a
# user's files, untyped as a user writes them.
#
#   scripts/mypy_tests.sh [BIN]    BIN: the folder of the environment's mypy (default .venv/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.venv/bin}"
export MYPY_BIN="$bin/mypy"
find tests -name '*.py' -not -path 'tests/cases/*' -exec dirname {} \; | sort -u |
  xargs -P "$(getconf _NPROCESSORS_ONLN)" -I{} sh -c 'MYPYPATH="src:tests:$1" "$MYPY_BIN" --explicit-package-bases \
    --no-error-summary --cache-dir ".mypy_cache/tests/$1" "$1"/*.py' _ {}
