"""LLM calls and tokens per ticket, measured on real TicketWorkflows against a loopback fake model.

No real model is reachable offline, so this benchmark runs everything else for real and fakes only
the model: real `TicketWorkflow`s on a Temporal dev server (the venv's `temporal` binary), a real
worker whose triage and knowledge activities use the real `openai` client (retries off, exactly as
`activities/triage.py` and `activities/knowledge.py` build it from OPENAI_* settings), talking
over HTTP to `tests/triage/fake_openai.FakeOpenAI` on 127.0.0.1, which records every request body.
The refund child is the routing tests' stand-in `RefundWorkflow` (tests/triage/standin_refund.py):
the real one and its activities never call the model, so it cannot change the counts, and the
stand-in needs no Stripe sandbox.

Tickets are the eval set's own (evals/tickets.jsonl), for customer Dana (standard tier):
- happy path: every non-injection `refund_request` case whose expected route is `start_process`;
- answer route: every non-injection `how_to` case, expected route `answer` (a cited answer).
They run one at a time, so every request the fake receives belongs to the ticket in flight.

The fake answers by the schema the request asks for, not from a fixed script: a `TriageAssessment`
request gets the case's expected intent (with entities found by the rules engine and a summary cut
from the ticket), an `AnswerDraft` request gets the extractive answer to the same passages the
workflow retrieves. So retries or any extra call would be answered and counted, not hidden.

Printed as key=value lines:
- `llm_calls_per_ticket` / `llm_calls_per_ticket_answer`: chat-completion requests the fake
  received per ticket, averaged over the route's tickets. These are measured.
- `llm_tokens_per_ticket` / `llm_tokens_per_ticket_answer`: an ESTIMATE, not a measurement. The
  fake's `usage` numbers are scripted constants, so they are ignored. Prompt side: for each
  recorded request, the characters of every message's content plus the compact JSON of its
  `response_format` (the strict schema the model must also read), divided by 4 (a common rule of
  thumb for English text with OpenAI tokenizers), plus 3 tokens per message and 3 to prime the
  reply (the chat-format overhead as OpenAI's cookbook counts it for its chat models). Completion
  side: the characters of the scripted answer the fake returned, divided by 4; those answers are
  written to be about as long as a model's (see above), but they are ours, not a model's. A real
  tokenizer and model will differ, especially on the JSON schema, which providers encode in their
  own way; treat the figure as an order of magnitude for what our prompts cost, not a bill.
- `llm_prompt_tokens_per_ticket[_answer]`, `llm_completion_tokens_per_ticket[_answer]`: the two
  halves of that estimate; `llm_tickets[_answer]`: how many tickets were averaged;
  `llm_token_source`: a reminder that the tokens are estimated.

`python -m bench.llm_usage`; progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from temporalio.client import Client
from temporalio.worker import Worker

from activities.crm import CrmActivities
from activities.knowledge import KnowledgeActivities
from activities.triage import TriageActivities
from bench.quiet import start_dev_server
from evals.run import EvalCase, load_cases
from integrations.crm_store import CrmStore, CustomerView
from integrations.knowledge.answers import extractive_answer
from integrations.knowledge.helpcenter import load_help_center
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.openai_answer import OpenAIAnswerDrafter
from integrations.openai_llm import LlmConfig, engine_name, make_client
from integrations.openai_triage import OpenAITriage
from integrations.triage_rules import triage_by_rules
from policies.loader import load_routing_policy
from policies.routing_policy import Route
from tests.triage.fake_openai import API_KEY, FakeOpenAI, free_port
from tests.triage.standin_refund import StandInRefundWorkflow
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from workflows.case.contract import STATUS_QUERY
from workflows.ticket.contract import TicketRequest, TicketStatus
from workflows.ticket.workflow import TicketWorkflow

DEMO_HELP_CENTER = Path(__file__).resolve().parent.parent / "demo" / "help-center"
DANA = CustomerView(id="cus_dana", name="Dana Reyes", email="dana@example.com", tier="standard")

MODEL = "bench-fake-model"
CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 3
TOKENS_REPLY_PRIMING = 3
TRIAGE_SCHEMA = "TriageAssessment"
ANSWER_SCHEMA = "AnswerDraft"
Responder = Callable[[dict[str, Any]], dict[str, Any]]


def progress(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def _tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


def prompt_tokens_estimate(body: dict[str, Any]) -> int:
    """Estimated prompt tokens of one recorded chat-completion request (see the module doc)."""
    messages = body.get("messages", [])
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    if "response_format" in body:
        chars += len(json.dumps(body["response_format"], separators=(",", ":")))
    return _tokens(chars) + TOKENS_PER_MESSAGE * len(messages) + TOKENS_REPLY_PRIMING


def schema_name(body: dict[str, Any]) -> str:
    fmt = body.get("response_format") or {}
    return str((fmt.get("json_schema") or {}).get("name", ""))


class AnsweringFake(FakeOpenAI):
    """The tests' fake, answering each chat request from the schema it asks for instead of a
    pre-filled queue, so the benchmark never presumes how many calls a ticket makes."""

    def __init__(self, respond: Responder) -> None:
        super().__init__()
        self._respond = respond
        self.completions: list[str] = []

    async def _chat(self, request: web.Request) -> web.Response:
        payload = self._respond(await request.json())
        self.completions.append(json.dumps(payload))
        self.reply_json(payload)
        return await super()._chat(request)


@asynccontextmanager
async def serve(fake: FakeOpenAI) -> AsyncIterator[FakeOpenAI]:
    """The fake on a loopback port, as the `fake_openai` pytest fixture serves it."""
    runner = web.AppRunner(fake.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.base_url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        await runner.cleanup()


def ticket_worker(
    client: Client,
    task_queue: str,
    store: CrmStore,
    triage: TriageActivities,
    knowledge: KnowledgeActivities,
) -> Worker:
    """TicketWorkflow's production activity list (worker/ticket_activities.py) with our triage
    and knowledge objects, as tests/triage/ticket_harness.py wires it. Built here rather than
    imported so that mypy does not follow into that test module."""
    crm = CrmActivities(store)
    activities: list[Callable[..., Any]] = [
        crm.open_case,
        crm.record_case_outcome,
        crm.record_audit,
    ]
    activities += ticket_activity_list(store, Settings(), triage=triage, knowledge=knowledge)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow, StandInRefundWorkflow],
        activities=activities,
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )


def _summary(case: EvalCase) -> str:
    first = case.text.split(". ")[0].strip().rstrip(".")
    return f"{case.subject}: {first}"[:200]


def scripted_triage(case: EvalCase) -> dict[str, Any]:
    """What a well-behaved model would answer for this case: the expected intent, confidently,
    no escalation signals, and the language and entities the rules engine finds in the text."""
    rules = triage_by_rules(case.subject, case.text)
    return {
        "intent": case.expected_intent,
        "confidence": 0.9,
        "urgency": "normal",
        "sentiment": "negative" if case.expected_intent == "refund_request" else "neutral",
        "language": rules.language,
        "signals": [],
        "entities": rules.entities.model_dump(),
        "summary": _summary(case),
    }


def scripted_answer(kb: SqliteKnowledgeBase, question: str, top_k: int) -> dict[str, Any]:
    """The extractive answer to the passages the workflow will retrieve for the same question,
    standing in for a model's 1-4 sentence draft of about the same length."""
    passages = [p for p in kb.search(question, top_k, "public") if p.audience == "public"]
    drafted = extractive_answer(question, passages)
    used = [i + 1 for i, p in enumerate(passages) if any(c.url == p.url for c in drafted.citations)]
    return {"answer": drafted.text, "used_passages": used[:2] or [1], "answered": True}


