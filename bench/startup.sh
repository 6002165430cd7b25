#!/usr/bin/env bash
# Module start-up, whole process: a bare pwsh start against `Import-Module` plus the first Get-EncKey (formatted to
# stdout, as a user sees it) on a store that holds one key. The figure that matters is the difference of the medians.
# For scale, the same for the floor: the smallest binary module of the same shape (bench/FloorModule: a manifest with an
# explicit export list, Get-EncKey's table view, one cmdlet that writes one object), which is what PowerShell itself costs.
# pwsh: $PWSH, else the pinned .NET tool's apphost (run `dotnet tool restore` once), else pwsh on PATH.
# Module: $MODULE (a .psd1), else out/EncryptionTools/EncryptionTools.psd1 (bash build.sh --no-demo).
# hyperfine series when it is installed (Debian: apt-get install hyperfine); interleaved rounds always.
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
dotnet build bench/FloorModule -c Release -o "$work/floor" --nologo -v quiet > "$work/floor.log" 2>&1 || { cat "$work/floor.log" >&2; exit 1; }
floor_module="$work/floor/FloorModule.psd1"
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
floor=("$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$floor_module'; Get-FloorItem")
first=("$pwsh" -NoProfile -NonInteractive -Command "Import-Module '$module'; Get-EncKey")
echo "pwsh: $pwsh"
echo "module: $module"

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 2 --runs "$runs" --export-json "$work/startup.json" -n bare "$(printf '%q ' "${bare[@]}")" \
    -n 'floor module' "$(printf '%q ' "${floor[@]}")" -n 'import + Get-EncKey' "$(printf '%q ' "${first[@]}")"
  python3 - "$work/startup.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, f, m = r["bare"]["median"], r["floor module"]["median"], r["import + Get-EncKey"]["median"]
ub, um = r["bare"]["user"], r["import + Get-EncKey"]["user"]
print(f"median wall: bare {b:.3f} s, import + Get-EncKey {m:.3f} s, module cost {m - b:.3f} s "
      f"(target <= 0.250 s: {'met' if m - b <= 0.25 else 'NOT met'}); the floor module costs {f - b:.3f} s")
print(f"mean user CPU (steadier on a busy machine): bare {ub:.3f} s, import + Get-EncKey {um:.3f} s, module cost {um - ub:.3f} s")
PY
fi

# Interleaved rounds (bare, the floor module and ours, rotating which goes first): drift of the machine between long
# series (hyperfine runs all of one command, then all of the next) cancels out of each round's differences.
python3 - "$runs" "${bare[@]}" -- "${floor[@]}" -- "${first[@]}" <<'PY'
import statistics, subprocess, sys, time
runs = int(sys.argv[1]); args = sys.argv[2:]; a = args.index("--"); b = args.index("--", a + 1)
cmds = [args[:a], args[a + 1:b], args[b + 1:]]
def run(cmd):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); return time.perf_counter() - t
for c in cmds: run(c)
rounds = []
for i in range(runs):
    times = [0.0] * 3
    for k in [(i + j) % 3 for j in range(3)]: times[k] = run(cmds[k])
    rounds.append(times)
med = lambda xs: statistics.median(xs)
module = med(r[2] - r[0] for r in rounds); floor = med(r[1] - r[0] for r in rounds); ours = med(r[2] - r[1] for r in rounds)
print(f"interleaved, {runs} rounds: bare median {med(r[0] for r in rounds):.3f} s, import + Get-EncKey median "
      f"{med(r[2] for r in rounds):.3f} s, median of the rounds' differences {module:.3f} s "
      f"(target <= 0.250 s: {'met' if module <= 0.25 else 'NOT met'}); the floor module {floor:.3f} s, ours above the floor {ours:.3f} s")
PY
