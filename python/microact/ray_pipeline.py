"""Pre-label a manifest of videos on Ray: a Ray Data pipeline of microact Analysers.

Each Ray worker holds one :class:`microact.Analyser` (models loaded once, one CPU) and analyses
the clips it is given into the output folder, exactly as ``microact analyse`` does: each
project written whole or not at all, clips an earlier run finished from the same bytes and
models skipped. The driver keeps ``report.json`` as results stream in, so a killed run resumes
where it stopped. Ray schedules; there is no scheduler of ours.

    python -m microact.ray_pipeline clips.txt --out out/ --people everyone [--address auto]

Every path (clips, output folder) must be readable and writable by every worker: on one
machine any path; on a cluster a shared volume (NFS, or object storage mounted with
Mountpoint for S3 / gcsfuse / s3fs on every node).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import microact


def read_manifest(path: "os.PathLike[str] | str") -> List[str]:
    """A manifest's clips: a JSON list, or a text file of one path a line (``#`` comments);
    relative paths are taken from the manifest's folder."""
    path = Path(path)
    text = path.read_text()
    if path.suffix.lower() == ".json":
        names = json.loads(text)
    else:
        names = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    return [os.fspath(path.parent / name) for name in names]


class _Analyse:
    """A Ray Data callable class: one Analyser per worker, a batch of clips at a time."""

    def __init__(self, out_dir: str, formats: Sequence[str], **options) -> None:
        self.out_dir = out_dir
        self.formats = list(formats)
        self.analyser = microact.Analyser(**options)

    def __call__(self, batch: Dict[str, list]) -> Dict[str, list]:
        entries = [
            json.dumps(self.analyser.analyse_into(video, self.out_dir, self.formats))
            for video in batch["video"]
        ]
        return {"video": list(batch["video"]), "entry": entries}


def prelabel(
    videos: Sequence[str],
    out_dir: "os.PathLike[str] | str",
    people: str = "one",
    recognizer: Optional[str] = None,
    model: Optional[str] = None,
    models: Optional[str] = None,
    formats: Sequence[str] = (),
    workers: Optional[int] = None,
) -> dict:
    """Analyses ``videos`` into ``out_dir`` on ``workers`` Ray workers (default: as many as the
    cluster has CPUs); returns the report, also written to ``out_dir/report.json``. Call
    ``ray.init`` first to choose the cluster (else Ray starts a local one)."""
    import ray

    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    # Until a clip is finished again, the report keeps what an earlier run said of it.
    earlier = {e["input"]: e for e in microact.read_report(out_dir)["videos"]}
    entries: Dict[str, dict] = {v: earlier[v] for v in videos if v in earlier}
    options = dict(people=people, recognizer=recognizer, model=model, models=models)
    dataset = ray.data.from_items([{"video": v} for v in videos]).map_batches(
        _Analyse,
        fn_constructor_kwargs=dict(out_dir=out_dir, formats=list(formats), **options),
        batch_size=1,
        concurrency=workers,
        num_cpus=1,
    )
    for row in dataset.iter_rows():
        entries[row["video"]] = json.loads(row["entry"])
        microact.write_report(out_dir, [entries[v] for v in videos if v in entries])
    report = {"videos": [entries[v] for v in videos if v in entries]}
    microact.write_report(out_dir, report["videos"])
    return report


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m microact.ray_pipeline",
        description="Pre-label a manifest of videos with microact on a Ray cluster.",
    )
    parser.add_argument("manifest", help="a .txt (one path a line) or .json list of clips")
    parser.add_argument("--out", required=True, help="the output folder (shared by workers)")
    parser.add_argument("--people", choices=["one", "everyone"], default="one")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--recognizer", help="a shipped recognizer (penn-ddnet, jhmdb-ddnet)")
    who.add_argument("--model", help="a model file taught in the page")
    parser.add_argument("--models", help="a models folder (default: the package's own)")
    parser.add_argument("--format", action="append", default=[], help="also write this export")
    parser.add_argument("--workers", type=int, help="Ray workers (default: the cluster's CPUs)")
    parser.add_argument("--address", help="the Ray cluster (default: start a local one)")
    args = parser.parse_args(argv)

    import ray

    ray.init(address=args.address, log_to_driver=False)
    report = prelabel(
        read_manifest(args.manifest),
        args.out,
        people=args.people,
        recognizer=args.recognizer,
        model=args.model,
        models=args.models,
        formats=args.format,
        workers=args.workers,
    )
    counts: Dict[str, int] = {}
    for entry in report["videos"]:
        counts[entry["outcome"]] = counts.get(entry["outcome"], 0) + 1
    print(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
    return 1 if counts.get("failed") else 0


if __name__ == "__main__":
    raise SystemExit(main())
