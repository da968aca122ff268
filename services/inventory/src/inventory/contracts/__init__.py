"""The inventory's contracts: `events` it publishes to `inventory-events` (the outcomes of its
saga steps), and in `consumed` the parts of other services' messages that it reads."""
