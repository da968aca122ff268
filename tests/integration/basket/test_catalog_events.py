"""Catalog changes reach open baskets through the outbox, SNS and SQS: once, in order, and
even across an outage of the broker."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from shopctl.aws import client
from tests.integration.events import (
    basket_item,
    handled,
    new_product,
    queue_depth,
    wait_for_line,
)
from tests.support.postgres import Database
from tests.support.proxy import CuttableProxy
from tests.support.services import RunningService, RunningWorker, running_worker
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def broker_link(aws_endpoint: str) -> Iterator[CuttableProxy]:
    """The relay's only way to the broker, so a test can cut it."""
    target = urlsplit(aws_endpoint)
    proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 80)
    proxy.restore()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def catalog_relay(
    catalog_service: RunningService,
    database: Database,
    service_env: dict[str, str],
    broker_link: CuttableProxy,
    logs: Path,
) -> Iterator[RunningWorker]:
    env = service_env | database.env() | {"AWS_ENDPOINT_URL": broker_link.url}
    with running_worker("catalog.entrypoints.worker", env, logs / "catalog-relay.log") as worker:
        yield worker


@pytest.fixture(autouse=True)
def _workers(catalog_relay: RunningWorker, basket_worker: RunningWorker) -> None:
    """Every test here runs with the relay and the basket's consumer up."""


def _reprice(catalog: httpx.Client, admin: dict[str, str], product_id: str, price: str) -> None:
    response = catalog.put(
        f"/catalog/products/{product_id}/price",
        json={"price": price, "currency": "EUR"},
        headers=admin,
    )
    assert response.status_code == 200, response.text


def test_a_price_change_reaches_the_basket(
    catalog: httpx.Client, basket: httpx.Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    product_id = new_product(catalog, admin, "10.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 2}, headers=alice)
    _reprice(catalog, admin, product_id, "8.50")
    line = wait_for_line(basket, alice, product_id, lambda line: line["unit_price"] == "8.50")
    assert line["line_total"] == "17.00"

    assert catalog.delete(f"/catalog/products/{product_id}", headers=admin).status_code == 204
    wait_for_line(basket, alice, product_id, lambda line: line["available"] is False)


def test_the_same_message_twice_changes_nothing_the_second_time(
    catalog: httpx.Client,
    basket: httpx.Client,
    admin: dict[str, str],
    bob: dict[str, str],
    basket_worker: RunningWorker,
) -> None:
    product_id = new_product(catalog, admin, "20.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=bob)
    added = int(basket_item(bob)["version"]["N"])
    event_id = str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "type": "catalog.ProductPriceChanged",
        "version": 1,
        "occurred_at": "2026-11-26T12:00:00Z",
        "source": "catalog",
        "data": {
            "product_id": product_id,
            "sku": "X",
            "price": "15.00",
            "currency": "EUR",
            "previous_price": "20.00",
            "previous_currency": "EUR",
            "product_version": 5,
        },
    }
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="basket-events")["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelope))
    eventually(lambda: len(handled(basket_worker, event_id)) == 2, what="both deliveries")
    outcomes = sorted(
        int(str(line["baskets_changed"])) for line in handled(basket_worker, event_id)
    )
    assert outcomes == [0, 1]
    assert wait_for_line(basket, bob, product_id, lambda line: True)["unit_price"] == "15.00"
    assert int(basket_item(bob)["version"]["N"]) == added + 1  # one price change, not two


def test_changes_made_while_the_broker_is_down_all_arrive_when_it_returns(
    catalog: httpx.Client,
    basket: httpx.Client,
    admin: dict[str, str],
    alice: dict[str, str],
    broker_link: CuttableProxy,
    database: Database,
) -> None:
    product_id = new_product(catalog, admin, "30.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=alice)
    broker_link.cut()
    try:
        for price in ("29.00", "28.00", "27.00"):
            _reprice(catalog, admin, product_id, price)  # the catalog keeps accepting changes
        time.sleep(2)
        assert wait_for_line(basket, alice, product_id, lambda line: True)["unit_price"] == "30.00"
    finally:
        broker_link.restore()
    wait_for_line(basket, alice, product_id, lambda line: line["unit_price"] == "27.00", 90)


def test_a_poison_message_goes_to_the_dead_letter_queue_and_comes_back_on_redrive(
    catalog: httpx.Client,
    basket: httpx.Client,
    admin: dict[str, str],
    bob: dict[str, str],
    tmp_path: Path,
) -> None:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="basket-events")["QueueUrl"]
    poison_id = str(uuid.uuid4())
    poison = {
        "id": poison_id,
        "type": "catalog.ProductPriceChanged",
        "version": 1,
        "source": "catalog",
        "data": {"product_id": "not-a-uuid"},
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(poison))

    # The consumer carries on with everything else meanwhile.
    product_id = new_product(catalog, admin, "5.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=bob)
    _reprice(catalog, admin, product_id, "4.00")
    wait_for_line(basket, bob, product_id, lambda line: line["unit_price"] == "4.00")

    eventually(lambda: queue_depth("basket-events-dlq") == 1, 90, "the dead-letter queue")
    shopctl = [str(Path(sys.executable).parent / "shopctl"), "dlq"]
    listed = subprocess.run([*shopctl, "list"], capture_output=True, text=True, check=True)
    assert any(
        line.split()[:3] == ["basket-events", "basket-events-dlq", "1"]
        for line in listed.stdout.splitlines()
    ), listed.stdout
    shown = subprocess.run(
        [*shopctl, "show", "basket-events"], capture_output=True, text=True, check=True
    )
    assert poison_id in shown.stdout

    moved = subprocess.run(
        [*shopctl, "redrive", "basket-events"], capture_output=True, text=True, check=True
    )
    assert moved.stdout.startswith("1 ")
    assert queue_depth("basket-events-dlq") == 0
    # Still poison: it is handled again, fails again, and ends in the dead-letter queue again.
    eventually(lambda: queue_depth("basket-events-dlq") == 1, 90, "the second dead-lettering")
