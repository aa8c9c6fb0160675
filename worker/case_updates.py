"""Running an Update on a case from the API or CLI: what a refusal, a slow case or a missing
case mean to the caller, the same for approval decisions and customer replies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from worker.approval_refusals import CaseUnavailable

# How long a caller waits for the case to accept or refuse an Update.
UPDATE_RPC_TIMEOUT = timedelta(seconds=15)


@asynccontextmanager
async def update_answers(
    ticket_id: str,
    what: str,
    *,
    refused: Callable[[BaseException], Awaitable[Exception]],
    missing: Callable[[], Awaitable[Exception]],
) -> AsyncIterator[None]:
    """Maps the Update's failures: the validator's refusal (via `refused`, given its cause),
    no answer in time, no such case (via `missing`), or Temporal refusing the call."""
    try:
        yield
    except WorkflowUpdateFailedError as failed:
        raise await refused(failed.cause) from failed
    except WorkflowUpdateRPCTimeoutOrCancelledError as timeout:
        raise CaseUnavailable(
            f"The case for ticket {ticket_id} did not answer in time; is a worker running?"
        ) from timeout
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise await missing() from err
        raise CaseUnavailable(f"Temporal refused the {what}: {err}") from err
