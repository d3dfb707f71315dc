"""The wheel: the page's analysis from Python, on real clips."""

import json
import threading
import time
from pathlib import Path

import microact


def test_a_clip_becomes_the_project_the_page_opens(walk):
    file = microact.analyse_video(walk, recognizer="penn-ddnet")
    assert file["format"] == "microact-project"
    project = file["project"]
    assert [v["name"] for v in project["videos"]] == ["walk-2s.mp4"]
    assert project["poses"], "the person's pose track is stored"
    pose = project["poses"][0]
    assert pose["confidence"], "with the recognizer's per-frame confidence"
    proposals = [s for t in project["tracks"] for s in t["segments"]]
    assert proposals, "the recognizer proposes segments"
    assert all(s["status"] == "proposed" for s in proposals)
    assert any(t["boxes"] for t in project["tracks"]), "person boxes from the pose"


def test_one_analyser_gives_the_same_project_twice_and_says_its_models(walk):
    analyser = microact.Analyser(recognizer="penn-ddnet")
    assert "penn-ddnet" in analyser.model_version
    first, second = analyser.analyse(walk), analyser.analyse(walk)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_bad_input_is_an_error_with_the_reason(tmp_path, walk):
    analyser = microact.Analyser()
    try:
        analyser.analyse(tmp_path / "nope.mp4")
    except OSError as e:
        assert "nope.mp4" in str(e) and "no such file" in str(e)
    else:
        raise AssertionError("a missing clip must fail")
    try:
        microact.Analyser(people="crowd")
    except ValueError as e:
        assert "everyone" in str(e)
    else:
        raise AssertionError("an unknown people choice must fail")


def test_the_gil_is_released_while_a_clip_is_analysed(walk):
    """A Python thread keeps running while another analyses."""
    analyser = microact.Analyser()
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.perf_counter()
    analyser.analyse(walk)
    took = time.perf_counter() - started
    done.set()
    ticker.join()
    during = [t for t in ticks if started <= t <= started + took]
    # Held, the GIL would stop the ticker for the whole analysis (no tick inside it); a busy
    # machine only slows it, so a few ticks are the bar, not a rate.
    assert took > 0.1
    assert len(during) >= 3, f"{len(during)} ticks in {took:.2f} s"


def test_a_batch_lists_every_clip_and_resumes(tmp_path, clips):
    out = tmp_path / "out"
    report = microact.analyse_all(clips, out, jobs=2)
    outcomes = [(Path(e["input"]).name, e["outcome"]) for e in report["videos"]]
    assert [o for _, o in outcomes] == ["done"] * 4 + ["failed"] * 2, outcomes
    assert all(e.get("reason") for e in report["videos"][4:])
    assert microact.read_report(out) == report
    names = sorted(p.name for p in out.iterdir() if p.name.endswith(".microact.json"))
    assert names == [f"clip{i}.microact.json" for i in range(4)]
    again = microact.analyse_all(clips, out, jobs=2)
    assert [e["outcome"] for e in again["videos"]] == ["skipped"] * 4 + ["failed"] * 2
