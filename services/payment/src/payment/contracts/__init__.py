"""The events payment publishes, with their committed JSON schemas in `schemas/`."""
