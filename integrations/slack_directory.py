"""Who a Slack user is, in approver terms, according to the refund policy.

The policy names approvers by id with their Slack user id, and may name a Slack user group per
level. This module only maps identities; whether that approver may decide this request is the
workflow's Update validator's call, so Slack and the API/CLI are judged by the same rule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from policies.refund_policy import ApprovalLevel, RefundPolicy

GROUP_MEMBER_PREFIX = "slack:"


class ApproverDirectory:
    """Maps Slack user ids to approver ids and back.

    A user listed by Slack id in any level maps to that approver id. A user known only through
    a level's user group maps to `slack:<user id>`. Group membership is cached for
    `group_ttl_seconds`, because `usergroups.users.list` is rate limited (tier 2) and a burst
    of clicks must not trip it.
    """

    def __init__(
        self,
        policy: RefundPolicy,
        group_members: Callable[[str], Collection[str]] | None = None,
        *,
        group_ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._levels = [
            lvl
            for lvl in (policy.single_approval, policy.dual_approval, policy.escalation_level)
            if lvl is not None
        ]
        self._group_members = group_members
        self._ttl = group_ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _ordered(self, level: str | None) -> list[ApprovalLevel]:
        # The request's own level first, so its listing wins if ids ever differ across levels.
        return sorted(self._levels, key=lambda lvl: lvl.name != level)

    def approver_for(self, slack_user_id: str, level: str | None = None) -> str | None:
        """The approver identity to decide as, or None for someone the policy does not know."""
        for lvl in self._ordered(level):
            for approver in lvl.approvers:
                if approver.slack_user_id == slack_user_id:
                    return approver.id
        for lvl in self._ordered(level):
            group = lvl.slack_user_group
            if group and slack_user_id in self._members(group):
                return f"{GROUP_MEMBER_PREFIX}{slack_user_id}"
        return None

    def slack_id_for(self, approver_id: str) -> str | None:
        if approver_id.startswith(GROUP_MEMBER_PREFIX):
            return approver_id.removeprefix(GROUP_MEMBER_PREFIX)
        for lvl in self._levels:
            for approver in lvl.approvers:
                if approver.id == approver_id and approver.slack_user_id:
                    return approver.slack_user_id
        return None

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
