"""Topics, queues, subscriptions and tables deployed are exactly the declared topology."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.terraform import Parsed


def messaging_resources(parsed: Parsed, kind: str, name: str) -> dict[str, dict[str, Any]]:
    """Resources `module.messaging.<kind>.<name>[key]`, by key."""
    start = f"module.messaging.{kind}.{name}["
    return {
        path[len(start) : -1].strip('"'): item
        for path, item in parsed.by_path(kind).items()
        if path.startswith(start)
    }


def test_terraform_reads_the_topology_file(parsed: Parsed, topology: dict[str, Any]) -> None:
    root_locals = next(
        item for item in parsed.resources("locals") if item["__tfmeta"]["path"] == "locals"
    )
    assert root_locals["topology"] == topology


def test_topics_are_the_declared_topics(parsed: Parsed, topology: dict[str, Any]) -> None:
    topics = messaging_resources(parsed, "aws_sns_topic", "this")
    assert set(topics) == {topic["name"] for topic in topology["topics"]}
    for key, topic in topics.items():
        assert parsed.strip(topic["name"]) == key
        assert topic["kms_master_key_id"], f"topic {key} is not encrypted"


def test_every_queue_has_its_dead_letter_queue(parsed: Parsed, topology: dict[str, Any]) -> None:
    queues = messaging_resources(parsed, "aws_sqs_queue", "this")
    dead_letters = messaging_resources(parsed, "aws_sqs_queue", "dead_letter")
    redrives = messaging_resources(parsed, "aws_sqs_queue_redrive_policy", "this")
    declared = {queue["name"]: queue for queue in topology["queues"]}
    assert set(queues) == set(declared)
    assert set(dead_letters) == set(declared)
    assert set(redrives) == set(declared)

    for name, queue in queues.items():
        assert parsed.strip(queue["name"]) == name
        assert parsed.strip(dead_letters[name]["name"]) == f"{name}-dlq"
        assert queue["visibility_timeout_seconds"] == declared[name]["visibility_timeout_seconds"]
        assert redrives[name]["queue_url"] == queue["id"]
        redrive = json.loads(redrives[name]["redrive_policy"])
        assert redrive["deadLetterTargetArn"] == dead_letters[name]["id"], (
            f"{name} redrives elsewhere"
        )
        assert redrive["maxReceiveCount"] == declared[name]["max_receive_count"]
        for item in (queue, dead_letters[name]):
            assert item["kms_master_key_id"], f"{item['name']} is not encrypted"


def test_every_dead_letter_queue_has_an_alarm(parsed: Parsed, topology: dict[str, Any]) -> None:
    dead_letters = messaging_resources(parsed, "aws_sqs_queue", "dead_letter")
    alarms = messaging_resources(parsed, "aws_cloudwatch_metric_alarm", "dead_letter")
    alarm_topic = parsed.one("aws_sns_topic", "module.messaging.aws_sns_topic.alarms")
    assert set(alarms) == {queue["name"] for queue in topology["queues"]}
    for name, alarm in alarms.items():
        assert alarm["namespace"] == "AWS/SQS"
        assert alarm["metric_name"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["dimensions"] == {"QueueName": dead_letters[name]["name"]}
        assert alarm["comparison_operator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 0
        assert alarm["alarm_actions"] == [alarm_topic["id"]]


def test_subscriptions_are_the_declared_subscriptions(
    parsed: Parsed, topology: dict[str, Any]
) -> None:
    topics = {
        item["id"]: key
        for key, item in messaging_resources(parsed, "aws_sns_topic", "this").items()
    }
    queues = {
        item["id"]: key
        for key, item in messaging_resources(parsed, "aws_sqs_queue", "this").items()
    }
    deployed = set()
    for subscription in messaging_resources(parsed, "aws_sns_topic_subscription", "this").values():
        assert subscription["protocol"] == "sqs"
        assert subscription["raw_message_delivery"] is True
        assert subscription["filter_policy_scope"] == "MessageAttributes"
        event_types = json.loads(subscription["filter_policy"])["type"]
        deployed.add(
            (
                topics[subscription["topic_arn"]],
                queues[subscription["endpoint"]],
                tuple(event_types),
            )
        )

    declared = {
        (subscription["topic"], queue["name"], tuple(subscription["event_types"]))
        for queue in topology["queues"]
        for subscription in queue["subscriptions"]
    }
    assert deployed == declared


SAGA_QUEUES = {"inventory-commands", "payment-commands", "ordering-commands"}
# Command queues a service sends to (the Terraform tests check whose roles).
SENT_QUEUES = {"ordering-checkouts"}


def test_queue_policies_admit_only_their_senders(parsed: Parsed, topology: dict[str, Any]) -> None:
    topic_ids = {
        key: item["id"]
        for key, item in messaging_resources(parsed, "aws_sns_topic", "this").items()
    }
    queues = messaging_resources(parsed, "aws_sqs_queue", "this")
    policies = messaging_resources(parsed, "aws_sqs_queue_policy", "this")
    assert set(policies) == {queue["name"] for queue in topology["queues"]}
    for declared in topology["queues"]:
        name = declared["name"]
        statements = {s["Sid"]: s for s in json.loads(policies[name]["policy"])["Statement"]}
        deny = statements.pop("DenyInsecureTransport")
        assert deny["Effect"] == "Deny"
        assert deny["Resource"] == queues[name]["id"]
        expected_topics = sorted(topic_ids[s["topic"]] for s in declared["subscriptions"])
        if not expected_topics:
            # A command queue refuses every sender but its own (the state machine's role for
            # the saga's queues, the basket's roles for checkouts; the Terraform tests check
            # which roles), and allows nothing itself.
            assert name in SAGA_QUEUES | SENT_QUEUES, f"{name} has neither topics nor senders"
            senders_only = statements.pop("OnlyItsSendersSend", None)
            assert senders_only is not None, f"{name} takes commands from anyone"
            assert (senders_only["Effect"], senders_only["Principal"], senders_only["Action"]) == (
                "Deny",
                "*",
                "sqs:SendMessage",
            )
            assert list(senders_only["Condition"]) == ["ArnNotEquals"]
            assert list(senders_only["Condition"]["ArnNotEquals"]) == ["aws:PrincipalArn"]
            assert statements == {}, f"{name} subscribes to nothing yet admits {statements}"
            continue
        # An event queue refuses every sender but SNS delivering for its topics, and allows that.
        topics_only = statements.pop("OnlyItsTopicsSend")
        allow = statements.pop("AllowSubscribedTopics")
        assert statements == {}
        assert (topics_only["Effect"], topics_only["Principal"], topics_only["Action"]) == (
            "Deny",
            "*",
            "sqs:SendMessage",
        )
        assert list(topics_only["Condition"]) == ["ArnNotEquals"]
        assert sorted(topics_only["Condition"]["ArnNotEquals"]["aws:SourceArn"]) == expected_topics
        assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
        assert allow["Action"] == "sqs:SendMessage"
        assert sorted(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == expected_topics


def test_no_principal_sends_to_a_dead_letter_queue(
    parsed: Parsed, topology: dict[str, Any]
) -> None:
    dead_letters = messaging_resources(parsed, "aws_sqs_queue", "dead_letter")
    policies = messaging_resources(parsed, "aws_sqs_queue_policy", "dead_letter")
    assert set(policies) == {queue["name"] for queue in topology["queues"]}
    for name, policy in policies.items():
        statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
        assert set(statements) == {"DenyInsecureTransport", "NoPrincipalSends"}, name
        deny = statements["NoPrincipalSends"]
        assert (deny["Effect"], deny["Principal"], deny["Action"]) == (
            "Deny",
            "*",
            "sqs:SendMessage",
        )
        assert deny["Resource"] == dead_letters[name]["id"]
        assert deny["Condition"] == {"BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}


def test_tables_are_the_declared_tables(parsed: Parsed, topology: dict[str, Any]) -> None:
    tables = {
        parsed.strip(item["name"]): item
        for path, item in parsed.by_path("aws_dynamodb_table").items()
        if path.startswith("module.dynamodb.")
    }
    declared = {table["name"]: table for table in topology["tables"]}
    assert set(tables) == set(declared)
    for name, table in tables.items():
        assert table["billing_mode"] == "PAY_PER_REQUEST"
        assert table["hash_key"] == "pk" == declared[name]["hash_key"]
        assert table["range_key"] == "sk" == declared[name]["range_key"]
        attributes = (
            table["attribute"] if isinstance(table["attribute"], list) else [table["attribute"]]
        )
        assert {(a["name"], a["type"]) for a in attributes} == {("pk", "S"), ("sk", "S")}
        assert table["point_in_time_recovery"]["enabled"] is True
        assert table["server_side_encryption"]["enabled"] is True
        assert table["server_side_encryption"]["kms_key_arn"]
        ttl = declared[name]["ttl_attribute"]
        assert table["ttl"]["enabled"] is (ttl is not None)
        if ttl is not None:
            assert table["ttl"]["attribute_name"] == ttl


def test_production_tables_are_protected_from_deletion(prod: Parsed) -> None:
    for table in prod.resources("aws_dynamodb_table"):
        assert table["deletion_protection_enabled"] is True, table["name"]
