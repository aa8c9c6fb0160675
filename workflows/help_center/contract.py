"""HelpCenterIngestWorkflow's public contract: its type name and the id of each batch's run."""

from __future__ import annotations

HELP_CENTER_INGEST_WORKFLOW = "HelpCenterIngestWorkflow"


def help_center_ingest_id(ingest_id: str, number: int) -> str:
    """One short workflow per batch of one `kb ingest` run."""
    return f"help-center-ingest-{ingest_id}-{number}"
