"""Every service documents the rules its inputs are held to: each text input (parameter or
body field) has a length limit and a pattern that refuses control characters, and each
number a range. What the OpenAPI says is what the service enforces (the integration tests
send what the patterns refuse)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from basket.entrypoints.api.app import create_app as basket_app
from basket.settings import BasketSettings
from catalog.entrypoints.api.app import create_app as catalog_app
from catalog.settings import CatalogSettings
from inventory.entrypoints.api.app import create_app as inventory_app
from inventory.settings import InventorySettings
from notification.entrypoints.api.app import create_app as notification_app
from notification.settings import NotificationSettings
from ordering.entrypoints.api.app import create_app as ordering_app
from ordering.settings import OrderingSettings
from payment.entrypoints.api.app import create_app as payment_app
from payment.settings import PaymentSettings

APPS: dict[str, Callable[[], FastAPI]] = {
    "catalog": lambda: catalog_app(CatalogSettings()),
    "basket": lambda: basket_app(BasketSettings()),
    "ordering": lambda: ordering_app(OrderingSettings()),
    "inventory": lambda: inventory_app(InventorySettings()),
    "payment": lambda: payment_app(PaymentSettings()),
    "notification": lambda: notification_app(NotificationSettings()),
}
HOSTILE = ["a\x00b", "a\x1bb", "a\x7fb", "a\ud800b", "a\ufffeb"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return schema


def _leaves(
    spec: dict[str, Any], schema: dict[str, Any], where: str, depth: int = 0
) -> Iterator[tuple[str, dict[str, Any]]]:
    schema = _resolve(spec, schema)
    assert depth < 10, where
    for branch in schema.get("anyOf", []) + schema.get("allOf", []):
        yield from _leaves(spec, branch, where, depth + 1)
    if schema.get("type") == "object":
        for name, field in schema.get("properties", {}).items():
            yield from _leaves(spec, field, f"{where}.{name}", depth + 1)
    elif schema.get("type") == "array":
        yield from _leaves(spec, schema["items"], f"{where}[]", depth + 1)
    elif "type" in schema:
        yield where, schema


def _inputs(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
                yield from _leaves(spec, parameter["schema"], where)
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                yield from _leaves(spec, content["schema"], f"{method.upper()} {path} body")


@pytest.mark.parametrize("service", APPS)
def test_every_text_input_documents_and_refuses_control_characters(service: str) -> None:
    spec = APPS[service]().openapi()
    texts = [
        (where, schema)
        for where, schema in _inputs(spec)
        if schema["type"] == "string" and "format" not in schema and "enum" not in schema
    ]
    for where, schema in texts:
        assert "pattern" in schema, f"{where}: no pattern"
        assert "maxLength" in schema or "{" in schema["pattern"], f"{where}: no length limit"
        pattern = re.compile(schema["pattern"])
        for hostile in HOSTILE:
            assert pattern.search(hostile) is None, f"{where} documents {hostile!r} as valid"


@pytest.mark.parametrize("service", APPS)
def test_every_number_input_documents_its_range(service: str) -> None:
    spec = APPS[service]().openapi()
    for where, schema in _inputs(spec):
        if schema["type"] in ("integer", "number"):
            assert "maximum" in schema or "exclusiveMaximum" in schema, f"{where}: no maximum"
            assert "minimum" in schema or "exclusiveMinimum" in schema, f"{where}: no minimum"


@pytest.mark.parametrize("name", APPS)
def test_every_error_is_documented_as_a_problem_document(name: str) -> None:
    spec = APPS[name]().openapi()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert {"type", "title", "status", "detail", "instance"} <= set(
        spec["components"]["schemas"]["Problem"]["required"]
    )
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["default"]["content"] == problem, f"{method} {path}"
            for status, response in responses.items():
                if status[0] in "45":
                    assert response["content"] == problem, f"{method} {path} {status}"


@pytest.mark.parametrize("name", APPS)
def test_every_operation_with_a_body_documents_its_413(name: str) -> None:
    spec = APPS[name]().openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], f"{method} {path}"
