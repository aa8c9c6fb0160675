"""API keys for tests: a calling system's key and person keys, issued in the test's CRM store
the way `supportflow keys create` issues them, so every test authenticates as production does."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.crm_store.keys import TICKETS_ON_BEHALF, TICKETS_READ, TICKETS_WRITE
from integrations.crm_store.store import CrmStore

HELPDESK = "helpdesk"
AGENT_DESK = "agent-desk"  # a system allowed to name the agent it files for
# The shipped policy's approvers (with their Slack ids), plus one person it does not list.
PEOPLE = {
    "alice": "U0ALICE",
    "bob": "U0BOB",
    "carol": "U0CAROL",
    "dave": "U0DAVE",
    "erin": "U0ERIN",
    "mallory": None,
}


@dataclass(frozen=True)
class CallerKeys:
    system: str
    on_behalf: str
    people: dict[str, str]

    @staticmethod
    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def system_headers(self) -> dict[str, str]:
        return self.bearer(self.system)

    def person(self, name: str) -> dict[str, str]:
        return self.bearer(self.people[name])


def issue_test_keys(store: CrmStore) -> CallerKeys:
    system = store.create_api_key(HELPDESK, "system", created_by="tests").key
    on_behalf = store.create_api_key(
        AGENT_DESK,
        "system",
        scopes=[TICKETS_WRITE, TICKETS_READ, TICKETS_ON_BEHALF],
        created_by="tests",
    ).key
    people = {
        name: store.create_api_key(
            name, "person", person_id=name, slack_user_id=slack, created_by="tests"
        ).key
        for name, slack in PEOPLE.items()
    }
    return CallerKeys(system=system, on_behalf=on_behalf, people=people)
