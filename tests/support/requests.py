"""Counting the AWS requests this process sends, as the kit counts them (`servicekit.aws`), and
a DynamoDB table of the shop's shape made for one test."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from bench.events import create_scratch_table
from servicekit.aws import AwsClients, sent_requests


@contextmanager
def counted() -> Iterator[Counter[str]]:
    """The AWS requests this process sends inside the block, by "service.Operation"."""
    before, sent = sent_requests(), Counter[str]()
    yield sent
    after = sent_requests()
    sent.update({op: n - before.get(op, 0) for op, n in after.items() if n > before.get(op, 0)})


@asynccontextmanager
async def scratch_table(prefix: str) -> AsyncIterator[tuple[Any, str]]:
    """A DynamoDB client and a new table named after `prefix`, deleted afterwards."""
    aws = AwsClients(os.environ.get("AWS_REGION", "us-east-1"))
    dynamodb = await aws.dynamodb()
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    await create_scratch_table(dynamodb, name)
    try:
        yield dynamodb, name
    finally:
        await dynamodb.delete_table(TableName=name)
        await aws.close()
