"""Atomic outputs and one-writer locks (securityroof.io.atomic)."""

import os
import subprocess
import sys
import textwrap

import pytest

from securityroof.errors import OutputError, RoofError
from securityroof.io.atomic import atomic_open, atomic_path, clean_leftovers, exclusive, write_text


def test_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_failure_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old complete file")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as handle:
        handle.write("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_planted_symlink_is_never_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.txt"
    # the old predictable temporary names
    (tmp_path / "out.txt.partial").symlink_to(victim)
    (tmp_path / ".out.txt.partial").symlink_to(victim)
    write_text(target, "result")
    assert victim.read_text() == "precious"
    assert target.read_text() == "result" and not target.is_symlink()


def test_output_gets_ordinary_permissions(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert (target.stat().st_mode & 0o777) == 0o666 & ~mask


def _hold_temporary(target, then):
    # a child process that starts writing target and then either dies or waits
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        from securityroof.io.atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_text("half")
            print(tmp, flush=True)
            {then}
        """
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)


def test_leftovers_of_a_killed_writer_are_cleaned_live_ones_kept(tmp_path):
    target = tmp_path / "out.parquet"
    killed = _hold_temporary(target, "os.kill(os.getpid(), signal.SIGKILL)")
    dead_tmp = killed.stdout.readline().strip()
    killed.wait()
    live = _hold_temporary(target, "sys.stdin.read()")
    live_tmp = live.stdout.readline().strip()
    try:
        assert os.path.exists(dead_tmp) and os.path.exists(live_tmp)
        removed = clean_leftovers(target)
        assert [str(p) for p in removed] == [dead_tmp]
        assert os.path.exists(live_tmp)
    finally:
        live.communicate("")
    assert target.read_text() == "half"


def test_unwritable_directory_is_one_output_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write"):
        write_text(tmp_path / "missing" / "out.txt", "x")


def test_second_writer_is_refused(tmp_path):
    lock = tmp_path / "out.lock"
    with exclusive(lock, "--out out.parquet"):
        with pytest.raises(OutputError, match="another roof run is writing it"), exclusive(lock, "--out out.parquet"):
            pass
    with exclusive(lock, "--out out.parquet"):
        pass  # released


def test_lock_file_that_is_a_symlink_is_refused(tmp_path):
    (tmp_path / "out.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError, match="symbolic link"), exclusive(tmp_path / "out.lock", "--out x"):
        pass
    assert not (tmp_path / "elsewhere").exists()


def test_output_error_is_a_roof_error_naming_the_file_and_the_reason(tmp_path):
    target = tmp_path / "missing" / "out.txt"
    with pytest.raises(RoofError) as caught:
        write_text(target, "x")
    # which input chose the file is the caller's to say (field); the file and the cause are in the message
    assert caught.value.field is None and "directory" in caught.value.reason
    assert str(caught.value) == f"{target}: cannot write: {caught.value.reason}"


def test_atomic_path_gives_a_path_writers_can_reopen(tmp_path):
    target = tmp_path / "t.bin"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".t.bin.") and tmp.name.endswith(".partial")
        tmp.write_bytes(b"abc")
    assert target.read_bytes() == b"abc"
