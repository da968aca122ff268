"""The kit counts the requests its AWS clients send, as the emulator receives them, and reports
them on SIGUSR1: what the saga bench reads a process's AWS calls per order from. Each request
names its process in its User-Agent."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
import structlog

from servicekit.aws import AwsClients, report_requests_on_signal, sent_requests

pytestmark = pytest.mark.integration


async def test_each_request_is_counted_by_service_and_operation_and_reported(
    aws_endpoint: str,
) -> None:
    before = sent_requests()
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"), "test-worker")
    agents: list[bytes] = []
    try:
        sqs = await aws.sqs()
        sqs.meta.events.register(
            "before-send", lambda request, **_: agents.append(request.headers["User-Agent"])
        )
        url = (await sqs.create_queue(QueueName=f"requests-{uuid.uuid4().hex[:8]}"))["QueueUrl"]
        for n in range(3):
            await sqs.send_message(QueueUrl=url, MessageBody=str(n))
        await sqs.delete_queue(QueueUrl=url)
    finally:
        await aws.close()

    after = sent_requests()
    sent = {op: n - before.get(op, 0) for op, n in after.items() if n != before.get(op, 0)}
    assert sent == {"sqs.CreateQueue": 1, "sqs.SendMessage": 3, "sqs.DeleteQueue": 1}
    # Each request names the process that sent it, as the client was built.
    assert {agent.split()[0] for agent in agents} == {b"shop/test-worker"}

    report_requests_on_signal()
    try:
        with structlog.testing.capture_logs() as logs:
            os.kill(os.getpid(), signal.SIGUSR1)
            await asyncio.sleep(0.05)  # the loop runs the handler between tasks
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)
    [report] = [entry for entry in logs if entry["event"] == "aws_requests"]
    assert report["requests"] == after
