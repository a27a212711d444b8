"""SQLAlchemy models, one module per aggregate."""
from .account import Account, LoginFailure, User
from .call import Call, CallEvent
from .gateway import Gateway, NumberBlock, SimInboxEntry
from .idempotency import IdempotencyRecord
from .ledger import LedgerEntry, Payment
from .service import AccessKey, Service
from .tally import CallTally, TalliedDay
from .webhook import WebhookDelivery

__all__ = [
    "Account", "User", "LoginFailure", "Service", "AccessKey", "Call", "CallEvent",
    "Gateway", "NumberBlock", "SimInboxEntry", "IdempotencyRecord",
    "LedgerEntry", "Payment", "WebhookDelivery", "CallTally", "TalliedDay",
]
