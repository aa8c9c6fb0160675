"""Fixtures for triage and ticket-workflow tests."""

from __future__ import annotations

from tests.triage.fake_openai import fake_openai
from tests.triage.ticket_harness import ticket_env

__all__ = ["fake_openai", "ticket_env"]
