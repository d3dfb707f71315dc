"""Every export of the unusual project, opened with the tool its format's users open it with.

`tests/readers/run.sh` writes the files (crates/microact-core/examples/export_unusual.rs) into
$EXPORTS, then runs this file with pytest. `expected.json` there holds, per video, the ground truth
and predictions microact's rule (formats/truth.rs) says each reader must see: nothing more,
nothing less.
"""

import csv
import io
import json
import os
import sys
import types
import urllib.parse
from pathlib import Path

import pytest

EXPORTS = Path(os.environ["EXPORTS"])
VENDOR = Path(__file__).parent / "vendor"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
VIDEOS = EXPECTED["videos"]


def ms(seconds):
    return round(seconds * 1000)


def truth(video, *fields):
    return sorted(tuple(seg[f] for f in fields) for seg in video["ground_truth"])


# --- CSV: pandas ------------------------------------------------------------------------------


def test_csv_reads_in_pandas_as_exactly_the_ground_truth():
    pd = pytest.importorskip("pandas")
    table = pd.read_csv(EXPORTS / "unusual.csv", keep_default_na=False)
    assert list(table.columns)[:2] == ["video", "fps"]
    assert set(table["status"]) <= {"accepted", "proposed"}
    for video in VIDEOS:
        rows = table[table["video"] == video["name"]]
        got = sorted(
            (r.track, str(r.label), ms(r.start_s), ms(r.end_s)) for r in rows.itertuples()
        )
        want = [(t, l, ms(s), ms(e)) for t, l, s, e in truth(video, "track", "label_id", "start", "end")]
        assert got == want, video["name"]
        assert abs(float(eval_fps(rows["fps"].iloc[0])) - video["fps"]) < 1e-9


def eval_fps(text):
    num, _, den = str(text).partition("/")
    return float(num) / float(den or 1)


# --- ELAN: pympi-ling -------------------------------------------------------------------------


def test_elan_opens_in_pympi_with_one_tier_per_track_holding_the_ground_truth():
    from pympi import Elan

    for i, video in enumerate(VIDEOS):
        eaf = Elan.Eaf(str(EXPORTS / f"video{i}.eaf"))
        descriptor = eaf.media_descriptors[0]
        assert not descriptor["MEDIA_URL"].startswith("file:///"), "not at the disk's root"
        assert urllib.parse.unquote(descriptor["RELATIVE_MEDIA_URL"]) == "./" + video["name"]
        got = []
        for tier, (_, _, attributes, _) in eaf.tiers.items():
            if "PARENT_REF" in attributes:
                continue  # field@track tiers: notes, sources
            got += [(tier, value, start, end) for start, end, value in eaf.get_annotation_data_for_tier(tier)]
        want = [(t, l, ms(s), ms(e)) for t, l, s, e in truth(video, "track", "label", "start", "end")]
        assert sorted(got) == want, video["name"]


# --- ActivityNet and AVA: the evaluators MMAction2 ships (ports of the official ones) ----------
#
# The official files live on GitHub, which neither the build nor the tests may reach; MMAction2
# 1.2.0 on PyPI carries ports of both: `eval_detection.py` (ActivityNet's algorithm and its
# class index, which stops on a predicted label no ground truth has) and `ava_utils.py` (AVA's
# `read_csv`, which accepts 7 or 8 columns, and its line-by-line `read_labelmap`). The package's
# own `__init__` needs mmcv and torch, so only these modules are loaded, from its files.


def mmaction_root():
    import importlib.machinery

    spec = importlib.machinery.PathFinder.find_spec("mmaction")
    return Path(spec.submodule_search_locations[0])


def mmaction_module(name):
    import importlib

    root = mmaction_root()
    for package in ["mmaction", "mmaction.evaluation", "mmaction.evaluation.functional"]:
        if package not in sys.modules:
            module = types.ModuleType(package)
            module.__path__ = [str(root.joinpath(*package.split(".")[1:]))]
            sys.modules[package] = module
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def anet():
    return mmaction_module("mmaction.evaluation.functional.eval_detection")


