"""A step answered after its timeout, once the order may show CONFIRMED: the state machine asks
again instead of undoing the order, so a confirmed order is never cancelled for an answer that
came late. Before ConfirmOrder a timeout still cancels the order, compensated (the definition's
own tests, in `tests/infra/test_state_machine.py`, walk each compensation)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from shopctl.aws import client
from tests.integration.saga.shop import Shop
from tests.support.emulator import stop
from tests.support.services import RunningWorker, start_worker
from tests.support.waiting import eventually


class Execution:
    """The order saga's execution of one order, as Step Functions records it."""

    def __init__(self, order_id: str) -> None:
        self._sfn = client("stepfunctions")
        machine = next(
            m["stateMachineArn"]
            for m in self._sfn.list_state_machines()["stateMachines"]
            if m["name"] == "order-saga"
        )
        self.arn = machine.replace(":stateMachine:", ":execution:") + f":{order_id}"

    def history(self) -> list[dict[str, Any]]:
        try:
            events: list[dict[str, Any]] = self._sfn.get_execution_history(
                executionArn=self.arn, maxResults=1000
            )["events"]
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return []
        return events

    def entered(self) -> list[str]:
        """The states entered so far, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history()
            if "stateEnteredEventDetails" in e
        ]

    def exited(self, state: str) -> bool:
        return any(
            e.get("stateExitedEventDetails", {}).get("name") == state for e in self.history()
        )

    def timeouts(self) -> int:
        """Task attempts that ended because nobody answered in time."""
        return sum(
            e["type"] == "TaskTimedOut"
            or e.get("taskFailedEventDetails", {}).get("error") == "States.Timeout"
            for e in self.history()
        )

    def status(self) -> str:
        return str(self._sfn.describe_execution(executionArn=self.arn)["status"])


def test_a_capture_answered_after_its_timeout_leaves_the_order_confirmed(
    shop: Shop,
    service_env: dict[str, str],
    basket_worker: RunningWorker,
    ordering_worker: RunningWorker,
    inventory_worker: RunningWorker,
    logs: Path,
) -> None:
    product_id, sku = shop.product(on_hand=1)
    me = shop.customer()
    log = logs / "late-payment.log"
    worker = start_worker("payment.entrypoints.worker", service_env, log)
    try:
        order_id = shop.check_out(me, product_id, 1)
        execution = Execution(order_id)
        eventually(lambda: execution.entered() or None, 60, "the saga to start")
        # Hold ConfirmOrder back (ordering's worker is paused) while the stock is reserved and
        # the payment authorized; then take the payment worker away, so that nobody is there
        # for CapturePayment until its first attempt has timed out.
        os.kill(ordering_worker.pid, signal.SIGSTOP)
        try:
            eventually(
                lambda: execution.exited("AuthorizePayment"), 60, "the authorization's answer"
            )
            stop(worker)
            # Nothing was captured yet: ConfirmOrder, which comes before it, is held back.
            assert (shop.payment(me, order_id) or {}).get("status") == "AUTHORIZED"
        finally:
            os.kill(ordering_worker.pid, signal.SIGCONT)

        eventually(lambda: execution.timeouts() > 0, 120, "CapturePayment to time out")
        assert shop.finished(me, order_id)["status"] == "CONFIRMED"
        worker = start_worker("payment.entrypoints.worker", service_env, log)
        assert shop.captured(me, order_id, timeout=120)["status"] == "CAPTURED"
        eventually(lambda: execution.status() != "RUNNING", 120, "the saga to end")
    finally:
        stop(worker)

    assert execution.status() == "SUCCEEDED"
    assert execution.timeouts() == 1
    assert execution.entered() == [
        "ReserveStock",
        "AuthorizePayment",
        "ConfirmOrder",
        "CapturePayment",
        "OrderCompleted",
    ]
    assert shop.finished(me, order_id)["status"] == "CONFIRMED"
    eventually(
        lambda: (level := shop.stock(sku))["on_hand"] == 0 and level["reserved"] == 0,
        60,
        "the order's unit to be sold",
    )
