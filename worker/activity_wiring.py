"""Activities built from the process settings: the one place that reads settings for them.

Activities receive clients and plain values, never settings, so they can be built by tests and
benchmarks from whatever fakes they need. The worker (and the CLI commands that run the same
engines outside a workflow) build them here from the environment.
"""

from __future__ import annotations

import socket

from activities.chat import ChatActivities
from activities.disputes import DisputeActivities
from activities.knowledge import KnowledgeActivities
from activities.triage import TriageActivities
from integrations.crm_store import CrmStore
from integrations.example_bank import ExampleBank, LabelledExampleSource, default_examples
from integrations.knowledge.factory import open_knowledge_base
from integrations.openai_answer import OpenAIAnswerDrafter
from integrations.openai_llm import LlmConfig, make_client
from integrations.openai_triage import OpenAITriage
from integrations.shopify_admin import ShopifyAdmin
from integrations.slack_approvals import SlackApprovals
from integrations.slack_directory import ApproverDirectory, PersonForSlackUser
from integrations.stripe_disputes import StripeDisputes
from integrations.triage_engine import ExampleTriage
from policies.refund_policy import RefundPolicy
from worker.settings import Settings


def llm_config(settings: Settings) -> LlmConfig | None:
    """The LLM configuration from the worker's environment; None without an API key."""
    if settings.openai_api_key is None:
        return None
    return LlmConfig(
        api_key=settings.openai_api_key.get_secret_value(),
        model=settings.openai_model,
        base_url=settings.openai_base_url,
    )


def slack_approvals(settings: Settings) -> SlackApprovals | None:
    """The Slack client when SLACK_BOT_TOKEN is set; None selects the outbox path."""
    token = settings.slack_bot_token
    if token is None:
        return None
    return SlackApprovals.connect(token.get_secret_value(), settings.slack_api_base)


def chat_activities(
    settings: Settings,
    policy: RefundPolicy,
    *,
    person_for_slack_user: PersonForSlackUser | None = None,
) -> ChatActivities:
    """`person_for_slack_user` is the CRM's person directory (`CrmStore.person_for_slack_user`):
    without it, only Slack users the policy lists by id count as people."""
    slack = slack_approvals(settings)
    directory = ApproverDirectory(
        policy,
        slack.user_group_members if slack else None,
        person_for_slack_user=person_for_slack_user,
    )
    return ChatActivities(
        slack,
        api_url=settings.api_url,
        temporal_ui_url=settings.temporal_ui_url,
        directory=directory,
    )


def triage_activities(
    settings: Settings, examples: LabelledExampleSource | None = None
) -> TriageActivities:
    """OpenAI when OPENAI_API_KEY is set, else the embedded engine (rules + example bank), for
    every ticket on the worker. `examples` lists the examples people saved (the CRM's
    `labelled_examples` when it has them); without it the bank holds the built-in examples."""
    config = llm_config(settings)
    if config is None:
        if examples is None:
            return TriageActivities()
        return TriageActivities(embedded=ExampleTriage(ExampleBank(default_examples(), examples)))
    return TriageActivities(OpenAITriage(make_client(config), config.model))


def knowledge_activities(settings: Settings) -> KnowledgeActivities:
    """Weaviate when WEAVIATE_URL is set, else the SQLite file at SUPPORTFLOW_KNOWLEDGE_DB; an
    LLM drafter when OPENAI_API_KEY is set, else extractive answers."""
    config = llm_config(settings)
    kb = open_knowledge_base(
        sqlite_path=settings.knowledge_db_path,
        weaviate_url=settings.weaviate_url,
        weaviate_api_key=(
            settings.weaviate_api_key.get_secret_value() if settings.weaviate_api_key else None
        ),
        llm=config,
    )
    drafter = OpenAIAnswerDrafter(make_client(config), config.model) if config else None
    return KnowledgeActivities(kb, drafter, knowledge_store_name(settings))


def knowledge_store_name(settings: Settings) -> str:
    """Where this process's knowledge base lives, as `kb ingest` reports it."""
    if settings.weaviate_url:
        return f"Weaviate at {settings.weaviate_url}"
    return f"SQLite file {settings.knowledge_db_path.resolve()} on {socket.gethostname()}"


def dispute_activities(
    stripe: tuple[str, str | None], store: CrmStore, slack: SlackApprovals | None
) -> DisputeActivities:
    """Chargebacks on the worker's Stripe (key, api_base), CRM and Slack (None: CRM notes only)."""
    return DisputeActivities(StripeDisputes(*stripe), store, slack)


def shopify_admin(settings: Settings) -> ShopifyAdmin | None:
    """The Shopify client when SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN are set; None keeps the
    CRM store as the only commerce system."""
    token = settings.shopify_access_token
    if not settings.shopify_shop or token is None:
        return None
    return ShopifyAdmin(
        settings.shopify_shop, token.get_secret_value(), base_url=settings.shopify_api_base
    )
