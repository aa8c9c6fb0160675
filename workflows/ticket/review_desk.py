"""Who may do what with a hand-off, once. Deterministic: no I/O, time passed in by the workflow.

`validate` runs as the `handoff_action` Update's validator, so a refused action leaves no trace
in history; `apply` validates again, because two actions can pass their validators in the same
workflow task before either handler runs (two people claiming at once: one wins). Applied
actions queue up for the review loop, which does their side effects (records, messages, posts)
in order.

The rules: only the policy's agents act; an unclaimed hand-off may be taken by any agent (acting
on it claims it), a claimed one only by its claimer, who may also reassign it; a draft can be
sent or edited only while there is one that was not rejected; a hand-back names an instruction
the routing policy allows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio.exceptions import ApplicationError

from policies.identity import canonical_person_id
from policies.routing_policy import RoutingPolicy
from workflows.ticket.review_contract import (
    HandoffAction,
    HandoffActionKind,
    HandoffReceipt,
    HandoffReview,
    ReopenRequest,
)

_WORKABLE = ("waiting", "claimed")
_DRAFT_ACTIONS = ("send", "edit_send", "reject")


def _refuse(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


class HandoffDesk:
    """The hand-off a case waits on (`review`), the actions applied and not yet carried out,
    and the customer's reopen requests."""

    def __init__(self) -> None:
        self.review: HandoffReview | None = None
        self.ticket_id = ""
        self.policy: RoutingPolicy | None = None
        self.processes: frozenset[str] = frozenset()
        self.queue: list[HandoffAction] = []
        self.reopens: list[ReopenRequest] = []

    def open(self, review: HandoffReview, policy: RoutingPolicy, processes: frozenset[str]) -> None:
        self.review = review
        self.policy = policy
        self.processes = processes
        self.queue = []

    @property
    def workable(self) -> bool:
        return self.review is not None and self.review.state in _WORKABLE

    def allowed_actions(self) -> list[HandoffActionKind]:
        review = self.review
        if review is None or review.state not in _WORKABLE:
            return []
        actions: list[HandoffActionKind] = ["claim", "resolve", "reassign", "handback"]
        if review.draft is not None and not review.draft_rejected:
            actions += ["send", "edit_send", "reject"]
        return actions

    def validate(self, action: HandoffAction) -> None:
        review, policy = self.review, self.policy
        if review is None or policy is None or review.state not in _WORKABLE:
            state = review.state if review is not None else "no hand-off"
            raise _refuse(
                "NotAwaitingPerson", f"This case is not waiting for a person (state: {state})."
            )
        if action.handoff_id is not None and action.handoff_id != review.handoff_id:
            raise _refuse(
                "StaleHandoff",
                "This hand-off is no longer current; reload the case and act on the new one.",
            )
        person = canonical_person_id(action.person)
        agents = {canonical_person_id(a) for a in policy.handoff.agents}
        if person not in agents:
            raise _refuse("NotAnAgent", f"{action.person} is not a support agent for hand-offs.")
        if review.claimed_by is not None and review.claimed_by != person:
            raise _refuse(
                "ClaimedByOther",
                f"This hand-off is claimed by {review.claimed_by}; only they can act on it "
                "(or reassign it).",
            )
        self._validate_fields(action, agents)

    def _validate_fields(self, action: HandoffAction, agents: set[str]) -> None:
        review, policy = self.review, self.policy
        assert review is not None and policy is not None
        if action.action in _DRAFT_ACTIONS and (review.draft is None or review.draft_rejected):
            raise _refuse("NoDraft", "This hand-off has no draft waiting for review.")
        if action.action == "edit_send" and not action.reply:
            raise _invalid("edit_send needs `reply`, the edited text to send.")
        if action.action == "resolve" and not (action.note and action.note.strip()):
            raise _invalid("resolve needs `note`, what was done for the customer.")
        if action.action == "reassign":
            self._validate_reassign(action, agents)
        if action.action == "handback":
            self._validate_handback(action)

    def _validate_reassign(self, action: HandoffAction, agents: set[str]) -> None:
        if (action.assign_to_person is None) == (action.assign_to_channel is None):
            raise _invalid("reassign needs exactly one of `assign_to_person`, `assign_to_channel`.")
        if action.assign_to_person is not None:
            target = canonical_person_id(action.assign_to_person)
            if target not in agents:
                raise _invalid(f"{action.assign_to_person} is not a support agent.")

    def _validate_handback(self, action: HandoffAction) -> None:
        policy, instruction = self.policy, action.instruction
        assert policy is not None
        if instruction is None:
            raise _invalid("handback needs an `instruction`.")
        if instruction.kind not in policy.handoff.handback:
            raise _invalid(f"The routing policy does not allow handing back {instruction.kind}.")
        if instruction.kind == "send_reply" and not instruction.reply:
            raise _invalid("A send_reply hand-back needs `instruction.reply`.")
        if instruction.kind == "ask_customer" and not instruction.question:
            raise _invalid("An ask_customer hand-back needs `instruction.question`.")
        if instruction.kind == "start_process":
            process = instruction.process or ""
            if process not in policy.handoff.handback_processes or process not in self.processes:
                allowed = sorted(set(policy.handoff.handback_processes) & self.processes)
                raise _invalid(f"Processes a hand-back may start: {', '.join(allowed) or 'none'}.")
            routed = policy.processes.get(process)
            if routed is not None and "order_id" in routed.requires and not instruction.order_id:
                raise _invalid(f"Starting {process} needs `instruction.order_id`.")

    def apply(self, action: HandoffAction, now: datetime) -> HandoffReceipt:
        self.validate(action)
        review = self.review
        assert review is not None
        person = canonical_person_id(action.person)
        repeated_claim = action.action == "claim" and review.claimed_by == person
        if review.claimed_by is None:
            review.claimed_by, review.claimed_at, review.state = person, now, "claimed"
        kind = action.action
        if kind == "reassign":
            if action.assign_to_person is not None:
                review.claimed_by = canonical_person_id(action.assign_to_person)
                review.claimed_at = now
            else:
                review.claimed_by, review.claimed_at, review.state = None, None, "waiting"
                review.assigned_channel = action.assign_to_channel
        elif kind == "reject":
            review.draft_rejected = True
        elif kind in ("send", "edit_send", "resolve"):
            review.state, review.resolved_by, review.resolved_at = "resolved", person, now
            self._open_reopen_window(now)
            review.ending = {"send": "sent", "edit_send": "edited", "resolve": "resolved"}[kind]  # type: ignore[assignment]
            review.sent_reply = review.draft if kind == "send" else action.reply
            review.action_taken = action.note
        elif kind == "handback":
            self._hand_back(action, person, now)
        if not repeated_claim:
            self.queue.append(action)
        return HandoffReceipt(
            ticket_id=self.ticket_id,
            handoff_id=review.handoff_id,
            action=kind,
            person=person,
            state=review.state,
            claimed_by=review.claimed_by,
            assigned_channel=review.assigned_channel,
            message=_done(kind, review.claimed_by),
        )

    def _hand_back(self, action: HandoffAction, person: str, now: datetime) -> None:
        review, instruction = self.review, action.instruction
        assert review is not None and instruction is not None
        review.action_taken = action.note or f"handed back: {instruction.kind}"
        if instruction.kind == "ask_customer":
            review.state = "awaiting_customer"
            return
        review.state, review.resolved_by, review.resolved_at = "handed_back", person, now
        if instruction.kind == "send_reply":
            review.ending, review.sent_reply = "replied", instruction.reply
            self._open_reopen_window(now)
        else:
            review.ending = "process_started"

    def _open_reopen_window(self, now: datetime) -> None:
        """From the moment a person answers, the customer may come back (the reply is on its
        way to them while the case records the resolution)."""
        assert self.review is not None and self.policy is not None
        hours = self.policy.handoff.reopen_window_hours
        self.review.reopen_until = now + timedelta(hours=hours)

    def validate_reopen(self, request: ReopenRequest, now: datetime) -> None:
        review = self.review
        if review is None or review.reopen_until is None:
            raise _refuse(
                "NotReopenable", "This case has no resolution a customer can reopen right now."
            )
        if now >= review.reopen_until:
            raise _refuse(
                "NotReopenable",
                f"The reopen window closed at {review.reopen_until:%Y-%m-%d %H:%M} UTC; "
                "file a new ticket.",
            )
        if self.reopens:
            raise _refuse("NotReopenable", "This case is already being reopened.")

    def apply_reopen(self, request: ReopenRequest, now: datetime) -> int:
        self.validate_reopen(request, now)
        self.reopens.append(request)
        assert self.review is not None
        return self.review.reopens + 1


def _invalid(message: str) -> ApplicationError:
    return _refuse("InvalidHandoffAction", message)


def _done(kind: HandoffActionKind, claimed_by: str | None) -> str:
    return {
        "claim": f"Claimed by {claimed_by}.",
        "resolve": "Resolved; the reply (if any) is queued for the customer.",
        "reassign": f"Reassigned{f' to {claimed_by}' if claimed_by else ' to the channel'}.",
        "handback": "Handed back to automation.",
        "send": "The draft is queued for the customer as written.",
        "edit_send": "The edited reply is queued for the customer.",
        "reject": "Draft rejected; write the reply and resolve the case.",
    }[kind]
