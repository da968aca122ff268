"""The baseline: the least a FastAPI endpoint can do to serve a product row from PostgreSQL.

No middleware, no auth, no ORM; one asyncpg pool and one query. `catalog_read.py` runs it in a
container beside the catalog's and compares the catalog against it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

QUERY = (
    "SELECT id, sku, name, description, category, price, currency, active, version,"
    " created_at, updated_at FROM catalog.products WHERE id = $1"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=10, max_size=10)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/catalog/products/{product_id}")
async def get_product(product_id: uuid.UUID, request: Request) -> Response:
    row = await request.app.state.pool.fetchrow(QUERY, product_id)
    if row is None:
        return Response(status_code=404)
    body = dict(row)
    body["id"] = str(body["id"])
    body["price"] = str(body["price"])
    return Response(orjson.dumps(body), media_type="application/json")


if __name__ == "__main__":
    uvicorn.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8099")),
        access_log=False,
    )
