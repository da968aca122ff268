"""Event schemas: generated from each producer's contracts, committed, and compared.

`python -m servicekit.messaging.schemas <package>.contracts.events <directory>` writes one
JSON Schema per event version. A schema already committed for a version may only change
compatibly (new optional fields); anything else needs a new VERSION.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from servicekit.messaging.envelope import Message


def schema_of(event: type[Message]) -> dict[str, Any]:
    """The JSON Schema of an event's `data`, as producers serialize it."""
    schema = event.model_json_schema(mode="serialization")
    schema["$id"] = f"{event.TYPE}.v{event.VERSION}"
    schema["x-event-type"] = event.TYPE
    schema["x-event-version"] = event.VERSION
    return schema


def file_name(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}.json"


def json_types(prop: dict[str, Any]) -> set[str]:
    """The JSON types a property's schema admits."""
    if "anyOf" in prop:
        return set().union(*(json_types(p) for p in prop["anyOf"]))
    kind = prop.get("type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if isinstance(kind, str) else {"any"}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How `new` would break a consumer written against `old`."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"{name} was removed")
        elif not json_types(new_props[name]) <= json_types(prop):
            problems.append(f"{name} changed type")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        if name in old_props:
            problems.append(f"{name} became required")
    return problems


def unmet_reads(consumer: type[BaseModel], producer: dict[str, Any]) -> list[str]:
    """Fields a consumer model reads that a producer schema does not promise."""
    reads = consumer.model_json_schema(mode="validation")
    problems = []
    required = set(producer.get("required", []))
    for name, prop in reads.get("properties", {}).items():
        published = producer.get("properties", {}).get(name)
        if published is None:
            problems.append(f"{name} is not published")
        elif name in reads.get("required", []) and name not in required:
            problems.append(f"{name} is optional in the producer's schema")
        elif not json_types(published) <= json_types(prop) | {"any"}:
            problems.append(f"{name} is published as {json_types(published)}")
    return problems


def write_schemas(events: Iterable[type[Message]], directory: Path) -> list[Path]:
    """Write each event's schema, refusing incompatible changes to a committed version."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event in events:
        path = directory / file_name(event.TYPE, event.VERSION)
        new = schema_of(event)
        if path.exists():
            problems = breaking_changes(json.loads(path.read_text()), new)
            if problems:
                raise SystemExit(
                    f"{path.name}: {'; '.join(problems)}. Publish it as VERSION "
                    f"{event.VERSION + 1} instead."
                )
        path.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def main(argv: list[str]) -> None:
    module_name, directory = argv
    module = importlib.import_module(module_name)
    for path in write_schemas(module.PUBLISHED, Path(directory)):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
