#!/usr/bin/env python3
"""Summarises microact-train reports: mean and spread of test top-1 per dataset and network over
splits and seeds, with noise, int8, unknown-detection and segment figures.

    python3 scripts/recognizer-table.py target/recognizers/*.report.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

rows = defaultdict(list)
for path in sys.argv[1:]:
    report, _epochs = json.load(open(path))
    dataset = re.sub(r"-split\d$", "", report["spec"]["dataset"])
    split = re.search(r"split(\d)$", report["spec"]["dataset"])
    seed = (report.get("train") or {}).get("seed")
    key = (dataset, report.get("network", "ddnet32"), report.get("unknown") is not None)
    rows[key].append((split.group(1) if split else "-", seed, report))

for (dataset, network, open_set), runs in sorted(rows.items()):
    print(f"## {dataset} · {network}{' · open set' if open_set else ''} ({runs[0][2]['parameters']} parameters)")
    print("| split | seed | top-1 % | mirror-averaged % | noise σ0.05/10 %, σ0.1/20 % | int8 % | train s |")
    print("|---|---|---|---|---|---|---|")
    for split, seed, r in sorted(runs, key=lambda x: (x[0], x[1] or 0)):
        noise = " / ".join(f"{100 * a:.1f}" for _, a in r["noise"])
        int8 = f"{100 * r['int8']['top1']:.2f}" if r.get("int8") else "–"
        secs = f"{r['train_seconds']:.0f}" if r.get("train_seconds") else "–"
        print(f"| {split} | {seed} | {100 * r['test']['top1']:.2f} | {100 * r['test_mirrored']['top1']:.2f} | {noise} | {int8} | {secs} |")
        if r.get("unknown"):
            u = r["unknown"]
            print(f"|  | unknown {','.join(u['held_out'])}: AUROC max-softmax {u['auroc_max_softmax']:.3f}, energy {u['auroc_energy']:.3f} ({u['known_clips']} known, {u['unknown_clips']} unknown clips) | | | | | |")
    print()
    seeds = defaultdict(list)
    for split, seed, r in runs:
        seeds[seed].append(r)
    means = {s: (statistics.mean(x["test"]["top1"] for x in rs), statistics.mean(x["test_mirrored"]["top1"] for x in rs), len(rs)) for s, rs in seeds.items()}
    for s, (plain, mirrored, n) in sorted(means.items(), key=lambda x: x[0] or 0):
        print(f"- seed {s}: mean over {n} split(s) {100 * plain:.2f} % ({100 * mirrored:.2f} % mirrored)")
    full = [m for m in means.values() if m[2] == 3]
    if len(full) > 1:
        plain = [m[0] for m in full]
        mirrored = [m[1] for m in full]
        print(f"- over {len(full)} seeds: {100 * statistics.mean(plain):.2f} ± {100 * statistics.stdev(plain):.2f} % "
              f"(mirrored {100 * statistics.mean(mirrored):.2f} ± {100 * statistics.stdev(mirrored):.2f} %), "
              f"range {100 * min(plain):.2f}–{100 * max(plain):.2f}")
    print()
