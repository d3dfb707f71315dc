"""The Ray Data pipeline in Ray's local mode, over real clips."""

import json
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

import microact  # noqa: E402
from microact import ray_pipeline  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_a_manifest_on_ray_gives_what_the_cli_gives_and_resumes(local_ray, tmp_path, clips):
    manifest = tmp_path / "clips.txt"
    manifest.write_text("\n".join(clips) + "\n")
    out = tmp_path / "ray"
    report = ray_pipeline.prelabel(ray_pipeline.read_manifest(manifest), out, workers=2)
    assert [e["outcome"] for e in report["videos"]] == ["done"] * 4 + ["failed"] * 2
    assert json.loads((out / "report.json").read_text())["videos"] == report["videos"]
    # The same projects as the batch of the library (and so of `microact analyse`).
    bare = tmp_path / "bare"
    microact.analyse_all(clips[:1], bare)
    name = Path(clips[0]).stem + ".microact.json"
    assert (out / name).read_text() == (bare / name).read_text()
    # A run killed halfway: a finished output lost, the rest kept; only it is done again.
    (out / name).unlink()
    again = ray_pipeline.prelabel(clips, out, workers=2)
    assert [e["outcome"] for e in again["videos"]] == ["done"] + ["skipped"] * 3 + ["failed"] * 2
