#!/usr/bin/env bash
# Builds the importable module at out/EncryptionTools and the enctools CLI at out/enctools, then runs the demo:
# make a key, encrypt a file with an encryption context, show its header, decrypt it and compare.
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
dotnet publish src/enctools/enctools.csproj -c Release -o out/enctools --nologo -v quiet
echo "Module: $(pwd)/out/EncryptionTools/EncryptionTools.psd1"
echo "CLI:    $(pwd)/out/enctools/enctools"

[ "${1:-}" = "--no-demo" ] && exit 0

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
enctools() { dotnet "$(pwd)/out/enctools/enctools.dll" "$@"; }
head -c 32 /dev/urandom > "$demo/demo.key"
printf 'Quarterly payroll, strictly confidential.\n' > "$demo/payroll.txt"
echo; echo "== encrypt"; enctools encrypt "$demo/payroll.txt" --key-file "$demo/demo.key" --context dept=hr
echo; echo "== header"; enctools info "$demo/payroll.txt.enc"
echo; echo "== decrypt"; enctools decrypt "$demo/payroll.txt.enc" --key-file "$demo/demo.key" --expect-context dept=hr -o "$demo/payroll.out.txt"
cmp "$demo/payroll.txt" "$demo/payroll.out.txt"
echo; echo "Demo OK: the decrypted file matches the original."