def anet_ground_truth(tmp_path):
    """The `database` of our ground-truth file in the layout MMAction2's port reads (its keys
    carry ActivityNet's `v_` prefix, which it strips)."""
    database = json.loads((EXPORTS / "activitynet.json").read_text(encoding="utf-8"))["database"]
    path = tmp_path / "gt.json"
    path.write_text(json.dumps({"v_" + key: entry for key, entry in database.items()}))
    return path, database


def test_activitynet_ground_truth_is_what_the_evaluator_reads(anet, tmp_path):
    gt, database = anet_ground_truth(tmp_path)
    for entry in database.values():
        assert entry["subset"] == "validation"
    # Ground truth scored against itself: mAP 1 at every threshold.
    results = {
        key: [dict(a, score=1.0) for a in entry["annotations"]] for key, entry in database.items()
    }
    itself = tmp_path / "itself.json"
    itself.write_text(json.dumps({"version": "x", "results": results, "external_data": {}}))
    evaluation = anet.ActivityNetLocalization(str(gt), str(itself))
    m_ap, _ = evaluation.evaluate()
    assert m_ap == pytest.approx([1.0] * len(m_ap))
    inverse = {i: name for name, i in evaluation.activity_index.items()}
    for video in VIDEOS:
        got = sorted(
            (inverse[g["label"]], ms(g["t-start"]), ms(g["t-end"]))
            for g in evaluation.ground_truth
            if g["video-id"] == video["stem"]
        )
        want = [(l, ms(s), ms(e)) for l, s, e in truth(video, "label", "start", "end")]
        assert got == want, video["name"]


def test_activitynet_predictions_evaluate_without_error(anet, tmp_path):
    gt, _ = anet_ground_truth(tmp_path)
    results_file = EXPORTS / "activitynet-results.json"
    anet.ActivityNetLocalization(str(gt), str(results_file)).evaluate()
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    scores = [r["score"] for found in results.values() for r in found]
    # As the model gave them, not widened from f32 (0.9100000262260437).
    assert all(len(repr(s)) <= 6 for s in scores), scores
    predicted = sorted((r["label"], r["status"], ms(r["segment"][0])) for found in results.values() for r in found)
    want = sorted(
        (p["label"], p["status"], ms(p["start"])) for video in VIDEOS for p in video["predictions"]
    )
    assert predicted == want, "every proposal nobody accepted, and no accepted one"


@pytest.fixture(scope="module")
def ava():
    return mmaction_module("mmaction.evaluation.functional.ava_utils")


def test_ava_ground_truth_scores_itself_at_one(ava):
    results = ava.ava_eval(
        str(EXPORTS / "ava.csv"), "mAP", str(EXPORTS / "ava.pbtxt"), str(EXPORTS / "ava.csv"), None,
        verbose=False,
    )
    assert results["overall"] == pytest.approx(1.0)


def test_ava_label_map_names_the_labels_and_rows_are_ground_truth_only(ava):
    with open(EXPORTS / "ava.pbtxt", encoding="utf-8") as f:
        categories, _ = ava.read_labelmap(f)
    names = {c["id"]: c["name"] for c in categories}
    expected = EXPECTED["numbered_set"]
    assert sorted(names) == list(range(1, len(expected) + 1))
    for i, name in enumerate(expected):
        if '"' in name:
            # The reader cuts a name at its first quote (AVA's own names have none).
            assert name.startswith(names[i + 1].rstrip("\\")), name
        else:
            assert names[i + 1] == name
    rows = list(csv.reader(open(EXPORTS / "ava.csv", encoding="utf-8")))
    assert len(rows) == len({tuple(r) for r in rows}), "no duplicate rows"
    for video in VIDEOS:
        for r in rows:
            if r[0] != video["stem"]:
                continue
            second, label = int(r[1]), expected[int(r[6]) - 1]
            # Every row's keyframe lies inside a ground-truth segment of its label.
            assert any(
                g["label"] == label and g["start"] <= second + 0.0006 and second < g["end"]
                for g in video["ground_truth"]
            ), (video["name"], second, label)


