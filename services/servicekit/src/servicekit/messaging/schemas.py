"""Event schemas: generated from each producer's contracts, committed, and compared.

`python -m servicekit.messaging.schemas <package>.contracts.events <directory>` writes one
JSON Schema per event version. A schema already committed for a version may only change
compatibly (new optional fields); anything else needs a new VERSION.
"""

from __future__ import annotations

import importlib
import json
import re
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


# Bounds a consumer may put on what it reads, and which way a producer's must be as tight.
_AT_MOST = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")
_AT_LEAST = ("minLength", "minimum", "exclusiveMinimum", "minItems")


def _branches(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return list(prop["anyOf"]) if "anyOf" in prop else [prop]


def _takes_a_uuid(want: dict[str, Any]) -> bool:
    sample = "00000000-0000-4000-8000-000000000000"
    return (
        want.get("minLength", 0) <= len(sample) <= want.get("maxLength", len(sample))
        and re.search(want.get("pattern", ""), sample) is not None
    )


def looser_than_read(consumer: type[BaseModel], producer: dict[str, Any]) -> list[str]:
    """Bounds a consumer model puts on what it reads that a producer schema does not promise
    to keep: a value the producer may send and the consumer would refuse as poison.

    Compared where both name the same JSON type: a pattern must be the consumer's own, a
    bound at least as tight. A producer that sends money as a string, read as a bounded
    decimal, is not compared (its schema cannot say the bound)."""
    reads = consumer.model_json_schema(mode="validation")
    published_props = producer.get("properties", {})
    problems = []
    for name, prop in reads.get("properties", {}).items():
        published = published_props.get(name)
        if published is None:
            continue  # `unmet_reads` says so
        for want in _branches(prop):
            for have in _branches(published):
                if have.get("type") != want.get("type") or "type" not in want:
                    continue
                if have.get("format") == "uuid":
                    if not _takes_a_uuid(want):
                        problems.append(f"{name} is published as a UUID, which it refuses")
                    continue
                if "pattern" in want and have.get("pattern") != want["pattern"]:
                    problems.append(f"{name} is not published with the pattern it is read with")
                for key in _AT_MOST:
                    if key in want and not have.get(key, float("inf")) <= want[key]:
                        problems.append(f"{name} may be published beyond {key} {want[key]}")
                for key in _AT_LEAST:
                    if key in want and not have.get(key, float("-inf")) >= want[key]:
                        problems.append(f"{name} may be published below {key} {want[key]}")
                if "enum" in want and not set(have.get("enum", [object()])) <= set(want["enum"]):
                    problems.append(f"{name} may be published outside {want['enum']}")
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
