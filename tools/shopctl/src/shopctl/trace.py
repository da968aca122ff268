"""An order's trace, read from the trace backend's query API (Jaeger's), as an indented tree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

# The span every checkout records, tagged with the order it accepted.
CHECKOUT_SERVICE = "basket-api"
ORDER_TAG = "shop.order_id"


@dataclass
class Span:
    span_id: str
    name: str
    service: str
    start_us: int
    duration_us: int
    failed: bool
    children: list[Span] = field(default_factory=list)


def find_trace(traces_url: str, order_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The whole trace of the checkout that accepted `order_id`."""
    with httpx.Client(base_url=traces_url, timeout=timeout) as http:
        found = http.get(
            "/api/traces",
            params={
                "service": CHECKOUT_SERVICE,
                "tags": json.dumps({ORDER_TAG: order_id}),
                "limit": 1,
                "lookback": "7d",
            },
        )
        found.raise_for_status()
        data = found.json().get("data") or []
        if not data:
            raise LookupError(f"no trace of order {order_id} at {traces_url}")
        whole = http.get(f"/api/traces/{data[0]['traceID']}")
        whole.raise_for_status()
        trace: dict[str, Any] = whole.json()["data"][0]
        return trace


def span_tree(trace: dict[str, Any]) -> list[Span]:
    """The trace's spans as trees, each list ordered by start time."""
    services = {key: p["serviceName"] for key, p in trace["processes"].items()}
    spans: dict[str, Span] = {}
    parents: dict[str, str] = {}
    for raw in trace["spans"]:
        tags = {tag["key"]: tag["value"] for tag in raw.get("tags", [])}
        spans[raw["spanID"]] = Span(
            span_id=raw["spanID"],
            name=raw["operationName"],
            service=services.get(raw["processID"], "?"),
            start_us=raw["startTime"],
            duration_us=raw["duration"],
            failed=tags.get("error") in (True, "true"),
        )
        for reference in raw.get("references", []):
            if reference["refType"] == "CHILD_OF" and reference["traceID"] == raw["traceID"]:
                parents[raw["spanID"]] = reference["spanID"]
    roots: list[Span] = []
    for span in spans.values():
        parent = spans.get(parents.get(span.span_id, ""))
        (parent.children if parent else roots).append(span)
    for span in spans.values():
        span.children.sort(key=lambda child: child.start_us)
    return sorted(roots, key=lambda root: root.start_us)


def render(roots: list[Span]) -> Iterator[str]:
    """Lines of the tree: offset from the trace's start, duration, span, service."""
    if not roots:
        return
    origin = roots[0].start_us

    def lines(span: Span, depth: int) -> Iterator[str]:
        offset = (span.start_us - origin) / 1000
        mark = "  FAILED" if span.failed else ""
        yield (
            f"{offset:>9.1f} ms {span.duration_us / 1000:>9.1f} ms  "
            f"{'  ' * depth}{span.name}  [{span.service}]{mark}"
        )
        for child in span.children:
            yield from lines(child, depth + 1)

    yield f"{'start':>12} {'duration':>12}  span  [process]"
    for root in roots:
        yield from lines(root, 0)
