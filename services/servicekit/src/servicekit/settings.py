"""Settings every service shares; each service extends them in its own `settings.py`."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL


class ServiceSettings(BaseSettings):
    """Read from the environment once, at start-up, and passed down from there."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str
    log_level: str = "INFO"
    host: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets published
    port: int = 8000
    aws_region: str = "us-east-1"
    # The addresses (or networks, comma-separated) of the proxies in front of the API: the
    # gateway locally, the load balancer's subnets in AWS. Only a request from one of them has
    # its X-Forwarded-For and X-Forwarded-Proto believed. Loopback alone unless set.
    forwarded_allow_ips: str = "127.0.0.1,::1"

    # JWT verification. In AWS all three come from the deployment; locally they may be left
    # empty and discovered from the emulator's Cognito by the user pool's name.
    auth_issuer: str = ""
    auth_jwks_url: str = ""
    auth_client_id: str = ""
    auth_user_pool_name: str = ""
    auth_app_client_name: str = "shop-api"
    auth_admin_group: str = "admin"

    # OpenTelemetry, by its standard variables: exported only when an OTLP endpoint is set.
    # The SDK reads the others (sampler, headers, resource attributes) itself.
    otel_exporter_otlp_endpoint: str = ""
    otel_exporter_otlp_traces_endpoint: str = ""
    otel_sdk_disabled: bool = False
    otel_service_name: str = ""
    otel_metrics_exporter: str = "none"


class PublisherSettings(ServiceSettings):
    """A service that publishes its events to its own topic."""

    events_topic: str  # `<service>-events`
    # Set in AWS from the deployment; found by name on a local stack when empty.
    events_topic_arn: str = ""


class PostgresSettings(ServiceSettings):
    """A service that owns a PostgreSQL schema."""

    db_schema: str  # the service's own, named after it
    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_name: str = "shop"
    db_user: str = "shop"
    db_password: SecretStr = SecretStr("")
    # In AWS: sign in with an IAM authentication token made for each new connection (the
    # task role's rds-db:connect), not a password, so nothing expires under a running task.
    db_iam_auth: bool = False
    # Migrations only: the service's own role, given its schema's tables and nothing else, and
    # outside AWS the password it signs in with (in AWS it signs in with IAM tokens).
    db_grant_to: str = ""
    db_grant_password: SecretStr = SecretStr("")
    # Connections are kept, not opened for a burst and closed after it: each new one is a new
    # server process, the driver's type introspection (about 7 ms of the server's time) and,
    # in AWS, an IAM token. Past `db_pool_size` busy at once, the next waits its turn.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    # Plain-SQL single statements (`db.create_statement_pool`), an API's reads or a worker's
    # one-statement writes, each held for a fraction of a millisecond: a few connections
    # serve a busy path.
    db_statement_pool_size: int = 10
    db_timeout_seconds: float = 5.0

    def database_url(self) -> URL:
        """The SQLAlchemy URL for the asyncpg driver."""
        return URL.create(
            "postgresql+asyncpg",
            username=self.db_user,
            password=self.db_password.get_secret_value() or None,
            host=self.db_host,
            port=self.db_port,
            database=self.db_name,
        )


class SagaSettings(ServiceSettings):
    """A service whose worker starts the order saga or runs its steps."""

    # The shop's key for its saga executions (`servicekit.messaging.saga.SagaKey`): in AWS
    # from Secrets Manager, given to the workers that start or run steps and to nothing else;
    # empty in a process that needs none (an API), and a worker refuses to start without it.
    saga_key: SecretStr = SecretStr("")
