"""Any process's policy file, loaded as data with its version and hash (policies/loader.py and
the `load_process_policy` activity): names cannot leave the folder, and a missing or malformed
file fails for good with a clear reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import ProcessPolicyInput
from activities.policy import PolicyActivities
from policies.loader import load_policy_document


def test_document_carries_version_hash_and_data(tmp_path: Path) -> None:
    (tmp_path / "address_change.json").write_text(json.dumps({"version": "v7", "limit": 3}))
    document = load_policy_document("address_change", tmp_path)
    assert document.data == {"version": "v7", "limit": 3}
    assert document.version_tag.startswith("v7@") and len(document.version_tag) == 15


@pytest.mark.parametrize("name", ["../refund_policy", "Refund", "a/b", "", "x" * 65, "1abc"])
def test_names_cannot_reach_outside_the_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_policy_document(name, tmp_path)
    with pytest.raises(ValidationError):
        ProcessPolicyInput(name=name)


@pytest.mark.parametrize("content", ["[1, 2]", '{"limit": 3}', '{"version": 7}'])
def test_a_file_without_a_version_is_refused(content: str, tmp_path: Path) -> None:
    (tmp_path / "onboarding.json").write_text(content)
    with pytest.raises(ValueError, match="version"):
        load_policy_document("onboarding", tmp_path)


@pytest.mark.parametrize("content", [None, "{not json", '{"limit": 3}'])
def test_the_activity_fails_for_good_on_a_bad_deployment(
    content: str | None, tmp_path: Path
) -> None:
    if content is not None:
        (tmp_path / "onboarding.json").write_text(content)
    activities = PolicyActivities(policy_dir=tmp_path)
    with pytest.raises(ApplicationError) as failed:
        ActivityEnvironment().run(
            activities.load_process_policy, ProcessPolicyInput(name="onboarding")
        )
    assert failed.value.type == "PolicyUnavailable" and failed.value.non_retryable


def test_the_shipped_refund_policy_loads_as_a_document() -> None:
    document = load_policy_document("refund_policy")
    assert document.version == document.data["version"]
