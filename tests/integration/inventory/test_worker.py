"""The worker as it runs: saga steps answered to a real state machine, events from the queue."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopctl.aws import client
from shopctl.bootstrap import fill_step_timeouts
from tests.integration.inventory.support import (
    envelope,
    level,
    new_sku,
    queue_url,
    saga_input,
    send,
)
from tests.support.postgres import Database
from tests.support.saga import KEY
from tests.support.services import ROOT, RunningWorker, running_worker
from tests.support.waiting import eventually

SAGA = ROOT / "infra" / "statemachine" / "order-saga.asl.json"


@pytest.fixture(scope="module")
def inventory_worker(
    inventory_database: Database, service_env: dict[str, str], logs: Path
) -> Iterator[RunningWorker]:
    env = service_env | inventory_database.env()
    log = logs / f"inventory-worker-{uuid.uuid4().hex[:8]}.log"
    with running_worker("inventory.entrypoints.worker", env, log) as worker:
        yield worker


@pytest.fixture(autouse=True)
def _worker(inventory_worker: RunningWorker) -> None:
    """Every test here runs with the worker up."""


def _one_step_machine(step: str) -> str:
    """A state machine of one of the order saga's own states: it sends exactly the command the
    saga sends, to the queue the saga sends it to, and ends with the step's answer."""
    state = copy.deepcopy(json.loads(fill_step_timeouts(SAGA.read_text(), 60))["States"][step])
    state["Parameters"]["QueueUrl"] = queue_url("inventory-commands")
    task = {
        "Type": "Task",
        "Resource": state["Resource"],
        "Parameters": state["Parameters"],
        "TimeoutSeconds": 60,
        "End": True,
    }
    sfn = client("stepfunctions")
    created = sfn.create_state_machine(
        name=f"inventory-{step}-{uuid.uuid4().hex[:8]}",
        definition=json.dumps({"StartAt": step, "States": {step: task}}),
        roleArn="arn:aws:iam::000000000000:role/inventory-tests",
    )
    return str(created["stateMachineArn"])


@pytest.fixture(scope="module")
def machines(topology: object) -> dict[str, str]:
    return {step: _one_step_machine(step) for step in ("ReserveStock", "ReleaseStock")}


def _run(machine: str, order: dict[str, Any]) -> dict[str, Any]:
    """Start an execution named after the order, as ordering does, and wait for its end."""
    sfn = client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=machine, name=order["order_id"], input=json.dumps(order)
    )["executionArn"]

    def finished() -> dict[str, Any] | None:
        execution: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        return None if execution["status"] == "RUNNING" else execution

    return eventually(finished, 60, f"the execution of {machine}")


def _stock(inventory: httpx.Client, admin: dict[str, str], on_hand: int) -> str:
    sku = new_sku()
    response = inventory.put(f"/inventory/stock/{sku}", json={"on_hand": on_hand}, headers=admin)
    assert response.status_code == 201, response.text
    return sku


def _logged(worker: RunningWorker, message: str, **fields: str) -> list[dict[str, object]]:
    return [
        line
        for line in worker.log_lines()
        if line.get("message") == message and all(line.get(k) == v for k, v in fields.items())
    ]


def _wait_logged(
    worker: RunningWorker, count: int, message: str, **fields: str
) -> list[dict[str, object]]:
    """Wait until the worker has logged `message` with `fields` `count` times."""

    def found() -> list[dict[str, object]] | None:
        lines = _logged(worker, message, **fields)
        return lines if len(lines) >= count else None

    lines = eventually(found, what=f"{count} x {message} {fields}")
    assert len(lines) == count, lines
    return lines


def test_a_created_product_is_counted_at_zero(
    inventory: httpx.Client, admin: dict[str, str], inventory_worker: RunningWorker
) -> None:
    sku = new_sku()
    event = envelope(
        "catalog.ProductCreated",
        {
            "product_id": str(uuid.uuid4()),
            "sku": sku,
            "name": "Mug",
            "category": "kitchen",
            "price": "12.50",
            "currency": "EUR",
            "product_version": 1,
        },
        "catalog",
    )
    send("inventory-events", event)
    send("inventory-events", event)
    handled = _wait_logged(inventory_worker, 2, "event_handled", event_id=event["id"])
    assert sorted(bool(line["sku_created"]) for line in handled) == [False, True]
    assert level(inventory, admin, sku) == (0, 0)


def test_stock_set_before_the_product_event_is_kept(
    inventory: httpx.Client, admin: dict[str, str], inventory_worker: RunningWorker
) -> None:
    sku = _stock(inventory, admin, 7)
    event = envelope("catalog.ProductCreated", {"product_id": str(uuid.uuid4()), "sku": sku}, "t")
    send("inventory-events", event)
    _wait_logged(inventory_worker, 1, "event_handled", event_id=event["id"])
    assert level(inventory, admin, sku) == (7, 0)


