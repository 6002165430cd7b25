#!/usr/bin/env bash
# Module start-up, in-process: `Import-Module`, the first command and the display of its output, timed with a
# Stopwatch inside each pwsh, for the floor module (bench/FloorModule), EncryptionTools, and EncryptionTools with its
# import-time warm-up off (ENCRYPTIONTOOLS_WARMUP=0); RUNS processes of each, interleaved. Prints medians and quartiles.
# Needs `bash build.sh --no-demo` and `dotnet tool restore` first (pwsh as in bench/startup.sh).
# Usage: bash bench/startup-phases.sh [RUNS=15]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-15}
module=${MODULE:-$(pwd)/out/EncryptionTools/EncryptionTools.psd1}
[ -f "$module" ] || { echo "startup-phases.sh: no module at $module; run: bash build.sh --no-demo" >&2; exit 1; }
version=$(python3 -c 'import json; print(json.load(open(".config/dotnet-tools.json"))["tools"]["powershell"]["version"])')
pwsh=${PWSH:-$(ls "$HOME"/.nuget/packages/powershell/"$version"/tools/*/any/unix/pwsh 2>/dev/null | head -n 1 || command -v pwsh)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build bench/FloorModule -c Release -o "$work/floor" --nologo -v quiet > "$work/floor.log" 2>&1 || { cat "$work/floor.log" >&2; exit 1; }
export ENCRYPTIONTOOLS_STORE="$work/store" POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
"$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$module'; New-EncKey -Alias alias/bench | Out-Null"

cat > "$work/phases.ps1" <<'PS1'
param($Name, $Module, $Command)
$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module $Module
$t1 = $sw.Elapsed.TotalMilliseconds
$out = & $Command
$t2 = $sw.Elapsed.TotalMilliseconds
$out | Out-Default
$t3 = $sw.Elapsed.TotalMilliseconds
[Console]::Error.WriteLine(('{0} {1:F1} {2:F1} {3:F1} {4:F1}' -f $Name, $t1, ($t2 - $t1), ($t3 - $t2), $t3))
PS1
for i in $(seq 1 "$runs"); do
  "$pwsh" -NoProfile -NonInteractive -File "$work/phases.ps1" floor "$work/floor/FloorModule.psd1" Get-FloorItem 2>> "$work/times" > /dev/null
  "$pwsh" -NoProfile -NonInteractive -File "$work/phases.ps1" EncryptionTools "$module" Get-EncKey 2>> "$work/times" > /dev/null
  ENCRYPTIONTOOLS_WARMUP=0 "$pwsh" -NoProfile -NonInteractive -File "$work/phases.ps1" 'EncryptionTools,warm-up-off' "$module" Get-EncKey 2>> "$work/times" > /dev/null
done
python3 - "$work/times" "$runs" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *times = line.split()
    rows.setdefault(name, []).append([float(t) for t in times])
print(f"in-process, {sys.argv[2]} interleaved processes each: median [quartiles], ms")
for name, values in rows.items():
    cols = []
    for label, column in zip(["Import-Module", "first command", "formatting", "total"], zip(*values)):
        q = statistics.quantiles(column, n=4)
        cols.append(f"{label} {statistics.median(column):.0f} [{q[0]:.0f}-{q[2]:.0f}]")
    print(f"{name:28s} " + ", ".join(cols))
PY
