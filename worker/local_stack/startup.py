"""Bringing up the dev stack's pieces: each is waited for until it answers, and a piece that
does not come up ends the start with a `StartupFailed` saying which and why."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import typer
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.converter import DataConverter

from worker.local_stack.processes import ChildProcess

START_TIMEOUT_SECONDS = 90.0

T = TypeVar("T")


class StartupFailed(Exception):
    """A process of the stack did not come up; the message says which and why."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived while the stack was starting or running."""


def say(line: str = "") -> None:
    typer.echo(line)


def step(name: str, detail: str) -> None:
    say(f"  ok  {name:<18} {detail}")


async def wait_until_ready(
    child: ChildProcess,
    probe: Callable[[], Awaitable[T | None]],
    what: str,
    stop_requested: asyncio.Event,
) -> T:
    """Polls `probe` until it answers; the child exiting, a stop request or the timeout end
    the wait with the child's log tail."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if stop_requested.is_set():
            raise Interrupted()
        code = child.exit_code()
        if code is not None:
            raise StartupFailed(
                f"{what} exited with code {code} while starting. Last log lines "
                f"({child.log_file}):\n{child.log_tail()}"
            )
        result = await probe()
        if result is not None:
            return result
        await asyncio.sleep(0.25)
    raise StartupFailed(
        f"{what} not ready after {START_TIMEOUT_SECONDS:.0f}s. Last log lines "
        f"({child.log_file}):\n{child.log_tail()}"
    )


async def has_poller(client: Client, task_queue: str, pid: int | None) -> bool:
    """True once *this* worker process polls; pollers of an earlier run linger for minutes."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return any(poller.identity.startswith(f"{pid}@") for poller in response.pollers)


async def connected_client(address: str, namespace: str, converter: DataConverter) -> Client | None:
    """A client once the dev server serves the namespace; None until then."""
    try:
        client = await Client.connect(address, namespace=namespace, data_converter=converter)
        await client.count_workflows()  # namespace and visibility are up, not just the port
    except Exception:
        return None
    return client


async def answers_ok(url: str, *, timeout: float) -> bool | None:
    """True once `url` answers 200; None until then."""
    try:
        async with httpx.AsyncClient(timeout=timeout) as http:
            response = await http.get(url)
    except httpx.HTTPError:
        return None
    return True if response.status_code == 200 else None
