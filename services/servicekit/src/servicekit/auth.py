"""Verify the caller's JWT (issuer, client, expiry, signature via JWKS) and say who they are."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
import structlog
from fastapi import Depends, Request

from servicekit.errors import Problem
from servicekit.state import ApiState

_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="shop"'}
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d{1,9})(?:$|[,\s])", re.IGNORECASE)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    username: str
    groups: frozenset[str]
    is_admin: bool


def unauthorized(detail: str) -> Problem:
    """A 401 problem with the bearer challenge."""
    return Problem(401, detail, headers=_BEARER_CHALLENGE)


class KeysUnavailableError(Exception):
    """The identity provider's signing keys could not be fetched or read."""


class JwksCache:
    """Signing keys fetched from a JWKS URL without blocking the event loop.

    A key set is kept for `max_age` seconds, or for as long as the response's
    `Cache-Control: max-age` says, within `min_refresh` and `max_age`: a key the identity
    provider withdrew stops being trusted within that time. An unknown key id triggers one
    refetch (keys rotate), at most once per `min_refresh` seconds, so a flood of forged key ids
    cannot turn into a flood of fetches. A fetch that fails counts as a fetch: until the next
    one is due, an unknown key id is answered with that failure instead of another request to
    a key endpoint that is down. While the endpoint is down, the last keys fetched stay in use
    for `keep_stale` seconds past their time, since the provider rarely withdraws a key and
    refusing every caller at once is sure harm; after that, every token is refused with
    the failure (a 503).
    """

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        min_refresh: float = 30.0,
        *,
        max_age: float = 3600.0,
        keep_stale: float = 6 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._http = http
        self._min_refresh = min_refresh
        self._max_age = max(max_age, min_refresh)
        self._keep_stale = keep_stale
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fresh_until = float("-inf")  # then fetched again before use
        self._usable_until = float("-inf")  # then refused if no fetch has succeeded since
        self._tried_at = float("-inf")
        self._failure: KeysUnavailableError | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK | None:
        """The key with id `kid`, fetching the set when it is not known yet or has expired;
        raises `KeysUnavailableError` while the set cannot be fetched and no good one is
        recent enough."""
        if (found := self._keys.get(kid)) is not None and self._clock() < self._fresh_until:
            return found
        async with self._lock:
            now = self._clock()
            due = now >= self._fresh_until or kid not in self._keys
            if due and now - self._tried_at >= self._min_refresh:
                await self._refresh()
            if self._clock() >= self._usable_until or (
                kid not in self._keys and self._failure is not None
            ):
                raise self._failure or KeysUnavailableError(f"no keys from {self._url} yet")
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._tried_at = self._clock()
        try:
            keys, lifetime = await self._fetch()
        except KeysUnavailableError as exc:
            log.warning("jwks_refresh_failed", url=self._url, error=str(exc))
            self._failure = exc
            return
        self._keys, self._failure = keys, None
        self._fresh_until = self._clock() + lifetime
        self._usable_until = self._fresh_until + self._keep_stale

    def _lifetime(self, response: httpx.Response) -> float:
        found = _MAX_AGE.search(response.headers.get("cache-control", ""))
        if found is None:
            return self._max_age
        return min(max(float(found.group(1)), self._min_refresh), self._max_age)

    async def _fetch(self) -> tuple[dict[str, jwt.PyJWK], float]:
        try:
            response = await self._http.get(self._url, timeout=5.0)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise KeysUnavailableError(f"fetching {self._url}: {type(exc).__name__}") from exc
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise KeysUnavailableError(f"{self._url} is not a JSON Web Key Set")
        keys = {}
        for entry in entries:
            try:
                key = jwt.PyJWK(entry)
            except (jwt.PyJWTError, TypeError, ValueError, KeyError, AttributeError):
                continue  # a key we cannot use cannot have signed a token we accept
            if key.key_id:
                keys[key.key_id] = key
        return keys, self._lifetime(response)


class TokenVerifier:
    """Turns a bearer token into a `Principal`, or refuses it with a 401.

    A client sends the same token with every request until it expires. Checking its RS256
    signature is most of what authenticating a request costs, so a token verified in the last
    `remember_seconds` is taken again by its digest, never past its expiry."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: JwksCache,
        admin_group: str = "admin",
        remember_seconds: float = 30.0,
        remember_at_most: int = 1024,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._jwks = jwks
        self._admin_group = admin_group
        self._remember_seconds = remember_seconds
        self._remember_at_most = remember_at_most
        self._verified: OrderedDict[bytes, tuple[float, Principal]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """Check signature, issuer, expiry and client; return who the token speaks for."""
        digest = hashlib.sha256(token.encode()).digest()
        now = time.time()
        remembered = self._verified.get(digest)
        if remembered is not None:
            until, principal = remembered
            if now < until:
                return principal
            del self._verified[digest]
        principal, expires = await self._verify(token)
        self._verified[digest] = (min(expires, now + self._remember_seconds), principal)
        if len(self._verified) > self._remember_at_most:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise unauthorized("The bearer token is malformed.") from exc
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise unauthorized("The bearer token is not signed with a trusted key.")
        try:
            key = await self._jwks.key(header["kid"])
        except KeysUnavailableError as exc:
            raise Problem(
                503, "The identity provider's keys are unavailable.", headers={"Retry-After": "5"}
            ) from exc
        if key is None:
            raise unauthorized("The bearer token is not signed with a trusted key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self._issuer,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("The bearer token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise unauthorized("The bearer token is invalid.") from exc
        # Access tokens only: an ID token says who signed in, not what the app may do. Cognito
        # names an access token's app client in `client_id` (it has no `aud`).
        if claims.get("token_use") != "access":
            raise unauthorized("The bearer token is not an access token.")
        if claims.get("client_id") != self._client_id:
            raise unauthorized("The bearer token was issued to another client.")
        groups = claims.get("cognito:groups") or []
        if not isinstance(groups, list):
            groups = []
        principal = Principal(
            user_id=str(claims["sub"]),
            username=str(claims.get("username") or claims.get("cognito:username") or ""),
            groups=frozenset(str(g) for g in groups),
            is_admin=self._admin_group in groups,
        )
        return principal, float(claims["exp"])


async def current_principal(
    request: Request, state: Annotated[ApiState, Depends(ApiState.of)]
) -> Principal:
    """The caller, from `Authorization: Bearer <token>`."""
    header = request.headers.get("authorization")
    if not header:
        raise unauthorized("A bearer token is required.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("The Authorization header must carry a bearer token.")
    return await state.verifier.verify(token.strip())


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """The caller, who must be in the admin group."""
    if not principal.is_admin:
        raise Problem(403, "This operation is reserved to administrators.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
