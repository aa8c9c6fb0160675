"""The activities a ticket calls on its way to a route: the customer, triage, the help center,
the answer draft and the hand-off post. Each raises the activity's failure; the ticket workflow
decides what a failure means for the route."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.handoff import HandoffActivities
    from activities.knowledge import KnowledgeActivities
    from activities.models import CustomerContext
    from activities.routing import RoutingPolicyActivities
    from activities.ticket_models import (
        DraftAnswerInput,
        HandoffDelivery,
        HandoffInput,
        HandoffPackage,
        KnowledgeAnswer,
        KnowledgeSearchResult,
        RoutingPolicyInput,
        SearchKnowledgeInput,
        TriageInput,
    )
    from activities.triage import TriageActivities
    from integrations.knowledge.models import Passage
    from policies.loader import RoutingPolicySnapshot
    from policies.triage_schema import TriageResult
    from workflows.case.contract import process_workflow_id
    from workflows.case.opening import case_opening
    from workflows.case.options import HANDOFF_OPTIONS, LLM_OPTIONS, READ_OPTIONS, RECORD_OPTIONS
    from workflows.ticket.contract import TicketRequest

# What the triage and knowledge activities read of a ticket, whatever was appended by replies.
TEXT_LIMIT = 20_000
CHILD_ID_NAMESPACE_PATCH = "child-ids-outside-ticket-namespace"


async def load_routing_policy() -> RoutingPolicySnapshot:
    return await workflow.execute_activity_method(
        RoutingPolicyActivities.load_routing_policy, RoutingPolicyInput(), **READ_OPTIONS
    )


def child_workflow_id(process: str) -> str:
    """The id of the process this ticket starts. Child ids live outside the `ticket-` namespace,
    so no filed ticket id can collide; cases started before that keep their old ids."""
    case_id = workflow.info().workflow_id
    if workflow.patched(CHILD_ID_NAMESPACE_PATCH):
        return process_workflow_id(case_id, process)
    return f"{case_id}-{process}"


async def open_ticket_case(request: TicketRequest) -> CustomerContext:
    return await workflow.execute_activity_method(
        CrmActivities.open_case,
        case_opening(request, "ticket", channel=request.channel),
        **RECORD_OPTIONS,
    )


async def triage_text(request: TicketRequest, body: str) -> TriageResult:
    return await workflow.execute_activity_method(
        TriageActivities.triage_ticket,
        TriageInput(ticket_id=request.ticket_id, subject=request.subject, body=body[:TEXT_LIMIT]),
        **LLM_OPTIONS,
    )


async def search_help_center(question: str, top_k: int) -> KnowledgeSearchResult:
    return await workflow.execute_activity_method(
        KnowledgeActivities.search_knowledge,
        SearchKnowledgeInput(query=question[:TEXT_LIMIT], k=top_k, audience="public"),
        **READ_OPTIONS,
    )


async def draft_cited_answer(
    request: TicketRequest, question: str, passages: list[Passage], customer_name: str
) -> KnowledgeAnswer:
    return await workflow.execute_activity_method(
        KnowledgeActivities.draft_answer,
        DraftAnswerInput(
            ticket_id=request.ticket_id,
            question=question[:TEXT_LIMIT],
            passages=passages,
            customer_name=customer_name,
        ),
        **LLM_OPTIONS,
    )


async def post_handoff(package: HandoffPackage, slack_channel: str | None) -> HandoffDelivery:
    return await workflow.execute_activity_method(
        HandoffActivities.hand_off_ticket,
        HandoffInput(package=package, slack_channel=slack_channel),
        **HANDOFF_OPTIONS,
    )
