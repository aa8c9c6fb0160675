"""AddressChangeWorkflow: the example process of docs/adding-a-process.md.

Asks the customer for a new delivery address, checks it field by field against the policy while
the customer is still at the form, and records the change with the reply. Everything but the
address rules comes from the case kernel.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.handoff import HandoffActivities
    from activities.models import (
        CaseOutcomeRecord,
        CaseState,
        CustomerReply,
        OpenCaseInput,
        ProcessPolicyInput,
    )
    from activities.policy import PolicyActivities
    from activities.ticket_models import CustomerMessageInput
    from tests.process_kit.address_change import replies
    from tests.process_kit.address_change.contract import (
        ADDRESS_CHANGE_WORKFLOW,
        PROVIDE_ADDRESS_UPDATE,
        AddressChangeOutcome,
        AddressChangeRequest,
        AddressChangeStatus,
        NewAddress,
    )
    from tests.process_kit.policies.address_change import AddressPolicy, address_errors
    from workflows.case.contract import STATUS_QUERY
    from workflows.case.customer_input import CustomerInputStep, InputQuestion
    from workflows.case.failures import failure_reason
    from workflows.case.options import READ_OPTIONS, RECORD_OPTIONS
    from workflows.case.record import CaseRecord, opened_status
    from workflows.search_attributes import CASE_STATE, PROCESS


@workflow.defn(name=ADDRESS_CHANGE_WORKFLOW)
class AddressChangeWorkflow:
    """Changes the delivery address of one order, with the address checked before it is taken."""

    @workflow.init
    def __init__(self, request: AddressChangeRequest) -> None:
        self._request = request
        self._policy: AddressPolicy | None = None
        self._policy_version: str | None = None
        self._status = opened_status(
            AddressChangeStatus,
            ticket_id=request.ticket_id,
            customer_id=request.customer_id,
            order_id=request.order_id,
        )
        self._record = CaseRecord(
            self._status, search_attributes=self._attributes, details=self._details
        )
        self._input: CustomerInputStep[NewAddress] = CustomerInputStep(self._send)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> AddressChangeStatus:
        return self._status

    @workflow.update(name=PROVIDE_ADDRESS_UPDATE)
    def provide_address(self, address: NewAddress) -> int:
        self._record.note("customer", "address_given", address.country)
        return self._input.accept(address)

    @provide_address.validator
    def _check_address(self, address: NewAddress) -> None:
        policy = self._policy
        self._input.validate(
            address,
            lambda a: (
                address_errors(policy, a.line1, a.city, a.postal_code, a.country)
                if policy
                else {"address": "not ready yet"}
            ),
        )

    @workflow.run
    async def run(self, request: AddressChangeRequest) -> AddressChangeOutcome:
        document = await workflow.execute_local_activity_method(
            PolicyActivities.load_process_policy,
            ProcessPolicyInput(name="address_change"),
            **READ_OPTIONS,
        )
        self._policy_version = document.version_tag
        self._policy = policy = AddressPolicy.model_validate(document.data)
        try:
            await workflow.execute_local_activity_method(
                CrmActivities.open_case,
                OpenCaseInput(
                    ticket_id=request.ticket_id,
                    workflow_id=workflow.info().workflow_id,
                    process="address_change",
                    customer_id=request.customer_id,
                    order_id=request.order_id,
                    subject="Address change",
                    body="",
                    requested_by=request.requested_by,
                ),
                **READ_OPTIONS,
            )
        except ActivityError as err:
            return await self._finish(
                "escalated", f"Customer not found: {failure_reason(err)}", None
            )
        address = await self._input.ask(
            InputQuestion(
                key="address",
                message=replies.ask_for_address(request.ticket_id, request.order_id),
                reminder_key="address-reminder",
                reminder=replies.reminder(request.ticket_id, request.order_id),
                remind_after_hours=policy.reminder_after_hours,
                close_after_hours=policy.close_after_hours,
            ),
            on_waiting=lambda: self._record.set_state("awaiting_customer"),
            on_reminded=lambda: self._record.note("workflow", "reminded", "address"),
        )
        if address is None:
            reply = replies.not_changed(request.ticket_id, request.order_id)
            return await self._finish("expired", "No address given; nothing changed.", reply)
        self._status.new_address = address
        summary = f"{address.line1}, {address.city} {address.postal_code}, {address.country}"
        reply = replies.changed(request.ticket_id, request.order_id, summary)
        return await self._finish("resolved", f"Address changed to {summary}.", reply)

    async def _finish(
        self, state: CaseState, resolution: str, reply: CustomerReply | None
    ) -> AddressChangeOutcome:
        self._status.resolution = resolution
        self._record.note("workflow", f"case_{state}", resolution)
        version = self._policy_version
        await workflow.execute_activity_method(
            CrmActivities.record_case_outcome,
            CaseOutcomeRecord(
                ticket_id=self._request.ticket_id,
                workflow_id=workflow.info().workflow_id,
                customer_id=self._request.customer_id,
                order_id=self._request.order_id,
                status=state,
                resolution=resolution,
                policy_version=version,
                audit=self._record.take_audit(),
                reply=reply,
            ),
            **RECORD_OPTIONS,
        )
        self._record.set_state(state)
        return AddressChangeOutcome(
            ticket_id=self._request.ticket_id,
            state=state,
            resolution=resolution,
            policy_version=version,
        )

    async def _send(self, key: str, reply: CustomerReply) -> None:
        wf_id = workflow.info().workflow_id
        await workflow.execute_activity_method(
            HandoffActivities.queue_customer_message,
            CustomerMessageInput(
                ticket_id=self._request.ticket_id,
                workflow_id=wf_id,
                dedupe_key=f"{wf_id}:{key}",
                reply=reply,
            ),
            **RECORD_OPTIONS,
        )

    def _attributes(self, state: CaseState) -> list[SearchAttributeUpdate[Any]]:
        return [CASE_STATE.value_set(state), PROCESS.value_set("address_change")]

    def _details(self) -> str:
        s = self._status
        lines = [f"**Address change** · ticket `{s.ticket_id}` · **{s.state.replace('_', ' ')}**"]
        if s.new_address is not None:
            lines.append(f"- New address: {s.new_address.city}, {s.new_address.country}")
        if s.resolution:
            lines.append(f"- Resolution: {s.resolution}")
        return "\n".join(lines)
