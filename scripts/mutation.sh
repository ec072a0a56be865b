#!/usr/bin/env bash
# A small mutation check (cosmic-ray): for each module named in scripts/mutation/*.toml, mutates
# a copy of the tree one mutant at a time, runs that module's tests against each, and prints
# the share of mutants the tests killed. Not a CI step (it takes minutes to hours); needs
# `pip install cosmic-ray` (or `pip install -e '.[mutation]'`) in the venv.
# Modules with many mutants (the fused engine, checkpoints, model export) are scored on a
# seeded random sample of them (`[cosmic-ray.filters.sample] keep` in their config;
# MUTATION_SAMPLE=N overrides it, MUTATION_SAMPLE=0 runs every mutant, MUTATION_SEED=S draws
# another sample): see scripts/mutation_sample.py.
# Usage: scripts/mutation.sh [VENV_BIN] [NAME...]   (default .venv/bin, every config)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(cd "${1:-.venv/bin}" && pwd)"
shift || true
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in scripts/mutation/*.toml; do names+=("$(basename "$f" .toml)"); done
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/tunestudio-mutation.XXXXXX")
trap 'rm -rf "$work"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$work"
cd "$work"
export PYTHONPATH="$work/src" PATH="$bin:$PATH" QT_QPA_PLATFORM=offscreen
for name in "${names[@]}"; do
  config="scripts/mutation/$name.toml"
  echo "==> $name"
  "$bin/cosmic-ray" init "$config" "$name.sqlite"
  "$bin/cr-filter-operators" "$name.sqlite" "$config"
  "$bin/python" scripts/mutation_sample.py "$name.sqlite" "$config"
  "$bin/cosmic-ray" baseline "$config"
  "$bin/cosmic-ray" exec "$config" "$name.sqlite"
  "$bin/cosmic-ray" dump "$name.sqlite" | "$bin/python" scripts/mutation_score.py
done
