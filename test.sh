#!/usr/bin/env bash
# Runs every test: the xunit suites (engine, module, store, interop with the official JS SDK), then
# Pester where pwsh exists. Its last line is "N passed, N failed", counted from the TRX results.
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

# Pester needs pwsh, which some machines lack; when present it runs in a child process so no assembly stays locked.
if command -v pwsh >/dev/null 2>&1; then
  pwsh -NoProfile -NonInteractive -File ./build.ps1 -Task Pester || status=$?
fi

passed=0; failed=0
shopt -s nullglob
for trx in TestResults/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ -f TestResults/pester.xml ]; then
  # NUnit XML from Pester: <test-results total="" errors="" failures="" ...>
  header=$(grep -o '<test-results [^>]*>' TestResults/pester.xml | head -n 1)
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$header")
  f=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$header")
  e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$header")
  n=$(sed -n 's/.* not-run="\([0-9]*\)".*/\1/p' <<<"$header")
  failed=$((failed + ${f:-0} + ${e:-0}))
  passed=$((passed + ${t:-0} - ${f:-0} - ${e:-0} - ${n:-0}))
fi
# A run that executed nothing must not look green.
if [ "$passed" -eq 0 ]; then status=1; fi
if [ "$failed" -gt 0 ] && [ "$status" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
