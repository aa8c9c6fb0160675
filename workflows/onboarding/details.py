"""What the Temporal UI shows as an onboarding's current details."""

from __future__ import annotations

from workflows.onboarding.contract import OnboardingStatus

_MARK = {"done": "✅", "submitted": "⏳", "needs_input": "✏️", "escalated": "🙋", "pending": "·"}


def onboarding_details(status: OnboardingStatus) -> str:
    lines = [
        f"**Onboarding** · application `{status.application_id}` · "
        f"**{status.state.replace('_', ' ')}**"
    ]
    for step in status.steps:
        extra = f" (exception by {step.exception_by})" if step.exception_by else ""
        lines.append(f"- {_MARK.get(step.state, '·')} {step.title}: {step.state}{extra}")
    if status.failed_check:
        lines.append(f"- Failed check: {status.failed_check}")
    if status.recommendation:
        lines.append(f"- Recommended: {status.recommendation}")
    if status.reminders_sent:
        lines.append(f"- Reminders sent: {status.reminders_sent}")
    if status.subscription_id:
        lines.append(f"- Subscription: {status.subscription_id}")
    if status.resolution:
        lines.append(f"- Resolution: {status.resolution}")
    return "\n".join(lines)
