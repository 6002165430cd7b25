#!/usr/bin/env bash
# Whole-process benchmark: the EncryptionTools engine (bench/EncryptionTools.Bench, raw key) and the shipped `enctools`
# command line (key store, audit log and all) against age, openssl enc, gpg, the AWS Encryption SDK for JavaScript and,
# as the ceiling, dd writing a new file of the same size. Method and results: docs/performance.md.
#
#   bash bench/run.sh                    1 GiB input, 5 interleaved rounds (the published numbers; about 6 minutes)
#   BENCH_QUICK=1 bash bench/run.sh      = BENCH_SIZE_MIB=64 BENCH_ROUNDS=2: checks the harness in under a minute
#
# Environment (defaults in brackets):
#   BENCH_SIZE_MIB [1024]        size of the random input
#   BENCH_ROUNDS [5]             rounds of every section; each round runs every tool once, in a rotating order
#   BENCH_RSS_SMALL_MIB [100]    the smaller input of the RSS check (the larger is the main input)
#   BENCH_SPEED_SECONDS [3]      seconds per block size for `openssl speed`; BENCH_LOOP_SECONDS [3] for our loop
#   BENCH_DIR [/dev/shm/encryptiontools-bench]   work directory; it must be on tmpfs for the published numbers
#   BENCH_KEEP [0]               1 keeps the work directory (inputs, keys) for the next run
# Results: bench/results/<UTC time>/ (raw.tsv, summary.json, summary.txt, ...) and bench/results/latest.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  : "${BENCH_SIZE_MIB:=64}" "${BENCH_ROUNDS:=2}"
fi
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-5}
SMALL_DEFAULT=100
((SIZE_MIB > 100)) || SMALL_DEFAULT=$((SIZE_MIB / 4 > 0 ? SIZE_MIB / 4 : 1))
RSS_SMALL_MIB=${BENCH_RSS_SMALL_MIB:-$SMALL_DEFAULT}
SHORT_DEFAULT=3
((SIZE_MIB >= 1024)) || SHORT_DEFAULT=1
SPEED_SECONDS=${BENCH_SPEED_SECONDS:-$SHORT_DEFAULT}
LOOP_SECONDS=${BENCH_LOOP_SECONDS:-$SHORT_DEFAULT}
W=${BENCH_DIR:-/dev/shm/encryptiontools-bench}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
RAW="$OUT/raw.tsv"
BENCH="$ROOT/bench/EncryptionTools.Bench/bin/Release/net10.0/EncryptionTools.Bench"
CLI="$ROOT/out/enctools/enctools" # what build.sh ships
ESDK="$ROOT/tests/interop/esdk.mjs"
FRAMES=(4096 65536 1048576)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- install what is missing (idempotent) -------------------------------------------------------------------------
install_deps() {
  local pkgs=() sudo=()
  ((EUID == 0)) || sudo=(sudo)
  command -v age >/dev/null || pkgs+=(age)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v gpg >/dev/null || pkgs+=(gnupg)
  command -v openssl >/dev/null || pkgs+=(openssl)
  command -v python3 >/dev/null || pkgs+=(python3)
  command -v cmp >/dev/null || pkgs+=(diffutils)
  if ((${#pkgs[@]})); then
    log "installing ${pkgs[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
  command -v node >/dev/null || { echo "node (20 or later) is needed for the JS SDK runs" >&2; exit 1; }
  if [[ ! -d "$ROOT/tests/interop/node_modules/@aws-crypto/client-node" ]]; then
    log "npm ci --prefix tests/interop"
    npm ci --prefix "$ROOT/tests/interop" --no-audit --no-fund >/dev/null
  fi
}

build() {
  log "building bench/EncryptionTools.Bench (Release)"
  dotnet build -c Release -nologo -v q "$ROOT/bench/EncryptionTools.Bench/EncryptionTools.Bench.csproj" >"$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log" >&2; exit 1; }
  if [[ ! -x "$CLI" ]]; then
    log "building out/enctools (bash build.sh --no-demo)"
    bash "$ROOT/build.sh" --no-demo >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
  fi
}

# ---- inputs and keys ----------------------------------------------------------------------------------------------
make_input() { # PATH MIB
  if [[ ! -f "$1" || $(stat -c %s "$1") -ne $(($2 * 1048576)) ]]; then
    log "writing $2 MiB of random data to $1"
    head -c $(($2 * 1048576)) /dev/urandom >"$1.tmp"
    mv "$1.tmp" "$1"
  fi
}

make_keys() {
  [[ -f "$W/key" ]] || "$BENCH" keygen --out "$W/key"
  [[ -d "$W/store" ]] || "$CLI" key create --alias alias/bench --store "$W/store" >/dev/null
  [[ -f "$W/age.key" ]] || age-keygen -o "$W/age.key" 2>/dev/null
  AGE_RECIPIENT=$(age-keygen -y "$W/age.key")
  [[ -f "$W/pass" ]] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/pass"; }
  local hex
  hex=$(od -An -tx1 "$W/key" | tr -d ' \n')
  printf '[{"type":"aes","namespace":"bench","name":"bench-key","keyHex":"%s"}]\n' "$hex" >"$W/keyrings.json"
  mkdir -p "$W/gnupg"
  chmod 700 "$W/gnupg"
}

GPG=(gpg --homedir "$W/gnupg" --batch --yes --quiet --no-symkey-cache --pinentry-mode loopback --passphrase-file "$W/pass")

# ---- measurement --------------------------------------------------------------------------------------------------
cpu_ticks() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t, $9}' /proc/stat; }

# measure SECTION LABEL ROUND COMMAND...: wall time (bash clock), peak RSS, user and system time (/usr/bin/time),
# the 1-minute load average before and after, and the share of CPU time stolen by the hypervisor meanwhile.
measure() {
  local section=$1 label=$2 round=$3
  shift 3
  local load0 load1 t0 t1 total0 steal0 total1 steal1 rc=0
  load0=$(cut -d' ' -f1 /proc/loadavg)
  read -r total0 steal0 < <(cpu_ticks)
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%e %M %U %S' -o "$W/time.out" "$@" >/dev/null 2>"$W/stderr.out" || rc=$?
  t1=$EPOCHREALTIME
  read -r total1 steal1 < <(cpu_ticks)
  load1=$(cut -d' ' -f1 /proc/loadavg)
  if ((rc != 0)); then
    echo "FAILED ($rc): $section $label: $*" >&2
    cat "$W/stderr.out" >&2
    exit 1
  fi
  local _e rss user sys
  read -r _e rss user sys < <(tail -n 1 "$W/time.out")
  awk -v s="$section" -v l="$label" -v r="$round" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v u="$user" -v y="$sys" \
    -v l0="$load0" -v l1="$load1" -v dt="$((total1 - total0))" -v ds="$((steal1 - steal0))" \
    'BEGIN { printf "%s\t%s\t%d\t%.4f\t%d\t%s\t%s\t%s\t%s\t%.1f\n", s, l, r, t1 - t0, rss, u, y, l0, l1, (dt > 0 ? 100 * ds / dt : 0) }' >>"$RAW"
}

IN="$W/input.bin"
SMALL="$W/input-small.bin"

# run_tool ROUND TOOL: one run of one tool in the main comparison. Every output is a new file, removed afterwards.
run_tool() {
  local r=$1 t=$2 o="$W/out"
  rm -f "$o"
  case $t in
    dd) measure main dd "$r" dd if="$IN" of="$o" bs=1M conv=fsync status=none ;;
    ours-enc) measure main "$t" "$r" "$BENCH" encrypt --key-file "$W/key" --in "$IN" --out "$o" ;;
    ours-dec) measure main "$t" "$r" "$BENCH" decrypt --key-file "$W/key" --in "$W/ct.ours" --out "$o" ;;
    cli-enc) measure main "$t" "$r" "$CLI" encrypt "$IN" -o "$o" --key alias/bench --store "$W/store" ;;
    cli-dec) measure main "$t" "$r" "$CLI" decrypt "$W/ct.cli" -o "$o" --store "$W/store" ;;
    age-enc) measure main "$t" "$r" age -r "$AGE_RECIPIENT" -o "$o" "$IN" ;;
    age-dec) measure main "$t" "$r" age -d -i "$W/age.key" -o "$o" "$W/ct.age" ;;
    openssl-enc) measure main "$t" "$r" openssl enc -aes-256-ctr -pbkdf2 -pass "file:$W/pass" -in "$IN" -out "$o" ;;
    openssl-dec) measure main "$t" "$r" openssl enc -d -aes-256-ctr -pbkdf2 -pass "file:$W/pass" -in "$W/ct.openssl" -out "$o" ;;
    gpg-enc) measure main "$t" "$r" "${GPG[@]}" --symmetric --cipher-algo AES256 --compress-algo none -o "$o" "$IN" ;;
    gpg-dec) measure main "$t" "$r" "${GPG[@]}" -o "$o" --decrypt "$W/ct.gpg" ;;
    js-enc) measure main "$t" "$r" node "$ESDK" encrypt --keyrings "$W/keyrings.json" --in "$IN" --out "$o" --frame 65536 --suite 0478 ;;
    js-dec) measure main "$t" "$r" node "$ESDK" decrypt --keyrings "$W/keyrings.json" --in "$W/ct.js" --out "$o" ;;
    *) echo "unknown tool $t" >&2; exit 1 ;;
  esac
  if [[ $r == 1 && $t == *-dec ]] && ! cmp -s "$IN" "$o"; then
    echo "round trip failed: $t output differs from the input" >&2
    exit 1
  fi
  rm -f "$o"
}

