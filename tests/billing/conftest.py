"""Billing fixtures: the engine's context and clock, and the books checked after every test."""
import pytest

from flashcall.billing import check
from tests.fakes.payment_gateway import PaymentGateway

from ..verification.conftest import PHONE, T0, ctx  # noqa: F401  (fixtures and constants shared with the engine's tests)

__all__ = ["PHONE", "T0"]


@pytest.fixture(autouse=True)
def books_balance(app):
    """After every billing scenario: each stored balance equals what its ledger says."""
    yield
    with app.app_context():
        assert check.problems() == []


@pytest.fixture
def gateway():
    """A local server speaking Zarinpal's and Zibal's APIs (tests.fakes.payment_gateway)."""
    with PaymentGateway() as server:
        yield server
