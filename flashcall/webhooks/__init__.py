"""Signed webhook events: the outbox (written by the engine) and the sender (run by the dispatcher)."""
