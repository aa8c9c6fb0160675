"""Slack approval latency with 10 and with 1,000 cases waiting for a decision.

What an approver feels is two delays: Slack's spinner on the button (our interactivity endpoint
must answer within 3 s, target p99 <= 100 ms) and the time until the case moves on (target p99
<= 300 ms). Both must not grow with the number of cases waiting (1,000-waiting figures within
1.2x of the 10-waiting ones).

Setup, all in one run and on loopback, one process each as deployed: a dev server (in memory);
`supportflow worker` and `supportflow api` (the real API, uvicorn, Request URL mounted because
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set), configured only through their environment;
the fake Slack both of them post to and read from; the Stripe sandbox with a real charge per
case; a SQLite CRM file shared by all. This module is only the driver: it seeds, clicks and
reads, so its own work never shares a GIL with what it measures. Cases wait on the
single-approval level (one click decides). For each W, W cases are waiting at
the moment of every click: a case is picked at random among them, approved with a signed
`block_actions` POST exactly as Slack sends it, and followed to completion; then a fresh case
is started and brought to waiting before the next click. Samples are sequential so each one
measures the path, not a queue; a few warm-up clicks per W are discarded.

Measured per click:
- ack: signed POST sent -> HTTP response received (perf_counter, on the client).
- resume: POST sent -> the server writes the `ActivityTaskScheduled` event of `issue_refund`
  into the case's history. That event is the definition of "the refund activity is scheduled",
  its timestamp is set by the server when it happens, and the server runs on this host, so its
  clock is the one `time.time()` reads. This needs no hook in product code and carries no
  polling error: history is read after the case completed, only to fetch the timestamp. The
  Stripe sandbox cannot serve here: its refund `created` has one-second resolution and comes
  after the activity was dispatched and ran its pre-check.

Prints key=value lines (approval_ack_p50_ms_w10, ..._p99_..., approval_resume_..., the same
with _w1000, and the p99 ratios w1000/w10); progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any, Protocol

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from bench.bench_keys import bench_codec_env
from bench.quiet import install_quiet_runtime, start_dev_server
from integrations.crm_store.store import CrmStore
from integrations.slack_blocks import APPROVE_ACTION
from integrations.stripe_billing import StripeBilling
from tests.slack.approval_desk import click
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, SlackMessage
from tests.slack.slack_requests import SIGNING_SECRET, form_body, signed_headers
from tests.workflows.case_factory import SeededCase, seed_case
from worker.local_stack.processes import ChildProcess, child_env
from worker.local_stack.startup import has_poller
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from workflows.case.contract import case_workflow_id
from workflows.refund.contract import RefundOutcome
from workflows.refund.workflow import RefundWorkflow

WAITING = (10, 1000)
SAMPLES = 50
WARMUP = 5
SINGLE_APPROVAL_CENTS = 18_000  # above the auto-approve limit, below dual control
APPROVER = "U0ALICE"  # a single-level approver in the shipped policy
WAVE = 50
# Variables a developer may have set that would point a service at something else.
FOREIGN_ENV_PREFIXES = (
    "TEMPORAL_",
    "SUPPORTFLOW_",
    "SLACK_",
    "STRIPE_",
    "DATABASE_URL",
    "OPENAI_",
    "WEAVIATE_",
)
DEADLINE_SECONDS = 60.0
# Seconds between reads while waiting for things the benchmark does not time.
POLL = 0.01
SETTLE_POLL = 0.05


class SlackRecorder(Protocol):
    """What the benchmark asks the fake Slack (through a process proxy: answers are pickled,
    so they are kept small)."""

    def count(self, method: str) -> int: ...

    def updates_of(self, channel: str, ts: str) -> int: ...

    def message(self, channel: str, ts: str) -> SlackMessage: ...


class RemoteSlack(FakeSlack):
    """The fake Slack, served from its own process.

    In production Slack is remote. Inside the driver the fake would compete for one GIL with
    the driver's own timing (it serialises channel history for every idempotent post and
    answers every chat.update); in its own process it is as remote as loopback allows.
    """

    def serve(self) -> str:
        self.start()
        return self.base_url

    def count(self, method: str) -> int:
        return len(self.calls(method))

    def updates_of(self, channel: str, ts: str) -> int:
        return sum(
            1
            for c in self.calls("chat.update")
            if (c.args.get("channel"), c.args.get("ts")) == (channel, ts)
        )


class SlackProcess(BaseManager):
    """Runs the fake Slack in its own process, so its work does not share the bench's GIL."""


