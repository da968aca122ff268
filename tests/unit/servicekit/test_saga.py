"""The kit's saga step runner: payload by model, failures named by a table, answers given."""

import json
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError
from pydantic import BaseModel, SecretStr

from servicekit.logging import correlation_id_var
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.messaging.router import MessageRouter
from servicekit.messaging.saga import SagaKey, SagaSteps, StepFailedError
from servicekit.testing import SAGA_KEY, FakeStepFunctions, proven, received


class Parcel(BaseModel):
    parcel_id: str
    weight: int


class TooHeavyError(Exception):
    pass


class LostError(Exception):
    pass


def _router(sfn: Any, seen: list[str | None]) -> MessageRouter:
    async def deliver(parcel: Parcel) -> dict[str, Any]:
        seen.append(correlation_id_var.get())
        if parcel.weight > 10:
            raise TooHeavyError(f"{parcel.weight} kg")
        if parcel.weight < 0:
            raise LostError
        if parcel.weight == 0:
            raise StepFailedError("Empty", "nothing to deliver")
        return {"delivered": parcel.parcel_id}

    steps = SagaSteps(sfn, {TooHeavyError: "TooHeavy"}, correlate_by="parcel_id", key=SAGA_KEY)
    return MessageRouter().saga(steps.step("Deliver", Parcel, deliver))


def _command(weight: Any, name: str = "Deliver", token: str = "tok-1") -> dict[str, Any]:
    command = {"command": name, "task_token": token, "parcel_id": "p-1", "weight": weight}
    return proven(command, "parcel_id")


async def test_a_step_answers_success_with_its_output_in_the_saga_s_correlation() -> None:
    sfn, seen = FakeStepFunctions(), list[str | None]()
    await _router(sfn, seen)(received(_command(3)))
    assert sfn.answers == [{"token": "tok-1", "output": {"delivered": "p-1"}}]
    assert seen == ["p-1"]
    assert correlation_id_var.get() is None


async def test_failures_are_named_by_the_table_or_by_the_step() -> None:
    sfn = FakeStepFunctions()
    handle = _router(sfn, [])
    await handle(received(_command(11)))
    await handle(received(_command(0)))
    assert [(a["error"], a["cause"]) for a in sfn.answers] == [
        ("TooHeavy", "11 kg"),
        ("Empty", "nothing to deliver"),
    ]


async def test_an_unnamed_failure_is_no_answer_and_the_command_comes_back() -> None:
    sfn = FakeStepFunctions()
    with pytest.raises(LostError):
        await _router(sfn, [])(received(_command(-1)))
    assert sfn.answers == []


@pytest.mark.parametrize(
    "body",
    [
        _command("heavy"),  # the payload does not match the step's model
        {"command": "Deliver", "parcel_id": "p-1", "weight": 1},  # no task token
        _command(1, name="Return"),  # no such step here
    ],
)
async def test_a_command_that_can_never_be_run_is_poison(body: dict[str, Any]) -> None:
    sfn = FakeStepFunctions()
    with pytest.raises(PoisonMessageError):
        await _router(sfn, [])(received(json.dumps(body)))
    assert sfn.answers == []


class GoneStepFunctions(FakeStepFunctions):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    async def send_task_success(self, *, taskToken: str, output: str) -> None:  # noqa: N803
        raise ClientError({"Error": {"Code": self.code, "Message": ""}}, "SendTaskSuccess")


async def test_an_answer_the_state_machine_no_longer_waits_for_is_dropped() -> None:
    await _router(cast(Any, GoneStepFunctions("TaskTimedOut")), [])(received(_command(1)))
    with pytest.raises(ClientError):
        await _router(cast(Any, GoneStepFunctions("ThrottlingException")), [])(
            received(_command(1))
        )


async def test_a_late_command_runs_its_idempotent_step_and_its_answer_is_dropped() -> None:
    """No request asks whether the task still waits: the step's own idempotence is what makes
    a late command harmless, and the answer nobody waits for is dropped, not retried."""
    sfn, seen = FakeStepFunctions(issued={"tok-2"}), list[str | None]()
    await _router(sfn, seen)(received(_command(3)))  # tok-1: its task has ended
    assert (seen, sfn.answers) == (["p-1"], [])
    await _router(sfn, seen)(received(_command(3, token="tok-2")))
    assert seen == ["p-1", "p-1"]
    assert sfn.answers == [{"token": "tok-2", "output": {"delivered": "p-1"}}]


def _unproven(**changes: Any) -> dict[str, Any]:
    return _command(3) | changes


@pytest.mark.parametrize(
    "body",
    [
        _unproven(proof=""),  # no proof at all
        _unproven(proof="0" * 64),  # made up
        _unproven(task_token="tok-2"),  # a proof for another task's token
        _unproven(parcel_id="p-2"),  # a proof for another saga
        _unproven(proof=_command(3, name="Return")["proof"]),  # a proof for another step
        _unproven(proof=SagaKey(SecretStr("another-key-" * 4)).proof("p-1", "Deliver", "tok-1")),
    ],
    ids=["none", "made-up", "other-token", "other-saga", "other-step", "other-key"],
)
async def test_a_command_without_its_execution_s_proof_changes_nothing(
    body: dict[str, Any],
) -> None:
    """Every token here is one the state machine waits on: the proof alone refuses them."""
    sfn, seen = FakeStepFunctions(), list[str | None]()
    await _router(sfn, seen)(received(body))  # acknowledged: it can never be run
    assert (seen, sfn.answers) == ([], [])


async def test_a_proof_is_accepted_in_either_case_as_the_state_machine_spells_it() -> None:
    sfn, seen = FakeStepFunctions(), list[str | None]()
    body = _command(3)
    await _router(sfn, seen)(received(body | {"proof": body["proof"].upper()}))
    assert seen == ["p-1"]


def test_a_worker_refuses_to_start_with_a_short_key() -> None:
    with pytest.raises(ValueError, match="SAGA_KEY"):
        SagaKey(SecretStr("short"))
    with pytest.raises(ValueError, match="SAGA_KEY"):
        SagaKey(SecretStr(""))
