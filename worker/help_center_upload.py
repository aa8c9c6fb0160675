"""`supportflow kb ingest FOLDER --via-temporal`: the help center into the knowledge store of the
worker that answers tickets, from any host that reaches Temporal.

A SQLite knowledge base is a file on the worker's host; the CLI may run elsewhere (an operator's
laptop, a CI job). The CLI parses and checks the export itself, then sends it in batches of at
most BATCH_BYTES of JSON, each as one short HelpCenterIngestWorkflow on the worker's task queue,
whose activity stores the batch where the worker searches. Payloads are encrypted like every
other (the codec), and each batch is a workflow an engineer can find in the Temporal UI
(`help-center-ingest-<run id>-<n>`).

With several workers on one task queue, any one of them takes each batch: give them one shared
store (Weaviate) — docs/operations.md says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowFailureError

from activities.help_center_models import HelpCenterBatch, HelpCenterBatchResult
from integrations.knowledge.models import Article
from workflows.help_center.contract import help_center_ingest_id
from workflows.help_center.workflow import HelpCenterIngestWorkflow

BATCH_BYTES = 256 * 1024  # far below Temporal's 2 MB payload limit, encrypted or not
# A batch no worker stores in this time (none has the knowledge activities) fails, visibly.
BATCH_TIMEOUT = timedelta(minutes=10)

Progress = Callable[[HelpCenterBatch, HelpCenterBatchResult], None]


class UploadRefused(Exception):
    """The worker side cannot take the help center: no worker, or a batch failed."""


def batches(articles: Sequence[Article], limit: int = BATCH_BYTES) -> list[list[Article]]:
    """Articles in order, grouped so each group's JSON stays within `limit` (an article larger
    than the limit goes alone)."""
    groups: list[list[Article]] = []
    size = 0
    for article in articles:
        length = len(article.model_dump_json())
        if not groups or size + length > limit:
            groups.append([])
            size = 0
        groups[-1].append(article)
        size += length
    return groups


async def upload_help_center(
    client: Client, task_queue: str, articles: Sequence[Article], progress: Progress
) -> list[HelpCenterBatchResult]:
    if not await _has_worker(client, task_queue):
        raise UploadRefused(
            f"no worker polls task queue {task_queue!r} in namespace {client.namespace!r}: "
            "start `supportflow worker` (the one whose knowledge store should hold the "
            "articles) or set SUPPORTFLOW_TASK_QUEUE to its queue"
        )
    ingest_id = uuid.uuid4().hex[:12]
    groups = batches(articles)
    results: list[HelpCenterBatchResult] = []
    for number, group in enumerate(groups, start=1):
        batch = HelpCenterBatch(ingest_id=ingest_id, number=number, of=len(groups), articles=group)
        workflow_id = help_center_ingest_id(ingest_id, number)
        try:
            result = await client.execute_workflow(
                HelpCenterIngestWorkflow.run,
                batch,
                id=workflow_id,
                task_queue=task_queue,
                execution_timeout=BATCH_TIMEOUT,
            )
        except WorkflowFailureError as err:
            why = _root_cause(err)
            stored = sum(r.articles for r in results)
            raise UploadRefused(
                f"batch {number}/{len(groups)} ({workflow_id}) failed: {why}; {stored} "
                "articles of earlier batches were stored (re-running the command is safe)"
            ) from None
        results.append(result)
        progress(batch, result)
    return results


def _root_cause(err: BaseException) -> str:
    """The innermost failure's message (the store's own error, not "Activity task failed")."""
    while err.__cause__ is not None or getattr(err, "cause", None) is not None:
        err = getattr(err, "cause", None) or err.__cause__  # type: ignore[assignment]
    return getattr(err, "message", None) or str(err)


async def _has_worker(client: Client, task_queue: str) -> bool:
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(namespace=client.namespace, task_queue=TaskQueue(name=task_queue))
    )
    return bool(described.pollers)