def test_ava_predictions_are_a_detections_file_the_evaluator_reads(ava):
    results = ava.ava_eval(
        str(EXPORTS / "ava-predictions.csv"), "mAP", str(EXPORTS / "ava.pbtxt"),
        str(EXPORTS / "ava.csv"), None, verbose=False,
    )
    # Read and scored without error; proposals nobody accepted do not reproduce the ground truth.
    assert results["overall"] != pytest.approx(1.0)
    with open(EXPORTS / "ava-predictions.csv", encoding="utf-8") as f:
        _, _, scores = ava.read_csv(f)
    assert all(0 < s < 1 for found in scores.values() for s in found)


def test_refava_is_not_for_the_evaluator(ava):
    # Its ninth column is the description; the export menu says to give the evaluator plain AVA.
    with open(EXPORTS / "refava.csv", encoding="utf-8") as f, pytest.raises((AssertionError, TypeError)):
        ava.read_csv(f)


# --- MMAction2: VideoDataset's list reader ----------------------------------------------------


def video_dataset_load_data_list():
    """`VideoDataset.load_data_list` from the installed MMAction2, run as it is: its module
    needs torch, so the method's own source is lifted out with `ast` and run beside the
    mmengine functions it calls."""
    import ast
    import os.path as osp
    from typing import List

    from mmengine.fileio import exists, list_from_file

    root = mmaction_root()
    tree = ast.parse((root / "datasets" / "video_dataset.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "VideoDataset")
    method = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "load_data_list")
    scope = {"exists": exists, "list_from_file": list_from_file, "osp": osp, "List": List}
    exec(compile(ast.Module(body=[method], type_ignores=[]), "video_dataset.py", "exec"), scope)
    return scope["load_data_list"]


def test_mmaction_clip_list_splits_as_videodataset_reads_it():
    load_data_list = video_dataset_load_data_list()
    dataset = types.SimpleNamespace(
        ann_file=str(EXPORTS / "mmaction-clips.txt"),
        delimiter=" ",
        multi_class=False,
        num_classes=None,
        data_prefix={"video": None},
    )
    data = load_data_list(dataset)
    classes = EXPECTED["numbered_set"]
    got = []
    for item in data:
        stem, _, _ = item["filename"].rpartition(".")
        video, person, start, end = urllib.parse.unquote(stem).rsplit("_", 3)
        got.append((video, classes[item["label"]], int(start), int(end)))
    want = sorted(
        (v["stem"], g["label"], g["start_frame"], g["end_frame"])
        for v in VIDEOS
        for g in v["ground_truth"]
        if g["label"] in classes
    )
    assert sorted(got) == want


# --- CVAT for video: datumaro -----------------------------------------------------------------


def test_cvat_opens_in_datumaro_with_the_human_label_on_each_frame():
    dm = pytest.importorskip("datumaro")
    for i, video in enumerate(VIDEOS):
        dataset = dm.Dataset.import_from(str(EXPORTS / f"video{i}.cvat.xml"), "cvat")
        checked = 0
        for item in dataset:
            frame = item.attributes.get("frame", None)
            if frame is None:
                frame = int(str(item.id).rsplit("_", 1)[-1])
            for box in item.annotations:
                action = box.attributes.get("action")
                track = box.attributes.get("name")
                covering = [
                    g for g in video["ground_truth"]
                    if g["track"] == track and g["start_frame"] <= frame < g["end_frame"]
                ]
                want = max(covering, key=lambda g: g["start_frame"])["label"] if covering else "none"
                assert action == want, (video["name"], frame, track)
                checked += 1
        assert checked > 0, video["name"]
