#!/usr/bin/env bash
# Builds the TuneStudio desktop app with PyInstaller (packaging/tunestudio.spec) into
# dist/TuneStudio/ (dist/TuneStudio.app on macOS), runs the bundled executable's --smoke-test
# offscreen, and prints the bundle's size and the build time. Exit status: the build's, then
# the smoke test's.
#
#   packaging/build.sh            # reuses PyInstaller's analysis cache in build/pyinstaller
#   packaging/build.sh --clean    # from scratch (the time to quote)
#   packaging/build.sh --no-smoke # build only
#
# Linux, macOS, and Windows under Git Bash; see packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

clean=() smoke=1
for arg in "$@"; do
  case "$arg" in
    --clean) clean=(--clean) ;;
    --no-smoke) smoke=0 ;;
    *) echo "usage: packaging/build.sh [--clean] [--no-smoke]" >&2; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Darwin) bundle=dist/TuneStudio.app; exe=$bundle/Contents/MacOS/TuneStudio; bin=.venv/bin ;;
  MINGW*|MSYS*|CYGWIN*) bundle=dist/TuneStudio; exe=$bundle/TuneStudio.exe; bin=.venv/Scripts ;;
  *) bundle=dist/TuneStudio; exe=$bundle/tunestudio; bin=.venv/bin ;;
esac

if ! "$bin/python" -c 'import PyInstaller' >/dev/null 2>&1; then
  echo "==> installing PyInstaller (the 'package' extra) into .venv"
  scripts/bootstrap.sh package
fi

echo "==> PyInstaller $("$bin/python" -m PyInstaller --version): $bundle"
started=$(date +%s)
"$bin/python" -m PyInstaller --noconfirm --log-level WARN --distpath dist \
  --workpath build/pyinstaller "${clean[@]}" packaging/tunestudio.spec
build_s=$(( $(date +%s) - started ))

size_kb=$(du -sk "$bundle" | cut -f1)
files=$(find "$bundle" -type f | wc -l | tr -d ' ')
echo "==> built $bundle in ${build_s} s: $(( size_kb / 1024 )) MiB, $files files"

if [ "$smoke" = 1 ]; then
  echo "==> $exe --smoke-test (offscreen)"
  started=$(date +%s)
  set +e
  QT_QPA_PLATFORM=offscreen "$exe" --smoke-test
  rc=$?
  set -e
  smoke_s=$(( $(date +%s) - started ))
  if [ "$rc" -ne 0 ]; then
    echo "==> smoke test FAILED (exit $rc) after ${smoke_s} s" >&2
    exit "$rc"
  fi
  echo "==> smoke test passed in ${smoke_s} s"
fi
echo "==> summary: build ${build_s} s, bundle $(( size_kb / 1024 )) MiB ($files files)"
