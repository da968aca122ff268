"""What the benches read off the running compose stack: its containers and their settings."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def docker(*args: str) -> str:
    """Run the docker CLI in the project folder; its output."""
    done = subprocess.run(["docker", *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def inspect(container: str, template: str) -> object:
    """A field of `docker inspect`, decoded."""
    return json.loads(docker("inspect", "--format", "{{json " + template + "}}", container))


def service_container(service: str) -> str:
    """The id of the compose service's running container."""
    return docker("compose", "ps", "--quiet", service)


def service_env(service: str) -> dict[str, str]:
    """The environment the compose service's container runs with."""
    variables = inspect(service_container(service), ".Config.Env")
    if not isinstance(variables, list):
        raise SystemExit(f"no environment for {service}")
    return dict(str(item).partition("=")[::2] for item in variables)


def database_url(service: str) -> str:
    """The service's database, as reached from this machine through PostgreSQL's published
    port (`POSTGRES_PORT`, as in compose.yaml)."""
    env = service_env(service)
    port = os.environ.get("POSTGRES_PORT", "55432")
    return f"postgresql://{env['DB_USER']}:{env['DB_PASSWORD']}@127.0.0.1:{port}/{env['DB_NAME']}"
