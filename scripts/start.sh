#!/usr/bin/env bash
# Installs TuneStudio into .venv (once) and opens the bundled digits demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/tunestudio demo "$@"
