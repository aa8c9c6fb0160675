"""Wiring for TicketWorkflow: its activities, built from the worker's settings.

worker_app.py adds `ticket_activity_list(...)` to its activities (the workflow itself comes from
the process registry). The CRM activities TicketWorkflow also calls (`open_case`, `record_case_outcome`,
`record_audit`) are already registered by the refund wiring and are not repeated here.
"""

from __future__ import annotations

from typing import Any

from activities.handoff import HandoffActivities
from activities.handoff_review import HandoffReviewActivities
from activities.knowledge import KnowledgeActivities
from activities.routing import RoutingPolicyActivities
from activities.triage import TriageActivities
from integrations.crm_store import CrmStore
from integrations.slack_approvals import SlackApprovals
from worker.activity_wiring import knowledge_activities, triage_activities
from worker.settings import Settings


def ticket_activity_list(
    store: CrmStore,
    settings: Settings,
    *,
    slack: SlackApprovals | None = None,
    triage: TriageActivities | None = None,
    knowledge: KnowledgeActivities | None = None,
    routing: RoutingPolicyActivities | None = None,
) -> list[Any]:
    """Triage (OpenAI when OPENAI_API_KEY is set, else rules), knowledge (Weaviate when
    WEAVIATE_URL is set, else SQLite FTS5), the routing policy and hand-offs (Slack when a
    client is given, else CRM note + log). Tests pass their own objects for any of them."""
    # The CRM lists saved triage examples once its `labelled_examples` table exists.
    saved = store if hasattr(store, "list_labelled_examples") else None
    triage = triage or triage_activities(settings, saved)
    knowledge = knowledge or knowledge_activities(settings)
    routing = routing or RoutingPolicyActivities(settings.routing_policy_path)
    handoff = HandoffActivities(store, slack)
    review = HandoffReviewActivities(store, slack)
    return [
        triage.triage_ticket,
        knowledge.search_knowledge,
        knowledge.draft_answer,
        knowledge.ingest_help_center_batch,
        routing.load_routing_policy,
        handoff.hand_off_ticket,
        handoff.queue_customer_message,
        review.record_handoff,
        review.post_handoff_notice,
    ]
