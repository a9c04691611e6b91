"""io.answers: answers kept on disk between runs, a cache that never fails its caller."""

from __future__ import annotations

import hashlib
import os

import pytest

from securityroof.io import answers


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(answers, "cache_dir", lambda: tmp_path)
    return tmp_path / "answers"


def key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_an_answer_kept_is_recalled_as_it_was(folder):
    assert answers.recall(key(1)) is None
    answers.keep(key(1), {"figures": {"threats": 45, "share": 0.5}, "cities": ["Warsaw"]})
    assert answers.recall(key(1)) == {"figures": {"threats": 45, "share": 0.5}, "cities": ["Warsaw"]}
    assert [p.name for p in folder.iterdir()] == [f"{key(1)}.json"]  # no temporary file left


@pytest.mark.parametrize("content", [b'{"figures": ', b"[1, 2]", b"\xff\xfe", b""])
def test_a_partial_or_foreign_file_is_a_miss(folder, content):
    folder.mkdir()
    (folder / f"{key(2)}.json").write_bytes(content)
    assert answers.recall(key(2)) is None


def test_a_key_is_a_sha256_and_nothing_else(folder):
    for bad in ("../../etc/passwd", "ABC", key(3)[:-1], key(3) + "0"):
        with pytest.raises(ValueError, match="sha256"):
            answers.keep(bad, {})


def test_past_the_limit_the_least_recently_used_go(folder):
    for n in range(answers.KEEP):
        answers.keep(key(n), {"n": n})
        os.utime(folder / f"{key(n)}.json", ns=(n * 10**9, n * 10**9))  # kept in this order
    assert answers.recall(key(0)) == {"n": 0}  # used again: the last to go
    for n in range(answers.KEEP, answers.KEEP + 3):
        answers.keep(key(n), {"n": n})
    kept = {p.stem for p in folder.glob("*.json")}
    assert len(kept) == answers.KEEP
    assert key(0) in kept and key(answers.KEEP + 2) in kept
    assert not {key(1), key(2), key(3)} & kept and key(4) in kept


def test_a_cache_that_cannot_be_written_keeps_nothing_and_says_nothing(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(answers, "cache_dir", lambda: blocked)
    answers.keep(key(5), {"n": 5})
    assert answers.recall(key(5)) is None
