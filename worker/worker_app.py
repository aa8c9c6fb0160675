"""The supportflow worker: every workflow and activity, wired to the systems in the settings."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.billing import BillingActivities
from activities.chat import ChatActivities
from activities.commerce import CommerceActivities
from activities.crm import CrmActivities
from activities.policy import PolicyActivities
from activities.shopify_refunds import ShopifyRefundActivities
from integrations.commerce import CommercePort, OrdersByShop, SqlCommerce
from integrations.crm_store.store import CrmStore
from integrations.shopify_orders import ShopifyCommerce
from integrations.shopify_refunds import ShopifyRefunds
from integrations.stripe_billing import StripeBilling
from policies.loader import load_refund_policy
from worker.activity_wiring import chat_activities, shopify_admin, slack_approvals
from worker.settings import STRIPE_API_BASE_DEFAULT_KEY, Settings, get_settings
from worker.temporal_client import connect_temporal
from worker.ticket_activities import ticket_activity_list
from workflows.registry import workflow_classes

log = logging.getLogger("supportflow.worker")

# Every registered process's workflow (refund, triage, and whatever the registry adds).
WORKFLOWS: list[type] = workflow_classes()


@dataclass
class WorkerDeps:
    """The side-effect objects activities use; tests pass their own to point at loopback fakes."""

    store: CrmStore
    billing: StripeBilling
    chat: ChatActivities
    policy: PolicyActivities
    # Triage, knowledge, routing and hand-off activities for TicketWorkflow; tests of the refund
    # process alone leave them out.
    ticket: list[Any] = field(default_factory=list)
    # Shopify's orders and refunds (issue 11); None: the store's orders only.
    commerce: CommercePort | None = None
    shopify_refunds: ShopifyRefunds | None = None


def stripe_from_settings(settings: Settings) -> StripeBilling:
    key = settings.stripe_api_key
    if key is None and settings.stripe_api_base is None:
        raise SystemExit(
            "Stripe is not configured: set STRIPE_API_KEY (real Stripe test mode) or "
            "STRIPE_API_BASE (the local sandbox that `supportflow run` starts)."
        )
    return StripeBilling(
        key.get_secret_value() if key else STRIPE_API_BASE_DEFAULT_KEY, settings.stripe_api_base
    )


def deps_from_settings(settings: Settings) -> WorkerDeps:
    store = CrmStore(settings.database_url)
    store.migrate()
    policy = load_refund_policy(settings.policy_path).policy
    sql, shopify = SqlCommerce(store), shopify_admin(settings)
    return WorkerDeps(
        store=store,
        billing=stripe_from_settings(settings),
        # Slack user-group members decide as the person their account is linked to.
        chat=chat_activities(settings, policy, person_for_slack_user=store.person_for_slack_user),
        policy=PolicyActivities(settings.policy_path),
        ticket=ticket_activity_list(store, settings, slack=slack_approvals(settings)),
        commerce=OrdersByShop(ShopifyCommerce(shopify, sql.customer_id_for_email), sql)
        if shopify
        else None,
        shopify_refunds=ShopifyRefunds(shopify) if shopify else None,
    )


def activity_list(deps: WorkerDeps) -> list[Any]:
    crm = CrmActivities(deps.store)
    commerce = CommerceActivities(deps.commerce or SqlCommerce(deps.store))
    shopify = ShopifyRefundActivities(deps.shopify_refunds)
    billing = BillingActivities(deps.billing)
    chat = deps.chat
    return [
        crm.open_case,
        crm.record_approval_request,
        crm.set_approval_message,
        crm.record_approval_decision,
        crm.record_case_outcome,
        crm.record_audit,
        # One money case per order at a time (issue 7, money counted whole).
        crm.hold_order_for_money,
        crm.release_order_hold,
        commerce.load_order,
        billing.get_charge_state,
        billing.issue_refund,
        shopify.get_shopify_refundable,
        shopify.issue_shopify_refund,
        chat.post_approval_request,
        chat.update_approval_message,
        chat.post_approval_reminder,
        deps.policy.load_refund_policy,
        # Policies of processes that validate their own file (policies/<process>.json).
        deps.policy.load_process_policy,
        *deps.ticket,
    ]


def build_worker(
    client: Client,
    settings: Settings,
    *,
    deps: WorkerDeps | None = None,
    task_queue: str | None = None,
    max_cached_workflows: int | None = None,
) -> Worker:
    deps = deps or deps_from_settings(settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        activities=activity_list(deps),
        # Activities are sync (Stripe, Slack and SQL clients block); Temporal owns their retries.
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
        max_cached_workflows=1000 if max_cached_workflows is None else max_cached_workflows,
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    client = await connect_temporal()
    worker = build_worker(client, settings)
    log.info(
        "Worker polling task queue %s on %s",
        settings.task_queue,
        client.service_client.config.target_host,
    )
    await worker.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker())
