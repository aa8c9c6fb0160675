"""What `make run` shows an engineer, checked while tests/cli/test_devstack.py has the stack up:
the dev server's UI is configured with the API's codec endpoint, that endpoint decodes a stored
payload for a browser on the UI's origin, and no stored history holds a demo customer's name,
email or ticket text in plain text."""

from __future__ import annotations

import base64

import httpx
from google.protobuf.json_format import MessageToDict
from temporalio.client import Client

from tests.codec.personal_data import scan_histories
from worker.data_converter import plain_data_converter
from worker.local_stack.demo_data import AUTO_APPROVE
from worker.local_stack.launcher import DevStack


async def assert_ui_decodes_through_the_api(stack: DevStack) -> None:
    ui = f"http://127.0.0.1:{stack.layout.ui_port}"
    async with httpx.AsyncClient(timeout=10) as http:
        ui_settings = (await http.get(f"{ui}/api/v1/settings")).json()
        endpoint = ui_settings["Codec"]["Endpoint"]
        assert endpoint.startswith(f"{stack.api_url}/codec/k/sfk_"), ui_settings["Codec"]

        raw = Client(  # as the server stores it: no codec
            (await Client.connect(stack.temporal_address)).service_client,
            data_converter=plain_data_converter(),
        )
        history = await raw.get_workflow_handle(f"ticket-{AUTO_APPROVE.ticket_id}").fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        body = {"payloads": [MessageToDict(p) for p in started.input.payloads]}
        assert b"binary/encrypted" in base64.b64decode(body["payloads"][0]["metadata"]["encoding"])

        origin = f"http://localhost:{stack.layout.ui_port}"
        decoded = await http.post(
            f"{endpoint}/decode", json=body, headers={"Origin": origin, "X-Namespace": "default"}
        )
        assert decoded.status_code == 200, decoded.text
        assert decoded.headers["access-control-allow-origin"] == origin
        text = base64.b64decode(decoded.json()["payloads"][0]["data"]).decode()
        assert AUTO_APPROVE.body in text

    runs, leaks = await scan_histories(raw)
    assert runs >= 12, runs  # refunds, triage, billing disputes, chargeback, onboarding
    assert leaks == {}, leaks
