"""Commerce fixtures: the fake Shopify on loopback, its client, and the CRM store beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from integrations.commerce import SqlCommerce
from integrations.crm_store import CrmStore
from integrations.shopify_admin import ShopifyAdmin
from integrations.shopify_orders import ShopifyCommerce
from integrations.shopify_refunds import ShopifyRefunds
from tests.commerce.shopify_fake import TOKEN, FakeShopify
from tests.crm.conftest import T0, clock, database_url, postgres_database, store
from tests.crm.factories import MAYA

__all__ = ["clock", "database_url", "postgres_database", "store"]

SHOP = "supportflow-test.myshopify.com"
# The same order as tests/crm/factories.py's ord_1, as Shopify holds it.
LINES = [("DRIP", "Dripper", 1, 2200), ("FILT", "Filters", 2, 600)]
PLACED_AT = T0 - timedelta(days=3)


@pytest.fixture
def fake_shopify() -> Iterator[FakeShopify]:
    fake = FakeShopify().start()
    yield fake
    fake.close()


@pytest.fixture
def shopify_admin(fake_shopify: FakeShopify) -> Iterator[ShopifyAdmin]:
    admin = ShopifyAdmin(SHOP, TOKEN, base_url=fake_shopify.base_url, timeout_seconds=5.0)
    yield admin
    admin.close()


@pytest.fixture
def shopify_commerce(shopify_admin: ShopifyAdmin, store: CrmStore) -> ShopifyCommerce:
    return ShopifyCommerce(shopify_admin, SqlCommerce(store).customer_id_for_email)


@pytest.fixture
def shopify_refunds(shopify_admin: ShopifyAdmin) -> ShopifyRefunds:
    return ShopifyRefunds(shopify_admin)


def add_shopify_order(fake: FakeShopify, email: str = MAYA.email) -> str:
    return fake.shop.add_order(email, LINES, PLACED_AT).order_id
