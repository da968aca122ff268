"""Synchronous AWS clients for a command-line tool, pointed at the local emulator by default."""

from __future__ import annotations

import os
from typing import Any

import botocore.session
from botocore.config import Config

LOCAL_ENDPOINT = "http://127.0.0.1:4566"


def endpoint_url() -> str | None:
    """`AWS_ENDPOINT_URL`, or the local emulator; `SHOP_TARGET=aws` means the SDK's defaults."""
    if os.environ.get("SHOP_TARGET") == "aws":
        return None
    return os.environ.get("AWS_ENDPOINT_URL") or LOCAL_ENDPOINT


def is_local() -> bool:
    """True when talking to an emulator rather than to AWS."""
    return endpoint_url() is not None


def client(service: str) -> Any:
    """A client for `service` in the configured region and endpoint."""
    session = botocore.session.get_session()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    options: dict[str, Any] = {
        "region_name": region,
        "endpoint_url": endpoint_url(),
        "config": Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=3),
    }
    if is_local() and session.get_credentials() is None:
        # The emulator accepts any credentials; give it some when none are configured.
        options |= {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    return session.create_client(service, **options)