SlackProcess.register("RemoteSlack", RemoteSlack)


def progress(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


@dataclass
class WaitingCase:
    case: SeededCase
    channel: str
    ts: str

    @property
    def workflow_id(self) -> str:
        return case_workflow_id(self.case.request.ticket_id)


@dataclass
class Sample:
    ack_ms: float
    resume_ms: float


async def until(check: Callable[[], bool], what: str, deadline: float = DEADLINE_SECONDS) -> None:
    give_up = time.monotonic() + deadline
    while not check():
        if time.monotonic() > give_up:
            raise SystemExit(f"bench: timed out waiting for {what}")
        await asyncio.sleep(POLL)


def percentile(values: Iterable[float], pct: int) -> float:
    return statistics.quantiles(list(values), n=100, method="inclusive")[pct - 1]


def _activity_type(event: HistoryEvent, scheduled: dict[int, str]) -> str | None:
    if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        return scheduled.get(event.activity_task_completed_event_attributes.scheduled_event_id)
    return None


class WaitingRoom:
    """Keeps W refund cases waiting for approval in Slack and approves a sample of them."""

    def __init__(
        self,
        client: Client,
        http: httpx.AsyncClient,
        slack: SlackRecorder,
        store: CrmStore,
        billing: StripeBilling,
        task_queue: str,
    ) -> None:
        self._client = client
        self._http = http
        self._slack = slack
        self._store = store
        self._billing = billing
        self._queue = task_queue
        self._rng = random.Random(20261101)
        self.waiting: list[WaitingCase] = []
        self.approved: list[SeededCase] = []

    # -- filling ---------------------------------------------------------------------------

    async def fill(self, target: int) -> None:
        """Tops the room up to `target` waiting cases, in waves: each wave is seeded (charges
        and CRM rows), started, and settled (its requests posted in Slack, every case asleep on
        its reminder timer) before the next, so the worker is never flooded."""
        count = target - len(self.waiting)
        if count <= 0:
            return
        bulk = count > 1  # a single replacement between clicks is not worth a progress line
        started = time.perf_counter()
        for first in range(0, count, WAVE):
            cases = await asyncio.to_thread(self._seed, min(WAVE, count - first))
            posted = self._slack.count("chat.postMessage") + len(cases)
            await asyncio.gather(*(self._start(c) for c in cases))
            await until(
                partial(self._posted, posted),
                "approval requests posted to Slack",
                deadline=max(DEADLINE_SECONDS, len(cases) * 1.0),
            )
            self.waiting.extend(await asyncio.gather(*(self._settled(c) for c in cases)))
            if bulk:
                progress(
                    f"{len(self.waiting)}/{target} cases waiting "
                    f"({time.perf_counter() - started:.1f}s)"
                )

    def _posted(self, at_least: int) -> bool:
        return self._slack.count("chat.postMessage") >= at_least

    def _seed(self, count: int) -> list[SeededCase]:
        # Sequential on purpose: the sandbox and SQLite serialise writes, threads only add
        # contention (measured: 1 thread ~100 cases/s, 8 threads ~55).
        return [
            seed_case(self._store, self._billing, amount_cents=SINGLE_APPROVAL_CENTS)
            for _ in range(count)
        ]

    async def _start(self, case: SeededCase) -> None:
        await self._client.start_workflow(
            RefundWorkflow.run,
            case.request,
            id=case_workflow_id(case.request.ticket_id),
            task_queue=self._queue,
        )

    async def _settled(self, case: SeededCase) -> WaitingCase:
        """Where the case's request was posted, once the case sleeps on its reminder timer
        after posting: from then on it is idle, as a case waiting for a human is. Called after
        the post was seen in Slack, so one read of the history nearly always settles it."""
        handle = self._client.get_workflow_handle(case_workflow_id(case.request.ticket_id))
        give_up = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < give_up:
            scheduled: dict[int, str] = {}
            ref: dict[str, Any] | None = None
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    attrs = event.activity_task_scheduled_event_attributes
                    scheduled[event.event_id] = attrs.activity_type.name
                elif _activity_type(event, scheduled) == "post_approval_request":
                    result = event.activity_task_completed_event_attributes.result
                    ref = json.loads(result.payloads[0].data)["ref"]
                elif ref is not None and event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                    return WaitingCase(case=case, channel=ref["channel"], ts=ref["ts"])
            await asyncio.sleep(SETTLE_POLL)
        raise SystemExit(f"bench: {handle.id} never settled into waiting for approval")

    # -- measuring -------------------------------------------------------------------------

    async def measure(self, count: int) -> list[Sample]:
        """`count` sequential approvals, each on a random waiting case, each replaced after."""
        samples = []
        for _ in range(count):
            chosen = self.waiting.pop(self._rng.randrange(len(self.waiting)))
            samples.append(await self._approve(chosen))
            self.approved.append(chosen.case)
            await self.fill(len(self.waiting) + 1)
        return samples

    async def _approve(self, chosen: WaitingCase) -> Sample:
        message = self._slack.message(chosen.channel, chosen.ts)
        body = form_body(click(message, APPROVER, APPROVE_ACTION))
        headers = signed_headers(body)
        updates_before = self._slack.updates_of(chosen.channel, chosen.ts)
        sent_wall = time.time()
        sent = time.perf_counter()
        response = await self._http.post("/slack/interactions", content=body, headers=headers)
        ack_ms = (time.perf_counter() - sent) * 1000
        if response.status_code != 200:
            raise SystemExit(f"bench: click answered {response.status_code}: {response.text}")
        handle = self._client.get_workflow_handle(chosen.workflow_id, result_type=RefundOutcome)
        outcome = await asyncio.wait_for(handle.result(), DEADLINE_SECONDS)
        if outcome.state != "resolved":
            raise SystemExit(f"bench: {chosen.workflow_id} ended {outcome.state}, not resolved")
        scheduled_at = await self._refund_scheduled_at(chosen.workflow_id)
        # Both the API's follow-up and the worker update the message; wait for the two so the
        # next click starts on a quiet system.
        await until(
            lambda: self._slack.updates_of(chosen.channel, chosen.ts) >= updates_before + 2,
            f"both updates of the Slack message of {chosen.workflow_id}",
        )
        return Sample(ack_ms=ack_ms, resume_ms=(scheduled_at - sent_wall) * 1000)

    async def _refund_scheduled_at(self, workflow_id: str) -> float:
        handle = self._client.get_workflow_handle(workflow_id)
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and (
                event.activity_task_scheduled_event_attributes.activity_type.name == "issue_refund"
            ):
                return event.event_time.ToNanoseconds() / 1e9
        raise SystemExit(f"bench: {workflow_id} never scheduled issue_refund")

    def check_refunds(self) -> None:
        """Every approved case refunded exactly once, in the sandbox; no waiting case at all."""
        wrong = [
            c.charge_id for c in self.approved if len(self._billing.list_refunds(c.charge_id)) != 1
        ]
        wrong += [
            w.case.charge_id for w in self.waiting if self._billing.list_refunds(w.case.charge_id)
        ]
        if wrong:
            raise SystemExit(f"bench: unexpected refund counts on {len(wrong)} charges")


def summarize(width: int, samples: list[Sample]) -> dict[str, float]:
    acks = [s.ack_ms for s in samples]
    resumes = [s.resume_ms for s in samples]
    return {
        f"approval_ack_p50_ms_w{width}": round(percentile(acks, 50), 2),
        f"approval_ack_p99_ms_w{width}": round(percentile(acks, 99), 2),
        f"approval_resume_p50_ms_w{width}": round(percentile(resumes, 50), 2),
        f"approval_resume_p99_ms_w{width}": round(percentile(resumes, 99), 2),
    }


@contextmanager
def remote_slack() -> Iterator[tuple[SlackRecorder, str]]:
    """The fake Slack in its own process: a proxy to read it, and its Web API base URL."""
    manager = SlackProcess(ctx=multiprocessing.get_context("spawn"))
    manager.start()
    try:
        slack: Any = manager.RemoteSlack()  # type: ignore[attr-defined]
        yield slack, slack.serve()
        slack.stop()
    finally:
        manager.shutdown()


def p99_ratios(results: dict[str, float | int], waiting: tuple[int, ...]) -> dict[str, float]:
    """p99 with the most cases waiting over p99 with the fewest: 1.0 means no slowdown."""
    if len(waiting) < 2:
        return {}
    low, high = min(waiting), max(waiting)
    return {
        f"approval_{kind}_p99_ratio_w{high}_vs_w{low}": round(
            results[f"approval_{kind}_p99_ms_w{high}"] / results[f"approval_{kind}_p99_ms_w{low}"],
            3,
        )
        for kind in ("ack", "resume")
    }


def _service_env(overrides: dict[str, str]) -> dict[str, str]:
    """This process's environment without anything that could point a service elsewhere."""
    # The approval path alone: no callback is registered, so delivery would only add delivery
    # workflows that close once idle.
    base = {**bench_codec_env(), "SUPPORTFLOW_DELIVERY": "false"}
    return child_env({**base, **overrides}, drop_prefixes=FOREIGN_ENV_PREFIXES)


@asynccontextmanager
async def services(
    tmp: Path, client: Client, overrides: dict[str, str], api_port: int
) -> AsyncIterator[None]:
    """`supportflow worker` and `supportflow api`, as deployed: two processes, configured only
    through the environment, run from an empty directory so no `.env` is read. Separate from
    this driver, so neither the driver's work nor the worker's heap of 1,000 cached cases
    shares a GIL with the endpoint whose ack is measured."""
    env = _service_env(overrides)
    command = [sys.executable, "-m", "worker.cli"]
    worker = ChildProcess("worker", [*command, "worker"], tmp / "worker.log", env=env, cwd=tmp)
    api = ChildProcess(
        "api",
        [*command, "api", "--host", "127.0.0.1", "--port", str(api_port)],
        tmp / "api.log",
        env=env,
        cwd=tmp,
    )
    worker.start()
    api.start()
    try:

        async def polling() -> bool:
            return await has_poller(client, overrides["SUPPORTFLOW_TASK_QUEUE"], worker.pid)

        async def healthy() -> bool:
            try:
                async with httpx.AsyncClient(timeout=3) as http:
                    answer = await http.get(f"http://127.0.0.1:{api_port}/healthz")
            except httpx.HTTPError:
                return False
            return answer.status_code == 200

        for child, ready in ((worker, polling), (api, healthy)):
            give_up = time.monotonic() + DEADLINE_SECONDS
            while not await ready():
                if child.exit_code() is not None or time.monotonic() > give_up:
                    raise SystemExit(f"bench: {child.name} did not start:\n{child.log_tail()}")
                await asyncio.sleep(0.1)
        yield
    finally:
        api.stop()
        worker.stop()


def free_port() -> int:
    """A port that was free a moment ago (the API binds it itself, as `supportflow api` does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def main(
    samples: int = SAMPLES, waiting: tuple[int, ...] = WAITING, warmup: int = WARMUP
) -> dict[str, float | int]:
    install_quiet_runtime()
    results: dict[str, float | int] = {"approval_samples_per_w": samples}
    with (
        remote_slack() as (slack, slack_api_base),
        tempfile.TemporaryDirectory() as tmp_dir,
        StripeSandbox() as sandbox,
    ):
        tmp = Path(tmp_dir)
        task_queue = f"bench-approval-{uuid.uuid4().hex[:8]}"
        database_url = f"sqlite:///{tmp / 'crm.db'}"
        store = CrmStore(database_url)
        store.migrate()  # once, before the services start
        billing = StripeBilling(SANDBOX_API_KEY, sandbox.base_url)
        progress("starting dev server")
        env = await start_dev_server()
        api_port = free_port()
        overrides = {
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": env.client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "SUPPORTFLOW_API_URL": f"http://127.0.0.1:{api_port}",
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": SANDBOX_API_KEY,
            "STRIPE_API_BASE": sandbox.base_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE": slack_api_base,
        }
        async with (
            env,
            services(tmp, env.client, overrides, api_port),
            httpx.AsyncClient(base_url=overrides["SUPPORTFLOW_API_URL"], timeout=30) as http,
        ):
            progress("worker and API up")
            room = WaitingRoom(env.client, http, slack, store, billing, task_queue)
            for width in waiting:
                await room.fill(width)
                progress(f"w={width}: {warmup} warm-up clicks")
                await room.measure(warmup)
                progress(f"w={width}: measuring {samples} clicks")
                results.update(summarize(width, await room.measure(samples)))
            await asyncio.to_thread(room.check_refunds)
        store.dispose()
    results.update(p99_ratios(results, waiting))
    return results


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}", flush=True)
