"""Users of the local stack: the pool, its app client, seeded users, and tokens for any of them."""

from __future__ import annotations

import secrets
import string
from typing import Any

from botocore.exceptions import ClientError

from shopctl.topology import Identity

# Seeded on every local stack: two customers and an administrator.
SEED_CUSTOMERS = ("alice", "bob")
SEED_ADMINS = ("admin",)


class IdentityError(RuntimeError):
    """The identity provider refused or is not set up."""


def _find_pool(cognito: Any, name: str) -> str | None:
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                pool_id: str = pool["Id"]
                return pool_id
    return None


def _find_client(cognito: Any, pool_id: str, name: str) -> str | None:
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    for app_client in clients["UserPoolClients"]:
        if app_client["ClientName"] == name:
            client_id: str = app_client["ClientId"]
            return client_id
    return None


def ensure_identity(cognito: Any, identity: Identity) -> tuple[str, str]:
    """The user pool and its app client, created when missing; returns their ids."""
    pool_id = (
        _find_pool(cognito, identity.user_pool)
        or cognito.create_user_pool(
            PoolName=identity.user_pool,
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        )["UserPool"]["Id"]
    )
    client_id = (
        _find_client(cognito, pool_id, identity.app_client)
        or cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=identity.app_client,
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
    )
    try:
        cognito.create_group(UserPoolId=pool_id, GroupName=identity.admin_group)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "GroupExistsException":
            raise
    return pool_id, client_id


def _password() -> str:
    # Meets the default policy: upper, lower, digit and symbol, well over the minimum length.
    alphabet = string.ascii_letters + string.digits
    return "Aa1!" + "".join(secrets.choice(alphabet) for _ in range(24))


def ensure_user(cognito: Any, pool_id: str, username: str, groups: tuple[str, ...] = ()) -> None:
    """A confirmed user, with a random password nobody needs to know."""
    try:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            TemporaryPassword=_password(),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "UsernameExistsException":
            raise
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


def _groups(identity: Identity, username: str) -> tuple[str, ...]:
    return (identity.admin_group,) if username in SEED_ADMINS else ()


def seed_users(cognito: Any, pool_id: str, identity: Identity) -> list[str]:
    """Create the seeded users; return their names."""
    usernames = [*SEED_CUSTOMERS, *SEED_ADMINS]
    for username in usernames:
        ensure_user(cognito, pool_id, username, _groups(identity, username))
    return usernames


def local_token(cognito: Any, identity: Identity, username: str) -> str:
    """An access token for `username` on a local stack, creating the customer on first use.

    Each call sets a fresh random password and signs in with it: no password is stored
    anywhere, and the token is a real one from the pool, verifiable against its keys.
    """
    pool_id = _find_pool(cognito, identity.user_pool)
    client_id = pool_id and _find_client(cognito, pool_id, identity.app_client)
    if not pool_id or not client_id:
        raise IdentityError("The local stack has no user pool yet; run `shopctl bootstrap`.")
    ensure_user(cognito, pool_id, username, _groups(identity, username))
    password = _password()
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token
