"""microact's own models outside the browser.

The same analysis as the page's (MoveNet on microact's CPU kernels, the people worth a track,
their pose tracks and boxes, a recognizer's proposals), from Python: each clip becomes the
microact project the page opens as is. The work runs in Rust with the GIL released.

    import microact
    project = microact.analyse_video("clip.mp4", people="everyone")
    analyser = microact.Analyser(recognizer="penn-ddnet")   # models loaded once
    for path in paths:
        analyser.analyse_into(path, "out/")                 # skips what is done

`microact.train(...)` trains a recognizer on microact projects or a PYSKL pickle, and
`microact.ray_pipeline` runs a manifest of clips on a Ray cluster.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from . import _native

PathLike = Union[str, "os.PathLike[str]"]

#: The shipped models (MoveNet and the recognizers) when the wheel carries them (see the
#: README: ``models/`` copied into the package before building); else they are found as the
#: ``microact`` command finds them (``$MICROACT_MODELS``, or the repository the wheel was
#: built from).
MODELS = Path(__file__).resolve().parent / "models"


def _models(models: Optional[PathLike]) -> Optional[str]:
    if models is not None:
        return os.fspath(models)
    return os.fspath(MODELS) if (MODELS / "manifest.json").is_file() else None


def _optional(path: Optional[PathLike]) -> Optional[str]:
    return os.fspath(path) if path is not None else None


class Analyser:
    """The models loaded once, for any number of clips one after another.

    people: "one" (SinglePose, following one person) or "everyone" (MultiPose and its
    tracker); recognizer: a shipped recognizer's name (``penn-ddnet``, ``jhmdb-ddnet``), or
    model: a file taught in the page; models: a folder with ``manifest.json`` (default: the
    package's own).
    """

    def __init__(
        self,
        people: str = "one",
        recognizer: Optional[str] = None,
        model: Optional[PathLike] = None,
        models: Optional[PathLike] = None,
    ) -> None:
        self._inner = _native.Analyser(people, recognizer, _optional(model), _models(models))

    @property
    def model_version(self) -> str:
        """Which models and settings make this analyser's outputs."""
        return self._inner.model_version

    def analyse(self, video: PathLike) -> dict:
        """The project the page would make of ``video`` (microact's project JSON, parsed)."""
        return json.loads(self._inner.analyse_json(os.fspath(video)))

    def analyse_into(
        self, video: PathLike, out_dir: PathLike, formats: Sequence[str] = ()
    ) -> dict:
        """``video`` analysed into ``out_dir`` as ``microact analyse`` does it: its report entry
        (outcome ``done``, ``skipped`` when an earlier run made it from the same bytes and
        models, or ``failed`` with the reason)."""
        entry = self._inner.analyse_into(os.fspath(video), os.fspath(out_dir), list(formats))
        return json.loads(entry)


def analyse_video(
    path: PathLike,
    people: str = "one",
    recognizer: Optional[str] = None,
    model: Optional[PathLike] = None,
    models: Optional[PathLike] = None,
) -> dict:
    """One clip analysed: the microact project (a dict) the page would make of it."""
    return Analyser(people, recognizer, model, models).analyse(path)


def analyse_all(
    inputs: Iterable[PathLike],
    out_dir: PathLike,
    people: str = "one",
    recognizer: Optional[str] = None,
    model: Optional[PathLike] = None,
    models: Optional[PathLike] = None,
    formats: Sequence[str] = (),
    jobs: int = 1,
) -> dict:
    """A batch as ``microact analyse`` runs it on ``jobs`` threads: the report (a dict)."""
    report = _native.analyse_all(
        [os.fspath(p) for p in inputs],
        os.fspath(out_dir),
        people,
        recognizer,
        _optional(model),
        _models(models),
        list(formats),
        jobs,
    )
    return json.loads(report)


def train(
    data: Union[PathLike, Sequence[PathLike]],
    out: PathLike,
    kind: str = "projects",
    layout: Optional[str] = None,
    classes: Optional[PathLike] = None,
    label_set: Optional[str] = None,
    group_by: str = "segment",
    train_split: Optional[str] = None,
    test_split: Optional[str] = None,
    split_file: Optional[PathLike] = None,
    test_share: float = 0.25,
    seed: int = 1,
    epochs: Optional[int] = None,
    name: Optional[str] = None,
    filters: int = 32,
    batch: Optional[int] = None,
    lr: Optional[float] = None,
    augment: bool = True,
) -> dict:
    """Trains a recognizer as ``microact-train train`` does, and returns the run (its card,
    each epoch, the files written into ``out``).

    kind="projects": microact project files or folders of them (the annotators' own segments
    over their pose tracks; ``label_set`` picks one set, ``group_by="video"`` keeps each video
    on one side of a made split). kind="pyskl": one MMAction2/PYSKL pose pickle, its joints
    ``layout`` (``coco17``, ``penn13``, ``jhmdb15`` or a layout file) and ``classes`` (a label
    set file). The split is ``train_split``/``test_split`` (the pickle's own, or of
    ``split_file``, whose parts are ``train`` and ``test`` when not named), else
    ``test_share`` of each class held out with ``seed``. DD-Net
    ``filters`` wide (16, 32, 64); ``epochs``, ``batch``, ``lr`` and ``augment`` as
    ``microact-train``'s defaults unless given.
    """
    paths = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    run = _native.train(
        [os.fspath(p) for p in paths],
        os.fspath(out),
        kind,
        layout,
        _optional(classes),
        label_set,
        group_by,
        train_split,
        test_split,
        _optional(split_file),
        test_share,
        seed,
        epochs,
        name,
        filters,
        batch,
        lr,
        augment,
    )
    return json.loads(run)


def read_report(out_dir: PathLike) -> dict:
    """The report an earlier batch left in ``out_dir`` (no videos when none)."""
    return json.loads(_native.read_report(os.fspath(out_dir)))


def write_report(out_dir: PathLike, entries: Iterable[dict]) -> None:
    """``report.json`` in ``out_dir`` from report entries, written whole or not at all."""
    _native.write_report(os.fspath(out_dir), [json.dumps(e) for e in entries])


__all__ = [
    "MODELS",
    "Analyser",
    "analyse_all",
    "analyse_video",
    "read_report",
    "train",
    "write_report",
]
