"""AWS clients for async code paths.

Endpoints come from the SDK's own configuration: `AWS_ENDPOINT_URL` (or a per-service
`AWS_ENDPOINT_URL_<SERVICE>`) points every client at the local emulator, and nothing here
knows an account id, an ARN or a queue URL.

Every request a client sends is counted, by service and operation, retries included (each is a
request AWS bills). A process logs what it has sent so far as `aws_requests` when it receives
SIGUSR1 (`report_requests_on_signal`), which is how the saga bench counts AWS calls per order.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections import Counter
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)

# Requests sent by this process's clients, by "service.Operation".
_requests: Counter[str] = Counter()


def _count(event_name: str, **_: object) -> None:
    # `before-send.<service>.<Operation>`, emitted once for each try. Returning None lets the
    # request go on.
    _requests[event_name.partition(".")[2]] += 1


def sent_requests() -> dict[str, int]:
    """The AWS requests this process has sent so far, by "service.Operation"."""
    return dict(_requests)


def report_requests_on_signal(signum: int = signal.SIGUSR1) -> None:
    """Log `aws_requests` with what `sent_requests` holds whenever the process gets `signum`.

    Called in the process's event loop, which then writes the line between its tasks (a
    handler run inside the signal could interrupt a log line being written, and wait forever
    on its lock). Outside the main thread (an app under a test client) it does nothing: only
    the main thread receives signals."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signum, lambda: log.info("aws_requests", requests=sent_requests()))


class AwsClients:
    """Long-lived clients, opened once in a process's lifespan and closed with it."""

    def __init__(self, region: str, process: str = "shop") -> None:
        self._region = region
        self._process = process
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}

    async def _client(self, service: str) -> Any:
        if service not in self._clients:
            # Imported on first use: an API given its identity settings (as in AWS) and
            # storing nothing in AWS never loads the SDK, which saves memory and start time.
            from aiobotocore.config import AioConfig
            from aiobotocore.session import get_session

            # Short timeouts and the SDK's standard retry mode: a request path never waits
            # long on AWS. A long poll waits for messages, so SQS may take longer to answer.
            # DynamoDB checks every request itself; the SDK's own check walks each attribute
            # of each item in Python first, which costs an outbox sweep more CPU than the
            # rest of the request.
            # The User-Agent names the process (CloudTrail shows it beside each request). Set
            # once, it is sent as it is; left to the SDK, it is assembled again for every
            # request from some thirty parts, an eighth of the CPU a request costs here.
            config = AioConfig(
                connect_timeout=2,
                read_timeout=30 if service == "sqs" else 5,
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=50,
                parameter_validation=service != "dynamodb",
                user_agent=f"shop/{self._process}",
            )
            creator = get_session().create_client(
                service,  # type: ignore[call-overload]
                region_name=self._region,
                config=config,
            )
            client = await self._stack.enter_async_context(creator)
            client.meta.events.register("before-send", _count)
            self._clients[service] = client
        return self._clients[service]

    async def dynamodb(self) -> DynamoDBClient:
        """The DynamoDB client."""
        client: DynamoDBClient = await self._client("dynamodb")
        return client

    async def sns(self) -> SNSClient:
        """The SNS client."""
        client: SNSClient = await self._client("sns")
        return client

    async def sqs(self) -> SQSClient:
        """The SQS client."""
        client: SQSClient = await self._client("sqs")
        return client

    async def stepfunctions(self) -> SFNClient:
        """The Step Functions client."""
        client: SFNClient = await self._client("stepfunctions")
        return client

    async def cognito(self) -> CognitoIdentityProviderClient:
        """The Cognito user pools client."""
        client: CognitoIdentityProviderClient = await self._client("cognito-idp")
        return client

    async def queue_url(self, name: str, url: str = "") -> str:
        """The URL of the queue called `name`: `url` where the deployment set it, else looked
        up by name (on a local stack, whose account id and URLs differ)."""
        if url:
            return url
        sqs = await self.sqs()
        return (await sqs.get_queue_url(QueueName=name))["QueueUrl"]

    async def topic_arn(self, name: str, arn: str = "") -> str:
        """The ARN of the topic called `name`: `arn` where set, else looked up by name."""
        if arn:
            return arn
        sns = await self.sns()
        async for page in sns.get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                    return topic["TopicArn"]
        raise LookupError(f"No SNS topic named {name!r}")

    async def state_machine_arn(self, name: str, arn: str = "") -> str:
        """The ARN of the state machine called `name`: `arn` where set, else looked up."""
        if arn:
            return arn
        sfn = await self.stepfunctions()
        async for page in sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"] == name:
                    return machine["stateMachineArn"]
        raise LookupError(f"No state machine named {name!r}")

    async def close(self) -> None:
        """Close every client opened so far."""
        await self._stack.aclose()
        self._clients.clear()
