"""How hard outbound delivery tries (`policies/delivery.json`): attempts per channel and their
spacing. After `max_attempts` a message is failed, visible on the ticket and in the counts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeliveryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    max_attempts: int = Field(ge=1, le=100)
    initial_interval_seconds: float = Field(gt=0, le=3600)
    backoff_coefficient: float = Field(ge=1.0, le=10.0)
    maximum_interval_seconds: float = Field(gt=0, le=86_400)
    # Must exceed the HTTP client's timeout (10 s), so an attempt ends by itself first.
    attempt_timeout_seconds: float = Field(gt=10, le=600)
    # How long a ticket's delivery workflow waits for more events before it completes; the next
    # event starts it again.
    idle_close_seconds: float = Field(gt=0, le=86_400)
    deliveries_per_run: int = Field(ge=1, le=10_000)
