"""The events the catalog publishes to `catalog-events`. Consumers may rely on these fields."""
