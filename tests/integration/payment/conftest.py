"""Payment's worker and API as real processes, the state machines that drive them, and the
queue its events are heard on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopctl.aws import client
from tests.integration.payment.sagas import (
    PublishedEvents,
    Saga,
    compensating_saga,
    forward_saga,
)
from tests.support.services import RunningService, RunningWorker, running_service, running_worker


def _create_saga(name: str, definition: dict[str, Any]) -> Iterator[Saga]:
    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"{name}-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::000000000000:role/x",
    )["stateMachineArn"]
    yield Saga(arn)
    sfn.delete_state_machine(stateMachineArn=arn)


@pytest.fixture(scope="session")
def payment_commands_url(topology: object) -> str:
    url: str = client("sqs").get_queue_url(QueueName="payment-commands")["QueueUrl"]
    return url


@pytest.fixture(scope="module")
def forward(payment_commands_url: str) -> Iterator[Saga]:
    yield from _create_saga("payment-forward", forward_saga(payment_commands_url))


@pytest.fixture(scope="module")
def compensating(payment_commands_url: str) -> Iterator[Saga]:
    yield from _create_saga("payment-compensating", compensating_saga(payment_commands_url))


@pytest.fixture(scope="module")
def published(topology: object) -> Iterator[PublishedEvents]:
    sqs, sns = client("sqs"), client("sns")
    url = sqs.create_queue(QueueName=f"payment-events-test-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(":payment-events")
    )
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    yield PublishedEvents(url)
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=url)


@pytest.fixture(scope="module")
def payment_worker(
    aws_endpoint: str, service_env: dict[str, str], logs: Path
) -> Iterator[RunningWorker]:
    log = logs / f"payment-worker-{uuid.uuid4().hex}.log"
    with running_worker("payment.entrypoints.worker", service_env, log) as worker:
        yield worker


@pytest.fixture(scope="module")
def payment_service(service_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    log = logs / f"payment-api-{uuid.uuid4().hex}.log"
    with running_service("payment.entrypoints.api", service_env, log) as service:
        yield service


@pytest.fixture
def payments(payment_service: RunningService) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=payment_service.url, timeout=10) as http:
        yield http
