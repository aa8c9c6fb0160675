"""Delivery activities: plan a ticket's deliveries, deliver one event on one channel, record
a message that ran out of attempts. Sync (httpx and SQL block); Temporal owns every retry.

Exactly once per channel: the attempt is counted before sending, a delivery already recorded as
sent is returned as found, and the helpdesk is asked first whether an update carrying the
event's message id exists (a crash between its update and our record). Callbacks carry the same
`webhook-id` on every attempt, so a receiver that keeps the ids it processed (as Standard
Webhooks asks) acts once even when a worker died after the receiver answered.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.crm_errors import crm_errors
from activities.delivery_errors import delivery_failure
from activities.delivery_models import (
    DeliveryFailure,
    DeliveryPlanInput,
    DeliveryReceipt,
    DeliveryState,
    DeliveryTask,
)
from integrations.callbacks import CallbackSender
from integrations.crm_store import CrmStore
from integrations.delivery_models import OutboundEvent
from integrations.zendesk import ZendeskTickets
from integrations.zendesk_updates import zendesk_update


class DeliveryActivities:
    def __init__(
        self,
        store: CrmStore,
        callbacks: CallbackSender | None = None,
        zendesk: ZendeskTickets | None = None,
    ) -> None:
        self._store = store
        self._callbacks = callbacks or CallbackSender()
        self._zendesk = zendesk

    def all(self) -> list[Any]:
        return [self.plan_deliveries, self.deliver_case_event, self.record_delivery_failure]

    @activity.defn(name="plan_deliveries")
    def plan_deliveries(self, data: DeliveryPlanInput) -> list[DeliveryState]:
        helpdesks = frozenset({"zendesk"} if self._zendesk is not None else set())
        with crm_errors("plan_deliveries"):
            return self._store.plan_deliveries(data.ticket_id, helpdesks)

    @activity.defn(name="deliver_case_event")
    def deliver_case_event(self, task: DeliveryTask) -> DeliveryReceipt:
        attempt = activity.info().attempt
        with crm_errors("deliver_case_event"):
            state = self._store.record_delivery_attempt(task.event_id, task.channel, attempt)
            if state.status != "queued":
                return _found(task, state)
            event = self._store.outbound_event(task.event_id)
        try:
            provider_id, found = self._send(task.channel, event)
        except Exception as err:
            failure = delivery_failure(task.channel, err)
            with crm_errors("deliver_case_event"):
                self._store.record_delivery_attempt(
                    task.event_id, task.channel, attempt, error=f"{failure.type}: {failure.message}"
                )
            activity.logger.warning(
                "Delivery of event %s on %s, attempt %s: %s",
                task.event_id,
                task.channel,
                attempt,
                failure.message,
            )
            raise failure from None
        with crm_errors("deliver_case_event"):
            self._store.record_delivery_sent(task.event_id, task.channel, provider_id)
        return DeliveryReceipt(
            event_id=task.event_id,
            channel=task.channel,
            provider_message_id=provider_id,
            found=found,
        )

    @activity.defn(name="record_delivery_failure")
    def record_delivery_failure(self, data: DeliveryFailure) -> DeliveryState:
        with crm_errors("record_delivery_failure"):
            return self._store.record_delivery_failed(data.event_id, data.channel, data.reason)

    def _send(self, channel: str, event: OutboundEvent) -> tuple[str | None, bool]:
        if channel == "callback":
            return self._callbacks.send(event), False
        if channel == "zendesk":
            return self._send_to_zendesk(event)
        raise ApplicationError(
            f"no sender for channel {channel!r}", type="DeliveryMisconfigured", non_retryable=True
        )

    def _send_to_zendesk(self, event: OutboundEvent) -> tuple[str | None, bool]:
        if self._zendesk is None or event.source is None or not event.source.external_id:
            raise ValueError("Zendesk is not configured or the ticket has no Zendesk id")
        update = zendesk_update(event)
        if update is None:
            return None, False
        zendesk_id = event.source.external_id
        found = self._zendesk.find_update(zendesk_id, event.message_id)
        if found is not None:
            return found, True
        return self._zendesk.update_ticket(zendesk_id, event.message_id, update), False


def _found(task: DeliveryTask, state: DeliveryState) -> DeliveryReceipt:
    if state.status == "failed":
        raise ApplicationError(
            state.last_error or "delivery failed", type="DeliveryFailed", non_retryable=True
        )
    return DeliveryReceipt(
        event_id=task.event_id,
        channel=task.channel,
        provider_message_id=state.provider_message_id,
        found=True,
    )
