"""Slack approval latency with 10 and with 1,000 cases waiting for a decision.

What an approver feels is two delays: Slack's spinner on the button (our interactivity endpoint
must answer within 3 s, target p99 <= 100 ms) and the time until the case moves on (target p99
<= 300 ms). Both must not grow with the number of cases waiting (1,000-waiting figures within
1.2x of the 10-waiting ones).

Setup, all in one run: a dev server (in memory), the production worker and the real API
(`create_app`, uvicorn on loopback) in this process and event loop, the loopback fake Slack that
both post to and read from, the Stripe sandbox with a real charge per case, and a SQLite CRM.
Cases wait on the single-approval level (one click decides). For each W, W cases are waiting at
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
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import Any, Protocol

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.slack_blocks import APPROVE_ACTION
from integrations.stripe_billing import StripeBilling
from policies.loader import load_refund_policy
from tests.slack.approval_desk import click
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, SlackCall, SlackMessage
from tests.slack.slack_requests import SIGNING_SECRET, form_body, signed_headers
from tests.slack_e2e.live_api import serve_api
from tests.workflows.case_factory import SeededCase, seed_case
from worker.api import create_app
from worker.settings import Settings
from worker.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from worker.worker_app import WorkerDeps, build_worker
from workflows.models import RefundOutcome, case_workflow_id
from workflows.refund import RefundWorkflow
from workflows.search_attributes import ALL_KEYS

WAITING = (10, 1000)
SAMPLES = 50
WARMUP = 5
SINGLE_APPROVAL_CENTS = 18_000  # above the auto-approve limit, below dual control
APPROVER = "U0ALICE"  # a single-level approver in the shipped policy
WAVE = 50
DEADLINE_SECONDS = 60.0
# Seconds between reads while waiting for things the benchmark does not time.
POLL = 0.01


class SlackRecorder(Protocol):
    """What the benchmark reads from the fake Slack (through a process proxy)."""

    def calls(self, method: str | None = None) -> list[SlackCall]: ...

    def message(self, channel: str, ts: str) -> SlackMessage: ...


class RemoteSlack(FakeSlack):
    """The fake Slack, served from its own process.

    In production Slack is remote; in this process the fake would compete with the worker and
    the API for the GIL (serialising channel history for every idempotent post, answering every
    chat.update), and its work would show up in the very latencies measured here.
    """

    def serve(self) -> str:
        self.start()
        return self.base_url


class SlackProcess(BaseManager):
    pass


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
            await asyncio.gather(*(self._start(c) for c in cases))
            self.waiting.extend(await asyncio.gather(*(self._settled(c) for c in cases)))
            if bulk:
                progress(
                    f"{len(self.waiting)}/{target} cases waiting "
                    f"({time.perf_counter() - started:.1f}s)"
                )

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
        after posting: from then on it is idle, as a case waiting for a human is. Follows the
        history with the server's long poll, so waiting costs neither the server nor the loop."""
        handle = self._client.get_workflow_handle(case_workflow_id(case.request.ticket_id))
        scheduled: dict[int, str] = {}
        ref: dict[str, Any] | None = None
        async with asyncio.timeout(DEADLINE_SECONDS):
            async for event in handle.fetch_history_events(wait_new_event=True):
                if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                    attrs = event.activity_task_scheduled_event_attributes
                    scheduled[event.event_id] = attrs.activity_type.name
                elif _activity_type(event, scheduled) == "post_approval_request":
                    result = event.activity_task_completed_event_attributes.result
                    ref = json.loads(result.payloads[0].data)["ref"]
                elif ref is not None and event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                    return WaitingCase(case=case, channel=ref["channel"], ts=ref["ts"])
        raise SystemExit(f"bench: {handle.id} closed before it waited for approval")

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
        updates_before = self._updates_of(chosen)
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
        give_up = time.monotonic() + DEADLINE_SECONDS
        while self._updates_of(chosen) < updates_before + 2:
            if time.monotonic() > give_up:
                raise SystemExit(f"bench: the Slack message of {chosen.workflow_id} never updated")
            await asyncio.sleep(POLL)
        return Sample(ack_ms=ack_ms, resume_ms=(scheduled_at - sent_wall) * 1000)

    def _updates_of(self, chosen: WaitingCase) -> int:
        return sum(1 for c in self._slack.calls("chat.update") if c.args.get("ts") == chosen.ts)

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


def _settings(tmp: Path, slack_api_base: str, task_queue: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=f"sqlite:///{tmp / 'crm.db'}",
        SUPPORTFLOW_API_TOKEN=f"bench-{uuid.uuid4().hex}",
        SUPPORTFLOW_API_URL="http://127.0.0.1:8000",
        SUPPORTFLOW_POLICY_PATH=None,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE=slack_api_base,
        SLACK_APP_TOKEN=None,
    )


async def _run(
    results: dict[str, float | int],
    tmp: Path,
    stripe_api_base: str,
    slack: SlackRecorder,
    slack_api_base: str,
    samples: int,
    waiting: tuple[int, ...],
    warmup: int,
) -> None:
    task_queue = f"bench-approval-{uuid.uuid4().hex[:8]}"
    settings = _settings(tmp, slack_api_base, task_queue)
    store = CrmStore(settings.database_url)
    store.migrate()
    billing = StripeBilling(SANDBOX_API_KEY, stripe_api_base)
    deps = WorkerDeps(
        store=store,
        billing=billing,
        chat=ChatActivities.from_settings(settings, load_refund_policy().policy),
        policy=PolicyActivities(),
    )
    progress("starting dev server")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(Path(sys.executable).parent / "temporal"),
        data_converter=pydantic_data_converter,
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
    )
    async with env, build_worker(env.client, settings, deps=deps, task_queue=task_queue):
        app = create_app(settings, temporal_client=env.client, store=store)
        async with (
            serve_api(app) as base_url,
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
        ):
            room = WaitingRoom(env.client, http, slack, store, billing, task_queue)
            for width in waiting:
                await room.fill(width)
                progress(f"w={width}: {warmup} warm-up clicks")
                await room.measure(warmup)
                progress(f"w={width}: measuring {samples} clicks")
                results.update(summarize(width, await room.measure(samples)))
            await asyncio.to_thread(room.check_refunds)
    store.dispose()


async def main(
    samples: int = SAMPLES, waiting: tuple[int, ...] = WAITING, warmup: int = WARMUP
) -> dict[str, float | int]:
    results: dict[str, float | int] = {"approval_samples_per_w": samples}
    slack_process = SlackProcess(ctx=multiprocessing.get_context("spawn"))
    slack_process.start()
    try:
        slack: Any = slack_process.RemoteSlack()  # type: ignore[attr-defined]
        slack_api_base = slack.serve()
        with tempfile.TemporaryDirectory() as tmp, StripeSandbox() as sandbox:
            await _run(
                results,
                Path(tmp),
                sandbox.base_url,
                slack,
                slack_api_base,
                samples,
                waiting,
                warmup,
            )
        slack.stop()
    finally:
        slack_process.shutdown()
    if len(waiting) >= 2:
        low, high = waiting[0], waiting[-1]
        for kind in ("ack", "resume"):
            ratio = (
                results[f"approval_{kind}_p99_ms_w{high}"]
                / results[f"approval_{kind}_p99_ms_w{low}"]
            )
            results[f"approval_{kind}_p99_ratio_w{high}_vs_w{low}"] = round(ratio, 3)
    return results


if __name__ == "__main__":
    for key, value in asyncio.run(main()).items():
        print(f"{key}={value}", flush=True)
