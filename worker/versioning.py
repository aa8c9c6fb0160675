"""Worker Versioning: which deployment and build a worker belongs to, from the settings.

Unset (the default, and `make run`): an unversioned worker, as before. Both set: the worker
polls as version `<SUPPORTFLOW_DEPLOYMENT_NAME>.<SUPPORTFLOW_BUILD_ID>`, and each workflow type's
`@workflow.defn(versioning_behavior=...)` says whether its running cases stay on the build they
started on (PINNED) or move to the current build at their next task (AUTO_UPGRADE); see
docs/operations.md, "Safe deploys".
"""

from __future__ import annotations

from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import WorkerDeploymentConfig


class VersioningConfigError(ValueError):
    """Half a deployment: a name without a build id or the other way round."""


def deployment_config(
    deployment_name: str | None, build_id: str | None
) -> WorkerDeploymentConfig | None:
    if not deployment_name and not build_id:
        return None
    if not deployment_name or not build_id:
        raise VersioningConfigError(
            "Worker Versioning needs both SUPPORTFLOW_DEPLOYMENT_NAME and SUPPORTFLOW_BUILD_ID "
            "(or neither, for an unversioned worker)"
        )
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(deployment_name=deployment_name, build_id=build_id),
        use_worker_versioning=True,
        # Every workflow type declares its own behaviour (tests/ops/test_versioning.py); this
        # default only matters for a type added later without one.
        default_versioning_behavior=VersioningBehavior.AUTO_UPGRADE,
    )


def registered_workflows(
    workflows: list[type], config: WorkerDeploymentConfig | None
) -> list[type]:
    """A versioned worker registers each type with its behaviour (workflows/versioned.py); a
    type without an entry there gets the deployment's default (AUTO_UPGRADE)."""
    if config is None:
        return workflows
    from temporalio import workflow

    from workflows.versioned import VERSIONED_WORKFLOWS

    chosen = []
    for cls in workflows:
        name = workflow._Definition.must_from_class(cls).name
        chosen.append(VERSIONED_WORKFLOWS.get(name or "", cls))
    return chosen
