"""`supportflow save-example` as a person: saved with their identity, refusals exit nonzero."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from tests.api_keys import issue_test_keys
from tests.crm.conftest import FakeClock
from tests.report.test_outcome_reads import _seed
from worker.cli import app
from worker.settings import get_settings


def test_save_example_from_the_cli(
    store: CrmStore,
    clock: FakeClock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _seed(store, clock)
    keys = issue_test_keys(store)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        saved = runner.invoke(
            app,
            ["save-example", "H1", "--intent", "complaint", "--key", keys.people["carol"]],
        )
        outsider = runner.invoke(app, ["save-example", "H1", "--key", keys.people["mallory"]])
        bad_route = runner.invoke(
            app, ["save-example", "H1", "--route", "teleport", "--key", keys.people["carol"]]
        )
        unlabelled = runner.invoke(app, ["save-example", "R1", "--key", keys.people["carol"]])
    finally:
        get_settings.cache_clear()
    assert saved.exit_code == 0, saved.output
    assert "complaint -> escalate (by carol)" in saved.stdout
    assert outsider.exit_code == 1 and "not_an_agent" in outsider.output
    assert bad_route.exit_code == 2 and "route" in bad_route.output
    assert unlabelled.exit_code == 2 and "recorded no intent" in unlabelled.output
    [example] = store.list_labelled_examples()
    assert (example.ticket_id, example.saved_by, example.route) == ("H1", "carol", "escalate")
