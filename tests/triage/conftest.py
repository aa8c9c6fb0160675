"""Fixtures for triage tests: the loopback OpenAI-compatible fake."""

from tests.triage.fake_openai import fake_openai

__all__ = ["fake_openai"]
