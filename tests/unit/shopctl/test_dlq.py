"""What `shopctl dlq show` prints of a dead letter: everything but its secrets, which keep
only their last characters, at any depth of the body, JSON or not."""

from __future__ import annotations

import json
from typing import Any

from shopctl.dlq import masked, show_dead_letters
from shopctl.topology import load_topology

TASK_TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAf3Xn1Lw" + "x" * 200 + "Zq9w"
PROOF = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class FakeSqs:
    def __init__(self, *bodies: str) -> None:
        self.bodies = bodies

    def get_queue_url(self, QueueName: str) -> dict[str, str]:  # noqa: N803
        return {"QueueUrl": f"http://sqs/{QueueName}"}

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "Messages": [
                {"MessageId": f"m-{i}", "Body": body, "Attributes": {}}
                for i, body in enumerate(self.bodies)
            ]
        }


def _shown(*bodies: str) -> list[Any]:
    shown = show_dead_letters(FakeSqs(*bodies), load_topology(), "ordering-checkouts")
    return [message["body"] for message in shown]


def test_a_saga_command_shows_its_token_and_proof_by_their_last_characters() -> None:
    command = {
        "command": "CancelOrder",
        "order_id": "3f1c2a56-0000-4000-8000-000000000001",
        "task_token": TASK_TOKEN,
        "proof": PROOF,
        "reason": "PAYMENT_DECLINED",
    }
    [body] = _shown(json.dumps(command))
    assert body == command | {"task_token": "…Zq9w", "proof": "…0a08"}
    assert TASK_TOKEN not in json.dumps(body)


def test_a_payment_token_deep_in_an_envelope_is_masked_and_the_rest_kept() -> None:
    envelope = {
        "id": "e-1",
        "type": "basket.PlaceOrder",
        "data": {
            "order_id": "o-1",
            "payment": {"paymentToken": "tok_live_4242424242424242", "method": "card"},
            "lines": [{"sku": "MUG-1", "quantity": 2}],
            "attempts": [{"secret": "s3cr3t-value-of-the-execution"}],
        },
    }
    [body] = _shown(json.dumps(envelope))
    assert body["data"]["payment"] == {"paymentToken": "…4242", "method": "card"}
    assert body["data"]["attempts"] == [{"secret": "…tion"}]
    assert body["data"]["lines"] == [{"sku": "MUG-1", "quantity": 2}]
    assert (body["id"], body["type"]) == ("e-1", "basket.PlaceOrder")


def test_two_messages_stay_apart_and_a_short_token_is_masked_whole() -> None:
    first, second = TASK_TOKEN, TASK_TOKEN[:-4] + "Ab12"
    bodies = [
        json.dumps({"task_token": token, "payment_token": "tok_visa"}) for token in (first, second)
    ]
    shown = _shown(*bodies)
    assert [body["task_token"] for body in shown] == ["…Zq9w", "…Ab12"]
    assert {body["payment_token"] for body in shown} == {"…"}


def test_a_body_that_is_not_json_has_its_secrets_masked_too() -> None:
    text = f'{{"command": "ReleaseStock", "task_token": "{TASK_TOKEN}", "order_id": "o-1"'
    [body] = _shown(text)  # cut short: not JSON
    assert TASK_TOKEN not in body
    assert '"task_token": "…Zq9w"' in body
    assert '"order_id": "o-1"' in body
    assert masked(f"payment_token={TASK_TOKEN}&user=alice") == "payment_token=…Zq9w&user=alice"


def test_a_secret_holding_a_structure_is_masked_throughout() -> None:
    assert masked({"credentials": {"key": "AKIAABCDEFGHIJKLMNOP", "n": 12, "ok": True}}) == {
        "credentials": {"key": "…MNOP", "n": "…", "ok": True}
    }
