"""`--processes N`: each child gets the same settings and its own SDK metrics port."""

from __future__ import annotations

from worker.worker_pool import child_environment


def test_children_share_settings_but_not_the_metrics_port() -> None:
    base = {
        "SUPPORTFLOW_TASK_QUEUE": "supportflow",
        "SUPPORTFLOW_WORKER_METRICS_ADDRESS": "0.0.0.0:9464",
    }
    first, second = child_environment(0, base), child_environment(1, base)
    assert first["SUPPORTFLOW_TASK_QUEUE"] == second["SUPPORTFLOW_TASK_QUEUE"] == "supportflow"
    assert first["SUPPORTFLOW_WORKER_METRICS_ADDRESS"] == "0.0.0.0:9464"
    assert second["SUPPORTFLOW_WORKER_METRICS_ADDRESS"] == "0.0.0.0:9465"
    assert base["SUPPORTFLOW_WORKER_METRICS_ADDRESS"] == "0.0.0.0:9464"  # not modified


def test_without_metrics_no_port_is_invented() -> None:
    assert "SUPPORTFLOW_WORKER_METRICS_ADDRESS" not in child_environment(3, {})
