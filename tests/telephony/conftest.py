"""Telephony fixtures: the engine's context and service fixtures, shared."""
from tests.verification.conftest import PHONE, T0, ctx, service  # noqa: F401
