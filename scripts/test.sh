#!/usr/bin/env bash
# Installs TuneStudio with its test tools into .venv (once), then runs every check:
# ruff, mypy, the import-layer contracts, and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
bin=.venv/bin
echo "==> ruff";         "$bin/ruff" check src tests benchmarks packaging
echo "==> mypy";         "$bin/mypy" src
echo "==> lint-imports"; "$bin/lint-imports"
echo "==> pytest"
set +e
"$bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$rc"
