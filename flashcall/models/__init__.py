"""SQLAlchemy models, one module per aggregate."""
from .account import Account, LoginThrottle, PasswordReset, User
from .audit import AuditEntry
from .call import Call, CallEvent
from .gateway import Gateway, NumberBlock, SimInboxEntry
from .idempotency import IdempotencyRecord
from .ledger import LedgerEntry, Payment, PlatformSetting
from .service import AccessKey, Service
from .tally import CallTally, TalliedDay
from .webhook import WebhookDelivery

__all__ = [
    "Account", "User", "LoginThrottle", "PasswordReset", "AuditEntry", "Service", "AccessKey", "Call", "CallEvent",
    "Gateway", "NumberBlock", "SimInboxEntry", "IdempotencyRecord",
    "LedgerEntry", "Payment", "PlatformSetting", "WebhookDelivery", "CallTally", "TalliedDay",
]
