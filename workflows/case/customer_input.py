"""The customer-input step: ask the customer for something, remind once, close if no answer.

Durable: the wait survives worker restarts, and the answer arrives as an Update whose handler
and validator delegate to this step. The validator refuses an answer when nothing is being asked
(or the question was already answered) and, with a `check`, returns field-level errors at once,
so a web form or chat can show them; a refused answer leaves no trace in history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.models import CustomerReply

Answer = TypeVar("Answer")
# Queues one message to the customer; the key makes a retried send deliver it once.
SendMessage = Callable[[str, CustomerReply], Awaitable[None]]
FieldCheck = Callable[[Answer], dict[str, str]]


def field_errors_refusal(
    errors: dict[str, str], error_type: str = "InvalidAnswer"
) -> ApplicationError:
    """The validator's refusal of an answer with field-level errors: the message for people,
    the errors (field -> why) as details for a form or chat to show next to each field."""
    return ApplicationError(
        "Some fields need another look: "
        + "; ".join(f"{field}: {why}" for field, why in sorted(errors.items())),
        errors,
        type=error_type,
        non_retryable=True,
    )


@dataclass(frozen=True)
class InputQuestion:
    """What to ask, the reminder, and how long each wait lasts (hours from the question)."""

    key: str
    message: CustomerReply
    reminder_key: str
    reminder: CustomerReply
    remind_after_hours: float
    close_after_hours: float


class CustomerInputStep(Generic[Answer]):
    """One question at a time; `answers` holds every answer accepted, in order."""

    def __init__(self, send: SendMessage) -> None:
        self._send = send
        self.answers: list[Answer] = []
        self._open_round: int | None = None

    @property
    def waiting(self) -> bool:
        return self._open_round is not None and len(self.answers) <= self._open_round

    def validate(self, answer: Answer, check: FieldCheck[Answer] | None = None) -> None:
        """The Update validator: raise to refuse, so nothing is written to history."""
        if not self.waiting:
            raise ApplicationError(
                "This case is not waiting for a reply from the customer.",
                type="NotAwaitingReply",
                non_retryable=True,
            )
        errors = check(answer) if check is not None else {}
        if errors:
            raise field_errors_refusal(errors)

    def accept(self, answer: Answer) -> int:
        """The Update handler: keeps the answer; returns its round (1 for the first)."""
        self.answers.append(answer)
        return len(self.answers)

    async def ask(
        self,
        question: InputQuestion,
        *,
        on_waiting: Callable[[], None],
        on_reminded: Callable[[], None],
    ) -> Answer | None:
        """The answer, or None once `close_after_hours` passed without one."""
        round_ = len(self.answers)
        await self._send(f"{question.key}:{round_}", question.message)
        self._open_round = round_
        on_waiting()
        try:
            if await self._answered(round_, question.remind_after_hours):
                return self.answers[round_]
            await self._send(f"{question.reminder_key}:{round_}", question.reminder)
            on_reminded()
            remaining = question.close_after_hours - question.remind_after_hours
            if await self._answered(round_, remaining):
                return self.answers[round_]
            return None
        finally:
            self._open_round = None

    async def _answered(self, round_: int, hours: float) -> bool:
        try:
            await workflow.wait_condition(
                lambda: len(self.answers) > round_, timeout=timedelta(hours=hours)
            )
        except TimeoutError:
            return False
        return True