# Ciphertexts for the decryption runs, made once. Every decryption's output is compared with the input in round 1.
prepare_ciphertexts() {
  log "preparing ciphertexts"
  "$BENCH" encrypt --key-file "$W/key" --in "$IN" --out "$W/ct.ours"
  "$CLI" encrypt "$IN" -o "$W/ct.cli" --key alias/bench --store "$W/store" >/dev/null
  age -r "$AGE_RECIPIENT" -o "$W/ct.age" "$IN"
  openssl enc -aes-256-ctr -pbkdf2 -pass "file:$W/pass" -in "$IN" -out "$W/ct.openssl"
  "${GPG[@]}" --symmetric --cipher-algo AES256 --compress-algo none -o "$W/ct.gpg" "$IN"
  node "$ESDK" encrypt --keyrings "$W/keyrings.json" --in "$IN" --out "$W/ct.js" --frame 65536 --suite 0478
}

# Runs the labels in $1 (a function taking ROUND LABEL) for ROUNDS rounds, rotating the order by one each round.
rounds() {
  local fn=$1
  shift
  local labels=("$@") n=$# r i
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do
      "$fn" "$r" "${labels[$(((i + r - 1) % n))]}"
    done
  done
}

run_frame() { # ROUND enc-N | dec-N
  local r=$1 op=${2%%-*} f=${2#*-} o="$W/out"
  rm -f "$o"
  if [[ $op == enc ]]; then
    measure frame "$2" "$r" "$BENCH" encrypt --key-file "$W/key" --in "$IN" --out "$o" --frame "$f"
  else
    measure frame "$2" "$r" "$BENCH" decrypt --key-file "$W/key" --in "$W/ct.f$f" --out "$o"
  fi
  rm -f "$o"
}

run_rss() { # ROUND enc-small | dec-small | enc-large | dec-large
  local r=$1 op=${2%%-*} size=${2#*-} o="$W/out" in
  [[ $size == small ]] && in=$SMALL || in=$IN
  rm -f "$o"
  if [[ $op == enc ]]; then
    measure rss "$2" "$r" "$BENCH" encrypt --key-file "$W/key" --in "$in" --out "$o"
  else
    measure rss "$2" "$r" "$BENCH" decrypt --key-file "$W/key" --in "$in.ct" --out "$o"
  fi
  rm -f "$o"
}

speed_value() { # openssl speed output -> bytes per second
  awk '/^AES-256-GCM/ { v = $NF; sub(/k$/, "", v); print v * 1000 }'
}

# ---- main ---------------------------------------------------------------------------------------------------------
mkdir -p "$OUT" "$W"
printf 'section\tlabel\tround\twall_s\trss_kib\tuser_s\tsys_s\tload1_before\tload1_after\tsteal_pct\n' >"$RAW"
cleanup() {
  rm -f "$W/out" "$W"/ct.* "$W"/*.ct "$W/time.out" "$W/stderr.out"
  gpgconf --homedir "$W/gnupg" --kill gpg-agent >/dev/null 2>&1 || true
  [[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$W"
}
trap cleanup EXIT

install_deps
build
{
  echo "date_utc=$STAMP"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "kernel=$(uname -r)"
  echo "mem_total_kib=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"
  echo "workdir_fs=$(stat -f -c %T "$W")"
  echo "dotnet=$(dotnet --version)"
  echo "age=$(age --version)"
  echo "openssl=$(openssl version)"
  echo "gpg=$(gpg --version | head -n 1)"
  echo "node=$(node --version)"
  echo "uptime_start=$(uptime)"
} >"$OUT/machine.txt"

make_input "$IN" "$SIZE_MIB"
make_input "$SMALL" "$RSS_SMALL_MIB"
make_keys
prepare_ciphertexts

log "main comparison: $ROUNDS rounds over $SIZE_MIB MiB"
rounds run_tool dd ours-enc ours-dec cli-enc cli-dec age-enc age-dec openssl-enc openssl-dec gpg-enc gpg-dec js-enc js-dec
rm -f "$W/ct.age" "$W/ct.openssl" "$W/ct.gpg" "$W/ct.js" "$W/ct.ours" "$W/ct.cli"

log "frame-length study: ${FRAMES[*]}"
for f in "${FRAMES[@]}"; do "$BENCH" encrypt --key-file "$W/key" --in "$IN" --out "$W/ct.f$f" --frame "$f"; done
labels=()
for f in "${FRAMES[@]}"; do labels+=("enc-$f" "dec-$f"); done
rounds run_frame "${labels[@]}"
rm -f "$W"/ct.f*

log "RSS check: $RSS_SMALL_MIB MiB against $SIZE_MIB MiB"
"$BENCH" encrypt --key-file "$W/key" --in "$SMALL" --out "$SMALL.ct"
"$BENCH" encrypt --key-file "$W/key" --in "$IN" --out "$IN.ct"
rounds run_rss enc-small dec-small enc-large dec-large
rm -f "$SMALL.ct" "$IN.ct"

log "crypto loop: openssl speed -evp aes-256-gcm against bench loop --threads 1"
openssl speed -evp aes-256-gcm -seconds "$SPEED_SECONDS" >"$OUT/openssl-speed.txt" 2>/dev/null
for ((r = 1; r <= (ROUNDS < 3 ? ROUNDS : 3); r++)); do
  for b in 16384 65536; do
    v=$(openssl speed -evp aes-256-gcm -seconds "$SPEED_SECONDS" -bytes "$b" 2>/dev/null | speed_value)
    printf 'speed\topenssl-%s\t%d\t%s\n' "$b" "$r" "$v" >>"$OUT/loop.tsv"
  done
  line=$("$BENCH" loop --seconds "$LOOP_SECONDS" --threads 1 --frame 65536)
  echo "$line" >>"$OUT/loop.txt"
  for key in gbps_cpu_per_core gbps_wall_per_core; do
    v=$(tr ' ' '\n' <<<"$line" | awk -F= -v k="$key" '$1 == k { print $2 * 1e9 }')
    printf 'speed\tloop-%s\t%d\t%s\n' "$key" "$r" "$v" >>"$OUT/loop.tsv"
  done
done
echo "uptime_end=$(uptime)" >>"$OUT/machine.txt"

python3 "$ROOT/bench/summarize.py" "$OUT" "$SIZE_MIB" "$RSS_SMALL_MIB" | tee "$OUT/summary.txt"
ln -sfn "$STAMP" "$ROOT/bench/results/latest"
log "results in bench/results/$STAMP"
