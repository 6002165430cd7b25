#!/usr/bin/env python3
"""Medians, ratios and targets from one bench/run.sh result directory: prints a table, writes summary.json."""
import csv
import json
import statistics
import sys
from collections import defaultdict

out_dir, size_mib, small_mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = size_mib * 1048576
MIB = 1024  # /usr/bin/time reports KiB

runs = defaultdict(list)
with open(f"{out_dir}/raw.tsv") as f:
    for row in csv.DictReader(f, delimiter="\t"):
        runs[(row["section"], row["label"])].append(row)
speed = defaultdict(list)
with open(f"{out_dir}/loop.tsv") as f:
    for line in f:
        _, label, _, value = line.rstrip("\n").split("\t")
        speed[label].append(float(value))


def col(rows, name):
    return [float(r[name]) for r in rows]


def stats(section, label, nbytes=size):
    rows = runs[(section, label)]
    walls = col(rows, "wall_s")
    wall = statistics.median(walls)
    return {
        "runs": len(rows),
        "median_wall_s": round(wall, 4),
        "min_wall_s": round(min(walls), 4),
        "max_wall_s": round(max(walls), 4),
        "gbps": round(nbytes / 1e9 / wall, 3),
        "median_rss_mib": round(statistics.median(col(rows, "rss_kib")) / MIB, 1),
        "max_rss_mib": round(max(col(rows, "rss_kib")) / MIB, 1),
        "median_user_s": round(statistics.median(col(rows, "user_s")), 3),
        "median_sys_s": round(statistics.median(col(rows, "sys_s")), 3),
        "median_steal_pct": round(statistics.median(col(rows, "steal_pct")), 1),
    }


main_tools = ["dd", "ours-enc", "ours-dec", "cli-enc", "cli-dec", "age-enc", "age-dec", "openssl-enc", "openssl-dec",
              "gpg-enc", "gpg-dec", "js-enc", "js-dec"]
main = {t: stats("main", t) for t in main_tools}
frames = sorted({int(l.split("-")[1]) for (s, l) in runs if s == "frame"})
frame = {f"{op}-{f}": stats("frame", f"{op}-{f}") for f in frames for op in ("enc", "dec")}
rss = {l: stats("rss", l, (small_mib if l.endswith("small") else size_mib) * 1048576)
       for l in ("enc-small", "dec-small", "enc-large", "dec-large")}
loop = {k: round(statistics.median(v) / 1e9, 3) for k, v in speed.items()}

def paired(a, b):
    """Median over rounds of wall(b) / wall(a) within the same round: throughput of a relative to b, robust to load drift."""
    wa = {r["round"]: float(r["wall_s"]) for r in runs[("main", a)]}
    wb = {r["round"]: float(r["wall_s"]) for r in runs[("main", b)]}
    return round(statistics.median(wb[k] / wa[k] for k in wa if k in wb), 3)


targets = []


def target(name, measured, goal, unit="x", note="", same_round=None):
    met = measured <= goal if unit == "MiB<=" else measured >= goal
    targets.append({"target": name, "measured": round(measured, 3), "goal": goal, "unit": unit, "met": met, "note": note,
                    "median_same_round_ratio": same_round})


g = lambda t: main[t]["gbps"]
# The engine (raw key), then the shipped command line (store, policy check and audit record included): the same goals.
for tool, name in (("ours", ""), ("cli", "enctools ")):
    for op, other, goal in (("enc", "dd", 0.8), ("dec", "dd", 0.8), ("enc", "age-enc", 2), ("dec", "age-dec", 4),
                            ("enc", "js-enc", 8), ("dec", "js-dec", 8)):
        label = f"{tool}-{op}"
        what = {"dd": "dd new-file write", "age-enc": "age", "age-dec": "age", "js-enc": "JS SDK", "js-dec": "JS SDK"}[other]
        target(f"{name}{'encrypt' if op == 'enc' else 'decrypt'} >= {goal} x {what}", g(label) / g(other), goal,
               same_round=paired(label, other))
cpu = loop["loop-gbps_cpu_per_core"]
target("crypto loop >= 0.9 x openssl speed (16384-byte blocks), per CPU-second", cpu / loop["openssl-16384"], 0.9,
       note="openssl speed divides by user CPU time; ours by the whole process's user+system time")
