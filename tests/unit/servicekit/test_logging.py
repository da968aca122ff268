"""No token, payment token, address or local variable reaches a log line.

Each case runs in its own process: logging is configured once per process, as a service's is.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PAYMENT_TOKEN = "tok_live_4242secret"
STREET = "221B Secret Street"
BEARER = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
SECRETS = [PAYMENT_TOKEN, STREET, BEARER]

SERVICE = textwrap.dedent(
    f"""
    import asyncio, logging

    import httpx
    import structlog
    from fastapi import FastAPI, Request
    from pydantic import BaseModel

    from servicekit.errors import install_problem_handlers
    from servicekit.logging import RequestContextMiddleware, configure_logging

    configure_logging("logtest")
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)


    class Checkout(BaseModel):
        payment_token: int


    @app.post("/checkout")
    async def checkout(request: Request) -> None:
        body = await request.json()
        payment_token = body["payment_token"]
        shipping_address = body["shipping_address"]
        authorization = request.headers["authorization"]
        raise RuntimeError("the provider is down")


    @app.post("/contract")
    async def contract(request: Request) -> None:
        Checkout.model_validate(await request.json())


    async def main() -> None:
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            address = {{"line1": "{STREET}"}}
            body = {{"payment_token": "{PAYMENT_TOKEN}", "shipping_address": address}}
            headers = {{"authorization": "Bearer {BEARER}"}}
            assert (await client.post("/checkout", json=body, headers=headers)).status_code == 500
            assert (await client.post("/contract", json=body, headers=headers)).status_code == 500
        log = structlog.get_logger("test")
        log.info("checkout_seen", payment_token="{PAYMENT_TOKEN}", address={{"line1": "{STREET}"}})
        log.info("token_seen", headers={{"Authorization": "Bearer {BEARER}"}})
        log.warning("message_refused", error="bad message: {{'payment_token': '{PAYMENT_TOKEN}'}}")
        try:
            payment_token = "{PAYMENT_TOKEN}"
            raise ValueError("declined")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")


    asyncio.run(main())
    """
)


def _lines() -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", SERVICE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_crash_logs_carry_no_locals_tokens_or_addresses() -> None:
    lines = _lines()
    text = json.dumps(lines)
    for secret in SECRETS:
        assert secret not in text
    assert '"locals"' not in text
    crashes = [line for line in lines if line.get("message") == "unhandled_error"]
    assert len(crashes) == 2
    # The traceback itself is still there, frame by frame.
    frames = crashes[0]["exception"][0]["frames"]
    assert any(frame["name"] == "checkout" for frame in frames)
    assert {line["message"] for line in lines} >= {
        "checkout_seen",
        "token_seen",
        "message_refused",
        "Exception in ASGI application",
    }
    stdlib = next(line for line in lines if line["message"] == "Exception in ASGI application")
    assert stdlib["exception"][0]["exc_value"] == "declined"
