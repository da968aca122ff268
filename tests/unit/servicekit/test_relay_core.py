"""The relay core both outboxes share: the backoff schedule, refusals counted and parked at
the threshold, outages counted as none and lengthening every wait while they last."""

from collections.abc import Sequence

from servicekit.messaging.publisher import PublishResult
from servicekit.messaging.relay import Outgoing, RelayCore, RetryPolicy


class Publisher:
    def __init__(self, refuse: set[str] | None = None, down: bool = False) -> None:
        self.refuse = refuse or set()
        self.down = down

    async def publish(self, messages: Sequence[tuple[str, str, str]]) -> PublishResult:
        if self.down:
            raise ConnectionError("broker down")
        ids = [m[0] for m in messages]
        refused = [i for i in ids if i in self.refuse]
        return PublishResult(
            [i for i in ids if i not in self.refuse], refused, dict.fromkeys(refused, "too big")
        )


def test_the_wait_doubles_from_half_a_second_up_to_a_minute() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n) for n in range(1, 10)] == [0.5, 1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.delay(10_000) == 60
    assert policy.max_attempts == 10


async def test_a_refusal_is_counted_and_the_tenth_parks() -> None:
    core = RelayCore(Publisher(refuse={"a", "b"}), "s", RetryPolicy())
    settled = await core.settle(
        [
            Outgoing("a", "t", "{}", attempts=0),
            Outgoing("b", "t", "{}", 9),
            Outgoing("c", "t", "{}"),
        ]
    )
    assert settled.sent == ["c"]
    [retry] = settled.retry
    assert (retry.message_id, retry.attempts, retry.delay, retry.error) == ("a", 1, 0.5, "too big")
    [park] = settled.park
    assert (park.message_id, park.attempts, park.error) == ("b", 10, "too big")


async def test_an_outage_counts_no_refusal_and_waits_longer_each_sweep_until_it_ends() -> None:
    publisher = Publisher(down=True)
    core = RelayCore(publisher, "s", RetryPolicy())
    delays = []
    for _ in range(3):
        settled = await core.settle([Outgoing("a", "t", "{}", attempts=9)])
        assert (settled.park, settled.sent) == ([], [])
        [retry] = settled.retry
        assert retry.attempts == 9
        assert "broker down" in retry.error
        delays.append(retry.delay)
        fresh = await core.settle([Outgoing("b", "t", "{}")])
        delays.append(fresh.retry[0].delay)
        core.sweep_done(2)
    # A message with nine refusals waits as long as its count says; a fresh one as long as
    # the outage has lasted.
    assert delays == [60, 0.5, 60, 1, 60, 2]
    publisher.down = False
    assert (await core.settle([Outgoing("b", "t", "{}")])).sent == ["b"]
    core.sweep_done(1)
    publisher.down = True
    assert (await core.settle([Outgoing("c", "t", "{}")])).retry[0].delay == 0.5
