"""Payments against a simulated provider."""
