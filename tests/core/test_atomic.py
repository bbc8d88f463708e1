"""Atomic files and atomic output folders (econhubs.core._atomic; issue 12 items 5 and 6)."""

import json
import os
import stat
from pathlib import Path

import pytest

from econhubs.core import atomic_output_dir, atomic_write, atomic_write_text
from econhubs.core._atomic import MARKER


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_atomic_files_get_umask_modes_not_0600(tmp_path, umask022):
    """mkstemp's 0600 leaked into every output file; open() would give 0644 under umask 022."""
    atomic_write_text(tmp_path / "a.txt", "x")
    atomic_write(tmp_path / "b.bin", lambda tmp: Path(tmp).write_bytes(b"y"))
    assert _mode(tmp_path / "a.txt") == _mode(tmp_path / "b.bin") == 0o644
    os.umask(0o077)
    atomic_write_text(tmp_path / "c.txt", "z")
    assert _mode(tmp_path / "c.txt") == 0o600  # the umask is respected, not overridden
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.txt"]  # no temporaries left


def test_output_dir_swaps_a_complete_run_in_whole(tmp_path, umask022):
    out = tmp_path / "run"
    with atomic_output_dir(out, command="test") as d:
        (d / "old_only.txt").write_text("1")
        (d / "both.txt").write_text("old")
    assert _mode(out) == 0o755
    with atomic_output_dir(out) as d:
        (d / "both.txt").write_text("new")
        (d / "sub").mkdir()
        (d / "sub" / "f.txt").write_text("n")
        assert not (out / "sub").exists()  # nothing visible before the block ends
    assert sorted(p.name for p in out.iterdir()) == sorted(["both.txt", "sub", MARKER])  # stale file gone
    assert (out / "both.txt").read_text() == "new"
    m = json.loads((out / MARKER).read_text())
    assert m["complete"] is True and m["files"] == ["both.txt", "sub/f.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_interrupted_run_leaves_previous_set(tmp_path, exc):
    out = tmp_path / "run"
    with atomic_output_dir(out) as d:
        (d / "a.txt").write_text("old a")
        (d / "b.txt").write_text("old b")
    with pytest.raises(exc):
        with atomic_output_dir(out) as d:
            (d / "a.txt").write_text("new a")
            raise exc
    assert (out / "a.txt").read_text() == "old a" and (out / "b.txt").read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    with pytest.raises(exc):  # a first run that fails creates nothing
        with atomic_output_dir(tmp_path / "fresh"):
            raise exc
    assert not (tmp_path / "fresh").exists()


def test_folder_not_written_by_econhubs_is_merged_into_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("user's")
    with atomic_output_dir(out) as d:
        (d / "table.md").write_text("t")
    assert (out / "notes.txt").read_text() == "user's" and (out / "table.md").read_text() == "t"
    assert not (out / MARKER).exists()  # never marked as ours, so a later run never deletes notes.txt
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="not a folder"):
        with atomic_output_dir(tmp_path / "file"):
            pass


def test_working_directory_is_never_swapped_away(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / MARKER).write_text("{}")  # even if it looks like an earlier run
    (tmp_path / "keep.txt").write_text("k")
    with atomic_output_dir(".") as d:
        (d / "t.md").write_text("t")
    assert os.getcwd() == str(tmp_path) and (tmp_path / "keep.txt").exists() and (tmp_path / "t.md").exists()
