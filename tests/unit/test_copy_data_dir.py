"""The suite's data-dir copies keep their holes (a plain copy of the ingested corpus writes
220 MB of zeros per test and once ran CI out of disk)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import copy_data_dir


def _on_disk(path: Path) -> int:
    return path.stat().st_blocks * 512


def test_a_copy_has_the_same_bytes_and_keeps_the_holes(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "qdrant" / "wal").mkdir(parents=True)
    preallocated = source / "qdrant" / "wal" / "open-1"
    with preallocated.open("wb") as out:  # a log with a few records, then 32 MB reserved
        out.write(b"record" * 100)
        out.truncate(32 << 20)
    middle = source / "segment.dat"
    with middle.open("wb") as out:  # data, a hole, data
        out.write(b"a" * 5000)
        out.seek(8 << 20)
        out.write(b"z" * 10)
    (source / "sportello.db").write_bytes(bytes(range(256)) * 64)

    target = copy_data_dir(source, tmp_path / "copy")

    for original in (preallocated, middle, source / "sportello.db"):
        copied = target / original.relative_to(source)
        assert copied.read_bytes() == original.read_bytes()
    assert (target / "qdrant" / "wal" / "open-1").stat().st_size == 32 << 20
    assert _on_disk(target / "qdrant" / "wal" / "open-1") < 1 << 20
    assert _on_disk(target / "segment.dat") < 1 << 20


def test_ignored_entries_are_left_out(tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "source"
    (source / "eval").mkdir(parents=True)
    (source / "eval" / "report.json").write_text("{}")
    (source / "keep.txt").write_text("kept")

    target = copy_data_dir(source, tmp_path / "copy", ignore=shutil.ignore_patterns("eval"))

    assert (target / "keep.txt").read_text() == "kept"
    assert not (target / "eval").exists()
