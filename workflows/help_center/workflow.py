"""HelpCenterIngestWorkflow: one batch of help-center articles into the worker's own knowledge
store, for `supportflow kb ingest --via-temporal` run from a host that does not share it."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.help_center_models import HelpCenterBatch, HelpCenterBatchResult
    from activities.knowledge import KnowledgeActivities
    from workflows.help_center.contract import HELP_CENTER_INGEST_WORKFLOW

# Storing a batch replaces its articles' chunks, so a retry after a crash stores them once.
INGEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)


@workflow.defn(name=HELP_CENTER_INGEST_WORKFLOW)
class HelpCenterIngestWorkflow:
    """Stores one batch where the worker's knowledge activities search (SQLite file on the
    worker's host, or Weaviate) and says which store that was."""

    @workflow.run
    async def run(self, batch: HelpCenterBatch) -> HelpCenterBatchResult:
        return await workflow.execute_activity_method(
            KnowledgeActivities.ingest_help_center_batch,
            batch,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=INGEST_RETRY,
        )
