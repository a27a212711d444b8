"""Billing: stored balances in integer Rial with an append-only ledger, call reservations and
charges, top-ups (online through Zarinpal or Zibal, or approved by an operator), operators' money
actions, and the invariant check. No Flask requests here."""
from .balances import HOLDING, UNIT, balance, credit, hold, holding_params, settle
from .errors import BillingError, InsufficientCredit

__all__ = ["HOLDING", "UNIT", "balance", "credit", "hold", "holding_params", "settle", "BillingError", "InsufficientCredit"]
