"""docker/: the production stack description, checked without a Docker engine. The compose file
against the Compose Specification schema that check-jsonschema ships (no network), images pinned,
every setting it passes known to the app, the Dockerfile installing the runtime only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from worker.settings import Settings

DOCKER = Path(__file__).parents[2] / "docker"
CHECK = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
# Variables read by libraries rather than by Settings (temporalio envconfig, OpenTelemetry).
EXTERNAL_PREFIXES = ("TEMPORAL_", "OTEL_")


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def test_compose_file_follows_the_compose_specification() -> None:
    result = subprocess.run([*CHECK, str(DOCKER / "compose.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_finds_a_broken_compose_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  api:\n    image: x:1\n    ports: 8000\n    restart: [no]\n")
    result = subprocess.run([*CHECK, str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "ports" in result.stdout + result.stderr


def test_the_stack_has_every_part_the_deployment_needs() -> None:
    services = compose()["services"]
    assert {
        "postgres",
        "temporal-schema",
        "temporal",
        "temporal-setup",
        "temporal-ui",
        "weaviate",
        "worker",
        "api",
        "codec",
        "prometheus",
    } <= set(services)
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    assert "update-schema" in services["temporal-schema"]["command"][0]
    assert services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"].endswith("/codec")
    assert "--processes" in services["worker"]["command"]
    assert "replicas" in services["worker"]["deploy"]


def test_images_are_pinned_to_versions() -> None:
    for name, service in compose()["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
        assert tag and tag != "latest", (name, image)
        assert re.search(r"\d+\.\d+", tag) or tag.startswith("${"), (name, image)
    base = re.search(r"^FROM (\S+)", (DOCKER / "Dockerfile").read_text(), re.M)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim", base.group(1))


def test_every_setting_the_stack_passes_is_one_the_app_reads() -> None:
    known = {field.alias for field in Settings.model_fields.values() if field.alias}
    services = compose()["services"]
    for name in ("worker", "api", "codec"):
        for variable in services[name]["environment"]:
            if variable.startswith(EXTERNAL_PREFIXES):
                continue
            assert variable in known or variable.startswith("SUPPORTFLOW_CODEC"), (name, variable)


def test_a_stopping_worker_gets_longer_than_its_graceful_shutdown() -> None:
    worker = compose()["services"]["worker"]
    grace = int(worker["stop_grace_period"].removesuffix("s"))
    assert grace > int(worker["environment"]["SUPPORTFLOW_GRACEFUL_SHUTDOWN_SECONDS"])


def test_prometheus_scrapes_with_the_mounted_key() -> None:
    config = yaml.safe_load((DOCKER / "prometheus.yml").read_text())
    api = next(j for j in config["scrape_configs"] if j["job_name"] == "supportflow-api")
    secret = compose()["services"]["prometheus"]["secrets"][0]["target"]
    assert api["authorization"]["credentials_file"] == secret
    assert api["metrics_path"] == "/metrics"


def test_the_dashboard_only_charts_metrics_that_exist() -> None:
    dashboard = json.loads((DOCKER / "grafana" / "supportflow-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    source = (Path(__file__).parents[2] / "worker" / "metrics_business.py").read_text()
    for name in set(re.findall(r"supportflow_[a-z_]+", exprs)):
        base = name.removesuffix("_total")
        assert f'"{base}"' in source, name


@pytest.mark.parametrize("extra", ["[dev]", "[local]", "-e "])
def test_the_image_installs_the_runtime_only(extra: str) -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    installs = re.findall(r"^RUN pip install (\S+)", dockerfile, re.M)
    assert installs == ["."], installs
    assert extra not in " ".join(installs)


def test_the_image_carries_every_package_the_project_ships() -> None:
    dockerfile = (DOCKER / "Dockerfile").read_text()
    for package in ("workflows", "activities", "integrations", "policies", "worker", "evals"):
        assert f"COPY {package} ./{package}" in dockerfile, package


def test_env_example_lists_the_operations_settings() -> None:
    example = (DOCKER.parent / ".env.example").read_text()
    for variable in (
        "SUPPORTFLOW_LOG_FORMAT",
        "SUPPORTFLOW_WORKER_METRICS_ADDRESS",
        "SUPPORTFLOW_DEPLOYMENT_NAME",
        "SUPPORTFLOW_BUILD_ID",
        "SUPPORTFLOW_GRACEFUL_SHUTDOWN_SECONDS",
        "SUPPORTFLOW_MAX_CACHED_WORKFLOWS",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ):
        assert f"{variable}=" in example, variable
