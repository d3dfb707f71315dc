"""Shared fixtures: the repository's real clips, and a corrupt and a missing one."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


@pytest.fixture
def walk() -> Path:
    """A real 2 s clip of one person walking (tests/fixtures/README.md)."""
    return FIXTURES / "walk-2s.mp4"


@pytest.fixture
def clips(tmp_path: Path) -> list:
    """Four real clips under other names, a corrupt one and a missing one, in that order."""
    folder = tmp_path / "clips"
    folder.mkdir()
    out = []
    for i, source in enumerate(["walk-2s.mp4", "walk-2s.webm", "two-people-2s.webm", "walk-2s.mp4"]):
        target = folder / f"clip{i}{Path(source).suffix}"
        target.write_bytes((FIXTURES / source).read_bytes())
        out.append(str(target))
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    out.append(str(corrupt))
    out.append(str(folder / "missing.mp4"))
    return out
