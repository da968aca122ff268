"""Every step reads only what the order saga's execution input carries; the state machine
passes that input's fields to each step command."""

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from inventory.contracts.consumed import ReleaseStockRead, ReserveStockRead
from ordering.contracts.saga import CancelOrderRead, ConfirmOrderRead, OrderSaga
from payment.contracts.consumed import AuthorizePaymentRead, PaymentStepRead
from servicekit.messaging.schemas import unmet_reads
from shopctl.bootstrap import fill_step_timeouts

ROOT = Path(__file__).resolve().parents[2]
MACHINE = json.loads(
    fill_step_timeouts((ROOT / "infra" / "statemachine" / "order-saga.asl.json").read_text(), 60)
)
INPUT = OrderSaga.model_json_schema(mode="serialization")
READS: dict[str, type[BaseModel]] = {
    "ReserveStock": ReserveStockRead,
    "ReleaseStock": ReleaseStockRead,
    "AuthorizePayment": AuthorizePaymentRead,
    "CapturePayment": PaymentStepRead,
    "VoidPayment": PaymentStepRead,
    "RefundPayment": PaymentStepRead,
    "ConfirmOrder": ConfirmOrderRead,
    "CancelOrder": CancelOrderRead,
}


def _sent(step: str) -> set[str]:
    body = MACHINE["States"][step]["Parameters"]["MessageBody"]
    return {name.removesuffix(".$") for name in body}


@pytest.mark.parametrize(("step", "reads"), READS.items(), ids=list(READS))
def test_each_step_reads_only_what_its_command_carries(step: str, reads: type[BaseModel]) -> None:
    assert set(reads.model_fields) <= _sent(step)
    # `reason` is the state machine's own; everything else a step reads comes from the input.
    assert [p for p in unmet_reads(reads, INPUT) if not p.startswith("reason ")] == []


def test_a_step_reading_more_than_the_input_carries_is_caught() -> None:
    class Greedy(PaymentStepRead):
        shipping_method: str

    assert unmet_reads(Greedy, INPUT) == ["shipping_method is not published"]
