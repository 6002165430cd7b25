#!/usr/bin/env bash
# The enctools CLI with AWS KMS support compiled in (results: docs/performance-kms.md).
#  1. Startup: `enctools --version` and a local-key `encrypt` of a 4 KiB file, binary A (e.g. without the AWS SDK)
#     against binary B (with it), in alternating rounds of hyperfine (the machine is shared: wall time AND user CPU).
#  2. With AWS_ENDPOINT_URL_KMS set (a KMS-API endpoint: tests/kms/kms_server.py on loopback, never real AWS): KMS
#     encrypt and decrypt of one 4 KiB file and of one 64 MiB file by binary B, to give per-call latency and throughput.
# Usage: bash bench/cli-kms.sh A_BINARY B_BINARY [ROUNDS=3]     (needs hyperfine: apt-get install -y hyperfine)
set -euo pipefail
a=$(realpath "$1") b=$(realpath "$2") rounds=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores; $(uptime)"
ls -l "$a" "$b" | awk '{print $5, $9}'
"$b" key create --alias alias/bench --store "$work/store" > /dev/null
head -c 4096 /dev/urandom > "$work/small.bin"
for round in $(seq "$rounds"); do
  echo "== round $round ($(uptime | sed 's/.*load/load/'))"
  hyperfine -N -w 3 -r 30 --export-json "$work/version$round.json" -n "A --version" "$a --version" -n "B --version" "$b --version" | grep -E 'Time|User|±|B --version|A --version' || true
  hyperfine -N -w 3 -r 20 --export-json "$work/encrypt$round.json" \
    -n "A encrypt" "$a encrypt $work/small.bin -o $work/a.enc --force --key alias/bench --store $work/store" \
    -n "B encrypt" "$b encrypt $work/small.bin -o $work/b.enc --force --key alias/bench --store $work/store" | grep -E 'Time|User|encrypt' || true
  python3 - "$work" "$round" <<'PY'
import json, sys, statistics as st
w, r = sys.argv[1], sys.argv[2]
for kind in ("version", "encrypt"):
    for res in json.load(open(f"{w}/{kind}{r}.json"))["results"]:
        print(f"RESULT round={r} {res['command']}: median {st.median(res['times'])*1000:.1f} ms, min {min(res['times'])*1000:.1f} ms, "
              f"mean user {res['user']*1000:.1f} ms, mean sys {res['system']*1000:.1f} ms")
PY
done

if [ -n "${AWS_ENDPOINT_URL_KMS:-}" ]; then
  case "$AWS_ENDPOINT_URL_KMS" in http://127.*|http://localhost*) ;; *) echo "bench/cli-kms.sh: AWS_ENDPOINT_URL_KMS is not loopback; refusing" >&2; exit 2;; esac
  arn=$(python3 - <<'PY'
import json, os, urllib.request
req = urllib.request.Request(os.environ["AWS_ENDPOINT_URL_KMS"], data=b'{"Description":"bench"}', headers={
    "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.CreateKey",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=x"})
print(json.load(urllib.request.urlopen(req))["KeyMetadata"]["Arn"])
PY
)
  head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/big.bin"
  "$b" encrypt "$work/small.bin" -o "$work/k.enc" --key "$arn" > /dev/null
  "$b" encrypt "$work/big.bin" -o "$work/kbig.enc" --key "$arn" > /dev/null
  echo "== KMS (loopback moto, NOT AWS): key $arn"
  hyperfine -N -w 2 -r 15 --export-json "$work/kms.json" \
    -n "local-key encrypt 4 KiB" "$b encrypt $work/small.bin -o $work/l.enc --force --key alias/bench --store $work/store" \
    -n "KMS encrypt 4 KiB" "$b encrypt $work/small.bin -o $work/k.enc --force --key $arn" \
    -n "KMS decrypt 4 KiB" "$b decrypt $work/k.enc -o $work/k.out --force --key $arn" \
    -n "KMS encrypt 64 MiB" "$b encrypt $work/big.bin -o $work/kbig.enc --force --key $arn" \
    -n "KMS decrypt 64 MiB" "$b decrypt $work/kbig.enc -o $work/kbig.out --force --key $arn" | grep -E 'Time|User|KiB|MiB' || true
  python3 - "$work" <<'PY'
import json, sys, statistics as st
for res in json.load(open(f"{sys.argv[1]}/kms.json"))["results"]:
    m = st.median(res["times"])
    extra = f", {64 / m:.0f} MiB/s" if "MiB" in res["command"] else ""
    print(f"RESULT kms {res['command']}: median {m*1000:.1f} ms{extra}, mean user {res['user']*1000:.1f} ms, mean sys {res['system']*1000:.1f} ms")
PY
fi
