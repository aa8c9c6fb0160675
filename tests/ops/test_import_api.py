"""POST /imports/{customers,orders}: a bulk load validated row by row, behind `crm:import`."""

from __future__ import annotations

import httpx

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import CRM_IMPORT
from tests.api_keys import CallerKeys


def importer(store: CrmStore) -> dict[str, str]:
    return CallerKeys.bearer(store.create_api_key("crm-loader", "system", scopes=[CRM_IMPORT]).key)


async def test_bulk_import_loads_good_rows_and_reports_the_rest(
    api: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    headers = importer(crm_store)
    customers = await api.post(
        "/imports/customers",
        json={
            "rows": [
                {"id": "cus_b1", "name": "Ada", "email": "ada@example.com"},
                {"id": "cus_b2", "name": "Bob", "email": "bob@example", "tier": "gold"},
                {"id": "cus_b3", "name": "Eve", "email": "eve@example.com", "role": "admin"},
            ]
        },
        headers=headers,
    )
    assert customers.status_code == 207, customers.text
    report = customers.json()
    assert report["imported"] == 1
    assert [(r["row"], r["id"], r["problems"][0]["field"]) for r in report["rejected"]] == [
        (2, "cus_b2", "email"),
        (3, "cus_b3", "role"),
    ]
    assert crm_store.get_customer("cus_b1") is not None
    assert crm_store.get_customer("cus_b2") is None

    orders = await api.post(
        "/imports/orders",
        json={
            "rows": [
                {
                    "order_id": "ord_b1",
                    "customer_id": "cus_b1",
                    "placed_at": "2026-11-20T09:00:00Z",
                    "currency": "usd",
                    "total_cents": 1200,
                    "lines": [
                        {"sku": "S", "title": "Socks", "quantity": 3, "unit_price_cents": 400}
                    ],
                    "payment": {"charge_id": "ch_b1"},
                }
            ]
        },
        headers=headers,
    )
    assert orders.status_code == 200, orders.text
    assert orders.json()["imported"] == 1 and crm_store.order_exists("ord_b1")


async def test_bulk_import_needs_the_import_scope(api: httpx.AsyncClient) -> None:
    refused = await api.post("/imports/customers", json={"rows": [{"id": "x"}]})
    assert refused.status_code == 403  # the helpdesk's key files tickets, it does not load CRMs
    assert refused.json()["error"] == "insufficient_scope"


async def test_an_empty_or_oversized_request_is_refused_whole(
    api: httpx.AsyncClient, crm_store: CrmStore
) -> None:
    headers = importer(crm_store)
    empty = await api.post("/imports/orders", json={"rows": []}, headers=headers)
    assert empty.status_code == 422 and "Traceback" not in empty.text
    too_many = await api.post("/imports/customers", json={"rows": [{}] * 1001}, headers=headers)
    assert too_many.status_code == 422
