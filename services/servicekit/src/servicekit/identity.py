"""Where tokens come from: configured explicitly in AWS, discovered by name on a local stack."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from servicekit.auth import JwksCache, TokenVerifier
from servicekit.aws import AwsClients
from servicekit.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class IdentityConfig:
    """What a service needs to know to verify a token."""

    issuer: str
    jwks_url: str
    client_id: str


class IdentityNotConfiguredError(RuntimeError):
    """Neither explicit settings nor a user pool to discover them from."""


async def resolve_identity(settings: ServiceSettings, aws: AwsClients) -> IdentityConfig:
    """Use the configured issuer, JWKS URL and client id, or discover them by pool name.

    Discovery serves the local stack, where the emulator gives the pool a fresh id each time;
    its tokens carry AWS's issuer URL while its keys are served by the emulator itself.
    """
    if settings.auth_issuer and settings.auth_jwks_url and settings.auth_client_id:
        return IdentityConfig(settings.auth_issuer, settings.auth_jwks_url, settings.auth_client_id)
    if not settings.auth_user_pool_name:
        raise IdentityNotConfiguredError(
            "Set AUTH_ISSUER, AUTH_JWKS_URL and AUTH_CLIENT_ID, or AUTH_USER_POOL_NAME."
        )
    cognito = await aws.cognito()
    pools = await cognito.list_user_pools(MaxResults=60)
    pool_id = next(
        (p["Id"] for p in pools["UserPools"] if p.get("Name") == settings.auth_user_pool_name),
        None,
    )
    if pool_id is None:
        raise IdentityNotConfiguredError(f"No user pool named {settings.auth_user_pool_name!r}.")
    clients = await cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    client_id = next(
        (
            c["ClientId"]
            for c in clients["UserPoolClients"]
            if c.get("ClientName") == settings.auth_app_client_name
        ),
        None,
    )
    if client_id is None:
        raise IdentityNotConfiguredError(
            f"No app client named {settings.auth_app_client_name!r} in pool {pool_id}."
        )
    endpoint = cognito.meta.endpoint_url.rstrip("/")
    region = pool_id.split("_", 1)[0]
    issuer = settings.auth_issuer or f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    if endpoint.endswith(".amazonaws.com"):
        jwks_url = f"{issuer}/.well-known/jwks.json"
    else:  # an emulator serves the keys at its own address
        jwks_url = f"{endpoint}/{pool_id}/.well-known/jwks.json"
    return IdentityConfig(issuer, settings.auth_jwks_url or jwks_url, client_id)


def build_verifier(
    identity: IdentityConfig, http: httpx.AsyncClient, admin_group: str
) -> TokenVerifier:
    """A token verifier for `identity`."""
    return TokenVerifier(
        issuer=identity.issuer,
        client_id=identity.client_id,
        jwks=JwksCache(identity.jwks_url, http),
        admin_group=admin_group,
    )
