"""The kernel's customer-input step on the time-skipping server: ask, remind, close, and a reply
Update whose validator refuses answers with field-level errors before anything reaches history.

A probe workflow asks for a contact email the way onboarding will; the messages it queues are
recorded by a stand-in for the `queue_customer_message` activity.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.models import CustomerReply
from activities.ticket_models import CustomerMessageInput
from worker.data_converter import data_converter
from workflows.case.customer_input import CustomerInputStep, InputQuestion
from workflows.case.options import RECORD_OPTIONS


class ContactAnswer(BaseModel):
    email: str
    phone: str = ""


def contact_errors(answer: ContactAnswer) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "@" not in answer.email:
        errors["email"] = "must be an email address"
    if answer.phone and not answer.phone.lstrip("+").isdigit():
        errors["phone"] = "digits only"
    return errors


@workflow.defn(name="CustomerInputProbe", sandboxed=False)
class CustomerInputProbe:
    def __init__(self) -> None:
        self._input: CustomerInputStep[ContactAnswer] = CustomerInputStep(self._send)
        self.events: list[str] = []
        self._finished = False

    @workflow.signal
    def finish(self) -> None:
        self._finished = True

    @workflow.update
    def answer(self, answer: ContactAnswer) -> int:
        return self._input.accept(answer)

    @answer.validator
    def _check(self, answer: ContactAnswer) -> None:
        self._input.validate(answer, contact_errors)

    @workflow.query
    def waiting(self) -> bool:
        return self._input.waiting

    @workflow.run
    async def run(self, hours: float) -> str:
        answer = await self._input.ask(
            InputQuestion(
                key="contact",
                message=CustomerReply(subject="Your contact", body="Which email should we use?"),
                reminder_key="contact-reminder",
                reminder=CustomerReply(subject="Reminder", body="We still need your email."),
                remind_after_hours=hours / 2,
                close_after_hours=hours,
            ),
            on_waiting=lambda: self.events.append("waiting"),
            on_reminded=lambda: self.events.append("reminded"),
        )
        if answer is None:
            return "closed"
        # Stays open after the answer, so a late answer meets the step, not a closed workflow.
        await workflow.wait_condition(lambda: self._finished)
        return answer.email

    async def _send(self, key: str, reply: CustomerReply) -> None:
        await workflow.execute_activity(
            "queue_customer_message",
            CustomerMessageInput(
                ticket_id="T-INPUT",
                workflow_id=workflow.info().workflow_id,
                dedupe_key=key,
                reply=reply,
            ),
            **RECORD_OPTIONS,
        )


class Outbox:
    def __init__(self) -> None:
        self.keys: list[str] = []

    @activity.defn(name="queue_customer_message")
    async def queue(self, message: CustomerMessageInput) -> None:
        self.keys.append(message.dedupe_key)


@pytest_asyncio.fixture
async def probe(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> AsyncIterator[tuple[WorkflowEnvironment, Outbox]]:
    outbox = Outbox()
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[CustomerInputProbe],
        activities=[outbox.queue],
        max_cached_workflows=0,
    ):
        yield time_skipping_env, outbox


async def _start(env: WorkflowEnvironment, task_queue: str, hours: float) -> WorkflowHandle:
    handle = await env.client.start_workflow(
        CustomerInputProbe.run, hours, id=f"input-{task_queue}", task_queue=task_queue
    )
    for _ in range(200):
        if await handle.query(CustomerInputProbe.waiting):
            return handle
        await asyncio.sleep(0.05)
    raise AssertionError("the probe never started waiting for an answer")


async def _replay(handle: WorkflowHandle) -> None:
    replayer = Replayer(workflows=[CustomerInputProbe], data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())


async def _update_events(handle: WorkflowHandle) -> int:
    history = await handle.fetch_history()
    return sum(
        1
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    )


async def test_field_errors_are_returned_and_leave_no_trace(
    probe: tuple[WorkflowEnvironment, Outbox], task_queue: str
) -> None:
    env, outbox = probe
    handle = await _start(env, task_queue, hours=48)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            CustomerInputProbe.answer, ContactAnswer(email="dana.example.com", phone="12a")
        )
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidAnswer"
    assert cause.details == ({"email": "must be an email address", "phone": "digits only"},)
    assert await _update_events(handle) == 0  # a refused answer is not in history

    assert (
        await handle.execute_update(CustomerInputProbe.answer, ContactAnswer(email="d@x.io")) == 1
    )
    # Nothing is being asked any more: a late answer is refused as such.
    with pytest.raises(WorkflowUpdateFailedError) as late:
        await handle.execute_update(CustomerInputProbe.answer, ContactAnswer(email="late@x.io"))
    assert isinstance(late.value.cause, ApplicationError)
    assert late.value.cause.type == "NotAwaitingReply"
    await handle.signal(CustomerInputProbe.finish)
    assert await handle.result() == "d@x.io"
    assert outbox.keys == ["contact:0"]
    await _replay(handle)


async def test_reminds_once_then_closes_without_an_answer(
    probe: tuple[WorkflowEnvironment, Outbox], task_queue: str
) -> None:
    env, outbox = probe
    handle = await _start(env, task_queue, hours=48)
    assert await handle.result() == "closed"  # the server skips the 48 hours
    assert outbox.keys == ["contact:0", "contact-reminder:0"]
    assert await handle.query(CustomerInputProbe.waiting) is False
    await _replay(handle)
