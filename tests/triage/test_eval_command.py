"""`supportflow eval` from a shell: both sets with per-intent precision/recall and calibration,
the LLM scored on the same tickets when one is configured (a loopback OpenAI-compatible fake),
and a plain statement when none is."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from evals.sets import load_set
from tests.triage.fake_openai import API_KEY, FakeOpenAI
from tests.triage.test_openai_triage import assessment
from worker.cli import app
from worker.settings import get_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["eval", *args])


def test_without_an_llm_both_sets_are_reported_and_it_says_so() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("LLM: not evaluated, no LLM is configured")
    assert "== regression ==" in out and "== dev-test ==" in out
    assert out.count("engine=rules+examples") == 2
    assert f"cases={len(load_set('dev-test'))}" in out
    assert out.count("precision / recall per intent:") == 2
    assert out.count("calibration (accuracy per confidence bucket):") == 2
    assert "safety_escalation_recall=1.000 (21/21)" in out
    assert "engine=openai" not in out


def test_bad_options_and_floors() -> None:
    assert run("--set", "everything").exit_code == 2
    assert run("--engine", "llm").exit_code == 2  # no key configured
    below = run("--set", "regression", "--min-intent-accuracy", "0.99")
    assert below.exit_code == 1 and "below 0.99" in below.output
    assert run("--set", "regression", "--engine", "rules").stdout.count("engine=rules ") == 1


async def test_with_an_llm_the_same_tickets_are_scored_on_it(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cases = load_set("dev-test")[:3]
    path = tmp_path / "three.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in cases))
    for case in cases:
        fake_openai.reply_json(assessment(intent=case.expected_intent, confidence=0.9))
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "gpt-test-mini")
    get_settings.cache_clear()
    # The fake answers on this event loop; the CLI runs its own loop in a thread.
    result = await asyncio.to_thread(run, "--cases", str(path))
    assert result.exit_code == 0, result.output
    assert "LLM: not evaluated" not in result.stdout
    assert "engine=rules+examples" in result.stdout
    assert "engine=openai:gpt-test-mini" in result.stdout
    chats = [r for r in fake_openai.requests if "messages" in r]
    assert len(chats) == 3
    assert all(any(c.text in json.dumps(r) for c in cases) for r in chats)
