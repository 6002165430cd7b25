#!/usr/bin/env bash
# File-level benchmarks of issue 4 (results: docs/performance-files.md).
#  1. Many small files: N files of 4 KiB encrypted into a new tree by ONE `enctools encrypt -r` process (the same
#     engine path as Protect-File: StoreFileOperations + FileProtector), minus the cost of a one-file run (process
#     start, JIT, store load), giving the engine's files/s.
#  2. Header-only rewrap of a 1 GiB and a 1 MiB file (`enctools rewrap --add-key`), against `enctools info` on the
#     same file as the process-start baseline (both load the store and read the header).
# Usage: bash bench/files.sh [N=10000] [DIR=a new temp dir]   (needs `bash build.sh --no-demo` first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10000}
work=${2:-$(mktemp -d)}
trap 'rm -rf "$work"' EXIT
cli() { dotnet out/enctools/enctools.dll "$@"; }
now() { date +%s.%N; }
store="$work/store"

echo "machine: $(nproc) cores; $(uptime)"
cli key create --alias alias/bench --store "$store" > /dev/null
cli key create --alias alias/extra --store "$store" > /dev/null

mkdir -p "$work/src/one"
python3 - "$work/src" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f: f.write(os.urandom(4096))
with open(os.path.join(root, "one", "single.bin"), "wb") as f: f.write(os.urandom(4096))
PY
mv "$work/src/one" "$work/one"

for run in 1 2 3; do
  rm -rf "$work/out" "$work/out1"
  t0=$(now); cli encrypt "$work/one" -r -o "$work/out1/" --key alias/bench --store "$store" > /dev/null; t1=$(now)
  cli encrypt "$work/src" -r -o "$work/out/" --key alias/bench --store "$store" > /dev/null; t2=$(now)
  python3 - "$n" "$t0" "$t1" "$t2" "$run" <<'PY'
import sys
n, t0, t1, t2, run = int(sys.argv[1]), *map(float, sys.argv[2:5]), sys.argv[5]
one, tree = t1 - t0, t2 - t1
print(f"small files run {run}: {n} x 4 KiB in {tree:.2f} s wall ({n/tree:,.0f} files/s incl. process start); "
      f"one-file run {one:.2f} s; engine {n/(tree-one):,.0f} files/s")
PY
done
test "$(find "$work/out" -name '*.enc' | wc -l)" -eq "$n"

for size in 1M 1G; do
  f="$work/rewrap-$size.bin"
  head -c "$size" /dev/urandom > "$f"
  cli encrypt "$f" --key alias/bench --store "$store" > /dev/null
  rm -f "$f"
  for run in 1 2 3 4 5; do
    t0=$(now); cli info "$f.enc" --store "$store" > /dev/null; t1=$(now)
    cli rewrap "$f.enc" --add-key alias/extra --store "$store" > /dev/null; t2=$(now)
    cli rewrap "$f.enc" --remove-key alias/extra --store "$store" > /dev/null; t3=$(now)
    python3 - "$size" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
size, t0, t1, t2, t3 = sys.argv[1], *map(float, sys.argv[2:6])
base, add, rem = (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000
print(f"rewrap {size}: info (baseline) {base:.0f} ms; add-key {add:.0f} ms (+{add-base:.0f}); remove-key {rem:.0f} ms (+{rem-base:.0f})")
PY
  done
  rm -f "$f.enc"
done
echo "after: $(uptime)"
