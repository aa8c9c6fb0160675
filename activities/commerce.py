"""Commerce activity: load the order a ticket is about, from whichever commerce port is wired.

An order that does not exist, or belongs to someone else, is a fact about the ticket, not an
outage: both are non-retryable so the workflow escalates at once with a clear reason.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.crm_errors import crm_errors
from activities.models import LoadOrderInput, OrderInfo
from integrations.commerce import CommercePort


class CommerceActivities:
    def __init__(self, port: CommercePort) -> None:
        self._port = port

    @activity.defn(name="load_order")
    def load_order(self, data: LoadOrderInput) -> OrderInfo:
        with crm_errors("load_order"):
            order = self._port.get_order(data.order_id)
        if order is None:
            raise ApplicationError(
                f"Order {data.order_id} was not found.", type="OrderNotFound", non_retryable=True
            )
        if order.customer_id != data.customer_id:
            # Deliberately does not say whose order it is: the ticket author may not be its owner.
            raise ApplicationError(
                f"Order {data.order_id} does not belong to customer {data.customer_id}.",
                type="OrderCustomerMismatch",
                non_retryable=True,
            )
        return order
