"""Stock per SKU, and the reservations the order saga makes.

What it keeps (PostgreSQL, schema `inventory`):

- `stock`: per SKU, `on_hand` (units in the warehouse) and `reserved` (held for orders not yet
  confirmed); `available = on_hand - reserved` never drops below zero, checked by the
  database as well as by every reservation.
- `reservations` / `reservation_lines`: per order, its status (HELD, COMMITTED, RELEASED,
  REJECTED or EXPIRED) and per (order, SKU) the units it holds, and the `shortfall` a late
  confirmation could not take; `inbox`: the events already handled; `outbox`: the events it
  publishes, written with the change they describe.

How it changes:

- `catalog.ProductCreated` (on `inventory-events`) starts counting a SKU at zero.
- `PUT /inventory/stock/{sku}` (admin) sets `on_hand`, never below `reserved` (409). A SKU not
  counted yet is created by it (201), so stock can be set before the catalog's event arrives;
  the event then leaves that count alone. `GET /inventory/stock/{sku}` (admin) reads it; an
  unknown SKU is a 404.
- `ReserveStock` (saga step on `inventory-commands`) reserves every line in one transaction,
  SKUs in sorted order, each with `UPDATE ... WHERE on_hand - reserved >= quantity`; one short
  or unknown SKU and nothing is held, and the step fails with `OutOfStock`. The order id makes
  it idempotent: asked again, it answers what it answered the first time.
- `ReleaseStock` (compensation) gives back what an order holds, and what it took if it was
  already committed; with nothing to release it succeeds, and marks the order so that a late
  `ReserveStock` for it is refused (`ReservationReleased`) instead of holding stock forever.
- `ordering.OrderConfirmed` (on `inventory-events`) commits the order's held units: they leave
  `on_hand` and `reserved`. A confirmation of an order the saga released meanwhile takes
  nothing.
- The worker gives back holds neither committed nor released after `RESERVATION_TTL_SECONDS`
  (30 minutes by default), sweeping every `SWEEP_INTERVAL_SECONDS`: a saga that died must not
  hold stock forever. Such a hold becomes EXPIRED, not RELEASED, because the order may still
  have been confirmed: its `OrderConfirmed` was dead-lettered and redriven later, or its saga
  was slower than the expiry. That late confirmation still takes the order's units, from what
  is on hand and held by no other order, once (the inbox, and a COMMITTED reservation commits
  nothing more). What is no longer there (sold again after the sweep) is neither taken from
  other orders' holds nor counted below zero: it is kept as the line's `shortfall` (a release
  gives back only what was taken) and logged as an error (`confirmed_order_short`), for a
  person to settle (restock, or refund the order). A saga's `ReleaseStock` of an expired hold
  has nothing to give back and makes it RELEASED, so a confirmation arriving after that takes
  nothing.

What it publishes (on `inventory-events`, through its outbox, in the step's own transaction,
once per change: a redelivered command that changes nothing publishes nothing):
`inventory.StockReserved`, `inventory.StockReservationRefused` (with the error name the step
answered, `OutOfStock`, and the short SKUs) and `inventory.StockReleased` (with the units given
back; none when nothing was held). Ordering builds the orders' timelines from them. The expiry
sweep publishes nothing: it is no saga step, and the order's saga has long ended by then.
"""
