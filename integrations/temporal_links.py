"""Links into the Temporal UI, so whoever follows a case (CLI, API, Slack) lands on its run."""

from __future__ import annotations

from urllib.parse import quote


def workflow_url(temporal_ui_url: str, namespace: str, workflow_id: str) -> str:
    """The Temporal UI page of one workflow. Namespace and id are quoted as one path segment
    each, so a `/`, `:` or space in them cannot point the link at another page."""
    return (
        f"{temporal_ui_url.rstrip('/')}/namespaces/{quote(namespace, safe='')}"
        f"/workflows/{quote(workflow_id, safe='')}"
    )
