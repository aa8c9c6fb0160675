"""`supportflow report` against a real CRM store: table, JSON and HTML, a slice, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from tests.crm.conftest import FakeClock
from tests.report.test_outcome_reads import _seed
from worker.cli import app
from worker.settings import get_settings

PERIOD = ["--since", "2026-11-20", "--until", "2026-11-21T12:00"]


@pytest.fixture
def run(
    store: CrmStore,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[object]:
    _seed(store, clock)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, ["report", *args])

    yield invoke
    get_settings.cache_clear()


def test_json_report_by_tier(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(*PERIOD, "--by", "tier", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    overall = report["overall"]
    assert (overall["cases"], overall["resolved"], overall["escalated"]) == (2, 2, 1)
    assert overall["escalations_by_reason"] == {"intent_escalates:complaint": 1}
    assert overall["approval_latency_minutes_p50"] == 30.0
    assert overall["failure_categories"]["escalation_delay"] == 1
    assert set(report["slices"]) == {"standard", "vip"}
    assert report["slices"]["vip"]["human_minutes"] == 30.0
    delivery = (overall["replies_sent"], overall["replies_failed"], overall["replies_queued"])
    assert delivery == (0, 1, 1)
    assert report["slices"]["vip"]["replies_failed"] == 1
    [failed] = report["failed_replies"]
    assert failed["ticket_id"] == "H1" and failed["last_error"].startswith("no delivery channel")


def test_table_and_html_to_a_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    table = run(*PERIOD, "--by", "channel")
    assert table.exit_code == 0, table.output
    assert "resolved with no human touch" in table.stdout and "chat" in table.stdout
    failed = table.stdout.split("Replies that could not be delivered:\n", 1)[1]
    assert failed.startswith("  H1 (message ") and "no delivery channel" in failed
    out = tmp_path / "reports" / "outcomes.html"
    html = run(*PERIOD, "--format", "html", "--out", str(out))
    assert html.exit_code == 0, html.output
    assert str(out) in html.stdout
    page = out.read_text()
    assert page.count("<svg data-chart=") == 3
    failed = page.split('<table data-table="failed-replies">', 1)[1].split("</table>", 1)[0]
    assert "<td>H1</td>" in failed and "no delivery channel" in failed
    # Self-contained: nothing to load, nothing to run.
    assert not any(part in page for part in ("src=", "href=", "<script", "<link", "url("))


def test_bad_input_is_one_line_and_exit_2(run) -> None:  # type: ignore[no-untyped-def]
    backwards = run("--since", "2026-12-02", "--until", "2026-12-01")
    assert backwards.exit_code == 2 and "later than --since" in backwards.output
    assert run("--by", "weather").exit_code == 2
    missing = run("--costs", "/nonexistent/costs.json")
    assert missing.exit_code == 2 and "no such costs file" in missing.output
    assert "Traceback" not in backwards.output + missing.output
