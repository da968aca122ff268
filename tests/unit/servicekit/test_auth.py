import json
import time
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


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


TRUSTED, FORGER = _key(), _key()


def _jwks(*keys: tuple[str, rsa.RSAPrivateKey]) -> dict[str, Any]:
    entries = []
    for kid, key in keys:
        entry = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        entries.append(entry | {"kid": kid, "alg": "RS256", "use": "sig"})
    return {"keys": entries}


class JwksServer:
    """Serves a JWKS document and counts how often it is fetched."""

    def __init__(self) -> None:
        self.document = _jwks(("k1", TRUSTED))
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json=self.document)


@pytest.fixture
def server() -> JwksServer:
    return JwksServer()


@pytest.fixture
def verifier(server: JwksServer) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    jwks = JwksCache("https://keys.test/jwks.json", http, min_refresh=60)
    return TokenVerifier(issuer=ISSUER, client_id=CLIENT, jwks=jwks, admin_group="admin")


def _token(
    key: rsa.RSAPrivateKey = TRUSTED,
    kid: str = "k1",
    groups: list[str] | None = None,
    **claims: Any,
) -> str:
    now = int(time.time())
    if groups is not None:
        claims["cognito:groups"] = groups
    payload = {
        "sub": "user-1",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "username": "alice",
        "iat": now,
        "exp": now + 300,
    } | claims
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


async def _refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    assert caught.value.headers == {"WWW-Authenticate": 'Bearer realm="shop"'}
    return caught.value


async def test_a_valid_token_names_the_user_and_groups(verifier: TokenVerifier) -> None:
    principal = await verifier.verify(_token(groups=["admin"]))
    assert (principal.user_id, principal.username, principal.is_admin) == ("user-1", "alice", True)
    assert not (await verifier.verify(_token())).is_admin


@pytest.mark.parametrize("token_use", ["id", None])
async def test_only_access_tokens_are_accepted(
    verifier: TokenVerifier, token_use: str | None
) -> None:
    problem = await _refused(verifier, _token(client_id=None, aud=CLIENT, token_use=token_use))
    assert "access token" in problem.detail


async def test_expired_tokens_are_refused(verifier: TokenVerifier) -> None:
    problem = await _refused(verifier, _token(exp=int(time.time()) - 60))
    assert "expired" in problem.detail


@pytest.mark.parametrize(
    "claims", [{"client_id": "another-app"}, {"client_id": None}, {"client_id": None, "aud": "x"}]
)
async def test_tokens_for_another_client_are_refused(
    verifier: TokenVerifier, claims: dict[str, Any]
) -> None:
    await _refused(verifier, _token(**claims))


async def test_another_issuer_is_refused(verifier: TokenVerifier) -> None:
    await _refused(verifier, _token(iss="https://evil.example/pool"))


async def test_a_bad_signature_is_refused(verifier: TokenVerifier) -> None:
    await _refused(verifier, _token(key=FORGER))
    header, payload, signature = _token().split(".")
    tampered = jwt.utils.base64url_encode(
        json.dumps(json.loads(jwt.utils.base64url_decode(payload)) | {"sub": "bob"}).encode()
    ).decode()
    await _refused(verifier, f"{header}.{tampered}.{signature}")


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "e30.e30."])
async def test_garbage_is_refused(verifier: TokenVerifier, token: str) -> None:
    await _refused(verifier, token)


async def test_unsigned_tokens_are_refused(verifier: TokenVerifier) -> None:
    payload = jwt.decode(_token(), options={"verify_signature": False})
    unsigned = jwt.encode(payload, key=None, algorithm="none", headers={"kid": "k1"})  # type: ignore[arg-type]
    await _refused(verifier, unsigned)


async def test_missing_claims_are_refused(verifier: TokenVerifier) -> None:
    await _refused(verifier, _token(exp=None))
    await _refused(verifier, _token(sub=None))


async def test_rotated_keys_are_fetched_once_and_floods_do_not_refetch(
    verifier: TokenVerifier, server: JwksServer
) -> None:
    await verifier.verify(_token())
    server.document = _jwks(("k1", TRUSTED), ("k2", FORGER))
    # k2 is unknown to the cache, but the set was fetched moments ago: no refetch, refused.
    for _ in range(5):
        await _refused(verifier, _token(key=FORGER, kid="k2"))
    assert server.fetches == 1


async def test_unknown_key_triggers_a_refetch_after_the_quiet_period(server: JwksServer) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    verifier = TokenVerifier(
        issuer=ISSUER, client_id=CLIENT, jwks=JwksCache("https://k/j", http, min_refresh=0)
    )
    await verifier.verify(_token())
    server.document = _jwks(("k2", FORGER))
    principal = await verifier.verify(_token(key=FORGER, kid="k2"))
    assert principal.user_id == "user-1"
    assert server.fetches == 2


async def test_an_unreachable_key_set_is_a_503_not_a_401() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    verifier = TokenVerifier(issuer=ISSUER, client_id=CLIENT, jwks=JwksCache("https://k/j", http))
    with pytest.raises(Problem) as caught:
        await verifier.verify(_token())
    assert caught.value.status == 503


class Signatures:
    """Counts the signature checks `TokenVerifier` makes (calls of `jwt.decode`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.checked = 0
        decode = jwt.decode

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.checked += 1
            return decode(*args, **kwargs)

        monkeypatch.setattr("servicekit.auth.jwt.decode", counting)


class Clock:
    """The verifier's clock, moved by hand (the token's own checks keep the real one)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = time.time()
        monkeypatch.setattr("servicekit.auth.time.time", lambda: self.now)


async def test_a_token_verified_moments_ago_is_taken_without_checking_it_again(
    verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    signatures, token = Signatures(monkeypatch), _token(groups=["admin"])
    first, again = await verifier.verify(token), await verifier.verify(token)
    assert first == again
    assert again.is_admin
    assert signatures.checked == 1


async def test_a_remembered_token_is_checked_again_after_a_while_and_never_past_its_expiry(
    verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    signatures, clock = Signatures(monkeypatch), Clock(monkeypatch)
    lasting, brief = _token(), _token(exp=int(clock.now) + 10)
    await verifier.verify(lasting)
    await verifier.verify(brief)
    clock.now += 11  # past the brief token's expiry, within the lasting one's 30 s
    await verifier.verify(lasting)
    assert signatures.checked == 2
    # The brief one is not taken from memory; its own check (with the real clock) runs again.
    await verifier.verify(brief)
    assert signatures.checked == 3
    clock.now += 20  # 31 s after the lasting token was first checked
    await verifier.verify(lasting)
    assert signatures.checked == 4


async def test_a_forged_copy_of_a_remembered_token_is_refused(verifier: TokenVerifier) -> None:
    await verifier.verify(_token())
    await _refused(verifier, _token(key=FORGER))


async def test_only_so_many_tokens_are_remembered(
    server: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    jwks = JwksCache("https://keys.test/jwks.json", http, min_refresh=60)
    verifier = TokenVerifier(issuer=ISSUER, client_id=CLIENT, jwks=jwks, remember_at_most=2)
    signatures = Signatures(monkeypatch)
    first, second, third = (_token(sub=f"user-{n}") for n in range(3))
    for token in (first, second, third, third, second):
        await verifier.verify(token)
    assert signatures.checked == 3
    await verifier.verify(first)  # the oldest was let go
    assert signatures.checked == 4