target("crypto loop >= 0.9 x openssl speed -bytes 65536 (the frame size), per CPU-second", cpu / loop["openssl-65536"], 0.9,
       note="stricter: same block size as our 64 KiB frames")
ours_rss = [r for (s, l), rows in runs.items() for r in rows if (s == "main" and l.startswith(("ours", "cli"))) or s == "rss"]
target("peak RSS <= 64 MiB (default frame, every run)", max(float(r["rss_kib"]) for r in ours_rss) / MIB, 64, "MiB<=")
target(f"encrypt peak RSS, {size_mib} MiB vs {small_mib} MiB input, within 8 MiB",
       abs(rss["enc-large"]["max_rss_mib"] - rss["enc-small"]["max_rss_mib"]), 8, "MiB<=")
target(f"decrypt peak RSS, {size_mib} MiB vs {small_mib} MiB input, within 8 MiB",
       abs(rss["dec-large"]["max_rss_mib"] - rss["dec-small"]["max_rss_mib"]), 8, "MiB<=")

all_rows = [r for rows in runs.values() for r in rows]
load = {
    "load1_min": min(min(col(all_rows, "load1_before")), min(col(all_rows, "load1_after"))),
    "load1_max": max(max(col(all_rows, "load1_before")), max(col(all_rows, "load1_after"))),
    "load1_median_before": statistics.median(col(all_rows, "load1_before")),
    "steal_pct_median": statistics.median(col(all_rows, "steal_pct")),
    "steal_pct_max": max(col(all_rows, "steal_pct")),
}
machine = dict(line.rstrip("\n").split("=", 1) for line in open(f"{out_dir}/machine.txt") if "=" in line)
summary = {"size_mib": size_mib, "rss_small_mib": small_mib, "machine": machine, "load": load, "main": main,
           "frame_study": frame, "rss_check": rss, "crypto_loop_gbps": loop, "targets": targets}
with open(f"{out_dir}/summary.json", "w") as f:
    json.dump(summary, f, indent=2)


def table(title, data):
    print(f"\n{title}")
    print(f"  {'run':<14}{'n':>3}{'median s':>10}{'GB/s':>8}{'min s':>8}{'max s':>8}{'RSS MiB':>9}{'user s':>8}{'sys s':>8}")
    for k, s in data.items():
        print(f"  {k:<14}{s['runs']:>3}{s['median_wall_s']:>10.3f}{s['gbps']:>8.3f}{s['min_wall_s']:>8.3f}"
              f"{s['max_wall_s']:>8.3f}{s['max_rss_mib']:>9.1f}{s['median_user_s']:>8.2f}{s['median_sys_s']:>8.2f}")


print(f"EncryptionTools bench: {size_mib} MiB input on {machine.get('workdir_fs')}, {machine.get('nproc')} CPUs "
      f"({machine.get('cpu')}), kernel {machine.get('kernel')}")
print(f"load (1-min average) {load['load1_min']:.2f}-{load['load1_max']:.2f} across runs, "
      f"median {load['load1_median_before']:.2f}; CPU time stolen by the hypervisor: median {load['steal_pct_median']:.1f}%, "
      f"max {load['steal_pct_max']:.1f}%")
table("Main comparison (GB/s = plaintext bytes / 1e9 / median wall time; RSS = peak over runs)", main)
table("Frame-length study (our encrypt/decrypt)", frame)
table(f"RSS check ({small_mib} MiB = small, {size_mib} MiB = large)", rss)
print("\nCrypto loop, GB/s per core (medians):")
for k, v in loop.items():
    print(f"  {k:<28}{v:>8.3f}")
print("\nTargets (ratio of medians; in brackets the median of the same-round ratios):")
for t in targets:
    unit = "MiB" if t["unit"] == "MiB<=" else "x"
    goal = f"<= {t['goal']} MiB" if t["unit"] == "MiB<=" else f">= {t['goal']}x"
    extra = f" [same round: {t['median_same_round_ratio']:.3f}]" if t["median_same_round_ratio"] is not None else ""
    print(f"  [{'met' if t['met'] else 'NOT met':>7}] {t['target']}: {t['measured']:.3f}{'' if unit == 'x' else ' MiB'}{extra} (goal {goal})")
