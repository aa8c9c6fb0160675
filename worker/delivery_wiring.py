"""The delivery activities from the settings: callbacks always, Zendesk when configured."""

from __future__ import annotations

from activities.delivery import DeliveryActivities
from integrations.callbacks import CallbackSender
from integrations.crm_store import CrmStore
from integrations.zendesk import ZendeskTickets
from worker.settings import Settings


def zendesk_base_url(settings: Settings) -> str | None:
    if settings.zendesk_api_base:
        return settings.zendesk_api_base
    if settings.zendesk_subdomain:
        return f"https://{settings.zendesk_subdomain}.zendesk.com"
    return None


def zendesk_tickets(settings: Settings) -> ZendeskTickets | None:
    base = zendesk_base_url(settings)
    token = settings.zendesk_api_token
    if base is None or not settings.zendesk_email or token is None or not token.get_secret_value():
        return None
    return ZendeskTickets(base, settings.zendesk_email, token.get_secret_value())


def delivery_activities(settings: Settings, store: CrmStore) -> DeliveryActivities | None:
    if not settings.delivery:
        return None
    return DeliveryActivities(store, CallbackSender(), zendesk_tickets(settings))
