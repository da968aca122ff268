"""The key set: failed fetches are rate-limited like successful ones, and a key document
that is not a JSON Web Key Set is a 503, never a 500."""

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from servicekit.auth import JwksCache, TokenVerifier
from servicekit.errors import Problem

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
CLIENT = "shop-api-client"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
GOOD = {"keys": [json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "k1"}]}


def _token(kid: str = "k1") -> str:
    now = int(time.time())
    claims = {
        "sub": "u",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "iat": now,
        "exp": now + 300,
    }
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": kid})


class KeyEndpoint:
    """Answers with `answer` and counts the fetches."""

    def __init__(self, answer: Callable[[], httpx.Response]) -> None:
        self.answer = answer
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return self.answer()


def _verifier(endpoint: KeyEndpoint, min_refresh: float = 60) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(endpoint.handler))
    jwks = JwksCache("https://keys.test/jwks.json", http, min_refresh=min_refresh)
    return TokenVerifier(issuer=ISSUER, client_id=CLIENT, jwks=jwks)


async def _status(verifier: TokenVerifier, token: str) -> int:
    try:
        await verifier.verify(token)
    except Problem as problem:
        return problem.status
    return 200


def _down() -> httpx.Response:
    raise httpx.ConnectError("refused")


async def test_while_the_key_endpoint_fails_unknown_key_ids_do_not_refetch() -> None:
    endpoint = KeyEndpoint(_down)
    verifier = _verifier(endpoint)
    statuses = [await _status(verifier, _token(kid=f"forged-{n}")) for n in range(20)]
    assert statuses == [503] * 20
    assert endpoint.fetches == 1


async def test_after_the_quiet_period_a_failed_fetch_is_tried_again() -> None:
    endpoint = KeyEndpoint(_down)
    verifier = _verifier(endpoint, min_refresh=0)
    assert await _status(verifier, _token()) == 503
    endpoint.answer = lambda: httpx.Response(200, json=GOOD)
    assert await _status(verifier, _token()) == 200
    assert endpoint.fetches == 2


@pytest.mark.parametrize(
    "answer",
    [
        lambda: httpx.Response(200, text="<html>maintenance</html>"),
        lambda: httpx.Response(200, json=["not", "a", "key", "set"]),
        lambda: httpx.Response(200, json={"keys": "none"}),
        lambda: httpx.Response(200, json=None),
        lambda: httpx.Response(500, text="oops"),
    ],
    ids=["html", "list", "keys-not-a-list", "null", "500"],
)
async def test_a_bad_key_document_is_a_503(answer: Callable[[], httpx.Response]) -> None:
    assert await _status(_verifier(KeyEndpoint(answer)), _token()) == 503


async def test_malformed_entries_are_skipped_and_good_keys_kept() -> None:
    document: dict[str, Any] = {"keys": ["junk", 42, {"kty": "RSA"}, *GOOD["keys"]]}
    verifier = _verifier(KeyEndpoint(lambda: httpx.Response(200, json=document)))
    assert await _status(verifier, _token()) == 200
    assert await _status(verifier, _token(kid="other")) == 401