def test_the_saga_reserves_stock_and_releases_it(
    inventory: httpx.Client, admin: dict[str, str], machines: dict[str, str]
) -> None:
    mug, tea = _stock(inventory, admin, 5), _stock(inventory, admin, 5)
    order = saga_input(str(uuid.uuid4()), **{mug: 2, tea: 5})
    reserved = _run(machines["ReserveStock"], order)
    assert reserved["status"] == "SUCCEEDED", reserved
    assert (level(inventory, admin, mug), level(inventory, admin, tea)) == ((5, 2), (5, 5))

    released = _run(machines["ReleaseStock"], order)
    assert released["status"] == "SUCCEEDED", released
    assert (level(inventory, admin, mug), level(inventory, admin, tea)) == ((5, 0), (5, 0))


def test_the_saga_hears_out_of_stock_and_nothing_is_held(
    inventory: httpx.Client, admin: dict[str, str], machines: dict[str, str]
) -> None:
    mug, tea, unknown = _stock(inventory, admin, 5), _stock(inventory, admin, 1), new_sku()
    order = saga_input(str(uuid.uuid4()), **{mug: 2, tea: 2, unknown: 1})
    execution = _run(machines["ReserveStock"], order)
    assert (execution["status"], execution.get("error")) == ("FAILED", "OutOfStock"), execution
    assert tea in execution["cause"]
    assert unknown in execution["cause"]
    assert mug not in execution["cause"]
    assert (level(inventory, admin, mug), level(inventory, admin, tea)) == ((5, 0), (1, 0))


def _replayed(command: str, order_id: str, **by_sku: int) -> dict[str, Any]:
    """A step command as the shop's execution sent it, proof and all, sent again after its task
    ended (as whoever reads the queue could): its token is one nobody waits on any more."""
    token = uuid.uuid4().hex * 4
    proof = KEY.proof(order_id, command, token)
    return {"command": command, "task_token": token, "proof": proof} | saga_input(
        order_id, **by_sku
    )


def test_commands_sent_again_after_their_task_change_nothing(
    inventory: httpx.Client,
    admin: dict[str, str],
    inventory_worker: RunningWorker,
    machines: dict[str, str],
) -> None:
    sku, order_id = _stock(inventory, admin, 5), str(uuid.uuid4())
    order = saga_input(order_id, **{sku: 3})
    assert _run(machines["ReserveStock"], order)["status"] == "SUCCEEDED"
    assert level(inventory, admin, sku) == (5, 3)

    # The reservation again: it finds its own hold, holds no more, and its answer is dropped.
    send("inventory-commands", _replayed("ReserveStock", order_id, **{sku: 3}))
    _wait_logged(inventory_worker, 1, "saga_answer_ignored", order_id=order_id, step="ReserveStock")
    assert level(inventory, admin, sku) == (5, 3)

    assert _run(machines["ReleaseStock"], order)["status"] == "SUCCEEDED"
    assert level(inventory, admin, sku) == (5, 0)

    # After the release, the reservation and the release again: nothing is held again, and
    # nothing is given back twice.
    send("inventory-commands", _replayed("ReserveStock", order_id, **{sku: 3}))
    send("inventory-commands", _replayed("ReleaseStock", order_id, **{sku: 3}))
    _wait_logged(inventory_worker, 2, "saga_answer_ignored", order_id=order_id, step="ReserveStock")
    _wait_logged(inventory_worker, 1, "saga_answer_ignored", order_id=order_id, step="ReleaseStock")
    assert level(inventory, admin, sku) == (5, 0)

    # A reservation the saga sends after the release is refused too.
    late = _run(_one_step_machine("ReserveStock"), order)
    assert (late["status"], late.get("error")) == ("FAILED", "ReservationReleased"), late
    assert level(inventory, admin, sku) == (5, 0)


def test_a_confirmed_order_takes_its_units_once(
    inventory: httpx.Client,
    admin: dict[str, str],
    inventory_worker: RunningWorker,
    machines: dict[str, str],
) -> None:
    sku, order_id = _stock(inventory, admin, 5), str(uuid.uuid4())
    assert _run(machines["ReserveStock"], saga_input(order_id, **{sku: 2}))["status"] == (
        "SUCCEEDED"
    )
    confirmed = envelope(
        "ordering.OrderConfirmed",
        {
            "order_id": order_id,
            "user_id": "user-1",
            "total": "2.00",
            "currency": "EUR",
            "lines": [{"product_id": str(uuid.uuid4()), "sku": sku, "quantity": 2}],
        },
        "ordering",
    )
    send("inventory-events", confirmed)
    send("inventory-events", confirmed)
    handled = _wait_logged(inventory_worker, 2, "event_handled", event_id=confirmed["id"])
    assert sorted(str(line["reservation"]) for line in handled) == ["COMMITTED", "None"]
    assert level(inventory, admin, sku) == (3, 0)
