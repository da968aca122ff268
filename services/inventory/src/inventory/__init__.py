"""Stock per SKU, and the reservations the order saga makes."""
