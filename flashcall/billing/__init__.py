"""Billing: the Rial ledger, balances, credit checks and per-call charges (no Flask requests)."""
from .ledger import UNIT, InsufficientCredit, balance, charge, check_credit

__all__ = ["UNIT", "InsufficientCredit", "balance", "charge", "check_credit"]
