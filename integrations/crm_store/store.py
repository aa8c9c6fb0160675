"""CrmStore: the embedded CRM and order store behind the CRM and commerce activities.

One method is one transaction. Every write an activity makes is idempotent (see `writes`), so
Temporal can retry any of them; the operations themselves live in `approvals`, `cases`, `holds`
and `keys`, and the store's methods over them in the `*_records` modules, one per kind of record.
"""

from __future__ import annotations

from integrations.crm_store.approval_records import ApprovalRecords
from integrations.crm_store.callback_records import CallbackRecords
from integrations.crm_store.case_records import CaseRecords
from integrations.crm_store.decision_records import DecisionRecords
from integrations.crm_store.delivery_records import DeliveryRecords
from integrations.crm_store.delivery_report import DeliveryReport
from integrations.crm_store.example_records import ExampleRecords
from integrations.crm_store.handoff_records import HandoffRecords
from integrations.crm_store.hold_records import OrderHoldRecords
from integrations.crm_store.intake_records import IntakeRecords
from integrations.crm_store.key_records import ApiKeyRecords
from integrations.crm_store.outcome_reads import OutcomeReads


class CrmStore(
    IntakeRecords,
    ApprovalRecords,
    ApiKeyRecords,
    CaseRecords,
    OrderHoldRecords,
    HandoffRecords,
    DecisionRecords,
    OutcomeReads,
    ExampleRecords,
    DeliveryRecords,
    DeliveryReport,
    CallbackRecords,
):
    """The CRM tables behind one SQLAlchemy engine (SQLite file or PostgreSQL).

    `clock` stamps rows whose time is not part of the input (creation times); tests and demo
    seeding pass their own to place refunds and tickets in the past.
    """
