#!/usr/bin/env bash
# Module start-up, whole process: a bare pwsh start against `Import-Module` plus the first Get-EncKey (formatted to
# stdout, as a user sees it) on a store that holds one key. The figure that matters is the difference of the medians.
# pwsh: $PWSH, else the pinned .NET tool's apphost (run `dotnet tool restore` once), else pwsh on PATH.
# Module: $MODULE (a .psd1), else out/EncryptionTools/EncryptionTools.psd1 (bash build.sh --no-demo).
# Uses hyperfine when installed (Debian: apt-get install hyperfine), else a loop that reports medians.
# Usage: bash bench/startup.sh [RUNS=15]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-15}
module=${MODULE:-$(pwd)/out/EncryptionTools/EncryptionTools.psd1}
[ -f "$module" ] || { echo "startup.sh: no module at $module; run: bash build.sh --no-demo" >&2; exit 1; }

pwsh=${PWSH:-}
if [ -z "$pwsh" ]; then
  version=$(python3 -c 'import json; print(json.load(open(".config/dotnet-tools.json"))["tools"]["powershell"]["version"])')
  pwsh=$(ls "$HOME"/.nuget/packages/powershell/"$version"/tools/*/any/unix/pwsh 2>/dev/null | head -n 1 || true)
  [ -n "$pwsh" ] || pwsh=$(command -v pwsh || true)
fi
[ -x "$pwsh" ] || { echo "startup.sh: no pwsh; run: dotnet tool restore" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ENCRYPTIONTOOLS_STORE="$work/store" POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
"$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$module'; New-EncKey -Alias alias/bench | Out-Null"

# Whether the runtime uses the module's precompiled (ReadyToRun) code, and how many methods the import and the first
# command JIT-compile (load does not change these counts; wall times on a busy machine are scattered).
DOTNET_ReadyToRunLogFile="$work/r2r" "$pwsh" -NoProfile -NonInteractive -Command "
  \$a = [System.Runtime.JitInfo]::GetCompiledMethodCount(); Import-Module '$module'
  \$b = [System.Runtime.JitInfo]::GetCompiledMethodCount(); Get-EncKey | Out-Default
  \$c = [System.Runtime.JitInfo]::GetCompiledMethodCount()
  'JIT-compiled methods: {0} by Import-Module, {1} by the first Get-EncKey' -f (\$b - \$a), (\$c - \$b)"
for dll in EncryptionTools.dll EncryptionTools.Engine.dll; do
  line=$(grep -h "/$dll\"" "$work"/r2r.* 2>/dev/null | head -n 1 | sed 's/: ".*//')
  echo "ReadyToRun $dll: ${line:-no record}"
done

bare=("$pwsh" -NoProfile -NonInteractive -Command "exit 0")
first=("$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$module'; Get-EncKey")
echo "pwsh: $pwsh"
echo "module: $module"

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 2 --runs "$runs" --export-json "$work/startup.json" \
    -n bare "$(printf '%q ' "${bare[@]}")" -n 'import + Get-EncKey' "$(printf '%q ' "${first[@]}")"
  python3 - "$work/startup.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, m = r["bare"]["median"], r["import + Get-EncKey"]["median"]
ub, um = r["bare"]["user"], r["import + Get-EncKey"]["user"]
print(f"median wall: bare {b:.3f} s, import + Get-EncKey {m:.3f} s, module cost {m - b:.3f} s "
      f"(target <= 0.250 s: {'met' if m - b <= 0.25 else 'NOT met'})")
print(f"mean user CPU (steadier on a busy machine): bare {ub:.3f} s, import + Get-EncKey {um:.3f} s, module cost {um - ub:.3f} s")
PY
fi

# Interleaved pairs (bare, then the module, alternating which goes first): drift of the machine between two long
# series (hyperfine runs all of one command, then all of the other) cancels out of each pair's difference.
python3 - "$runs" "${bare[@]}" -- "${first[@]}" <<'PY'
import statistics, subprocess, sys, time
runs = int(sys.argv[1]); args = sys.argv[2:]; cut = args.index("--")
bare, first = args[:cut], args[cut + 1:]
def run(cmd):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); return time.perf_counter() - t
run(bare); run(first)
pairs = []
for i in range(runs):
    if i % 2: m = run(first); b = run(bare)
    else: b = run(bare); m = run(first)
    pairs.append((b, m))
d = statistics.median(m - b for b, m in pairs)
print(f"interleaved, {runs} pairs: bare median {statistics.median(b for b, _ in pairs):.3f} s, import + Get-EncKey median "
      f"{statistics.median(m for _, m in pairs):.3f} s, median of the pairs' differences {d:.3f} s "
      f"(target <= 0.250 s: {'met' if d <= 0.25 else 'NOT met'})")
PY
if ! command -v hyperfine > /dev/null; then
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  time_runs() {
    for _ in $(seq "$runs"); do
      s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
      echo "$e - $s" | bc
    done | median
  }
  "${bare[@]}" > /dev/null; "${first[@]}" > /dev/null
  b=$(time_runs "${bare[@]}"); m=$(time_runs "${first[@]}")
  d=$(echo "$m - $b" | bc)
  echo "median of $runs: bare $b s, import + Get-EncKey $m s, module cost $d s (target <= 0.250 s: $(echo "$d <= 0.25" | bc | sed 's/1/met/; s/0/NOT met/'))"
fi
