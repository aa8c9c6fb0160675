"""schemathesis over the served OpenAPI schema, against the real API on a real dev server, the
production worker and a real CRM store: every answer must be one the schema documents.

Checked for every generated request, valid and invalid by the schema, with and without a
credential: no server error (a 5xx other than the documented 503), the status code, the content
type and the body all as documented. Without a credential every case endpoint must answer its
documented 401. Examples are bounded so the whole module stays well under a minute or two on
two cores; failures are collected (not shrunk) and reported with a curl line that reproduces
each one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as examples
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.modes import GenerationMode
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.api.conftest import case_worker, settings, stripe_billing, stripe_sandbox
from tests.api_keys import CallerKeys
from tests.loopback_api import serve_api
from worker.api import create_app
from worker.settings import Settings

__all__ = ["case_worker", "settings", "stripe_billing", "stripe_sandbox"]  # fixtures used here

pytestmark = pytest.mark.slow

# Per operation and generation mode: 5 operations x 2 modes x 2 credential runs.
MAX_EXAMPLES = 15
MIN_REQUESTS = 60
CASE_PATHS = ("/tickets", "/tickets/{ticket_id}", "/tickets/{ticket_id}/replies")
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Finding:
    operation: str
    mode: str
    status: int | None
    problem: str
    reproduce: str


@pytest_asyncio.fixture
async def base_url(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    case_worker: Any,
) -> AsyncIterator[str]:
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    async with serve_api(app) as url:
        yield url


def _fuzz(base_url: str, headers: dict[str, str]) -> list[Finding]:
    """Blocking (schemathesis sends with requests): runs on a thread while the test's event
    loop serves the API and runs the worker."""
    served = requests.get(f"{base_url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(served)
    findings: list[Finding] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(result.ok(), mode, base_url, headers, session, findings)
    # Zero findings from zero requests would prove nothing.
    assert len(findings) + _sent(session) >= MIN_REQUESTS
    return findings


def _sent(session: requests.Session) -> int:
    return getattr(session, "sent", 0)


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    findings: list[Finding],
) -> None:
    @examples(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers)
        session.sent = _sent(session) + 1  # type: ignore[attr-defined]
        reproduce = case.as_curl_command(headers=headers, base_url=base_url)
        status = response.status_code
        if status >= 500 and status != 503:
            findings.append(Finding(operation.label, mode, status, response.text, reproduce))
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:
            findings.append(Finding(operation.label, mode, status, str(failure), reproduce))

    try:
        check()
    except Unsatisfiable:
        # An operation without parameters or body (/healthz) has nothing to make invalid.
        assert mode == GenerationMode.NEGATIVE, f"{operation.label}: no valid request"


def _report(findings: list[Finding]) -> str:
    return "\n\n".join(
        f"{f.operation} [{f.mode}] -> {f.status}: {f.problem[:600]}\n  {f.reproduce}"
        for f in findings
    )


async def test_fuzz_with_credentials(base_url: str, api_keys: CallerKeys) -> None:
    # A person's key carries every scope a case endpoint needs, approvals included.
    findings = await asyncio.to_thread(_fuzz, base_url, api_keys.person("alice"))
    assert not findings, _report(findings)


async def test_fuzz_without_credentials(base_url: str) -> None:
    findings = await asyncio.to_thread(_fuzz, base_url, {})
    assert not findings, _report(findings)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/tickets"),
        ("get", "/tickets/T-1"),
        ("post", "/tickets/T-1/replies"),
        ("post", "/tickets/T-1/approvals"),
    ],
)
async def test_case_endpoints_answer_a_documented_401_without_credentials(
    base_url: str, method: str, path: str
) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        served = (await client.get("/openapi.json")).json()
        # A valid body, so the 401 cannot be a 422 in disguise.
        bodies = {
            "/tickets": {"ticket_id": "T-1", "customer_id": "cus_1"},
            "/tickets/T-1/replies": {"text": "My order number is 1001."},
            "/tickets/T-1/approvals": {"decision": "approve"},
        }
        response = await client.request(method, path, json=bodies.get(path))
    assert response.status_code == 401, response.text
    template = path.replace("T-1", "{ticket_id}")
    assert "401" in served["paths"][template][method]["responses"]
    assert response.json()["error"] and response.json()["message"]
