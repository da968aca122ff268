"""Stock per SKU, and the reservations the order saga makes.

What it keeps (PostgreSQL, schema `inventory`):

- `stock`: per SKU, `on_hand` (units in the warehouse) and `reserved` (held for orders not yet
  confirmed); `available = on_hand - reserved` never drops below zero, checked by the
  database as well as by every claim.
- `reservations` / `reservation_lines`: per order, its status (HELD, COMMITTED, RELEASED or
  REJECTED) and per (order, SKU) the units it holds; `inbox`: the events already handled;
  `outbox`: the events it publishes, written with the change they describe.

How it changes:

- `catalog.ProductCreated` (on `inventory-events`) starts counting a SKU at zero.
- `PUT /inventory/stock/{sku}` (admin) sets `on_hand`, never below `reserved` (409). A SKU not
  counted yet is created by it (201), so stock can be set before the catalog's event arrives;
  the event then leaves that count alone. `GET /inventory/stock/{sku}` (admin) reads it; an
  unknown SKU is a 404.
- `ReserveStock` (saga step on `inventory-commands`) claims every line in one transaction,
  SKUs in sorted order, each with `UPDATE ... WHERE on_hand - reserved >= quantity`; one short
  or unknown SKU and nothing is held, and the step fails with `OutOfStock`. The order id makes
  it idempotent: asked again, it answers what it answered the first time.
- `ReleaseStock` (compensation) gives back what an order holds, and what it took if it was
  already committed; with nothing to release it succeeds, and marks the order so that a late
  `ReserveStock` for it is refused (`ReservationReleased`) instead of holding stock forever.
- `ordering.OrderConfirmed` (on `inventory-events`) commits the order's held units: they leave
  `on_hand` and `reserved`. A confirmation of an order released meanwhile takes nothing.
- The worker releases holds neither committed nor released after `RESERVATION_TTL_SECONDS`
  (30 minutes by default), sweeping every `SWEEP_INTERVAL_SECONDS`.

What it publishes (on `inventory-events`, through its outbox, in the step's own transaction,
once per change: a redelivered command that changes nothing publishes nothing):
`inventory.StockReserved`, `inventory.StockReservationRefused` (with the error name the step
answered, `OutOfStock`, and the short SKUs) and `inventory.StockReleased` (with the units given
back; none when nothing was held). Ordering builds the orders' timelines from them. The expiry
sweep publishes nothing: it is no saga step, and the order's saga has long ended by then.
"""
