"""Hand-off tests run on a time-skipping server per module (SLA timers of hours and a reopen
window of days pass in milliseconds, without ageing what other modules seed), with the ticket
worker fixtures of the triage tests."""

from __future__ import annotations

from tests.triage.ticket_harness import knowledge, store, ticket_env, tickets

__all__ = ["knowledge", "store", "ticket_env", "tickets"]
