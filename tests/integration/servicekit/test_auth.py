"""Tokens from the emulator's Cognito, verified by the services against its JWKS."""

import base64
import time
from collections.abc import Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shopctl.aws import client
from shopctl.topology import Topology

PROTECTED = [("basket", "GET", "/basket"), ("catalog", "POST", "/catalog/products")]


@pytest.fixture
def services(catalog: httpx.Client, basket: httpx.Client) -> dict[str, httpx.Client]:
    return {"catalog": catalog, "basket": basket}


def _call(
    services: dict[str, httpx.Client], service: str, method: str, path: str, token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return services[service].request(method, path, headers=headers, json={})


def _forged(token: str, **claims: object) -> str:
    """The token's claims, changed, re-signed by a key the pool never published."""
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False}) | claims
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": header["kid"]})


def _other_client_token(topology: Topology, token_for: Callable[[str], str]) -> str:
    """A real token of the same pool, issued to an app client that is not the shop's."""
    token_for("alice")  # makes sure alice exists with a known-good setup
    cognito = client("cognito-idp")
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next(p["Id"] for p in pools if p["Name"] == topology.identity.user_pool)
    other = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="not-the-shop",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    password = "Aa1!" + base64.b32encode(str(time.time()).encode()).decode()
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username="alice", Password=password, Permanent=True
    )
    result = cognito.initiate_auth(
        ClientId=other,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token


@pytest.mark.parametrize(("service", "method", "path"), PROTECTED)
def test_no_token_is_401(
    services: dict[str, httpx.Client], service: str, method: str, path: str
) -> None:
    response = _call(services, service, method, path, None)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("service", "method", "path"), PROTECTED)
def test_a_bad_signature_is_401(
    services: dict[str, httpx.Client],
    token_for: Callable[[str], str],
    service: str,
    method: str,
    path: str,
) -> None:
    real = token_for("admin")
    head, body, signature = real.split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    assert _call(services, service, method, path, f"{head}.{body}.{flipped}").status_code == 401
    assert _call(services, service, method, path, _forged(real)).status_code == 401


@pytest.mark.parametrize(("service", "method", "path"), PROTECTED)
def test_an_expired_token_is_401(
    services: dict[str, httpx.Client],
    token_for: Callable[[str], str],
    service: str,
    method: str,
    path: str,
) -> None:
    # Expired, but otherwise genuine in every claim; only the signature betrays the edit,
    # so this also checks that the expiry cannot be extended by editing the token.
    expired = _forged(token_for("admin"), exp=int(time.time()) - 60)
    response = _call(services, service, method, path, expired)
    assert response.status_code == 401


@pytest.mark.parametrize(("service", "method", "path"), PROTECTED)
def test_a_token_for_another_app_client_is_401(
    services: dict[str, httpx.Client],
    topology: Topology,
    token_for: Callable[[str], str],
    service: str,
    method: str,
    path: str,
) -> None:
    response = _call(services, service, method, path, _other_client_token(topology, token_for))
    assert response.status_code == 401
    assert "another client" in response.json()["detail"]


def test_a_real_token_is_accepted(
    services: dict[str, httpx.Client], token_for: Callable[[str], str]
) -> None:
    assert _call(services, "basket", "GET", "/basket", token_for("alice")).status_code == 200


def test_new_customers_get_tokens_on_first_use(
    services: dict[str, httpx.Client], token_for: Callable[[str], str]
) -> None:
    claims = jwt.decode(token_for("carol-new"), options={"verify_signature": False})
    assert claims["username"] == "carol-new"
    assert _call(services, "basket", "GET", "/basket", token_for("carol-new")).status_code == 200
