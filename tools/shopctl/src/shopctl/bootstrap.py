"""Create the declared AWS resources on a local stack; running it again changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shopctl.aws import client
from shopctl.identity import ensure_identity, seed_users
from shopctl.topology import Queue, StateMachine, Table, Topology

Report = Callable[[str], None]


def ensure_table(dynamodb: Any, table: Table) -> None:
    """Create `table` (on demand) and its TTL unless it exists."""
    keys = [{"AttributeName": table.hash_key, "KeyType": "HASH"}]
    attributes = [{"AttributeName": table.hash_key, "AttributeType": "S"}]
    if table.range_key:
        keys.append({"AttributeName": table.range_key, "KeyType": "RANGE"})
        attributes.append({"AttributeName": table.range_key, "AttributeType": "S"})
    try:
        dynamodb.create_table(
            TableName=table.name,
            KeySchema=keys,
            AttributeDefinitions=attributes,
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(
        TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    if table.ttl_attribute:
        ttl = dynamodb.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn: str = attributes["Attributes"]["QueueArn"]
    return arn


def ensure_queue(sqs: Any, queue: Queue) -> tuple[str, str]:
    """Create `queue` with its dead-letter queue; return the queue's URL and ARN."""
    dlq_url = sqs.create_queue(
        QueueName=queue.dead_letter_queue,
        Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
    )["QueueUrl"]
    redrive = {
        "deadLetterTargetArn": _queue_arn(sqs, dlq_url),
        "maxReceiveCount": queue.max_receive_count,
    }
    attributes = {
        "VisibilityTimeout": str(queue.visibility_timeout_seconds),
        "ReceiveMessageWaitTimeSeconds": "20",
        "RedrivePolicy": json.dumps(redrive),
    }
    url = sqs.create_queue(QueueName=queue.name)["QueueUrl"]
    # Set separately: create_queue refuses to change the attributes of an existing queue.
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url, _queue_arn(sqs, url)


def subscribe_queue(
    sns: Any, sqs: Any, queue: Queue, url: str, arn: str, topics: dict[str, str]
) -> None:
    """Subscribe `queue` to its topics, filtered on the event type, with raw delivery."""
    if not queue.subscriptions:
        return
    source_arns = [topics[s.topic] for s in queue.subscriptions]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FromItsTopics",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": source_arns}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    existing = {
        s["TopicArn"]
        for topic_arn in source_arns
        for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        if s["Endpoint"] == arn
    }
    for subscription in queue.subscriptions:
        topic_arn = topics[subscription.topic]
        attributes = {
            "RawMessageDelivery": "true",
            "FilterPolicyScope": "MessageAttributes",
            "FilterPolicy": json.dumps({"type": list(subscription.event_types)}),
        }
        if topic_arn in existing:
            continue
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )


# Locally a step that never answers ends its order within seconds, not minutes; long enough
# that a worker killed mid-step is back and handles it again first (its consumer's visibility
# timeout is 10 s). Terraform holds the production values.
LOCAL_STEP_TIMEOUT_SECONDS = 30

_STEP_TIMEOUT = re.compile(r"\$\{[a-z]+_step_timeout_seconds\}")


def fill_step_timeouts(definition: str, seconds: int) -> str:
    """The definition with every `${<service>_step_timeout_seconds}` set to `seconds`."""
    return _STEP_TIMEOUT.sub(str(seconds), definition)


def fill_placeholders(
    definition: str, queue_urls: dict[str, str], step_timeout_seconds: int
) -> str:
    """The definition with `${<queue>_queue_url}` and every `${<service>_step_timeout_seconds}`
    filled in, as Terraform's templatefile does."""
    for name, url in queue_urls.items():
        definition = definition.replace("${" + name.replace("-", "_") + "_queue_url}", url)
    definition = fill_step_timeouts(definition, step_timeout_seconds)
    if "${" in definition:
        raise ValueError("the state machine definition names a placeholder that is not declared")
    return definition


def ensure_state_machine(
    sfn: Any,
    sts: Any,
    machine: StateMachine,
    queue_urls: dict[str, str],
    step_timeout_seconds: int = LOCAL_STEP_TIMEOUT_SECONDS,
) -> str:
    """Create the state machine, or bring an existing one up to the definition; its ARN."""
    definition = fill_placeholders(machine.definition.read_text(), queue_urls, step_timeout_seconds)
    existing = {
        m["name"]: m["stateMachineArn"]
        for page in sfn.get_paginator("list_state_machines").paginate()
        for m in page["stateMachines"]
    }
    if machine.name in existing:
        sfn.update_state_machine(stateMachineArn=existing[machine.name], definition=definition)
        arn: str = existing[machine.name]
        return arn
    account = sts.get_caller_identity()["Account"]
    # The emulator runs the machine without assuming the role; in AWS, Terraform makes it.
    role = f"arn:aws:iam::{account}:role/{machine.name}"
    created = sfn.create_state_machine(
        name=machine.name, definition=definition, roleArn=role, type="STANDARD"
    )
    arn = created["stateMachineArn"]
    return arn


def bootstrap(
    topology: Topology,
    report: Report = print,
    step_timeout_seconds: int = LOCAL_STEP_TIMEOUT_SECONDS,
) -> None:
    """Create every table, topic, queue, subscription and the identity pool with its users."""
    dynamodb, sns, sqs = client("dynamodb"), client("sns"), client("sqs")
    for table in topology.tables:
        ensure_table(dynamodb, table)
        report(f"table {table.name}")
    topics = {name: sns.create_topic(Name=name)["TopicArn"] for name in topology.topics}
    for name in topics:
        report(f"topic {name}")
    queue_urls = {}
    for queue in topology.queues:
        url, arn = ensure_queue(sqs, queue)
        subscribe_queue(sns, sqs, queue, url, arn, topics)
        queue_urls[queue.name] = url
        report(f"queue {queue.name} (dead letters: {queue.dead_letter_queue})")
    sfn, sts = client("stepfunctions"), client("sts")
    for machine in topology.state_machines:
        ensure_state_machine(sfn, sts, machine, queue_urls, step_timeout_seconds)
        report(f"state machine {machine.name} (each step times out after {step_timeout_seconds} s)")
    cognito = client("cognito-idp")
    pool_id, client_id = ensure_identity(cognito, topology.identity)
    report(f"user pool {topology.identity.user_pool} ({pool_id}), app client {client_id}")
    for username in seed_users(cognito, pool_id, topology.identity):
        report(f"user {username}")
