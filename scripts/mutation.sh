#!/usr/bin/env bash
# A small mutation check (cosmic-ray, scripts/mutation.toml): mutates a copy of the tree, one
# mutant at a time, runs the module's tests against each, and prints the share of mutants the
# tests killed. Not a CI step (it takes minutes); needs `pip install cosmic-ray` in the venv.
# Usage: scripts/mutation.sh [VENV_BIN]   (default .venv/bin)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(cd "${1:-.venv/bin}" && pwd)"
work=$(mktemp -d "${TMPDIR:-/tmp}/tunestudio-mutation.XXXXXX")
trap 'rm -rf "$work"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$work"
cd "$work"
export PYTHONPATH="$work/src" PATH="$bin:$PATH" QT_QPA_PLATFORM=offscreen
"$bin/cosmic-ray" init scripts/mutation.toml session.sqlite
"$bin/cosmic-ray" baseline scripts/mutation.toml
"$bin/cosmic-ray" exec scripts/mutation.toml session.sqlite
"$bin/cr-report" session.sqlite --show-pending | tail -n 40
