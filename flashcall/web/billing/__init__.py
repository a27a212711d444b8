"""«شارژ و اعتبار»: balances, online and manual top-ups, receipts, the ledger and its download, the
low-credit banner on every page, and the operators' money page (approvals, limits, prices, adjustments)."""
from flask import Blueprint

bp = Blueprint("billing", __name__)

from . import banner, operator, routes  # noqa: E402,F401
