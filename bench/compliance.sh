#!/usr/bin/env bash
# Times `enctools compliance` (the whole process: start-up, header-only parallel scan, rules, output) over a tree of
# small files and reports files/s. The tree mixes plain files (40%), committing v2 messages (50%, made by
# `enctools encrypt` and copied), and hand-made format-v1 and non-committing headers (10%), in 100 directories.
# Usage: bash bench/compliance.sh [FILES=100000] [RUNS=5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
files=${1:-100000}
runs=${2:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The shipped form: the Native AOT executable, as build.sh publishes it (into the scratch directory, leaving out/ alone).
dotnet publish src/enctools/enctools.csproj -c Release -o "$work/cli" -v quiet --nologo > /dev/null
cli=("$work/cli/enctools")
head -c 32 /dev/urandom > "$work/bench.key"
printf 'a small record: 1234,alice,finance\n' > "$work/template.txt"
"${cli[@]}" encrypt "$work/template.txt" --key-file "$work/bench.key" --context dept=bench -o "$work/template.enc" > /dev/null

python3 - "$work/tree" "$files" "$work/template.enc" <<'PY'
import os, sys
root, n, template = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], 'rb').read()
v1 = bytes([0x01, 0x80, 0x01, 0x78]) + bytes(80)
noncommitting = bytes([0x02, 0x01, 0x78]) + bytes(100)
for d in range(100):
    os.makedirs(os.path.join(root, f"d{d:02}"), exist_ok=True)
for i in range(n):
    kind = i % 10
    if kind < 4:
        data = f"plain row {i},alice,finance\n".encode()
    elif kind < 9:
        data = template
    else:
        data = v1 if (i // 10) % 2 == 0 else noncommitting
    with open(os.path.join(root, f"d{i % 100:02}", f"f{i:06}.dat"), 'wb') as f:
        f.write(data)
PY

store="$work/store"
cmd=("${cli[@]}" compliance "$work/tree" --store "$store")
echo "tree: $files files in 100 directories under $work/tree"
echo "command: enctools compliance TREE --store STORE > /dev/null"
"${cmd[@]}" > /dev/null 2>&1 || true   # warm-up (page cache)
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N)
  set +e
  "${cmd[@]}" > "$work/out.txt" 2> /dev/null
  code=$?
  set -e
  end=$(date +%s.%N)
  [ "$code" -eq 10 ] || { echo "unexpected exit code $code (expected 10: not compliant)" >&2; exit 1; }
  times+=("$(echo "$end - $start" | bc -l)")
done
scanned=$(grep -o '[0-9]* file(s) scanned' "$work/out.txt" | grep -o '^[0-9]*')
[ "$scanned" -eq "$files" ] || { echo "scanned $scanned files, expected $files" >&2; exit 1; }
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
best=$(echo "$sorted" | head -1)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "findings: $(grep -c '^ET' "$work/out.txt") ($(tail -n +1 "$work/out.txt" | grep -m1 '^Not compliant' | cut -c1-80)...)"
printf 'runs (s): %s\n' "$(echo "$sorted" | tr '\n' ' ')"
printf 'best:   %.3f s = %.0f files/s\n' "$best" "$(echo "$files / $best" | bc -l)"
printf 'median: %.3f s = %.0f files/s\n' "$median" "$(echo "$files / $median" | bc -l)"
echo "cores: $(nproc); load: $(uptime | sed 's/.*load average: //')"
