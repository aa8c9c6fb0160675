"""`supportflow import` and `status` as an operator runs them: a separate process, settings from
`--env-file`, the CRM on SQLite or PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import TICKETS_READ
from tests.conftest import TEST_CODEC_KEYS

CUSTOMERS_CSV = """id,name,email,tier
cus_imp_1,Ada Lovelace,ada@example.com,gold
cus_imp_2,Grace Hopper,grace@example.com,
cus_imp_3,No Email,not-an-email,standard
,Nameless,x@example.com,standard
"""


def supportflow(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own interpreter with warnings shown, as `-W default` in production."""
    return subprocess.run(
        [
            sys.executable,
            "-X",
            "dev",
            "-W",
            "default",
            "-m",
            "worker.cli",
            "--env-file",
            str(env_file),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env_file.parent,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[3])},
    )


def env_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "supportflow.env"
    # An address nothing listens on: commands that need Temporal must say so, not hang.
    # The payload key too: a command that talks to Temporal needs it (docs/operations-encryption.md).
    path.write_text(
        f"DATABASE_URL={database_url}\nTEMPORAL_ADDRESS=127.0.0.1:9\n"
        f"SUPPORTFLOW_CODEC_KEYS={TEST_CODEC_KEYS}\n"
    )
    return path


def test_import_customers_reports_each_bad_row_and_loads_the_rest(
    tmp_path: Path, database_url: str, store: CrmStore
) -> None:
    settings = env_file(tmp_path, database_url)
    source = tmp_path / "customers.csv"
    source.write_text(CUSTOMERS_CSV)
    first = supportflow(settings, "import", "customers", str(source))
    assert first.returncode == 1, first.stderr
    assert "4 rows, 2 imported, 0 unchanged (id already present), 2 rejected" in first.stdout
    assert "row 3 (cus_imp_3): email:" in first.stderr
    assert "row 4 (no id): id:" in first.stderr
    ada = store.get_customer("cus_imp_1")
    assert ada is not None and ada.tier == "gold" and ada.email == "ada@example.com"
    grace = store.get_customer("cus_imp_2")
    assert grace is not None and grace.tier == "standard"
    assert store.get_customer("cus_imp_3") is None

    again = supportflow(settings, "import", "customers", str(source), "--json")
    report = json.loads(again.stdout)
    assert (report["imported"], report["unchanged"], len(report["rejected"])) == (0, 2, 2)
    assert "ResourceWarning" not in first.stderr + again.stderr


def test_import_orders_from_csv_groups_lines_and_keeps_the_payment(
    tmp_path: Path, database_url: str, store: CrmStore
) -> None:
    settings = env_file(tmp_path, database_url)
    customers = tmp_path / "customers.json"
    customers.write_text(json.dumps([{"id": "cus_o1", "name": "Ada", "email": "a@example.com"}]))
    assert supportflow(settings, "import", "customers", str(customers)).returncode == 0
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,customer_id,placed_at,currency,total_cents,sku,title,quantity,"
        "unit_price_cents,charge_id,payment_intent_id\n"
        "ord_o1,cus_o1,2026-11-01T10:00:00+00:00,usd,3500,KETTLE,Kettle,1,2500,ch_o1,pi_o1\n"
        "ord_o1,cus_o1,2026-11-01T10:00:00+00:00,usd,3500,MUG,Mug,2,500,ch_o1,pi_o1\n"
        "ord_o2,cus_nobody,2026-11-01T10:00:00+00:00,usd,100,X,X,1,100,ch_o2,\n"
        "ord_o3,cus_o1,2026-11-01T10:00:00,usd,100,X,X,1,100,,\n"
        "ord_o4,cus_o1,2026-11-01T10:00:00+00:00,usd,999,X,X,1,100,,\n"
    )
    result = supportflow(settings, "import", "orders", str(orders), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["imported"] == 1
    problems = {r["id"]: r["problems"][0] for r in report["rejected"]}
    assert problems["ord_o2"]["field"] == "customer_id"
    assert problems["ord_o3"]["field"] == "placed_at"  # no UTC offset: ambiguous
    assert "add up to 100" in problems["ord_o4"]["message"]
    assert store.order_exists("ord_o1") and not store.order_exists("ord_o2")
    from integrations.commerce import SqlCommerce

    order = SqlCommerce(store).get_order("ord_o1")
    assert order is not None
    assert sorted(line.sku for line in order.lines) == ["KETTLE", "MUG"]
    assert order.charge_id == "ch_o1"


def test_a_file_that_is_not_rows_is_a_usage_error(tmp_path: Path, database_url: str) -> None:
    settings = env_file(tmp_path, database_url)
    bad = tmp_path / "orders.json"
    bad.write_text('{"orders": 1}')
    result = supportflow(settings, "import", "orders", str(bad))
    assert result.returncode == 2
    assert "expected a JSON list" in result.stderr and "Traceback" not in result.stderr


def test_status_leaves_no_connection_behind(
    tmp_path: Path, database_url: str, store: CrmStore
) -> None:
    """Issue 14: `supportflow status` on Postgres printed a ResourceWarning after its answer."""
    settings = env_file(tmp_path, database_url)
    key = store.create_api_key("ops-reader", "system", scopes=[TICKETS_READ]).key
    result = supportflow(settings, "status", "T-none", "--key", key)
    assert result.returncode == 3, result.stderr  # Temporal is not there: said, not crashed
    assert "127.0.0.1:9" in result.stderr
    assert "ResourceWarning" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_env_file_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.cli",
            "--env-file",
            str(tmp_path / "nope.env"),
            "status",
            "T",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "nope.env" in result.stderr and "does not exist" in result.stderr
