"""Who a Slack user is, as a supportflow person, according to the refund policy and the CRM.

One person, one identity: a Slack user resolves to a canonical person id
(`policies.identity.canonical_person_id`), the same id the API and CLI authenticate people as,
so a person with two Slack accounts, or a Slack account and a personal API key, still counts once
towards dual control and can never approve a case they requested.

A Slack user resolves through (1) the policy's approvers, by `slack_user_id`, then (2) the CRM's
person directory (a personal key created with `supportflow keys create --person P --slack-user
U…`). The CRM lookup is injected as a callable, so this module never imports the store. A
member of a level's Slack user group who resolves to no person cannot decide: a Slack account
alone is not a person.

This module only maps identities; whether that person may decide this request is the workflow's
Update validator's call, so Slack and the API/CLI are judged by the same rule.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable

from policies.approval_levels import ApprovalLevel
from policies.identity import canonical_person_id
from policies.refund_policy import RefundPolicy

log = logging.getLogger(__name__)

# Cases started before group members were mapped to people carry `slack:<user id>` approvers in
# their history; only message rendering still understands the form, nothing resolves to it.
LEGACY_GROUP_MEMBER_PREFIX = "slack:"

PersonForSlackUser = Callable[[str], str | None]


class ApproverDirectory:
    """Maps Slack user ids to canonical person ids, and person ids back to a Slack id to mention.

    Group membership is cached for `group_ttl_seconds`, because `usergroups.users.list` is rate
    limited (tier 2) and a burst of clicks must not trip it. Person links are not cached: a
    revoked or re-linked key must take effect on the next click.
    """

    def __init__(
        self,
        policy: RefundPolicy,
        group_members: Callable[[str], Collection[str]] | None = None,
        *,
        person_for_slack_user: PersonForSlackUser | None = None,
        group_ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._levels = [
            lvl
            for lvl in (policy.single_approval, policy.dual_approval, policy.escalation_level)
            if lvl is not None
        ]
        self._group_members = group_members
        self._person_for_slack_user = person_for_slack_user
        self._ttl = group_ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _ordered(self, level: str | None) -> list[ApprovalLevel]:
        # The request's own level first, so its listing wins if ids ever differ across levels.
        return sorted(self._levels, key=lambda lvl: lvl.name != level)

    def person_for(self, slack_user_id: str, level: str | None = None) -> str | None:
        """The canonical person id this Slack user decides as, or None for nobody we know."""
        listed = self._listed_person(slack_user_id, level)
        linked = self._linked_person(slack_user_id)
        if listed is not None:
            if linked is not None and linked != listed:
                # The policy file is what the support lead signs off; a key linked elsewhere is
                # a misconfiguration to fix, not a second identity for this account.
                log.warning(
                    "Slack user %s is %s in the policy but linked to %s in the CRM; using %s",
                    slack_user_id,
                    listed,
                    linked,
                    listed,
                )
            return listed
        return linked

    # Kept under its old name: callers ask "who is the approver behind this click".
    approver_for = person_for

    def in_approver_group(self, slack_user_id: str, level: str | None = None) -> bool:
        """Whether the user is a member of some level's Slack user group (the request's first)."""
        return any(
            lvl.slack_user_group and slack_user_id in self._members(lvl.slack_user_group)
            for lvl in self._ordered(level)
        )

    def group_persons(self, members: Iterable[str], level: str | None = None) -> list[str]:
        """The people behind a user group's members; members linked to nobody are left out,
        so the workflow never learns an approver id that no person can authenticate as."""
        persons: set[str] = set()
        unlinked = 0
        for member in members:
            person = self.person_for(member, level)
            if person is None:
                unlinked += 1
            else:
                persons.add(person)
        if unlinked:
            log.info("%d user group member(s) are not linked to a supportflow person", unlinked)
        return sorted(persons)

    def slack_id_for(self, approver_id: str) -> str | None:
        """A Slack id to mention for a person, when the policy lists one."""
        if approver_id.startswith(LEGACY_GROUP_MEMBER_PREFIX):
            return approver_id.removeprefix(LEGACY_GROUP_MEMBER_PREFIX)
        person = canonical_person_id(approver_id)
        for lvl in self._levels:
            for approver in lvl.approvers:
                if canonical_person_id(approver.id) == person and approver.slack_user_id:
                    return approver.slack_user_id
        return None

    def _listed_person(self, slack_user_id: str, level: str | None) -> str | None:
        for lvl in self._ordered(level):
            for approver in lvl.approvers:
                if approver.slack_user_id == slack_user_id:
                    return canonical_person_id(approver.id)
        return None

    def _linked_person(self, slack_user_id: str) -> str | None:
        if self._person_for_slack_user is None:
            return None
        person = self._person_for_slack_user(slack_user_id)
        if person is None or not person.strip():
            return None
        return canonical_person_id(person)

    def _members(self, group: str) -> frozenset[str]:
        if self._group_members is None:
            return frozenset()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
        members = frozenset(self._group_members(group))
        with self._lock:
            self._cache[group] = (now, members)
        return members
