"""`supportflow kb ingest FOLDER --via-temporal`: the help center reaches the knowledge store of
the worker, not the one the CLI's own settings name. Real dev server, a worker with the
knowledge activities on its own SQLite file, the CLI configured as on another host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.knowledge import KnowledgeActivities
from integrations.knowledge.helpcenter import load_help_center
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from tests.cli.conftest import invoke
from tests.e2e.triage_stack import replay_and_keep
from worker.help_center_upload import batches
from worker.settings import PROJECT_ROOT
from workflows.help_center.workflow import HelpCenterIngestWorkflow

HELP_CENTER = PROJECT_ROOT / "demo" / "help-center"
QUESTION = "How long does a refund take to show up on my card?"


@pytest.fixture
def worker_store(tmp_path: Path) -> SqliteKnowledgeBase:
    return SqliteKnowledgeBase(tmp_path / "worker-host" / "knowledge.db")


@pytest_asyncio.fixture
async def knowledge_worker(
    dev_server_env: WorkflowEnvironment, task_queue: str, worker_store: SqliteKnowledgeBase
) -> AsyncIterator[Worker]:
    activities = KnowledgeActivities(worker_store, where="SQLite file on the worker host")
    async with Worker(
        dev_server_env.client,
        task_queue=task_queue,
        workflows=[HelpCenterIngestWorkflow],
        activities=[activities.ingest_help_center_batch],
        activity_executor=ThreadPoolExecutor(max_workers=2),
    ) as worker:
        yield worker


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The knowledge file the CLI's settings name: on 'this host', not the worker's."""
    path = tmp_path / "cli-host" / "knowledge.db"
    monkeypatch.setenv("SUPPORTFLOW_KNOWLEDGE_DB", str(path))
    return path


async def test_the_articles_land_in_the_workers_store(
    cli_env: None,
    cli_store: Path,
    knowledge_worker: Worker,
    worker_store: SqliteKnowledgeBase,
    dev_server_env: WorkflowEnvironment,
) -> None:
    articles = load_help_center(HELP_CENTER)
    result = await invoke("kb", "ingest", str(HELP_CENTER), "--via-temporal")
    assert result.exit_code == 0, result.output
    assert f"Ingested {len(articles)} articles" in result.stdout
    assert "Into the worker's store: SQLite file on the worker host." in result.stdout
    [progress] = [line for line in result.stderr.splitlines() if line.startswith("batch 1/1 (")]
    workflow_id = progress.split("(", 1)[1].split(")", 1)[0]
    # Findable in the UI, and replayable: stored as tests/histories/help_center_ingest_batch.json.
    await replay_and_keep(dev_server_env.client, [workflow_id], "help_center_ingest_batch")

    assert worker_store.count() > 0
    assert worker_store.search(QUESTION, 3, "public")
    # Nothing was written where the CLI's own settings point.
    assert not cli_store.exists() or SqliteKnowledgeBase(cli_store).count() == 0

    # Again: the articles are replaced, not duplicated.
    chunks = worker_store.count()
    again = await invoke("kb", "ingest", str(HELP_CENTER), "--via-temporal")
    assert again.exit_code == 0, again.output
    assert worker_store.count() == chunks


def test_batches_stay_under_the_limit_and_keep_every_article_in_order() -> None:
    articles = load_help_center(HELP_CENTER)
    limit = max(len(a.model_dump_json()) for a in articles) + 10
    groups = batches(articles, limit)
    assert len(groups) > 1
    assert [a.doc_id for g in groups for a in g] == [a.doc_id for a in articles]
    assert all(sum(len(a.model_dump_json()) for a in g) <= limit for g in groups)


async def test_no_worker_on_the_queue_is_a_clear_error(cli_env: None, cli_store: Path) -> None:
    result = await invoke("kb", "ingest", str(HELP_CENTER), "--via-temporal")
    assert result.exit_code == 1
    assert "no worker polls task queue" in result.stderr
    assert "Traceback" not in result.output


async def test_temporal_unreachable_is_exit_3(
    cli_env: None, cli_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    result = await invoke("kb", "ingest", str(HELP_CENTER), "--via-temporal")
    assert result.exit_code == 3
    assert "cannot reach Temporal at 127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.output


async def test_a_bad_folder_fails_before_temporal(cli_env: None, tmp_path: Path) -> None:
    result = await invoke("kb", "ingest", str(tmp_path / "missing"), "--via-temporal")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


class RefusingStore(SqliteKnowledgeBase):
    def ingest(self, articles):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full: cannot write knowledge.db")


async def test_a_store_that_refuses_fails_with_its_reason(
    cli_env: None,
    cli_store: Path,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    tmp_path: Path,
) -> None:
    refusing = KnowledgeActivities(RefusingStore(tmp_path / "refusing.db"))
    async with Worker(
        dev_server_env.client,
        task_queue=task_queue,
        workflows=[HelpCenterIngestWorkflow],
        activities=[refusing.ingest_help_center_batch],
        activity_executor=ThreadPoolExecutor(max_workers=2),
    ):
        result = await invoke("kb", "ingest", str(HELP_CENTER), "--via-temporal")
    assert result.exit_code == 1
    assert "disk full: cannot write knowledge.db" in result.stderr
    assert "re-running the command is safe" in result.stderr
    assert "Traceback" not in result.output
