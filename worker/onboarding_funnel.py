"""Funnel figures from real signups, read from the CRM's application records: how many finish,
where the others stop, and how long a finished signup takes."""

from __future__ import annotations

from statistics import median

from pydantic import BaseModel

from integrations.crm_onboarding import ApplicationView


class StepFunnel(BaseModel):
    step: str
    reached: int
    done: int
    stopped_here: int


class OnboardingFunnel(BaseModel):
    started: int
    completed: int
    abandoned: int
    closed: int
    open: int
    completion_rate: float | None
    steps: list[StepFunnel]
    median_hours_to_complete: float | None
    max_hours_to_complete: float | None


def onboarding_funnel(applications: list[ApplicationView], steps: list[str]) -> OnboardingFunnel:
    """`steps` in policy order. A step is reached when it was submitted at least once, done
    when its last check passed; an ended signup that is not completed stopped at its first step
    not done."""
    by_status = {s: 0 for s in ("completed", "abandoned", "closed", "expired", "open")}
    for app in applications:
        by_status[app.status] = by_status.get(app.status, 0) + 1
    per_step = []
    for name in steps:
        reached = sum(1 for a in applications if "submitted_at" in a.steps.get(name, {}))
        done = sum(1 for a in applications if _done(a, name))
        stopped = sum(
            1
            for a in applications
            if a.status not in ("open", "completed") and _stopped_at(a, steps) == name
        )
        per_step.append(StepFunnel(step=name, reached=reached, done=done, stopped_here=stopped))
    hours = [
        (a.closed_at - a.started_at).total_seconds() / 3600
        for a in applications
        if a.status == "completed" and a.closed_at is not None
    ]
    started = len(applications)
    return OnboardingFunnel(
        started=started,
        completed=by_status["completed"],
        abandoned=by_status["abandoned"],
        closed=by_status["closed"] + by_status["expired"],
        open=by_status["open"],
        completion_rate=round(by_status["completed"] / started, 4) if started else None,
        steps=per_step,
        median_hours_to_complete=round(median(hours), 2) if hours else None,
        max_hours_to_complete=round(max(hours), 2) if hours else None,
    )


def _done(app: ApplicationView, step: str) -> bool:
    timing = app.steps.get(step, {})
    done_at = timing.get("done_at")
    later = [timing.get(k) for k in ("refused_at", "escalated_at") if timing.get(k)]
    return isinstance(done_at, str) and all(done_at >= str(t) for t in later)


def _stopped_at(app: ApplicationView, steps: list[str]) -> str | None:
    return app.stopped_at or next((s for s in steps if not _done(app, s)), None)
