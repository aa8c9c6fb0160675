"""DeliveryWorkflow: a ticket's case events reach the calling system and the helpdesk in order."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.delivery import DeliveryActivities
    from activities.delivery_models import (
        DeliveryFailure,
        DeliveryPlanInput,
        DeliveryState,
        DeliveryTask,
    )
    from activities.models import ProcessPolicyInput
    from activities.policy import PolicyActivities
    from policies.delivery import DeliveryPolicy
    from workflows.case.failures import failure_reason
    from workflows.case.options import READ_OPTIONS, RECORD_OPTIONS
    from workflows.delivery.contract import (
        DELIVERY_STATUS_QUERY,
        DELIVERY_WORKFLOW,
        EVENTS_QUEUED_SIGNAL,
        DeliveryOutcome,
        DeliveryRequest,
        DeliveryStatus,
        EventsQueued,
    )


@workflow.defn(name=DELIVERY_WORKFLOW)
class DeliveryWorkflow:
    """Delivers what a ticket's case queued — replies, status changes, hand-offs — on every
    channel the ticket has, one at a time in the order the case queued them.

    Started (signal-with-start) by the outbox dispatcher when events are queued; what is owed is
    read from the CRM, so the signal only wakes it. Each delivery is an activity retried on the
    delivery policy's schedule; once its attempts are spent the message is recorded as failed
    and the next one goes out. Idle for the policy's `idle_close_seconds`, it completes.
    """

    def __init__(self) -> None:
        self._wake = False
        self._status = DeliveryStatus(ticket_id="")

    @workflow.signal(name=EVENTS_QUEUED_SIGNAL)
    def events_queued(self, notice: EventsQueued) -> None:
        self._wake = True

    @workflow.query(name=DELIVERY_STATUS_QUERY)
    def status(self) -> DeliveryStatus:
        return self._status

    @workflow.run
    async def run(self, request: DeliveryRequest) -> DeliveryOutcome:
        self._status = DeliveryStatus(
            ticket_id=request.ticket_id, sent=request.sent, failed=request.failed
        )
        document = await workflow.execute_local_activity_method(
            PolicyActivities.load_process_policy,
            ProcessPolicyInput(name="delivery"),
            **READ_OPTIONS,
        )
        policy = DeliveryPolicy.model_validate(document.data)
        self._status.policy_version = document.version_tag
        handled = 0
        while True:
            self._wake = False
            owed = await workflow.execute_activity_method(
                DeliveryActivities.plan_deliveries,
                DeliveryPlanInput(ticket_id=request.ticket_id),
                **RECORD_OPTIONS,
            )
            for delivery in owed:
                await self._deliver(delivery, policy)
                handled += 1
            if owed and (
                handled >= policy.deliveries_per_run
                or workflow.info().is_continue_as_new_suggested()
            ):
                workflow.continue_as_new(
                    DeliveryRequest(
                        ticket_id=request.ticket_id,
                        sent=self._status.sent,
                        failed=self._status.failed,
                    )
                )
            if owed:
                continue  # events queued while delivering are read before waiting
            try:
                await workflow.wait_condition(
                    lambda: self._wake, timeout=timedelta(seconds=policy.idle_close_seconds)
                )
            except TimeoutError:
                return DeliveryOutcome(
                    ticket_id=request.ticket_id, sent=self._status.sent, failed=self._status.failed
                )

    async def _deliver(self, delivery: DeliveryState, policy: DeliveryPolicy) -> None:
        task = DeliveryTask(event_id=delivery.event_id, channel=delivery.channel)
        self._status.delivering = f"{delivery.kind} #{delivery.event_id} via {delivery.channel}"
        try:
            await workflow.execute_activity_method(
                DeliveryActivities.deliver_case_event,
                task,
                start_to_close_timeout=timedelta(seconds=policy.attempt_timeout_seconds),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(seconds=policy.initial_interval_seconds),
                    backoff_coefficient=policy.backoff_coefficient,
                    maximum_interval=timedelta(seconds=policy.maximum_interval_seconds),
                    maximum_attempts=policy.max_attempts,
                ),
            )
            self._status.sent += 1
        except ActivityError as err:
            reason = failure_reason(err)
            workflow.logger.warning(
                "Event %s not delivered via %s: %s", delivery.event_id, delivery.channel, reason
            )
            await workflow.execute_activity_method(
                DeliveryActivities.record_delivery_failure,
                DeliveryFailure(
                    event_id=delivery.event_id, channel=delivery.channel, reason=reason
                ),
                **RECORD_OPTIONS,
            )
            self._status.failed += 1
        finally:
            self._status.delivering = None
