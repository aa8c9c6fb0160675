"""How a CLI command ends: exit codes, one readable line on stderr, never a traceback.

Exit codes: 0 done; 1 the case refused or failed the request (refused approval, unknown ticket,
nondeterministic replay); 2 bad usage or input; 3 a dependency (Temporal, database) is down.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from temporalio.service import RPCError

from worker.approval_refusals import ApprovalRefused, CaseUnavailable
from worker.auth import AuthFailed
from worker.customer_replies import ReplyRefused
from worker.data_converter import CodecNotConfigured
from worker.settings import Settings, get_settings
from worker.temporal_gate import TemporalUnavailable

EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as err:
        fail(f"invalid settings in the environment / .env:\n{err}", EXIT_USAGE)


def open_store(settings: Settings) -> Any:
    """The CRM store, migrated: approvals record refusals there and status reads closed cases."""
    from integrations.crm_store import CrmStore

    try:
        store = CrmStore(settings.database_url)
        store.migrate()
    except Exception as err:
        fail(f"cannot open the database {settings.database_url}: {err}", EXIT_UNAVAILABLE)
    # Closed before the interpreter exits, however the command ends: a pooled Postgres
    # connection left to the garbage collector prints a ResourceWarning after the output.
    atexit.register(store.dispose)
    return store


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Runs one command's coroutine and turns the expected failures into exit codes."""
    try:
        return asyncio.run(_awaited(work))
    except (ApprovalRefused, ReplyRefused) as refused:
        fail(f"refused ({refused.code}): {refused.message}", EXIT_REFUSED)
    except AuthFailed as failed:
        code = EXIT_USAGE if failed.code == "missing_credential" else EXIT_REFUSED
        fail(f"not allowed ({failed.code}): {failed.message}", code)
    except CodecNotConfigured as err:
        fail(str(err), EXIT_USAGE)
    except (TemporalUnavailable, CaseUnavailable) as down:
        hint = " Is `supportflow run` (or your Temporal server) up?"
        fail(f"{down}.{hint if isinstance(down, TemporalUnavailable) else ''}", EXIT_UNAVAILABLE)
    except RPCError as err:
        fail(f"Temporal call failed ({err.status.name}): {err.message}", EXIT_UNAVAILABLE)


async def _awaited(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


def input_error(err: ValidationError) -> NoReturn:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in err.errors()
    )
    fail(problems, EXIT_USAGE)
