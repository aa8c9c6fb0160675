"""Options every `supportflow` command takes: which settings file to read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from worker.settings import get_settings


def global_options(
    env_file: Annotated[
        Path | None,
        typer.Option(
            "--env-file",
            envvar="SUPPORTFLOW_ENV_FILE",
            exists=True,
            dir_okay=False,
            help="Read settings from this file instead of ./.env (also SUPPORTFLOW_ENV_FILE); "
            "processes this command starts read it too.",
        ),
    ] = None,
) -> None:
    """Customer-support cases as durable Temporal workflows."""
    if env_file is not None:
        # Through the environment, so the worker, API and local stack processes that `run`
        # and `worker --processes` start read the same file.
        os.environ["SUPPORTFLOW_ENV_FILE"] = str(env_file.resolve())
        get_settings.cache_clear()
