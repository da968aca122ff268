"""The declared topology (`infra/topology.json`): the one description of the AWS resources."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Subscription:
    topic: str
    event_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    consumer: str
    visibility_timeout_seconds: int
    max_receive_count: int
    subscriptions: tuple[Subscription, ...]

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    owner: str
    hash_key: str
    range_key: str | None
    ttl_attribute: str | None


@dataclass(frozen=True, slots=True)
class Identity:
    user_pool: str
    app_client: str
    admin_group: str


@dataclass(frozen=True, slots=True)
class StateMachine:
    name: str
    definition: Path


@dataclass(frozen=True, slots=True)
class Topology:
    topics: tuple[str, ...]
    queues: tuple[Queue, ...]
    tables: tuple[Table, ...]
    identity: Identity
    state_machines: tuple[StateMachine, ...] = ()
    # The PostgreSQL schemas, one per service that owns one.
    schemas: tuple[str, ...] = ()

    @classmethod
    def parse(cls, data: dict[str, Any], base: Path = Path()) -> Topology:
        return cls(
            topics=tuple(t["name"] for t in data["topics"]),
            queues=tuple(
                Queue(
                    name=q["name"],
                    consumer=q["consumer"],
                    visibility_timeout_seconds=q["visibility_timeout_seconds"],
                    max_receive_count=q["max_receive_count"],
                    subscriptions=tuple(
                        Subscription(s["topic"], tuple(s["event_types"]))
                        for s in q["subscriptions"]
                    ),
                )
                for q in data["queues"]
            ),
            tables=tuple(
                Table(
                    name=t["name"],
                    owner=t["owner"],
                    hash_key=t["hash_key"],
                    range_key=t.get("range_key"),
                    ttl_attribute=t.get("ttl_attribute"),
                )
                for t in data["tables"]
            ),
            identity=Identity(**data["identity"]),
            state_machines=tuple(
                StateMachine(m["name"], base / m["definition"])
                for m in data.get("state_machines", [])
            ),
            schemas=tuple(s["name"] for s in data.get("schemas", [])),
        )


def find_topology_file() -> Path:
    """`SHOP_TOPOLOGY`, or `infra/topology.json` in this checkout or the image's /app."""
    if configured := os.environ.get("SHOP_TOPOLOGY"):
        return Path(configured)
    for base in (Path.cwd(), *Path(__file__).resolve().parents, Path("/app")):
        candidate = base / "infra" / "topology.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("infra/topology.json not found; set SHOP_TOPOLOGY to its path.")


def load_topology(path: Path | None = None) -> Topology:
    """The declared topology."""
    path = path or find_topology_file()
    return Topology.parse(json.loads(path.read_text()), base=path.parent)
