#!/usr/bin/env bash
# Builds the importable module at out/EncryptionTools and the enctools CLI at out/enctools (a Native AOT executable for
# this machine), then runs the demos: examples/demo.ps1 in the pinned pwsh (.config/dotnet-tools.json), the module's
# whole story in a throwaway store; then the CLI's: create a key in a temporary key store, encrypt a file with an
# encryption context, show its header, decrypt it and compare.
# Usage: bash build.sh [--no-demo]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rm -rf out/EncryptionTools out/enctools
if [ -f tools/HelpGen/HelpGen.csproj ]; then
  # MAML help and about topics from docs/, so the module always carries current help (platyPS needs pwsh).
  dotnet run --project tools/HelpGen -c Release -- --docs docs --out en-US --module EncryptionTools
fi
dotnet publish src/EncryptionTools/EncryptionTools.csproj -c Release -o out/EncryptionTools --nologo -v quiet
# PublishAot (enctools.csproj): the SDK compiles for this machine's runtime identifier, the RID `dotnet --info` shows
# (linux-x64, linux-arm64, ...); it links with clang or gcc and needs zlib (Debian: build-essential zlib1g-dev).
if ! dotnet publish src/enctools/enctools.csproj -c Release -o out/enctools --nologo -v quiet; then
  # No native toolchain (or no ILCompiler pack for this RID): the same program, JIT-compiled, under the same name.
  # It starts ~0.3 s slower; CI's AOT check (Cli/CliJsonTests) fails on it, so CI never ships this by accident.
  echo "build.sh: Native AOT publish failed; publishing the framework-dependent enctools instead" >&2
  rm -rf out/enctools
  # --no-restore: the lock file records the AOT packages, and a restore without them would rewrite it.
  dotnet publish src/enctools/enctools.csproj -c Release -o out/enctools --nologo -v quiet -p:PublishAot=false --no-restore
fi
echo "Module: $(pwd)/out/EncryptionTools/EncryptionTools.psd1"
echo "CLI:    $(pwd)/out/enctools/enctools"

[ "${1:-}" = "--no-demo" ] && exit 0

# The module demo, in the same pwsh the tests use (restored from NuGet by `dotnet tool restore`). In CI a pwsh that
# cannot be restored is a failure; elsewhere the CLI demo still runs.
if dotnet tool restore >/dev/null && dotnet pwsh -NoProfile -NonInteractive -Command 'exit 0' >/dev/null 2>&1; then
  echo; echo "== examples/demo.ps1 (the module, in pwsh $(dotnet pwsh -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()'))"
  dotnet pwsh -NoProfile -NonInteractive -File examples/demo.ps1
elif [ "${CI:-}" = "true" ]; then
  echo "build.sh: error: the pinned pwsh (dotnet tool restore, .config/dotnet-tools.json) is not available for examples/demo.ps1" >&2
  exit 1
else
  echo "build.sh: warning: the pinned pwsh could not be restored (dotnet tool restore); examples/demo.ps1 was SKIPPED" >&2
fi

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
enctools() { "$(pwd)/out/enctools/enctools" "$@"; }
store="$demo/keystore"   # a TEMPORARY key store: the demo never touches your own
printf 'Quarterly payroll, strictly confidential.\n' > "$demo/payroll.txt"
echo; echo "== the CLI: create a key (alias/demo) in the temporary store $store"; enctools key create --alias alias/demo --description "build.sh demo" --store "$store"
echo; echo "== encrypt"; enctools encrypt "$demo/payroll.txt" --key alias/demo --context dept=hr --store "$store"
echo; echo "== header"; enctools info "$demo/payroll.txt.enc" --store "$store"
echo; echo "== decrypt"; enctools decrypt "$demo/payroll.txt.enc" --expect-context dept=hr -o "$demo/payroll.out.txt" --store "$store"
cmp "$demo/payroll.txt" "$demo/payroll.out.txt"
echo; echo "Demo OK: the decrypted file matches the original."
