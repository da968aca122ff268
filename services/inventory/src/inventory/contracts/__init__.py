"""The inventory's contracts. It publishes no events yet (its `inventory-events` topic stays
quiet); `consumed` holds the parts of other services' events that it reads."""
