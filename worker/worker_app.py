"""The supportflow worker: every workflow and activity, wired to the systems in the settings."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.billing import BillingActivities
from activities.billing_credits import BillingCreditActivities
from activities.billing_history import BillingHistoryActivities
from activities.chat import ChatActivities
from activities.commerce import CommerceActivities
from activities.crm import CrmActivities
from activities.delivery import DeliveryActivities
from activities.disputes import DisputeActivities
from activities.onboarding import OnboardingActivities
from activities.onboarding_billing import OnboardingBillingActivities
from activities.policy import PolicyActivities
from activities.shopify_refunds import ShopifyRefundActivities
from integrations.commerce import CommercePort, OrdersByShop, SqlCommerce
from integrations.commerce_catalogue import SqlCatalogue
from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store.store import CrmStore
from integrations.shopify_orders import ShopifyCommerce
from integrations.shopify_refunds import ShopifyRefunds
from integrations.stripe_billing import StripeBilling
from integrations.stripe_billing_history import StripeBillingHistory
from integrations.stripe_credits import StripeCredits
from integrations.stripe_onboarding import StripeOnboarding
from policies.loader import load_refund_policy
from worker.activity_wiring import (
    chat_activities,
    dispute_activities,
    shopify_admin,
    slack_approvals,
)
from worker.delivery_dispatch import dispatch_outbox
from worker.delivery_wiring import delivery_activities
from worker.settings import STRIPE_API_BASE_DEFAULT_KEY, Settings, get_settings
from worker.telemetry import configure_tracing, install_worker_runtime
from worker.temporal_client import connect_temporal
from worker.ticket_activities import ticket_activity_list
from worker.versioning import deployment_config, registered_workflows
from workflows.delivery.workflow import DeliveryWorkflow
from workflows.help_center.workflow import HelpCenterIngestWorkflow
from workflows.registry import workflow_classes

log = logging.getLogger("supportflow.worker")

# Every registered process's workflow (refund, triage, and whatever the registry adds), the
# delivery of what their cases queue, and help-center ingests run through the worker (neither
# is a support process: no registry entry).
WORKFLOWS: list[type] = [*workflow_classes(), DeliveryWorkflow, HelpCenterIngestWorkflow]


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
    # Stripe disputes for ChargebackWorkflow (and the refund case's link to it).
    disputes: DisputeActivities | None = None
    # Customer balance credits for billing disputes (policy: what is credited, not refunded).
    credits: StripeCredits | None = None
    # Stripe for signups (customer, payment set-up, subscription); tests of other processes
    # leave it out, and the onboarding's Stripe activities with it.
    signup_billing: StripeOnboarding | None = None
    # Shopify's orders and refunds (issue 11); None: the store's orders only.
    commerce: CommercePort | None = None
    shopify_refunds: ShopifyRefunds | None = None
    # Outbound delivery (SUPPORTFLOW_DELIVERY): callbacks and the helpdesk; None: off.
    delivery: DeliveryActivities | None = None


def stripe_credentials(settings: Settings) -> tuple[str, str | None]:
    """(API key, api_base) for every Stripe client of the worker."""
    key = settings.stripe_api_key
    if key is None and settings.stripe_api_base is None:
        raise SystemExit(
            "Stripe is not configured: set STRIPE_API_KEY (real Stripe test mode) or "
            "STRIPE_API_BASE (the local sandbox that `supportflow run` starts)."
        )
    return key.get_secret_value() if key else STRIPE_API_BASE_DEFAULT_KEY, settings.stripe_api_base


def stripe_from_settings(settings: Settings) -> StripeBilling:
    return StripeBilling(*stripe_credentials(settings))


def signup_stripe_from_settings(settings: Settings) -> StripeOnboarding:
    return StripeOnboarding(*stripe_credentials(settings))


def deps_from_settings(settings: Settings) -> WorkerDeps:
    store = CrmStore(settings.database_url)
    store.migrate()
    policy = load_refund_policy(settings.policy_path).policy
    sql, shopify = SqlCommerce(store), shopify_admin(settings)
    return WorkerDeps(
        signup_billing=signup_stripe_from_settings(settings),
        store=store,
        billing=stripe_from_settings(settings),
        # Slack user-group members decide as the person their account is linked to.
        chat=chat_activities(settings, policy, person_for_slack_user=store.person_for_slack_user),
        policy=PolicyActivities(settings.policy_path),
        ticket=ticket_activity_list(store, settings, slack=slack_approvals(settings)),
        disputes=dispute_activities(stripe_credentials(settings), store, slack_approvals(settings)),
        credits=StripeCredits(*stripe_credentials(settings)),
        commerce=OrdersByShop(ShopifyCommerce(shopify, sql.customer_id_for_email), sql)
        if shopify
        else None,
        shopify_refunds=ShopifyRefunds(shopify) if shopify else None,
        delivery=delivery_activities(settings, store),
    )


def activity_list(deps: WorkerDeps) -> list[Any]:
    crm = CrmActivities(deps.store)
    commerce = CommerceActivities(deps.commerce or SqlCommerce(deps.store))
    shopify = ShopifyRefundActivities(deps.shopify_refunds)
    billing = BillingActivities(deps.billing)
    history = BillingHistoryActivities(StripeBillingHistory(deps.billing.client))
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
        history.load_billing_history,
        shopify.get_shopify_refundable,
        shopify.issue_shopify_refund,
        chat.post_approval_request,
        chat.update_approval_message,
        chat.post_approval_reminder,
        deps.policy.load_refund_policy,
        # Policies of processes that validate their own file (policies/<process>.json).
        deps.policy.load_process_policy,
        *deps.ticket,
        *(deps.disputes.all() if deps.disputes else []),
        *([BillingCreditActivities(deps.credits).issue_credit] if deps.credits else []),
        *onboarding_activities(deps),
        *(deps.delivery.all() if deps.delivery else []),
    ]


def onboarding_activities(deps: WorkerDeps) -> list[Any]:
    signup = OnboardingActivities(OnboardingCrm(deps.store), SqlCatalogue(deps.store))
    found: list[Any] = [
        signup.open_application,
        signup.check_signup_email,
        signup.record_step,
        signup.close_application,
        signup.check_plan_compatibility,
        signup.create_account,
    ]
    if deps.signup_billing is not None:
        stripe = OnboardingBillingActivities(deps.signup_billing)
        found += [stripe.set_up_payment, stripe.start_subscription]
    return found


def build_worker(
    client: Client,
    settings: Settings,
    *,
    deps: WorkerDeps | None = None,
    task_queue: str | None = None,
    max_cached_workflows: int | None = None,
) -> Worker:
    deps = deps or deps_from_settings(settings)
    deployment = deployment_config(settings.deployment_name, settings.build_id)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=registered_workflows(WORKFLOWS, deployment),
        activities=activity_list(deps),
        # Activities are sync (Stripe, Slack and SQL clients block); Temporal owns their retries.
        activity_executor=ThreadPoolExecutor(max_workers=16),
        max_concurrent_activities=16,
        max_cached_workflows=settings.max_cached_workflows
        if max_cached_workflows is None
        else max_cached_workflows,
        # On SIGTERM the worker stops polling and lets running activities finish this long.
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
        deployment_config=deployment,
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    # SDK metrics and traces before the first connection: the runtime is fixed once used.
    install_worker_runtime(settings.worker_metrics_address)
    configure_tracing("supportflow-worker")
    client = await connect_temporal(settings)
    worker = build_worker(client, settings)
    log.info(
        "Worker polling task queue %s on %s",
        settings.task_queue,
        client.service_client.config.target_host,
    )
    if not settings.delivery:
        await worker.run()
        return
    store = CrmStore(settings.database_url)
    dispatcher = asyncio.create_task(dispatch_outbox(client, store, settings.task_queue))
    try:
        await worker.run()
    finally:
        dispatcher.cancel()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker())
