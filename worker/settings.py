"""Process settings for supportflow, read from the environment (and `.env`).

Temporal connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) are deliberately *not* here: they are
read by temporalio's envconfig so that the same variables work as for the `temporal` CLI.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / ".data"
# Sent to STRIPE_API_BASE when STRIPE_API_KEY is unset: a Stripe-compatible server (the local
# sandbox accepts any sk_ key) still needs a bearer key, and this one says where it comes from.
STRIPE_API_BASE_DEFAULT_KEY = "sk_test_supportflow_sandbox"


class Settings(BaseSettings):
    """Everything a supportflow process needs besides the Temporal connection."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    task_queue: str = Field("supportflow", alias="SUPPORTFLOW_TASK_QUEUE")
    database_url: str = Field(f"sqlite:///{DATA_DIR / 'supportflow.db'}", alias="DATABASE_URL")
    stripe_api_key: SecretStr | None = Field(None, alias="STRIPE_API_KEY")
    stripe_api_base: str | None = Field(None, alias="STRIPE_API_BASE")
    # Signing secret of the Stripe webhook endpoint (whsec_...); POST /webhooks/stripe answers
    # 503 without it, so Stripe keeps the events until it is set.
    stripe_webhook_secret: SecretStr | None = Field(None, alias="STRIPE_WEBHOOK_SECRET")
    api_url: str = Field("http://127.0.0.1:8000", alias="SUPPORTFLOW_API_URL")
    temporal_ui_url: str = Field("http://localhost:8233", alias="TEMPORAL_UI_URL")
    policy_path: Path | None = Field(None, alias="SUPPORTFLOW_POLICY_PATH")
    # The routing policy the worker's tickets follow (default policies/routing_policy.json);
    # `make run` points it at a copy with a one-minute SLA for critical tickets.
    routing_policy_path: Path | None = Field(None, alias="SUPPORTFLOW_ROUTING_POLICY_PATH")

    # The CLI's credential (`--key` wins): a person key for approve/reject, any key with the
    # command's scope otherwise. API callers send theirs as `Authorization: Bearer`.
    cli_key: SecretStr | None = Field(None, alias="SUPPORTFLOW_KEY")
    # People may also authenticate with OIDC bearer tokens from this issuer (off when unset).
    oidc_issuer: str | None = Field(None, alias="SUPPORTFLOW_OIDC_ISSUER")
    oidc_audience: str | None = Field(None, alias="SUPPORTFLOW_OIDC_AUDIENCE")
    oidc_jwks_url: str | None = Field(None, alias="SUPPORTFLOW_OIDC_JWKS_URL")
    oidc_person_claim: str = Field("preferred_username", alias="SUPPORTFLOW_OIDC_PERSON_CLAIM")
    oidc_leeway_seconds: int = Field(30, ge=0, le=300, alias="SUPPORTFLOW_OIDC_LEEWAY_SECONDS")
    oidc_algorithms: list[str] = Field(["RS256", "ES256"], alias="SUPPORTFLOW_OIDC_ALGORITHMS")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_base: str | None = Field(None, alias="SLACK_API_BASE")

    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    openai_model: str = Field("gpt-4o-mini", alias="OPENAI_MODEL")

    # Shopify as the commerce system of record (off when unset: the CRM store's orders only).
    # SHOPIFY_API_BASE points the client at another host (a loopback fake in tests).
    shopify_shop: str | None = Field(None, alias="SHOPIFY_SHOP")
    shopify_access_token: SecretStr | None = Field(None, alias="SHOPIFY_ACCESS_TOKEN")
    shopify_webhook_secret: SecretStr | None = Field(None, alias="SHOPIFY_WEBHOOK_SECRET")
    shopify_api_base: str | None = Field(None, alias="SHOPIFY_API_BASE")

    # Outbound delivery (docs/delivery.md): on by default, so every queued reply goes out (or
    # is marked failed, visibly): the worker runs the outbox dispatcher and delivers case events
    # to callbacks and the helpdesk. Off only for a worker that must not send (another worker
    # on the task queue delivers).
    delivery: bool = Field(True, alias="SUPPORTFLOW_DELIVERY")
    # Zendesk as the helpdesk: tickets in over POST /webhooks/zendesk, replies and status back.
    # ZENDESK_API_BASE overrides https://<subdomain>.zendesk.com (a loopback fake in tests).
    zendesk_subdomain: str | None = Field(None, alias="ZENDESK_SUBDOMAIN")
    zendesk_api_base: str | None = Field(None, alias="ZENDESK_API_BASE")
    zendesk_email: str | None = Field(None, alias="ZENDESK_EMAIL")
    zendesk_api_token: SecretStr | None = Field(None, alias="ZENDESK_API_TOKEN")
    zendesk_webhook_secret: SecretStr | None = Field(None, alias="ZENDESK_WEBHOOK_SECRET")
    # Payload encryption (docs/operations-encryption.md): `kid:<base64 32 bytes>,...`; the
    # active key encrypts, any listed key decrypts. Else the key file `make run` generates.
    codec_keys: SecretStr | None = Field(None, alias="SUPPORTFLOW_CODEC_KEYS")
    codec_active_key: str | None = Field(None, alias="SUPPORTFLOW_CODEC_ACTIVE_KEY")
    codec_keys_file: Path = Field(
        DATA_DIR / "keys" / "codec.keys", alias="SUPPORTFLOW_CODEC_KEYS_FILE"
    )
    # Browser origins allowed to call the codec endpoints (the Temporal UI's); default: the
    # origin of TEMPORAL_UI_URL.
    codec_cors_origins: list[str] = Field([], alias="SUPPORTFLOW_CODEC_CORS_ORIGINS")

    weaviate_url: str | None = Field(None, alias="WEAVIATE_URL")
    weaviate_api_key: SecretStr | None = Field(None, alias="WEAVIATE_API_KEY")
    knowledge_db_path: Path = Field(DATA_DIR / "knowledge.db", alias="SUPPORTFLOW_KNOWLEDGE_DB")

    # Operations (docs/operations.md). The worker's Temporal SDK metrics for Prometheus on this
    # host:port (off when unset); `json` logs carry ticket, workflow and run ids as fields.
    worker_metrics_address: str | None = Field(None, alias="SUPPORTFLOW_WORKER_METRICS_ADDRESS")
    log_format: Literal["text", "json"] = Field("text", alias="SUPPORTFLOW_LOG_FORMAT")
    log_level: str = Field("INFO", alias="SUPPORTFLOW_LOG_LEVEL")
    # Worker Versioning: both set = a versioned worker of deployment <name>, build <build id>.
    deployment_name: str | None = Field(None, alias="SUPPORTFLOW_DEPLOYMENT_NAME")
    build_id: str | None = Field(None, alias="SUPPORTFLOW_BUILD_ID")
    # Workflows kept in the worker's sticky cache (memory vs replay on the next task).
    max_cached_workflows: int = Field(1000, ge=0, alias="SUPPORTFLOW_MAX_CACHED_WORKFLOWS")
    # How long a stopping worker lets in-flight activities finish before cancelling them.
    graceful_shutdown_seconds: float = Field(
        30.0, ge=0, le=3600, alias="SUPPORTFLOW_GRACEFUL_SHUTDOWN_SECONDS"
    )


def env_file() -> Path:
    """The settings file: SUPPORTFLOW_ENV_FILE (the CLI's --env-file sets it), else `.env` in the
    current directory. A missing `.env` is fine; a named file that is missing is an error."""
    return Path(os.environ.get("SUPPORTFLOW_ENV_FILE") or ".env")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    path = env_file()
    if os.environ.get("SUPPORTFLOW_ENV_FILE") and not path.is_file():
        raise FileNotFoundError(f"SUPPORTFLOW_ENV_FILE names {path}, which is not a file")
    return Settings(_env_file=path)  # type: ignore[call-arg]
