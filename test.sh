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
status=0
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
