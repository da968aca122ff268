"""Paths, tools and the parsed configuration shared by the infra checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra"
TOPOLOGY_FILE = INFRA / "topology.json"
SAGA_FILE = INFRA / "statemachine" / "order-saga.asl.json"
STEP_TIMEOUT = re.compile(r"\$\{([a-z]+)_step_timeout_seconds\}")
# Distinct per service, so that a test can tell whose timeout a step was given.
STEP_TIMEOUTS = {"inventory": 121, "payment": 301, "ordering": 122}
ENVIRONMENTS = ("dev", "prod")

# Tools that run in their own environments so that their pins never meet the
# workspace's: `uv tool run --from <pin>` builds and caches one per pin.
CHECKOV = "checkov==3.3.30"
STATELINT = "statelint==3.1.0"
ASL_VALIDATOR = "asl-validator@4.0.0"


def saga_template() -> str:
    """The saga's template with each step's timeout filled in (`STEP_TIMEOUTS`, by the service
    that runs the step) and its queue URL placeholders left in place."""
    return STEP_TIMEOUT.sub(lambda m: str(STEP_TIMEOUTS[m.group(1)]), SAGA_FILE.read_text())


@dataclass(frozen=True)
class Parsed:
    """The configuration as evaluated for one environment's tfvars."""

    environment: str
    prefix: str
    raw: dict[str, Any]

    def resources(self, kind: str) -> list[dict[str, Any]]:
        return list(self.raw.get(kind, []))

    def by_path(self, kind: str) -> dict[str, dict[str, Any]]:
        return {item["__tfmeta"]["path"]: item for item in self.resources(kind)}

    def one(self, kind: str, path: str) -> dict[str, Any]:
        found = self.by_path(kind)
        assert path in found, f"{kind} {path} is missing; have {sorted(found)}"
        return found[path]

    def module_input(self, path: str) -> dict[str, Any]:
        return self.one("module", path)

    def output(self, path: str) -> Any:
        return self.one("output", path)["value"]

    def strip(self, name: str) -> str:
        assert name.startswith(self.prefix + "-"), f"{name!r} lacks the prefix {self.prefix!r}"
        return name[len(self.prefix) + 1 :]


def load_parsed(environment: str) -> Parsed:
    try:
        import tfparse
    except ImportError:
        pytest.fail("tfparse is not installed; it is one of the workspace's dev dependencies")
    try:
        raw = tfparse.load_from_path(
            INFRA, stop_on_hcl_error=True, vars_paths=[f"env/{environment}.tfvars"]
        )
    except tfparse.ParseError as error:
        pytest.fail(f"infra/ does not parse with env/{environment}.tfvars: {error}")
    return Parsed(environment=environment, prefix=f"shop-{environment}", raw=raw)
