"""The triaged demo tickets of `make run` and the help center they are answered from.

These tickets name no process: TicketWorkflow triages each one and the routing policy picks its
route, so `make run` shows every route a real helpdesk ticket can take. Their customers and orders
are the demo data of `demo_data`; the texts are checked against the rules triage and the
default routing policy by the tests, so the demo shows what it says it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from integrations.knowledge.factory import open_knowledge_base
from integrations.knowledge.helpcenter import load_help_center
from policies.routing_policy import Route
from worker.activity_wiring import llm_config
from worker.settings import PROJECT_ROOT, Settings

DEMO_HELP_CENTER = PROJECT_ROOT / "demo" / "help-center"


@dataclass(frozen=True)
class TriageDemo:
    """A ticket with no process and the route triage is expected to give it. `reply_text` is
    what the customer would answer to a clarifying question (printed as a ready command)."""

    name: str
    ticket_id: str
    customer_id: str
    subject: str
    body: str
    expected_route: Route
    reply_text: str | None = None


HOW_TO = TriageDemo(
    name="triage: how-to question",
    ticket_id="demo-triage-how-to",
    customer_id="cus_1001",
    subject="Refund timing",
    body="How long does a refund take to show up on my credit card?",
    expected_route="answer",
)
# Gold tier, 45 days old, 139.00: inside the gold refund window, above its auto-approve limit,
# so the refund child waits for one approver.
REFUND_IN_TEXT = TriageDemo(
    name="triage: refund request in plain text",
    ticket_id="demo-triage-refund",
    customer_id="cus_1004",
    subject="Shoes too small",
    body=(
        "Hi, the trail running shoes from order ord_5006 are a size too small and I can't "
        "exchange them. Could I get a refund please?"
    ),
    expected_route="start_process",
)
# No order number: the refund process needs one, so the customer is asked. Order ord_5008 is this
# customer's 45.00 order, within the auto-approve limit once the reply names it.
MISSING_ORDER = TriageDemo(
    name="triage: order number missing",
    ticket_id="demo-triage-missing-order",
    customer_id="cus_1002",
    subject="USB-C cables",
    body="The USB-C cables I bought don't charge my laptop. I'd like a refund please.",
    expected_route="clarify",
    reply_text="Sorry, it's order #5008.",
)
ESCALATION = TriageDemo(
    name="triage: wants a human, mentions a lawyer",
    ticket_id="demo-triage-escalate",
    customer_id="cus_1003",
    subject="Espresso machine, again",
    body=(
        "This is the second leak this month and nobody answers. Let me talk to a human, or my "
        "lawyer will be in touch."
    ),
    expected_route="escalate",
)
TRIAGE_DEMOS: tuple[TriageDemo, ...] = (HOW_TO, REFUND_IN_TEXT, MISSING_ORDER, ESCALATION)


class KnowledgeIngest(BaseModel):
    articles: int
    internal: int
    chunks: int
    store: str

    @property
    def summary(self) -> str:
        return (
            f"{self.articles} help-center articles ({self.internal} internal) as "
            f"{self.chunks} chunks in {self.store}"
        )


def ingest_demo_help_center(settings: Settings, path: Path = DEMO_HELP_CENTER) -> KnowledgeIngest:
    """Loads the demo help center into the knowledge base the worker searches (the same one
    `supportflow kb ingest` fills). Safe to repeat: ingesting replaces each article's chunks."""
    articles = load_help_center(path)
    if not articles:
        raise FileNotFoundError(f"no help-center articles under {path}")
    api_key = settings.weaviate_api_key
    knowledge = open_knowledge_base(
        sqlite_path=settings.knowledge_db_path,
        weaviate_url=settings.weaviate_url,
        weaviate_api_key=api_key.get_secret_value() if api_key else None,
        llm=llm_config(settings),
    )
    report = knowledge.ingest(articles)
    store = (
        f"Weaviate {settings.weaviate_url}"
        if settings.weaviate_url
        else f"SQLite FTS5 {settings.knowledge_db_path}"
    )
    return KnowledgeIngest(
        articles=report.articles,
        internal=sum(a.audience == "internal" for a in articles),
        chunks=report.chunks,
        store=store,
    )
