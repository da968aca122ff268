"""One checkout, one trace: from the basket's API through its relay, ordering, the saga's steps
in inventory, payment and ordering, to the notifications, read back from the trace backend the
way `shopctl trace` reads it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from shopctl.trace import Span, find_trace, span_tree
from tests.e2e.conftest import SHOPCTL, check_out

Headers = Callable[[str], dict[str, str]]

SAGA_STEPS = ["ReserveStock", "AuthorizePayment", "ConfirmOrder", "CapturePayment"]
PROCESSES = {
    "basket-api",
    "basket-worker",
    "ordering-worker",
    "inventory-worker",
    "payment-worker",
    "notification-worker",
}


@pytest.fixture(scope="module")
def traces_url() -> str:
    url = os.environ.get("SHOP_TRACES_URL", "http://127.0.0.1:16686").rstrip("/")
    try:
        httpx.get(f"{url}/api/services", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"the trace backend at {url} does not answer: {exc!r}")
    return url


def _walk(spans: list[Span]) -> Iterator[Span]:
    for span in spans:
        yield span
        yield from _walk(span.children)


def _whole_trace(traces_url: str, order_id: str, timeout: float = 60) -> list[Span]:
    """The order's trace once every process has exported its part of it. Processes export
    their spans in batches, so a child can arrive before its parent: until then it shows as
    a root of its own, and the trace is not whole yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            roots = span_tree(find_trace(traces_url, order_id))
        except LookupError:
            roots = []
        spans = list(_walk(roots))
        missing_processes = PROCESSES - {s.service for s in spans}
        missing_steps = set(SAGA_STEPS) - {s.name for s in spans}
        if not missing_processes and not missing_steps and len(roots) == 1:
            return roots
        assert time.monotonic() < deadline, (
            f"the trace of {order_id} lacks processes {sorted(missing_processes)} or steps "
            f"{sorted(missing_steps)}, or has more than one root: "
            f"{[(r.name, r.service) for r in roots]}"
        )
        time.sleep(1)


def test_one_checkout_is_one_trace_across_every_hop(
    shop: httpx.Client, headers_for: Headers, customer: str, traces_url: str
) -> None:
    me = headers_for(customer)
    product = shop.get("/catalog/products", params={"q": "mug", "limit": 1}).json()["items"][0]
    shop.put(f"/basket/items/{product['id']}", json={"quantity": 1}, headers=me).raise_for_status()
    order_id = check_out(shop, me, f"{customer}-trace")

    roots = _whole_trace(traces_url, order_id)

    # One root, the checkout request; everything else hangs below it.
    assert roots[0].service == "basket-api"
    assert "checkout" in roots[0].name
    spans = list(_walk(roots))
    steps = sorted((s for s in spans if s.name in SAGA_STEPS), key=lambda s: s.start_us)
    assert [s.name for s in steps] == SAGA_STEPS
    assert {s.name: s.service for s in steps} == {
        "ReserveStock": "inventory-worker",
        "AuthorizePayment": "payment-worker",
        "ConfirmOrder": "ordering-worker",
        "CapturePayment": "payment-worker",
    }
    assert not [s.name for s in spans if s.failed]

    printed = subprocess.run(
        [str(SHOPCTL), "trace", order_id, "--url", traces_url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = printed.splitlines()
    step_lines = [next(i for i, line in enumerate(lines) if f" {s}  [" in line) for s in SAGA_STEPS]
    assert step_lines == sorted(step_lines), printed
