#!/usr/bin/env python3
"""Batch pre-labelling on this machine: the `microact` CLI and the Ray pipeline on the same
clips (issue 25's bars). Run with the Python of tests/python/run.sh's venv (the wheel and Ray
installed) after `cargo build --profile bench -p microact-cli`:

    ~/.cache/microact/py-venv/bin/python scripts/bench-batch.py [--clips 50]

It makes a manifest of real fixture clips under other names plus one corrupt and one missing
file, then measures: frames/s per core (one person; everyone) with decoding, clip-hours per
CPU-hour, `--jobs 1` → `--jobs 2`, a run killed halfway and rerun, resident memory after each
clip, and Ray (local) with 1 and 2 workers against the bare CLI. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = ["walk-2s.mp4", "walk-2s.webm", "two-people-2s.webm"]


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def make_clips(folder: Path, count: int) -> list:
    """`count` - 2 real clips under other names, then a corrupt and a missing one."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = []
    for i in range(count - 2):
        source = FIXTURES / SOURCES[i % len(SOURCES)]
        target = folder / f"clip{i:02d}{source.suffix}"
        shutil.copyfile(source, target)
        clips.append(str(target))
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 16)
    clips.append(str(corrupt))
    clips.append(str(folder / "missing.mp4"))
    return clips


def self_rss(pid: int) -> int:
    """A process's resident memory, KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_cli(binary: Path, manifest: Path, out: Path, jobs: int, people: str = "one",
            kill_after: int | None = None) -> dict:
    """One CLI run: wall seconds, the report, the CLI's own memory after each finished clip."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "analyse", str(manifest), "--out", str(out), "--jobs", str(jobs),
         "--people", people],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    memory = []
    seen = -1
    while proc.poll() is None:
        done = len(list(out.glob("*.microact.json"))) if out.exists() else 0
        if done != seen:
            memory.append((done, self_rss(proc.pid)))
            seen = done
        if kill_after is not None and done >= kill_after:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {"videos": []}
    return {"wall": wall, "report": report, "memory": memory, "killed": kill_after is not None}


def outcomes(report: dict) -> dict:
    counts: dict = {}
    for e in report["videos"]:
        counts[e["outcome"]] = counts.get(e["outcome"], 0) + 1
    return counts


def per_core(report: dict) -> tuple:
    """(frames/s, clip-hours per CPU-hour) over the clips analysed in this run."""
    done = [e for e in report["videos"] if e["outcome"] == "done"]
    frames = sum(e["frames"] for e in done)
    busy = sum(e["seconds"] for e in done)
    clip = sum(e["clip_seconds"] for e in done)
    return frames / busy if busy else 0.0, clip / busy if busy else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=50)
    parser.add_argument("--bin", type=Path, default=target_dir() / "release" / "microact")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="microact-bench-"))
    clips = make_clips(work / "clips", args.clips)
    manifest = work / "clips.txt"
    manifest.write_text("\n".join(clips) + "\n")
    rows = []

    one = run_cli(args.bin, manifest, work / "jobs1", 1)
    two = run_cli(args.bin, manifest, work / "jobs2", 2)
    fps, clip_hours = per_core(one["report"])
    rows.append(("CLI, one person, --jobs 1", f"{one['wall']:.1f} s", f"{fps:.1f} frames/s per core (decode included)", f"{clip_hours:.1f} clip-hours per CPU-hour", json.dumps(outcomes(one["report"]))))
    rows.append(("CLI, one person, --jobs 2", f"{two['wall']:.1f} s", f"×{one['wall'] / two['wall']:.2f} against --jobs 1", "", json.dumps(outcomes(two["report"]))))
    mem = one["memory"]
    after_first = next((kib for done, kib in mem if done >= 1), 0)
    last = mem[-1][1] if mem else 0
    peak = max((kib for _, kib in mem), default=0)
    rows.append(("CLI memory (--jobs 1)", f"{after_first / 1024:.0f} MiB after clip 1", f"{last / 1024:.0f} MiB after clip {mem[-1][0] if mem else 0}", f"peak {peak / 1024:.0f} MiB", ""))

    everyone_clips = [c for i, c in enumerate(clips[:-2]) if SOURCES[i % len(SOURCES)].startswith("two-people")][:8]
    everyone_manifest = work / "everyone.txt"
    everyone_manifest.write_text("\n".join(everyone_clips) + "\n")
    every = run_cli(args.bin, everyone_manifest, work / "everyone", 1, people="everyone")
    fps_every, hours_every = per_core(every["report"])
    rows.append(("CLI, everyone (MultiPose + tracker), --jobs 1", f"{every['wall']:.1f} s", f"{fps_every:.1f} frames/s per core", f"{hours_every:.1f} clip-hours per CPU-hour", json.dumps(outcomes(every["report"]))))

    # Killed halfway (SIGKILL once half the outputs exist), then the same command again.
    half = (args.clips - 2) // 2
    killed = run_cli(args.bin, manifest, work / "resume", 2, kill_after=half)
    kept = {p.name: p.stat().st_mtime_ns for p in (work / "resume").glob("*.microact.json")}
    rerun = run_cli(args.bin, manifest, work / "resume", 2)
    redone = [n for n, t in kept.items() if (work / "resume" / n).stat().st_mtime_ns != t]
    rows.append(("CLI killed after half, rerun", f"{len(kept)} outputs at the kill", json.dumps(outcomes(rerun["report"])), f"{len(redone)} finished outputs rewritten", ""))

    if not args.no_ray:
        import ray
        from microact import ray_pipeline

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        times = {}
        for workers in (1, 2):
            started = time.perf_counter()
            report = ray_pipeline.prelabel(clips, work / f"ray{workers}", workers=workers)
            times[workers] = time.perf_counter() - started
            rows.append((f"Ray (local), {workers} worker(s)", f"{times[workers]:.1f} s", f"{times[workers] / (one['wall'] if workers == 1 else two['wall']) - 1:+.1%} against the CLI with --jobs {workers}", "", json.dumps(outcomes(report))))
        rows.append(("Ray, 1 → 2 workers", f"×{times[1] / times[2]:.2f}", "", "", ""))
        ray.shutdown()

    print(f"{args.clips} clips ({args.clips - 2} real: {', '.join(SOURCES)} in turn; a corrupt and a missing file); {os.cpu_count()} cores")
    print("| run | time | | | outcomes |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
