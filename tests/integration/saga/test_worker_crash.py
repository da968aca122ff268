"""A worker killed in the middle of its steps (SIGKILL) and started again: every order still
finishes, each confirmed one captured exactly once."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.integration.saga.shop import Shop
from tests.support.emulator import stop
from tests.support.services import RunningWorker, start_worker
from tests.support.waiting import eventually

ORDERS = 12


def _steps_done(log: Path) -> int:
    return log.read_text().count('"saga_step_done"') if log.exists() else 0


def test_a_killed_worker_restarted_lets_every_order_finish(
    shop: Shop,
    service_env: dict[str, str],
    basket_worker: RunningWorker,
    ordering_worker: RunningWorker,
    inventory_worker: RunningWorker,
    logs: Path,
) -> None:
    product_id, sku = shop.product(on_hand=ORDERS)
    log = logs / "crash-payment.log"
    worker = start_worker("payment.entrypoints.worker", service_env, log)
    try:
        with ThreadPoolExecutor(8) as pool:
            customers = list(pool.map(lambda _: shop.customer(), range(ORDERS)))
            order_ids = list(pool.map(lambda me: shop.check_out(me, product_id, 1), customers))
            # Kill it while it is working through them: some steps done, others in its hands.
            deadline = time.monotonic() + 60
            while _steps_done(log) < 2:
                assert time.monotonic() < deadline, "the payment worker never got to work"
                time.sleep(0.01)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            done_before = _steps_done(log)
            worker = start_worker("payment.entrypoints.worker", service_env, log)
            finished = list(
                pool.map(
                    lambda args: shop.finished(args[0], args[1], timeout=300),
                    zip(customers, order_ids, strict=True),
                )
            )
            assert {order["status"] for order in finished} == {"CONFIRMED"}
            # An order is confirmed before its payment is captured (the saga's last step), so
            # the worker keeps running until every capture has had its chance.
            for me, order_id in zip(customers, order_ids, strict=True):
                shop.captured(me, order_id, timeout=120)
    finally:
        stop(worker)

    assert done_before < 2 * ORDERS  # the kill came while authorizations and captures remained
    eventually(
        lambda: (level := shop.stock(sku))["on_hand"] == 0 and level["reserved"] == 0,
        60,
        "the stock of every order committed",
    )
