"""AWS clients for async code paths.

Endpoints come from the SDK's own configuration: `AWS_ENDPOINT_URL` (or a per-service
`AWS_ENDPOINT_URL_<SERVICE>`) points every client at the local emulator, and nothing here
knows an account id, an ARN or a queue URL.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types_aiobotocore_cognito_idp import CognitoIdentityProviderClient
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_stepfunctions import SFNClient


class AwsClients:
    """Long-lived clients, opened once in a process's lifespan and closed with it."""

    def __init__(self, region: str) -> None:
        self._region = region
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
            config = AioConfig(
                connect_timeout=2,
                read_timeout=30 if service == "sqs" else 5,
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=50,
            )
            creator = get_session().create_client(
                service,  # type: ignore[call-overload]
                region_name=self._region,
                config=config,
            )
            self._clients[service] = await self._stack.enter_async_context(creator)
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

    async def close(self) -> None:
        """Close every client opened so far."""
        await self._stack.aclose()
        self._clients.clear()
