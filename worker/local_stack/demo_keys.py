"""The API keys `make run` works with: one for the demo helpdesk, one per approver in the policy.

Created in the CRM on the first run and printed once; the plaintext is kept in
`.data/keys/<name>.key` (mode 0600, directory 0700) so the demo's printed `supportflow approve`
commands can use them and a second run reuses them. A key file whose key no longer verifies
(the CRM was reset, or the key revoked) is replaced by a new key, never trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import TICKETS_READ, TICKETS_WRITE
from policies.identity import canonical_person_id
from policies.loader import load_refund_policy
from worker.settings import Settings

DEMO_HELPDESK = "demo-helpdesk"


@dataclass
class DemoKeys:
    helpdesk: str
    person_files: dict[str, Path]
    created: dict[str, str] = field(default_factory=dict)  # name -> key, new on this run only

    @property
    def summary(self) -> str:
        names = ", ".join([DEMO_HELPDESK, *self.person_files])
        return f"{names} ({'created' if self.created else 'reused'}; in {self.keys_dir})"

    @property
    def keys_dir(self) -> Path:
        return next(iter(self.person_files.values())).parent


def demo_approvers(settings: Settings) -> dict[str, str | None]:
    """Every approver the policy names, with their Slack user id, in policy order."""
    policy = load_refund_policy(settings.policy_path).policy
    levels = [policy.single_approval, policy.dual_approval, policy.escalation_level]
    people: dict[str, str | None] = {}
    for level in levels:
        for approver in level.approvers if level is not None else []:
            people.setdefault(canonical_person_id(approver.id), approver.slack_user_id)
    return people


def _write_private(path: Path, key: str) -> None:
    # Created 0600 from the start (not chmod'ed after), so the key is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    os.chmod(path, 0o600)


def _usable(store: CrmStore, path: Path) -> str | None:
    if not path.exists():
        return None
    key = path.read_text().strip()
    return key if store.verify_api_key(key) is not None else None


def _issue(
    store: CrmStore,
    keys_dir: Path,
    name: str,
    created: dict[str, str],
    *,
    person: str | None = None,
    slack_user_id: str | None = None,
    scopes: list[str] | None = None,
) -> Path:
    path = keys_dir / f"{name}.key"
    if _usable(store, path) is not None:
        return path
    if any(k.name == name and k.active for k in store.list_api_keys()):
        store.revoke_api_key(name)  # its plaintext is lost: nobody can use it any more
    if person is None:
        issued = store.create_api_key(
            name, "system", scopes=scopes or [TICKETS_WRITE, TICKETS_READ], created_by="make run"
        )
    else:
        issued = store.create_api_key(
            name, "person", person_id=person, slack_user_id=slack_user_id, created_by="make run"
        )
    _write_private(path, issued.key)
    created[name] = issued.key
    return path


def ensure_demo_keys(settings: Settings, data_dir: Path) -> DemoKeys:
    keys_dir = data_dir / "keys"
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    store = CrmStore(settings.database_url)
    try:
        store.migrate()
        created: dict[str, str] = {}
        helpdesk = _issue(store, keys_dir, DEMO_HELPDESK, created)
        people = {
            person: _issue(store, keys_dir, person, created, person=person, slack_user_id=slack)
            for person, slack in demo_approvers(settings).items()
        }
    finally:
        store.dispose()
    return DemoKeys(helpdesk=helpdesk.read_text().strip(), person_files=people, created=created)