@dataclass
class TicketUsage:
    case_id: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    schemas: list[str]

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Bench:
    """Runs one ticket at a time and attributes the fake's new requests to it."""

    def __init__(self, kb: SqliteKnowledgeBase) -> None:
        self.kb = kb
        self.top_k = load_routing_policy().policy.knowledge.top_k
        self.case: EvalCase | None = None
        self.fake = AnsweringFake(self.respond)

    def respond(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.case is not None, "a request arrived between tickets"
        name = schema_name(body)
        if name == TRIAGE_SCHEMA:
            return scripted_triage(self.case)
        if name == ANSWER_SCHEMA:
            question = f"{self.case.subject}\n{self.case.text}".strip()
            return scripted_answer(self.kb, question, self.top_k)
        raise ValueError(f"unexpected chat request for schema {name!r}")

    async def run(self, client: Client, queue: str, case: EvalCase, route: Route) -> TicketUsage:
        self.case, first = case, len(self.fake.requests)
        ticket_id = f"T-{case.id}-{uuid.uuid4().hex[:8]}"
        request = TicketRequest(
            ticket_id=ticket_id, customer_id=DANA.id, subject=case.subject, body=case.text
        )
        handle = await client.start_workflow(
            TicketWorkflow.run, request, id=f"ticket-{ticket_id}", task_queue=queue
        )
        outcome = await handle.result()
        status = await handle.query(STATUS_QUERY, result_type=TicketStatus)
        self.case = None
        if (outcome.route, outcome.state) != (route, "resolved"):
            raise SystemExit(
                f"bench: case {case.id} ended {outcome.state!r} on route {outcome.route!r}, "
                f"not resolved on {route!r}"
            )
        if status.triage is None or status.triage.engine != engine_name(MODEL):
            raise SystemExit(f"bench: case {case.id} was not triaged by the fake model")
        if route == "answer" and (status.answer is None or not status.answer.citations):
            raise SystemExit(f"bench: case {case.id} was answered without citations")
        sent = self.fake.requests[first:]
        return TicketUsage(
            case_id=case.id,
            calls=len(sent),
            prompt_tokens=sum(prompt_tokens_estimate(body) for body in sent),
            completion_tokens=sum(_tokens(len(c)) for c in self.fake.completions[first:]),
            schemas=[schema_name(body) for body in sent],
        )


def happy_path_cases(cases: list[EvalCase]) -> list[EvalCase]:
    return [
        c
        for c in cases
        if c.expected_intent == "refund_request"
        and c.expected_route == "start_process"
        and not c.injection
    ]


def answer_cases(cases: list[EvalCase]) -> list[EvalCase]:
    return [
        c
        for c in cases
        if c.expected_intent == "how_to" and c.expected_route == "answer" and not c.injection
    ]


def summarise(usages: list[TicketUsage], suffix: str) -> dict[str, str]:
    def mean(values: list[int]) -> float:
        return statistics.fmean(values) if values else 0.0

    return {
        f"llm_calls_per_ticket{suffix}": f"{mean([u.calls for u in usages]):.2f}",
        f"llm_tokens_per_ticket{suffix}": f"{mean([u.tokens for u in usages]):.0f}",
        f"llm_prompt_tokens_per_ticket{suffix}": f"{mean([u.prompt_tokens for u in usages]):.0f}",
        f"llm_completion_tokens_per_ticket{suffix}": (
            f"{mean([u.completion_tokens for u in usages]):.0f}"
        ),
        f"llm_tickets{suffix}": str(len(usages)),
    }


async def main() -> dict[str, str]:
    cases = load_cases()
    with tempfile.TemporaryDirectory() as tmp:
        kb = SqliteKnowledgeBase(Path(tmp) / "knowledge.db")
        kb.ingest(load_help_center(DEMO_HELP_CENTER))
        store = CrmStore(f"sqlite:///{Path(tmp) / 'crm.db'}")
        store.migrate()
        store.add_customer(DANA)
        bench = Bench(kb)
        async with serve(bench.fake) as fake:
            config = LlmConfig(api_key=API_KEY, model=MODEL, base_url=fake.base_url)
            clients = [make_client(config), make_client(config)]
            triage = TriageActivities(OpenAITriage(clients[0], MODEL))
            knowledge = KnowledgeActivities(kb, OpenAIAnswerDrafter(clients[1], MODEL))
            progress(f"fake OpenAI-compatible server at {fake.base_url}; starting dev server")
            env = await start_dev_server()
            async with env:
                queue = f"bench-llm-{uuid.uuid4().hex[:8]}"
                async with ticket_worker(env.client, queue, store, triage, knowledge):
                    happy: list[TicketUsage] = []
                    for case in happy_path_cases(cases):
                        happy.append(await bench.run(env.client, queue, case, "start_process"))
                        progress(f"refund ticket {case.id}: {happy[-1]}")
                    answered: list[TicketUsage] = []
                    for case in answer_cases(cases):
                        answered.append(await bench.run(env.client, queue, case, "answer"))
                        progress(f"how-to ticket {case.id}: {answered[-1]}")
            for client in clients:
                await client.close()
        store.dispose()
    return {
        **summarise(happy, ""),
        **summarise(answered, "_answer"),
        "llm_token_source": "estimate_chars_div_4_no_real_model",
    }


def measure() -> dict[str, str]:
    """Synchronous entry for other benchmarks' `main()` (starts its own event loop)."""
    return asyncio.run(main())


if __name__ == "__main__":
    for key, value in measure().items():
        print(f"{key}={value}", flush=True)
