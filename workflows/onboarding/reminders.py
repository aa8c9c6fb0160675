"""When a stalled signup hears from us next: reminders at the policy's offsets after the
customer's last progress, then abandonment. Pure, so the schedule is tested as a table."""

from __future__ import annotations

from datetime import datetime, timedelta

from policies.onboarding import OnboardingPolicy


def next_wake(
    policy: OnboardingPolicy, last_progress: datetime, reminders_sent: int
) -> tuple[datetime, bool]:
    """(when, abandon): the next reminder's time, or the abandonment deadline once every
    reminder since the last progress has gone out."""
    offsets = policy.reminder_offsets_days
    if reminders_sent < len(offsets):
        return last_progress + timedelta(days=offsets[reminders_sent]), False
    return last_progress + timedelta(days=policy.abandon_after_days), True
