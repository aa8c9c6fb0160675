"""Loading customers, orders and payment references into the CRM for a real deployment, row by
row: every row is validated on its own, good rows are written (idempotently: a row whose id
exists is reported `unchanged`, never overwritten), bad rows come back with the row number and
what is wrong, so an operator fixes the file and imports it again.

Shared by `supportflow import` (a CSV or JSON file) and `POST /imports/{kind}` (JSON rows).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from integrations.commerce_orders import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment

ImportKind = Literal["customers", "orders"]
MAX_ROWS = 5000
_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class CustomerRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1, max_length=200)
    # One @, a dot in the domain, no spaces: the helpdesk's own check decides the rest.
    email: str = Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    tier: str = Field("standard", pattern=r"^[a-z0-9_-]{1,32}$")


class LineRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    quantity: int = Field(gt=0, le=10_000)
    unit_price_cents: int = Field(ge=0)


class PaymentRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    charge_id: str = Field(pattern=r"^(ch|py)_[A-Za-z0-9]{1,250}$")
    payment_intent_id: str | None = Field(None, pattern=r"^pi_[A-Za-z0-9]{1,250}$")
    amount_cents: int | None = Field(None, gt=0)


class OrderRow(BaseModel):
    """An order, its lines and the Stripe charge that paid it (amount defaults to the total)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    order_id: str = Field(pattern=_ID)
    customer_id: str = Field(pattern=_ID)
    placed_at: AwareDatetime
    currency: str = Field(pattern=r"^[a-z]{3}$")
    total_cents: int = Field(gt=0)
    status: str = Field("paid", pattern=r"^[a-z_]{1,32}$")
    lines: list[LineRow] = Field(min_length=1, max_length=500)
    payment: PaymentRow | None = None

    @model_validator(mode="after")
    def _lines_add_up(self) -> OrderRow:
        lines = sum(line.quantity * line.unit_price_cents for line in self.lines)
        if lines != self.total_cents:
            raise ValueError(f"lines add up to {lines}, total_cents is {self.total_cents}")
        return self


class RowProblem(BaseModel):
    field: str
    message: str


class RejectedRow(BaseModel):
    row: int = Field(description="1-based position in the file or request (CSV: data row)")
    id: str | None
    problems: list[RowProblem]


class ImportReport(BaseModel):
    kind: ImportKind
    rows: int
    imported: int
    unchanged: int = Field(description="rows whose id already existed; nothing was changed")
    rejected: list[RejectedRow]


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, shape); no row was written."""


def import_rows(store: CrmStore, kind: ImportKind, rows: Sequence[Any]) -> ImportReport:
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"{len(rows)} rows; at most {MAX_ROWS} per import (split the file)")
    imported = unchanged = 0
    rejected: list[RejectedRow] = []
    for number, raw in enumerate(rows, start=1):
        try:
            created = _write(store, kind, raw)
        except ValidationError as err:
            rejected.append(_rejected(number, raw, kind, _problems(err)))
            continue
        except RowRefused as refused:
            rejected.append(_rejected(number, raw, kind, [refused.problem]))
            continue
        imported += created
        unchanged += not created
    return ImportReport(
        kind=kind, rows=len(rows), imported=imported, unchanged=unchanged, rejected=rejected
    )


class RowRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.problem = RowProblem(field=field, message=message)


def _write(store: CrmStore, kind: ImportKind, raw: Any) -> bool:
    if kind == "customers":
        customer = CustomerRow.model_validate(raw)
        return store.add_customer(CustomerView(**customer.model_dump()))
    order = OrderRow.model_validate(raw)
    if store.get_customer(order.customer_id) is None:
        raise RowRefused("customer_id", f"no customer {order.customer_id}; import it first")
    payment = None
    if order.payment is not None:
        payment = NewPayment(
            charge_id=order.payment.charge_id,
            payment_intent_id=order.payment.payment_intent_id,
            amount_cents=order.payment.amount_cents or order.total_cents,
            currency=order.currency,
        )
    return store.add_order(
        NewOrder(
            order_id=order.order_id,
            customer_id=order.customer_id,
            placed_at=order.placed_at,
            currency=order.currency,
            total_cents=order.total_cents,
            status=order.status,
            lines=[OrderLineInfo(**line.model_dump()) for line in order.lines],
            payment=payment,
        )
    )


def _problems(err: ValidationError) -> list[RowProblem]:
    return [
        RowProblem(field=".".join(str(p) for p in e["loc"]) or "row", message=e["msg"])
        for e in err.errors(include_url=False, include_input=False)
    ]


def _rejected(number: int, raw: Any, kind: ImportKind, problems: list[RowProblem]) -> RejectedRow:
    key = "id" if kind == "customers" else "order_id"
    row_id = raw.get(key) if isinstance(raw, dict) else None
    return RejectedRow(row=number, id=str(row_id)[:64] if row_id else None, problems=problems)


def read_rows(path: Path, kind: ImportKind) -> list[Any]:
    """Rows from `.json` (a list of objects, or {"rows": [...]}) or `.csv` (customers: one row
    each; orders: one row per order line, lines of one order_id grouped, payment columns
    `charge_id`, `payment_intent_id`, `payment_amount_cents`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportFileError(f"{path} is not UTF-8 text: {err.reason}") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ImportFileError(f"{path} is not valid JSON: {err}") from None
        rows = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ImportFileError(f"{path}: expected a JSON list of {kind} (or {{'rows': [...]}})")
        return rows
    if path.suffix.lower() == ".csv":
        records = list(csv.DictReader(io.StringIO(text)))
        if kind == "orders":
            return _orders_from_csv(records)
        # An empty cell is a value not given (the default applies), not an empty string.
        return [
            {k.strip(): v.strip() for k, v in r.items() if k and v and v.strip()} for r in records
        ]
    raise ImportFileError(f"{path}: use a .csv or .json file")


def _orders_from_csv(records: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = {}
    line_fields = ("sku", "title", "quantity", "unit_price_cents")
    for record in records:
        clean = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        order_id = clean.get("order_id", "")
        order = orders.setdefault(
            order_id or f"(row {len(orders) + 1})",
            {
                k: clean[k]
                for k in ("order_id", "customer_id", "placed_at", "currency", "total_cents")
                if k in clean
            }
            | ({"status": clean["status"]} if clean.get("status") else {})
            | {"lines": []},
        )
        order["lines"].append({k: clean.get(k, "") for k in line_fields})
        if clean.get("charge_id"):
            order["payment"] = {
                "charge_id": clean["charge_id"],
                "payment_intent_id": clean.get("payment_intent_id") or None,
                "amount_cents": clean.get("payment_amount_cents") or None,
            }
    return list(orders.values())
