"""The emulator's own ceiling for the order saga: the shop's state machine definition, run
against queues of its own that a bare worker in this process answers at once.

Same definition file, same emulator, same machine as the shop in the same run: what the shop
reaches is read as a fraction of this.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from shopctl.aws import client
from shopctl.bootstrap import fill_placeholders

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = ROOT / "infra" / "statemachine" / "order-saga.asl.json"
COMMAND_QUEUES = ("inventory-commands", "payment-commands", "ordering-commands")


class NoopSaga:
    """A copy of the order saga whose every step is answered at once."""

    def __init__(self, workers_per_queue: int = 4) -> None:
        self._sqs, self._sfn = client("sqs"), client("stepfunctions")
        run = uuid.uuid4().hex[:8]
        self._queues = {
            name: self._sqs.create_queue(QueueName=f"bench-noop-{run}-{name}")["QueueUrl"]
            for name in COMMAND_QUEUES
        }
        definition = fill_placeholders(DEFINITION.read_text(), self._queues)
        self.arn: str = self._sfn.create_state_machine(
            name=f"bench-noop-{run}",
            definition=definition,
            roleArn="arn:aws:iam::000000000000:role/bench-noop",
            type="STANDARD",
        )["stateMachineArn"]
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._answer, args=(url,), daemon=True)
            for url in self._queues.values()
            for _ in range(workers_per_queue)
        ]
        for thread in self._threads:
            thread.start()

    def _answer(self, queue_url: str) -> None:
        sqs, sfn = client("sqs"), client("stepfunctions")
        while not self._stop.is_set():
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
            for message in messages:
                token = json.loads(message["Body"])["task_token"]
                sfn.send_task_success(taskToken=token, output="{}")
            if messages:
                sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )

    def start(self) -> str:
        """Start one execution with an input shaped like ordering's; its ARN."""
        order_id = str(uuid.uuid4())
        order = {
            "order_id": order_id,
            "user_id": "bench",
            "lines": [{"product_id": order_id, "sku": "NOOP", "quantity": 1, "unit_price": "1.00"}],
            "total": "1.00",
            "currency": "EUR",
            "payment_token": "tok_visa",
            "traceparent": None,
        }
        arn: str = self._sfn.start_execution(
            stateMachineArn=self.arn, name=order_id, input=json.dumps(order)
        )["executionArn"]
        return arn

    def finished(self, arn: str, timeout: float = 300) -> dict[str, Any]:
        """The execution once it has ended (succeeded, as every step succeeds)."""
        sfn = client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution: dict[str, Any] = sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                if execution["status"] != "SUCCEEDED":
                    raise SystemExit(f"the no-op saga {arn} ended {execution['status']}")
                return execution
            time.sleep(0.05)
        raise SystemExit(f"the no-op saga {arn} did not end in {timeout:.0f} s")

    def fixed_rate(self, rate: float, count: int) -> list[float]:
        """Milliseconds from start to end of `count` executions started at `rate` per second."""
        started = time.monotonic()
        runs: list[tuple[str, datetime]] = []
        for i in range(count):
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
            sent = datetime.now().astimezone()
            runs.append((self.start(), sent))
        with ThreadPoolExecutor(16) as pool:
            ended = list(pool.map(lambda run: self.finished(run[0]), runs))
        return [
            (execution["stopDate"] - sent).total_seconds() * 1000
            for execution, (_, sent) in zip(ended, runs, strict=True)
        ]

    def burst(self, count: int) -> float:
        """Executions ended per second when `count` start at once."""
        with ThreadPoolExecutor(32) as pool:
            first = datetime.now().astimezone()
            arns = list(pool.map(lambda _: self.start(), range(count)))
            ended = list(pool.map(self.finished, arns))
        last = max(execution["stopDate"] for execution in ended)
        elapsed: float = (last - first).total_seconds()
        return count / elapsed

    def close(self) -> None:
        """Stop the worker and remove the machine and its queues."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._sfn.delete_state_machine(stateMachineArn=self.arn)
        for url in self._queues.values():
            self._sqs.delete_queue(QueueUrl=url)
