"""The state machine's template, filled as the local bootstrap fills it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopctl.bootstrap import fill_placeholders
from shopctl.cli import main

SAGA = Path(__file__).resolve().parents[3] / "infra" / "statemachine" / "order-saga.asl.json"
QUEUES = {
    name: f"http://emulator/000000000000/{name}"
    for name in ("inventory-commands", "payment-commands", "ordering-commands")
}


def test_every_step_waits_the_local_timeout_on_its_owners_queue() -> None:
    machine = json.loads(fill_placeholders(SAGA.read_text(), QUEUES, 17))
    tasks = [state for state in machine["States"].values() if state["Type"] == "Task"]
    assert len(tasks) == 8
    assert {task["TimeoutSeconds"] for task in tasks} == {17}
    assert {task["Parameters"]["QueueUrl"] for task in tasks} == set(QUEUES.values())


def test_a_placeholder_left_unfilled_is_refused() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        fill_placeholders(SAGA.read_text(), QUEUES | {"payment-commands": "${nope}"}, 17)
    with pytest.raises(ValueError, match="placeholder"):
        fill_placeholders(SAGA.read_text(), {}, 17)


@pytest.mark.parametrize("seconds", ["0", "-5", "1.5", "86401", "soon"])
def test_the_step_timeout_is_whole_seconds_up_to_a_day(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bootstrap", "--step-timeout", seconds])
    assert exited.value.code == 2
    assert "whole number of seconds" in capsys.readouterr().err
