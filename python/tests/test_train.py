"""Training from Python on small real data (tests/fixtures/training, sources in its README),
with the quick settings of crates/microact-models/tests/train_own_data.rs (DD-Net 16 wide,
no augmentation) so that a debug build trains in seconds."""

import json
from pathlib import Path

import microact

TRAINING = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "training"
QUICK = dict(filters=16, batch=16, lr=5e-3, augment=False)


def test_a_pyskl_pickle_trains_on_its_own_split_and_beats_chance(tmp_path):
    run = microact.train(
        TRAINING / "jhmdb5_pyskl.pkl",
        tmp_path,
        kind="pyskl",
        layout="jhmdb15",
        classes=TRAINING / "jhmdb5_pyskl.classes.txt",
        train_split="train1",
        test_split="test1",
        name="own",
        **QUICK,
        epochs=25,
    )
    card = run["card"]
    assert card["spec"]["classes"] == ["clap", "golf", "pullup", "run", "sit"]
    # Five classes, 20 held-out clips: chance is 0.2.
    assert card["test_mirrored"]["top1"] >= 0.6, card["test_mirrored"]
    assert run["epochs"][-1]["train_accuracy"] > 0.5
    report = json.loads((tmp_path / "own.report.json").read_text())
    assert report[0]["spec"]["classes"] == card["spec"]["classes"]
    assert (tmp_path / "own.bpk").is_file()


def test_projects_train_in_their_own_labels(tmp_path):
    run = microact.train(TRAINING / "projects", tmp_path, name="own", **QUICK, epochs=40)
    card = run["card"]
    assert sorted(card["spec"]["classes"]) == ["lunge", "sit", "situp", "walk"]
    # Four labels of the projects' own set: chance is 0.25.
    assert card["test_mirrored"]["top1"] >= 0.6, card["test_mirrored"]


def test_a_bad_choice_is_a_value_error(tmp_path):
    try:
        microact.train(TRAINING / "projects", tmp_path, kind="kinetics")
    except ValueError as e:
        assert "projects" in str(e) and "pyskl" in str(e)
    else:
        raise AssertionError("an unknown kind must fail")
