"""The CRM store: customers, orders, tickets and case records in SQLite or PostgreSQL.

No Temporal imports here; the CRM and commerce activities wrap this package.
"""

from integrations.crm_store import (
    delivery_tables,  # noqa: F401  (registers delivery tables)
    onboarding_tables,  # noqa: F401  (registers the signup tables)
)
from integrations.crm_store.approvals import ApprovalNotFound
from integrations.crm_store.keys import ApiKeyRefused, ApiKeyView, IssuedKey, VerifiedKey
from integrations.crm_store.store import CrmStore
from integrations.crm_store.transactions import Clock, utc_now
from integrations.crm_store.views import (
    ApprovalView,
    AuditEventView,
    CustomerView,
    NewOrder,
    NewPayment,
    OutboxMessageView,
    RefundView,
    TicketView,
)
from integrations.crm_store.writes import TicketNotFound

__all__ = [
    "ApiKeyRefused",
    "ApiKeyView",
    "ApprovalNotFound",
    "ApprovalView",
    "AuditEventView",
    "Clock",
    "CrmStore",
    "CustomerView",
    "IssuedKey",
    "NewOrder",
    "NewPayment",
    "OutboxMessageView",
    "RefundView",
    "TicketNotFound",
    "TicketView",
    "VerifiedKey",
    "utc_now",
]
