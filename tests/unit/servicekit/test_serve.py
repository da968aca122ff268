"""The service keeps idle connections open longer than the load balancer in front of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

import servicekit.app
from servicekit.app import serve
from servicekit.settings import ServiceSettings

ALB = Path(__file__).resolve().parents[3] / "infra" / "modules" / "alb" / "main.tf"


def test_keep_alive_outlasts_the_load_balancers_idle_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(servicekit.app, "configure_logging", lambda *args: None)
    serve(lambda settings: FastAPI(), ServiceSettings(service_name="catalog"))

    found = re.search(r"^\s*idle_timeout\s*=\s*(\d+)", ALB.read_text(), re.MULTILINE)
    assert found, "the ALB's idle_timeout is not set in infra/modules/alb/main.tf"
    # The balancer must close an idle connection first, or it may send a request into a
    # connection the service is closing (a 502).
    assert seen["timeout_keep_alive"] > int(found.group(1))
