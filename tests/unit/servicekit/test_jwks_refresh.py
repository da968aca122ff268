"""The key set is fetched again on a schedule: keys expire (after an hour, or as the response's
Cache-Control says, within bounds), an unknown key id refetches at most once per quiet period,
and a refresh that fails keeps the last good keys for a bounded time only."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from servicekit.auth import JwksCache, KeysUnavailableError

OLD, NEW = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
HOUR = 3600.0


def _set(**keys: rsa.RSAPrivateKey) -> dict[str, Any]:
    return {
        "keys": [
            json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid}
            for kid, key in keys.items()
        ]
    }


class Clock:
    """Monotonic time, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class KeyEndpoint:
    """Serves `document` (or fails while `down`) with `cache_control`, counting fetches."""

    def __init__(self) -> None:
        self.document = _set(old=OLD)
        self.cache_control: str | None = None
        self.down = False
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("refused")
        headers = {"cache-control": self.cache_control} if self.cache_control else {}
        return httpx.Response(200, json=self.document, headers=headers)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def endpoint() -> KeyEndpoint:
    return KeyEndpoint()


@pytest.fixture
def cache(clock: Clock, endpoint: KeyEndpoint) -> JwksCache:
    return _cache(clock, endpoint)


def _cache(clock: Clock, endpoint: KeyEndpoint, **options: Any) -> JwksCache:
    http = httpx.AsyncClient(transport=httpx.MockTransport(endpoint.handler))
    options = {"min_refresh": 30.0, "max_age": HOUR, "keep_stale": 6 * HOUR} | options
    return JwksCache("https://keys.test/jwks.json", http, clock=clock, **options)


async def _known(cache: JwksCache, kid: str) -> bool:
    return await cache.key(kid) is not None


async def test_keys_expire_after_an_hour_and_a_withdrawn_key_stops_verifying(
    cache: JwksCache, clock: Clock, endpoint: KeyEndpoint
) -> None:
    assert await _known(cache, "old")
    endpoint.document = _set(new=NEW)  # the provider rotates and withdraws the old key
    clock.now += HOUR - 1
    assert await _known(cache, "old")
    assert endpoint.fetches == 1
    clock.now += 1
    assert not await _known(cache, "old")
    assert await _known(cache, "new")
    assert endpoint.fetches == 2


@pytest.mark.parametrize(
    ("cache_control", "lifetime"),
    [
        ("public, max-age=120", 120.0),
        ("max-age=5", 30.0),  # never sooner than the quiet period
        ("max-age=999999", HOUR),  # never later than an hour
        ("no-cache", HOUR),
        ("s-maxage=120", HOUR),
    ],
)
async def test_cache_control_sets_the_lifetime_within_bounds(
    cache: JwksCache, clock: Clock, endpoint: KeyEndpoint, cache_control: str, lifetime: float
) -> None:
    endpoint.cache_control = cache_control
    assert await _known(cache, "old")
    clock.now += lifetime - 1
    assert await _known(cache, "old")
    assert endpoint.fetches == 1
    clock.now += 1
    assert await _known(cache, "old")
    assert endpoint.fetches == 2


async def test_an_unknown_key_id_refetches_at_most_once_per_quiet_period(
    cache: JwksCache, clock: Clock, endpoint: KeyEndpoint
) -> None:
    assert await _known(cache, "old")
    endpoint.document = _set(old=OLD, new=NEW)
    for forged in ("new", "forged-1", "forged-2"):
        assert not await _known(cache, forged)
    assert endpoint.fetches == 1
    clock.now += 30
    assert await _known(cache, "new")
    for forged in ("forged-3", "forged-4"):
        assert not await _known(cache, forged)
    assert endpoint.fetches == 2


async def test_a_failed_refresh_keeps_the_last_keys_for_a_bounded_time(
    cache: JwksCache, clock: Clock, endpoint: KeyEndpoint
) -> None:
    assert await _known(cache, "old")
    endpoint.down = True
    clock.now += HOUR
    assert await _known(cache, "old")  # stale, but the endpoint is down
    assert endpoint.fetches == 2
    for _ in range(10):
        assert await _known(cache, "old")
    assert endpoint.fetches == 2  # failures are retried once per quiet period, not per call
    with pytest.raises(KeysUnavailableError):
        await cache.key("unknown")  # while down, an unknown id is the outage, not a forgery
    clock.now += 6 * HOUR - 1
    assert await _known(cache, "old")
    clock.now += 1
    with pytest.raises(KeysUnavailableError):
        await cache.key("old")  # too old to trust: refused (a 503), not verified
    endpoint.down = False
    clock.now += 30
    assert await _known(cache, "old")


async def test_keys_fetched_again_after_an_outage_start_a_new_lifetime(
    cache: JwksCache, clock: Clock, endpoint: KeyEndpoint
) -> None:
    assert await _known(cache, "old")
    endpoint.down = True
    clock.now += HOUR
    assert await _known(cache, "old")
    endpoint.down = False
    clock.now += 30
    assert await _known(cache, "old")
    fetches = endpoint.fetches
    clock.now += HOUR - 1
    assert await _known(cache, "old")
    assert endpoint.fetches == fetches


async def test_the_first_fetch_failing_is_unavailable_not_an_empty_set(
    clock: Clock, endpoint: KeyEndpoint
) -> None:
    endpoint.down = True
    cache = _cache(clock, endpoint)
    for _ in range(3):
        with pytest.raises(KeysUnavailableError):
            await cache.key("old")
    assert endpoint.fetches == 1


async def test_the_real_clock_is_the_default() -> None:
    endpoint = KeyEndpoint()
    http = httpx.AsyncClient(transport=httpx.MockTransport(endpoint.handler))
    cache = JwksCache("https://keys.test/jwks.json", http)
    assert await _known(cache, "old")
    assert await _known(cache, "old")
    assert endpoint.fetches == 1
