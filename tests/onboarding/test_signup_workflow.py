"""OnboardingWorkflow on a real worker (time-skipping server, no workflow cache), asserting in
the systems of record: the CRM (application, account, outbox) and the Stripe sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store import CrmStore, CustomerView
from integrations.stripe_onboarding import StripeOnboarding
from tests.onboarding.conftest import ADDRESS, CONTACT, PAYMENT, PLAN, Signups
from workflows.case.contract import ApprovalDecision
from workflows.onboarding.contract import OnboardingOutcome, onboarding_workflow_id
from workflows.onboarding.workflow import OnboardingWorkflow


def _updates_accepted(history: object) -> int:
    return sum(
        1
        for e in history.events  # type: ignore[attr-defined]
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    )


async def test_multi_day_signup_is_provisioned_once(
    signups: Signups, crm_store: CrmStore, signup_stripe: StripeOnboarding
) -> None:
    handle = await signups.start("APP-DAYS")
    refused = await signups.refused(handle, "contact", {"email": "not-an-email", "full_name": ""})
    assert refused.type == "InvalidStep"
    assert refused.details == ({"email": "not a valid email", "full_name": "required"},)
    card = await signups.refused(handle, "contact", CONTACT | {"full_name": "4242 4242 4242 4242"})
    assert card.details == (
        {"full_name": "looks like a card number; cards go in the payment form only"},
    )
    out_of_order = await signups.refused(handle, "plan", PLAN)
    assert out_of_order.type == "StepOutOfOrder"

    receipt = await signups.submit(handle, "contact", CONTACT)
    assert receipt.submission == 1 and receipt.next_step == "address"
    await signups.settled(handle)
    await signups.env.sleep(timedelta(days=2))  # one reminder goes out meanwhile
    await signups.submit(handle, "address", ADDRESS)
    await signups.settled(handle)
    await signups.env.sleep(timedelta(days=2))
    await signups.submit(handle, "plan", PLAN)
    await signups.settled(handle)
    await signups.submit(handle, "payment", PAYMENT)
    outcome: OnboardingOutcome = await handle.result()

    assert outcome.state == "resolved" and outcome.account_id == "acct-APP-DAYS"
    assert (outcome.policy_version or "").startswith("onboarding-2026-12-05@")
    # Stripe: one customer, one subscription with the policy's trial.
    customers = signup_stripe.customers_for("APP-DAYS", CONTACT["email"])
    assert len(customers) == 1
    assert signup_stripe.subscriptions_for(customers[0], "APP-DAYS") == [outcome.subscription_id]
    # CRM: one account, the application completed with every step's timing.
    crm = OnboardingCrm(crm_store)
    accounts = crm.accounts_for("APP-DAYS")
    assert [a.stripe_subscription_id for a in accounts] == [outcome.subscription_id]
    [application] = [a for a in crm.applications() if a.application_id == "APP-DAYS"]
    assert application.status == "completed" and set(application.steps) == {
        "contact",
        "address",
        "plan",
        "payment",
    }
    assert all("done_at" in timing for timing in application.steps.values())
    outbox = crm_store.list_outbox(onboarding_workflow_id("APP-DAYS"))
    assert [m.subject for m in outbox] == [
        "[APP-DAYS] Finish your signup",
        "[APP-DAYS] Finish your signup",
        "[APP-DAYS] Welcome aboard",
    ]
    assert outbox[-1].recipient == CONTACT["email"]
    # Refused submissions left no trace: only the four accepted ones are in history.
    assert _updates_accepted(await handle.fetch_history()) == 4
    await signups.keep(handle, "completed")


async def test_stalled_signup_is_reminded_then_abandoned(
    signups: Signups, crm_store: CrmStore
) -> None:
    handle = await signups.start("APP-STALL")
    await signups.submit(handle, "contact", CONTACT | {"email": "stall@example.com"})
    outcome: OnboardingOutcome = await handle.result()  # the server skips the 14 days

    assert outcome.state == "expired" and outcome.stopped_at == "address"
    status = await signups.status(handle)
    assert status.reminders_sent == 3
    outbox = crm_store.list_outbox(onboarding_workflow_id("APP-STALL"))
    assert [m.subject for m in outbox] == [
        "[APP-STALL] Finish your signup",
        "[APP-STALL] Finish your signup",
        "[APP-STALL] Finish your signup",
        "[APP-STALL] Your signup was closed",
    ]
    assert "https://signup.example.com/continue/APP-STALL" in outbox[0].body
    [application] = [
        a for a in OnboardingCrm(crm_store).applications() if a.application_id == "APP-STALL"
    ]
    assert application.status == "abandoned" and application.stopped_at == "address"
    await signups.keep(handle, "abandoned")


async def test_back_edit_rechecks_the_plan_and_a_person_corrects_it(
    signups: Signups, crm_store: CrmStore
) -> None:
    handle = await signups.start("APP-EDIT")
    await signups.submit(handle, "contact", CONTACT | {"email": "edit@example.com"})
    await signups.submit(handle, "address", ADDRESS | {"region": "central"})
    await signups.submit(handle, "plan", {"plan_id": "max_5g", "device_model": "iphone-16"})
    status = await signups.settled(handle)
    assert [s.state for s in status.steps] == ["done", "done", "done", "pending"]
    assert status.workflow_type == "OnboardingWorkflow"  # how generic readers tell it apart

    receipt = await signups.submit(handle, "address", ADDRESS | {"region": "north"})
    assert receipt.rechecking == ["plan"]
    status = await signups.wait_for(handle, lambda s: s.state == "awaiting_approval")
    assert status.failed_check == "compatibility"
    assert status.recommendation is not None and "Plus 5G (plus_5g" in status.recommendation
    pending = status.pending_approval
    assert pending is not None and pending.action == "onboarding exception"
    assert "plan.plan_id: max_5g" in pending.lines

    # A person corrects the plan: the request is withdrawn and the plan checked again.
    await signups.submit(
        handle, "plan", {"plan_id": "plus_5g", "device_model": "iphone-16"}, by="carol"
    )
    status = await signups.settled(handle)
    assert [s.state for s in status.steps] == ["done", "done", "done", "pending"]
    assert status.pending_approval is None
    await signups.submit(handle, "payment", PAYMENT)
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "resolved"
    assert [a.plan_id for a in OnboardingCrm(crm_store).accounts_for("APP-EDIT")] == ["plus_5g"]


async def test_incompatible_device_escalates_and_the_exception_is_approved(
    signups: Signups, crm_store: CrmStore
) -> None:
    handle = await signups.start("APP-EXC")
    await signups.submit(handle, "contact", CONTACT | {"email": "exc@example.com"})
    await signups.submit(handle, "address", ADDRESS)
    await signups.submit(handle, "plan", {"plan_id": "plus_5g", "device_model": "nokia-g42"})
    status = await signups.wait_for(handle, lambda s: s.state == "awaiting_approval")
    assert status.recommendation is not None and "Basic 5G" in status.recommendation
    # The applicant goes on with a step the exception is not about: the request stays.
    await signups.submit(handle, "payment", PAYMENT)
    status = await signups.status(handle)
    assert status.state == "awaiting_approval"
    pending = status.pending_approval
    assert pending is not None
    receipt = await handle.execute_update(
        OnboardingWorkflow.decide_approval,
        ApprovalDecision(
            request_id=pending.request_id, approver="carol", decision="approve", reason="ok"
        ),
    )
    assert receipt.status == "approved"
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "resolved"
    status = await signups.status(handle)
    assert status.steps[2].state == "done" and status.steps[2].exception_by == "carol"
    approval = crm_store.get_approval(pending.request_id)
    assert approval is not None and approval.status == "approved"
    await signups.keep(handle, "exception_approved")


async def test_ineligible_country_is_closed_by_a_person(
    signups: Signups, crm_store: CrmStore
) -> None:
    handle = await signups.start("APP-FR")
    await signups.submit(handle, "contact", CONTACT | {"email": "fr@example.com"})
    await signups.submit(handle, "address", ADDRESS | {"country": "FR"})
    status = await signups.wait_for(handle, lambda s: s.state == "awaiting_approval")
    assert status.failed_check == "eligibility"
    pending = status.pending_approval
    assert pending is not None
    await handle.execute_update(
        OnboardingWorkflow.decide_approval,
        ApprovalDecision(
            request_id=pending.request_id,
            approver="dave",
            decision="reject",
            reason="not serving France",
        ),
    )
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "rejected" and "dave" in outcome.resolution
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # the case has ended
        await signups.submit(handle, "address", ADDRESS)
    [application] = [
        a for a in OnboardingCrm(crm_store).applications() if a.application_id == "APP-FR"
    ]
    assert application.status == "closed"


async def test_backend_refusals_are_field_errors_the_applicant_can_fix(
    signups: Signups, crm_store: CrmStore
) -> None:
    crm_store.add_customer(
        CustomerView(id="c-known", name="Known", email="known@example.com", tier="standard")
    )
    handle = await signups.start("APP-FIX")
    await signups.submit(handle, "contact", CONTACT | {"email": "known@example.com"})
    status = await signups.settled(handle)
    assert status.steps[0].state == "needs_input"
    assert status.field_errors == {
        "contact": {"email": "already a customer; sign in to change your plan"}
    }
    await signups.submit(handle, "contact", CONTACT | {"email": "fix@example.com"})
    await signups.submit(handle, "address", ADDRESS)
    await signups.submit(handle, "plan", PLAN)
    await signups.submit(handle, "payment", {"payment_method": "pm_card_visa_chargeDeclined"})
    status = await signups.settled(handle)
    assert status.field_errors == {"payment": {"payment_method": "declined; try another card"}}
    assert status.next_step == "payment"


async def test_an_existing_customer_upgrading_keeps_their_email_and_customer(
    signups: Signups, crm_store: CrmStore
) -> None:
    crm_store.add_customer(
        CustomerView(id="c-upgrade", name="Uma", email="uma@example.com", tier="gold")
    )
    handle = await signups.start("APP-UP", customer_id="c-upgrade")
    await signups.submit(handle, "contact", CONTACT | {"email": "uma@example.com"})
    await signups.submit(handle, "address", ADDRESS)
    await signups.submit(handle, "plan", PLAN)
    await signups.submit(handle, "payment", PAYMENT)
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "resolved"
    [account] = OnboardingCrm(crm_store).accounts_for("APP-UP")
    assert account.customer_id == "c-upgrade"
    customer = crm_store.get_customer("c-upgrade")
    assert customer is not None and customer.tier == "gold"  # the customer row is unchanged


async def test_changing_the_email_after_payment_keeps_one_stripe_customer(
    signups: Signups, signup_stripe: StripeOnboarding
) -> None:
    handle = await signups.start("APP-MAIL")
    await signups.submit(handle, "contact", CONTACT | {"email": "old@example.com"})
    await signups.submit(handle, "address", ADDRESS)
    await signups.submit(handle, "payment", PAYMENT)
    status = await signups.settled(handle)
    assert [s.state for s in status.steps] == ["done", "done", "pending", "done"]

    receipt = await signups.submit(handle, "contact", CONTACT | {"email": "new@example.com"})
    assert receipt.rechecking == ["address", "payment"]
    status = await signups.settled(handle)
    assert [s.state for s in status.steps] == ["done", "done", "pending", "done"]
    await signups.submit(handle, "plan", PLAN)
    outcome: OnboardingOutcome = await handle.result()
    assert outcome.state == "resolved"
    assert signup_stripe.customers_for("APP-MAIL", "old@example.com") == []
    [customer] = signup_stripe.customers_for("APP-MAIL", "new@example.com")
    assert signup_stripe.subscriptions_for(customer, "APP-MAIL") == [outcome.subscription_id]


async def test_an_exception_nobody_decides_expires_to_a_person(
    signups: Signups, crm_store: CrmStore
) -> None:
    handle = await signups.start("APP-IDLE")
    await signups.submit(handle, "contact", CONTACT | {"email": "idle@example.com"})
    await signups.submit(handle, "address", ADDRESS | {"country": "FR"})
    await signups.wait_for(handle, lambda s: s.state == "awaiting_approval")
    outcome: OnboardingOutcome = await handle.result()  # the server skips the 48 hours
    assert outcome.state == "escalated"
    assert outcome.resolution == "No decision on the eligibility exception in time."
    [application] = [
        a for a in OnboardingCrm(crm_store).applications() if a.application_id == "APP-IDLE"
    ]
    assert application.status == "expired"
    outbox = crm_store.list_outbox(onboarding_workflow_id("APP-IDLE"))
    assert [m.subject for m in outbox] == ["[APP-IDLE] We are looking at your signup"]
