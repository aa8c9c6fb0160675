"""What the applicant reads. Pure functions."""

from __future__ import annotations

from activities.models import CaseState, CustomerReply
from policies.onboarding import OnboardingPolicy
from workflows.onboarding.steps import StepBook


def continue_link(policy: OnboardingPolicy, application_id: str) -> str:
    return policy.continue_url.replace("{application_id}", application_id)


def on_stop(
    state: CaseState, reason: str, application_id: str, book: StepBook | None
) -> CustomerReply:
    """The reply when a signup ends without an account: abandoned, closed by a person, or
    left with a person."""
    if state == "expired" and book is not None:
        step = book.next_for_customer() or ""
        rule = book.policy.step(step)
        link = continue_link(book.policy, application_id)
        return abandoned(application_id, rule.title if rule else step, link)
    if state == "rejected":
        return closed(application_id, reason)
    return under_review(application_id)


def reminder(application_id: str, step_title: str, link: str, number: int) -> CustomerReply:
    return CustomerReply(
        subject=f"[{application_id}] Finish your signup",
        body=f"Your signup is waiting at \u201c{step_title}\u201d. Pick up where you left off: "
        f"{link}" + (" (we will keep it open a little longer)" if number > 1 else ""),
    )


def welcome(application_id: str, name: str, plan_name: str, trial_days: int) -> CustomerReply:
    trial = f" Your first {trial_days} days are free." if trial_days else ""
    return CustomerReply(
        subject=f"[{application_id}] Welcome aboard",
        body=f"Hi {name}, your {plan_name} plan is ready.{trial}",
    )


def abandoned(application_id: str, step_title: str, link: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{application_id}] Your signup was closed",
        body=f"We closed your signup at \u201c{step_title}\u201d after hearing nothing for a "
        f"while. You can start again any time: {link}",
    )


def under_review(application_id: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{application_id}] We are looking at your signup",
        body="One of our team is checking something in your signup and will get back to you.",
    )


def closed(application_id: str, reason: str) -> CustomerReply:
    return CustomerReply(
        subject=f"[{application_id}] We cannot complete your signup",
        body=f"We are sorry: {reason}",
    )
