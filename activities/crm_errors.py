"""How CRM store failures become Temporal errors; the one place that decides what is retried.

A lost connection, a locked SQLite file or a serialization failure heals on its own, so Temporal
retries it. A constraint or schema error, or a write naming a ticket / approval the CRM does not
have, will fail the same way every time and is raised as non-retryable for the workflow to
handle. Messages name the error class and the operation only: SQL text and parameters can carry
customer data, which must not land in workflow history.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc
from temporalio.exceptions import ApplicationError

from integrations.crm_store import ApprovalNotFound, TicketNotFound

TRANSIENT = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError)


@contextmanager
def crm_errors(operation: str) -> Iterator[None]:
    try:
        yield
    except TRANSIENT as err:
        raise ApplicationError(
            f"CRM database unavailable during {operation}: {_cause(err)}", type="CrmUnavailable"
        ) from err
    except exc.DBAPIError as err:
        raise ApplicationError(
            f"CRM database rejected {operation}: {_cause(err)}",
            type="CrmWriteRejected",
            non_retryable=True,
        ) from err
    except TicketNotFound as err:
        raise ApplicationError(str(err), type="TicketNotFound", non_retryable=True) from err
    except ApprovalNotFound as err:
        raise ApplicationError(str(err), type="ApprovalNotFound", non_retryable=True) from err


def _cause(err: exc.SQLAlchemyError) -> str:
    orig = getattr(err, "orig", None) or err
    first_line = (str(orig).splitlines() or [""])[0][:200]
    return f"{type(orig).__name__}: {first_line}"
