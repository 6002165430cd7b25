#!/usr/bin/env bash
# File-level benchmarks (results: docs/performance-files.md).
#  1. Many small files: N files of 4 KiB encrypted into a new tree by ONE `enctools encrypt -r` process (the same
#     engine path as Protect-File: FileOperations + FileProtector), minus the cost of a one-file run (process
#     start, store load), giving the engine's files/s.
#  2. Header-only rewrap of a 1 GiB and a 1 MiB file (`enctools rewrap --add-key`), against `enctools info` on the
#     same file as the process-start baseline (both load the store and read the header).
# ENCTOOLS_TIMING=1 makes enctools print the in-process work time, which the figures below report beside wall time.
# Usage: bash bench/files.sh [N=10000] [TMPDIR for the tree, e.g. /dev/shm]   (needs `bash build.sh --no-demo` first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10000}
work=$(mktemp -d -p "${2:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$work"' EXIT
cli() { out/enctools/enctools "$@"; }   # the Native AOT executable that build.sh ships
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
  # A new tree every run (deleting the last one first would charge ext4's inode reuse to this run), and everything the
  # harness wrote made durable first, so the run's syncs flush only its own files.
  out="$work/out$run" one="$work/one$run"
  sync
  t0=$(now); cli encrypt "$work/one" -r -o "$one/" --key alias/bench --store "$store" > /dev/null; t1=$(now)
  sync
  t1b=$(now)
  inproc=$(ENCTOOLS_TIMING=1 cli encrypt "$work/src" -r -o "$out/" --key alias/bench --store "$store" 2>&1 >/dev/null | sed -n 's/^enctools: timing: encrypt \([0-9.]*\) ms$/\1/p'); t2=$(now)
  python3 - "$n" "$t0" "$t1" "$t1b" "$t2" "$run" "$inproc" <<'PY'
import sys
n, t0, t1, t1b, t2, run, inproc = int(sys.argv[1]), *map(float, sys.argv[2:6]), sys.argv[6], float(sys.argv[7]) / 1000
one, tree = t1 - t0, t2 - t1b
print(f"small files run {run}: {n} x 4 KiB in {tree:.2f} s wall ({n/tree:,.0f} files/s incl. process start); "
      f"in-process work {inproc:.2f} s ({n/inproc:,.0f} files/s); one-file run {one:.2f} s")
PY
  test "$(find "$out" -name '*.enc' | wc -l)" -eq "$n"
done

for size in 1M 1G; do
  f="$work/rewrap-$size.bin"
  head -c "$size" /dev/urandom > "$f"
  cli encrypt "$f" --key alias/bench --store "$store" > /dev/null
  rm -f "$f"
  sync
  for run in 1 2 3 4 5; do
    t0=$(now); cli info "$f.enc" --store "$store" > /dev/null; t1=$(now)
    a=$(ENCTOOLS_TIMING=1 cli rewrap "$f.enc" --add-key alias/extra --store "$store" 2>&1 >/dev/null | sed -n 's/^enctools: timing: rewrap \([0-9.]*\) ms$/\1/p'); t2=$(now)
    b=$(ENCTOOLS_TIMING=1 cli rewrap "$f.enc" --remove-key alias/extra --store "$store" 2>&1 >/dev/null | sed -n 's/^enctools: timing: rewrap \([0-9.]*\) ms$/\1/p'); t3=$(now)
    python3 - "$size" "$t0" "$t1" "$t2" "$t3" "$a" "$b" <<'PY'
import sys
size, t0, t1, t2, t3, a, b = sys.argv[1], *map(float, sys.argv[2:8])
base, add, rem = (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000
print(f"rewrap {size}: in-process work add-key {a:.2f} ms, remove-key {b:.2f} ms (header work after the store is open: read, unwrap, journal, fsyncs); "
      f"wall: info baseline {base:.0f} ms, add-key {add:.0f} ms, remove-key {rem:.0f} ms")
PY
  done
  rm -f "$f.enc"
done
echo "after: $(uptime)"
