"""The order saga definition: valid ASL, the steps and compensations the architecture describes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.terraform import (
    ASL_VALIDATOR,
    SAGA_FILE,
    STATELINT,
    STEP_TIMEOUT,
    STEP_TIMEOUTS,
    saga_template,
)
from tests.support.tools import require_tool, run_tool, uv_tool

PLACEHOLDER = re.compile(r"\$\{([a-z0-9_]+)_queue_url\}")
WAIT_FOR_TOKEN = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

# Which queue each command goes to: the owning service's command queue.
COMMAND_QUEUES = {
    "ReserveStock": "inventory-commands",
    "ReleaseStock": "inventory-commands",
    "AuthorizePayment": "payment-commands",
    "CapturePayment": "payment-commands",
    "VoidPayment": "payment-commands",
    "RefundPayment": "payment-commands",
    "ConfirmOrder": "ordering-commands",
    "CancelOrder": "ordering-commands",
}
FORWARD = ["ReserveStock", "AuthorizePayment", "ConfirmOrder", "CapturePayment"]


def substituted(text: str) -> str:
    """The definition with placeholders filled the way the bootstrap and Terraform fill them."""
    return PLACEHOLDER.sub(
        lambda m: (
            f"https://sqs.eu-west-1.amazonaws.com/123456789012/{m.group(1).replace('_', '-')}"
        ),
        text,
    )


def queue_of(state: dict[str, Any]) -> str:
    match = PLACEHOLDER.fullmatch(state["Parameters"]["QueueUrl"])
    assert match, f"QueueUrl must be a placeholder, got {state['Parameters']['QueueUrl']!r}"
    return match.group(1).replace("_", "-")


def run(
    saga: dict[str, Any],
    fail_at: str | None = None,
    error: str = "",
    compensation_error: str | None = None,
) -> tuple[list[str], str, str | None]:
    """Walk the saga: tasks succeed except `fail_at` (with `error`) and, if given, compensations.

    Returns the commands sent, the terminal state and the cancel reason.
    """
    states = saga["States"]
    data: dict[str, Any] = {}
    sent: list[str] = []
    name = saga["StartAt"]
    for _ in range(50):
        state = states[name]
        kind = state["Type"]
        if kind in ("Succeed", "Fail"):
            return sent, name, data.get("cancel_reason")
        if kind == "Pass":
            data[state["ResultPath"].removeprefix("$.")] = state["Result"]
            name = state["Next"]
            continue
        if kind == "Choice":
            value = data["error"]["Error"]
            name = next(
                (c["Next"] for c in state["Choices"] if c["StringEquals"] == value),
                state["Default"],
            )
            continue
        assert kind == "Task", name
        command = state["Parameters"]["MessageBody"]["command"]
        sent.append(command if command != "CancelOrder" else f"CancelOrder:{data['cancel_reason']}")
        failing = name == fail_at or (compensation_error is not None and name not in FORWARD)
        if not failing:
            name = state.get("Next", None)
            if name is None:
                return sent, "<end>", data.get("cancel_reason")
            continue
        raised = error if name == fail_at else compensation_error
        catcher = next(
            c
            for c in state["Catch"]
            if raised in c["ErrorEquals"] or "States.ALL" in c["ErrorEquals"]
        )
        data[catcher["ResultPath"].removeprefix("$.")] = {"Error": raised, "Cause": "test"}
        name = catcher["Next"]
    pytest.fail("the saga did not terminate")


def tasks(saga: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: state for name, state in saga["States"].items() if state["Type"] == "Task"}


def test_placeholders_are_the_saga_queues_and_step_timeouts(topology: dict[str, Any]) -> None:
    template = SAGA_FILE.read_text()
    placeholders = {m.replace("_", "-") for m in PLACEHOLDER.findall(template)}
    assert placeholders == set(COMMAND_QUEUES.values())
    declared = {q["name"] for q in topology["queues"]}
    assert placeholders <= declared
    assert set(STEP_TIMEOUT.findall(template)) == set(STEP_TIMEOUTS)
    rest = STEP_TIMEOUT.sub("", PLACEHOLDER.sub("", template))
    # Anything else that looks like a template sequence would break templatefile().
    assert "${" not in rest, "only queue URL and step timeout placeholders may use ${...}"
    assert "%{" not in rest, "%{ starts a template directive"


def test_every_step_is_a_callback_task_on_its_owners_queue(
    saga: dict[str, Any], topology: dict[str, Any]
) -> None:
    consumers = {q["name"]: q["consumer"] for q in topology["queues"]}
    found = tasks(saga)
    assert set(found) == set(COMMAND_QUEUES)
    for name, state in found.items():
        assert state["Resource"] == WAIT_FOR_TOKEN, name
        assert queue_of(state) == COMMAND_QUEUES[name], name
        assert consumers[queue_of(state)] in {"inventory", "payment", "ordering"}
        body = state["Parameters"]["MessageBody"]
        assert body["command"] == name
        assert body["order_id.$"] == "$.order_id"
        assert body["task_token.$"] == "$$.Task.Token"
        # Each step waits as long as the service that runs it is given.
        assert state.get("TimeoutSeconds") == STEP_TIMEOUTS[consumers[queue_of(state)]], name


def test_steps_carry_the_order(saga: dict[str, Any]) -> None:
    for name, state in tasks(saga).items():
        body = state["Parameters"]["MessageBody"]
        for field in ("user_id", "lines", "total", "currency"):
            assert body[f"{field}.$"] == f"$.{field}", f"{name} lacks {field}"
        # The payment token goes to the one step that needs it.
        assert ("payment_token.$" in body) == (name == "AuthorizePayment")
    assert tasks(saga)["CancelOrder"]["Parameters"]["MessageBody"]["reason.$"] == "$.cancel_reason"


def test_retries_back_off_on_transient_errors_and_on_timeouts_from_the_confirmation_on(
    saga: dict[str, Any],
) -> None:
    # Before the confirmation a timeout is compensated at once and the order cancelled. From
    # ConfirmOrder on the order may show CONFIRMED, and a compensation must end: there a timeout
    # most likely lost the answer of a step that happened, so the (idempotent) step is asked
    # again first.
    compensated_at_once = {"ReserveStock", "AuthorizePayment"}
    for name, state in tasks(saga).items():
        retries = state["Retry"]
        retried = [retry["ErrorEquals"] for retry in retries]
        expected = [["Transient"]] + ([] if name in compensated_at_once else [["States.Timeout"]])
        assert retried == expected, name
        for retry in retries:
            assert isinstance(retry["BackoffRate"], float), f"{name}: BackoffRate must be 2.0"
            assert retry["BackoffRate"] == 2.0, name
            assert retry["MaxAttempts"] >= 1
            assert retry["IntervalSeconds"] >= 1
    assert '"BackoffRate": 2.0' in SAGA_FILE.read_text()


def test_happy_path(saga: dict[str, Any]) -> None:
    sent, end, _ = run(saga)
    assert sent == FORWARD
    assert saga["States"][end]["Type"] == "Succeed"


@pytest.mark.parametrize(
    ("step", "error", "compensations", "reason"),
    [
        ("ReserveStock", "OutOfStock", [], "OUT_OF_STOCK"),
        ("ReserveStock", "Transient", [], "FAILED"),
        # A step that timed out may still have happened: undo it as well (from ConfirmOrder
        # on, once its retries are spent).
        ("ReserveStock", "States.Timeout", ["ReleaseStock"], "TIMEOUT"),
        ("AuthorizePayment", "PaymentDeclined", ["ReleaseStock"], "PAYMENT_DECLINED"),
        ("AuthorizePayment", "States.Timeout", ["VoidPayment", "ReleaseStock"], "TIMEOUT"),
        (
            "ConfirmOrder",
            "CancelledByCustomer",
            ["VoidPayment", "ReleaseStock"],
            "CANCELLED_BY_CUSTOMER",
        ),
        ("ConfirmOrder", "States.Timeout", ["VoidPayment", "ReleaseStock"], "TIMEOUT"),
        ("CapturePayment", "States.TaskFailed", ["RefundPayment", "ReleaseStock"], "FAILED"),
        ("CapturePayment", "States.Timeout", ["RefundPayment", "ReleaseStock"], "TIMEOUT"),
    ],
)
def test_failures_compensate_in_reverse_and_cancel_with_a_reason(
    saga: dict[str, Any], step: str, error: str, compensations: list[str], reason: str
) -> None:
    sent, end, cancel_reason = run(saga, fail_at=step, error=error)
    done = FORWARD[: FORWARD.index(step) + 1]
    assert sent == done + compensations + [f"CancelOrder:{reason}"]
    assert cancel_reason == reason
    assert saga["States"][end]["Type"] == "Succeed", "a cancelled order is an expected outcome"


def test_a_failing_compensation_fails_the_execution(saga: dict[str, Any]) -> None:
    _, end, _ = run(
        saga,
        fail_at="ConfirmOrder",
        error="States.TaskFailed",
        compensation_error="States.TaskFailed",
    )
    assert saga["States"][end]["Type"] == "Fail"


def test_statelint_accepts_the_definition(tmp_path: Path) -> None:
    # Both as the bootstrap and Terraform fill it, and with its queue placeholders still in.
    template, filled = tmp_path / "order-saga.template.json", tmp_path / "order-saga.json"
    template.write_text(saga_template())
    filled.write_text(substituted(saga_template()))
    for path in (template, filled):
        result = uv_tool(STATELINT, "statelint", str(path))
        assert result.returncode == 0, (
            f"statelint rejects {path.name}:\n{result.stdout}\n{result.stderr}"
        )


def test_statelint_can_reject(tmp_path: Path) -> None:
    broken = json.loads(saga_template())
    broken["States"]["ReserveStock"]["Retry"][0]["BackoffRate"] = "fast"
    broken["States"]["ReserveStock"]["Next"] = "NoSuchState"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = uv_tool(STATELINT, "statelint", str(path))
    assert result.returncode != 0, (
        "statelint accepted a broken definition: the check proves nothing"
    )


def test_asl_validator_accepts_the_definition(tmp_path: Path) -> None:
    npx = require_tool("npx")
    filled = tmp_path / "order-saga.json"
    filled.write_text(substituted(saga_template()))
    result = run_tool(
        [npx, "--yes", f"--package={ASL_VALIDATOR}", "asl-validator", "--json-path", str(filled)]
    )
    assert result.returncode == 0, (
        f"asl-validator rejects the definition:\n{result.stdout}\n{result.stderr}"
    )

    broken = json.loads(filled.read_text())
    broken["States"]["CancelOrder"]["Next"] = "NoSuchState"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = run_tool(
        [npx, "--yes", f"--package={ASL_VALIDATOR}", "asl-validator", "--json-path", str(path)]
    )
    assert result.returncode != 0, (
        "asl-validator accepted a broken definition: the check proves nothing"
    )
