#!/usr/bin/env bash
# Runs every test: the xunit suites (engine, module, store, interop with the official JS SDK), then
# the whole Pester suite in the pinned pwsh. Its last line is "N passed, N failed", counted from the TRX results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The interop tests run the official AWS Encryption SDK for JavaScript from a locked install.
if [ ! -d tests/interop/node_modules ] || [ tests/interop/package-lock.json -nt tests/interop/node_modules ]; then
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
  touch tests/interop/node_modules
fi

rm -rf TestResults
mkdir -p TestResults
status=0

# The AWS KMS tests (xunit and Pester) talk to a KMS-API endpoint on loopback: moto's server (Python moto 5.2.1, with
# tests/kms/kms_server.py adding the key-state and key-policy checks AWS makes; elsewhere `pip install "moto[server]"`)
# on a free port, stopped when this script ends. An endpoint given in ENCTOOLS_TEST_KMS_ENDPOINT is used as it is.
kms_pid=""
stop_kms() { if [ -n "$kms_pid" ]; then kill "$kms_pid" 2>/dev/null || true; wait "$kms_pid" 2>/dev/null || true; fi; }
trap stop_kms EXIT
if [ -z "${ENCTOOLS_TEST_KMS_ENDPOINT:-}" ]; then
  for _ in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 tests/kms/kms_server.py -H 127.0.0.1 -p "$port" >TestResults/kms-server.log 2>&1 &
    kms_pid=$!
    for _ in $(seq 1 100); do
      if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/data.json', timeout=1)" 2>/dev/null; then
        export ENCTOOLS_TEST_KMS_ENDPOINT="http://127.0.0.1:$port"; break 2
      fi
      kill -0 "$kms_pid" 2>/dev/null || break
      sleep 0.2
    done
    stop_kms; kms_pid=""
  done
  if [ -z "${ENCTOOLS_TEST_KMS_ENDPOINT:-}" ]; then
    echo "test.sh: error: the local KMS endpoint (tests/kms/kms_server.py, moto) did not start; see TestResults/kms-server.log" >&2
    status=1
  else
    echo "test.sh: local KMS endpoint at $ENCTOOLS_TEST_KMS_ENDPOINT (moto)"
  fi
fi
dotnet test EncryptionTools.sln -c Release --nologo \
  --logger "trx;LogFilePrefix=xunit" --results-directory TestResults "$@" || status=$?

# Pester runs in the pwsh that .config/dotnet-tools.json pins, with the Pester package tools/PesterRestore locks, both
# from NuGet, so every machine runs the same suite. In CI a pwsh that cannot be restored is a failure, never a skip.
if dotnet tool restore >/dev/null && dotnet pwsh -NoProfile -NonInteractive -Command 'exit 0' >/dev/null 2>&1; then
  # The Pester tests import out/EncryptionTools: publish the build just tested (dotnet test built it), so it is never
  # stale; build it here only when that build is missing (a filtered run).
  dotnet publish src/EncryptionTools/EncryptionTools.csproj -c Release -o out/EncryptionTools --nologo -v quiet --no-build 2>/dev/null ||
    dotnet publish src/EncryptionTools/EncryptionTools.csproj -c Release -o out/EncryptionTools --nologo -v quiet || status=$?
  dotnet pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester || status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "test.sh: error: the pinned pwsh (dotnet tool restore, .config/dotnet-tools.json) is not available; Pester did not run" >&2
  status=1
else
  echo "test.sh: warning: the pinned pwsh could not be restored (dotnet tool restore); the Pester suite was SKIPPED" >&2
fi

passed=0; failed=0
shopt -s nullglob
for trx in TestResults/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  # Name each failed test here, next to the counts, so a log's tail says what failed.
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/xunit failed: \1/p' || true
done
echo "xunit: $passed passed, $failed failed"
if [ -f TestResults/pester-counts.txt ]; then
  # Written by build.ps1 -Task Pester from Pester's own result: "passed failed" (failed blocks and files included).
  read -r pp pf < TestResults/pester-counts.txt
  echo "Pester: $pp passed, $pf failed"
  passed=$((passed + pp)); failed=$((failed + pf))
elif [ "${CI:-}" = "true" ]; then
  echo "test.sh: error: Pester wrote no results (TestResults/pester-counts.txt)" >&2
  status=1
fi
# A run that executed nothing must not look green.
if [ "$passed" -eq 0 ]; then status=1; fi
if [ "$failed" -gt 0 ] && [ "$status" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
