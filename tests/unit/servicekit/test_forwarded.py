"""A service believes X-Forwarded-For and X-Forwarded-Proto only from the proxies it is told
to trust (FORWARDED_ALLOW_IPS: loopback alone unless set), never from whoever connects."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import servicekit.app
from servicekit.app import serve
from servicekit.settings import ServiceSettings


def _uvicorn_options(monkeypatch: pytest.MonkeyPatch, settings: ServiceSettings) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(servicekit.app, "configure_logging", lambda *args: None)
    monkeypatch.setattr(servicekit.app, "configure_telemetry", lambda *args: None)
    monkeypatch.setattr(servicekit.app, "settle_after_start", lambda: None)
    serve(lambda settings: FastAPI(), settings)
    return seen


async def _as_seen(trusted: str, peer: str, headers: dict[str, str]) -> tuple[str, str]:
    """The client address and scheme an app behind uvicorn's proxy-header handling sees."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 40000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None)  # type: ignore[arg-type]
    return seen["client"], seen["scheme"]


FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_serve_trusts_the_configured_proxies_only(monkeypatch: pytest.MonkeyPatch) -> None:
    default = _uvicorn_options(monkeypatch, ServiceSettings(service_name="catalog"))
    assert default["proxy_headers"] is True
    assert default["forwarded_allow_ips"] == "127.0.0.1,::1"
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/16")
    configured = _uvicorn_options(monkeypatch, ServiceSettings(service_name="catalog"))
    assert configured["forwarded_allow_ips"] == "10.0.0.0/16"


async def test_by_default_a_client_cannot_choose_its_address_or_scheme() -> None:
    trusted = ServiceSettings(service_name="catalog").forwarded_allow_ips
    assert await _as_seen(trusted, "198.51.100.7", FORGED) == ("198.51.100.7", "http")
    assert await _as_seen(trusted, "127.0.0.1", FORGED) == ("203.0.113.9", "https")


async def test_behind_a_gateway_the_forwarded_address_is_taken_from_it_alone() -> None:
    trusted = "10.0.0.0/16"
    assert await _as_seen(trusted, "10.0.3.4", FORGED) == ("203.0.113.9", "https")
    assert await _as_seen(trusted, "10.1.3.4", FORGED) == ("10.1.3.4", "http")
