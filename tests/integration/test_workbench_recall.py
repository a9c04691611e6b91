"""The workbench's first evaluation kept between runs (analysis.workbench_recall): shown at the next
start only when nothing it depends on has changed."""

import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from securityroof.analysis import workbench, workbench_recall  # noqa: E402
from securityroof.io import answers  # noqa: E402
from securityroof.present.web.app import create_app  # noqa: E402

BASE = "epaa-phase-3"


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """Answers kept in a folder of the test's own, and no answer in memory."""
    monkeypatch.setattr(answers, "cache_dir", lambda: tmp_path)
    workbench.EVALUATIONS.clear()
    yield tmp_path / "answers"
    workbench.EVALUATIONS.clear()
    workbench_recall.fingerprint.cache_clear()


def as_json(value) -> dict:
    return json.loads(json.dumps(value))


def test_an_answer_kept_by_one_run_is_the_next_runs_first_answer(kept):
    state = workbench.parse_state({"base": BASE})
    assert workbench_recall.recall(state) is None
    computed = workbench_recall.warm(state)
    assert len(list(kept.glob("*.json"))) == 1
    workbench.EVALUATIONS.clear()  # as in a new process
    recalled = workbench_recall.recall(state)
    assert recalled == as_json(computed)
    assert workbench.evaluate(state) is recalled  # the answer in memory now
    assert as_json(workbench.evaluate(state, fresh=True)) == recalled


def test_a_change_in_the_state_the_code_or_the_settings_is_another_key(kept, monkeypatch):
    state = workbench.parse_state({"base": BASE})
    workbench_recall.warm(state)
    workbench.EVALUATIONS.clear()
    assert workbench_recall.recall(workbench.parse_state({"base": BASE, "decision_delay_s": 90})) is None
    monkeypatch.setenv("SECURITYROOF_JIT", "0")  # the numpy reference: equal to tolerance, not to the bit
    workbench_recall.fingerprint.cache_clear()
    assert workbench_recall.recall(state) is None
    monkeypatch.delenv("SECURITYROOF_JIT")
    workbench_recall.fingerprint.cache_clear()
    monkeypatch.setattr(workbench_recall, "_SUFFIXES", workbench_recall._SUFFIXES - {".toml"})  # other files
    assert workbench_recall.recall(state) is None


def test_an_upload_is_never_kept_on_disk(kept):
    text = f'extends = "{BASE}"\nname = "mine"\nremove = ["kurecik"]\n'
    with TestClient(create_app()) as client:
        uploaded = client.post("/api/upload", content=text, headers={"content-type": "text/plain"}).json()
        state = workbench.parse_state({"base": f"upload:{uploaded['id']}"})
        workbench_recall.warm(state)
    assert all(json.loads(p.read_text())["scenario"]["name"] != "mine" for p in kept.glob("*.json"))


def test_a_second_server_answers_its_first_question_from_the_first_ones_answer(kept):
    with TestClient(create_app([BASE])) as client:
        first = client.post("/api/evaluate", json={"state": {"base": BASE}}).json()
    workbench.EVALUATIONS.clear()
    with TestClient(create_app([BASE])) as client:
        # recalled before the first request: in memory, whatever the warm-up behind it is doing
        assert workbench.EVALUATIONS.get(workbench.parse_state({"base": BASE}).key()) is not None
        second = client.post("/api/evaluate", json={"state": {"base": BASE}}).json()
    first.pop("elapsed_ms"), second.pop("elapsed_ms")
    assert second == first
