"""Fixtures for the offline checks of the Terraform under infra/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.terraform import ENVIRONMENTS, TOPOLOGY_FILE, Parsed, load_parsed, saga_template


@pytest.fixture(scope="session")
def topology() -> dict[str, Any]:
    declared: dict[str, Any] = json.loads(TOPOLOGY_FILE.read_text())
    return declared


@pytest.fixture(scope="session")
def saga() -> dict[str, Any]:
    definition: dict[str, Any] = json.loads(saga_template())
    return definition


@pytest.fixture(scope="session", params=ENVIRONMENTS)
def parsed(request: pytest.FixtureRequest) -> Parsed:
    return load_parsed(request.param)


@pytest.fixture(scope="session")
def prod() -> Parsed:
    return load_parsed("prod")
