"""The verification engine: limits, code choice and the call state machine (no Flask requests)."""
from .calls import (cancel_call, find_call, retry_call, start_call, verify_call, verify_owned, verify_phone,
                    was_retried)
from .errors import VerificationError

__all__ = ["start_call", "find_call", "verify_call", "verify_owned", "verify_phone", "retry_call", "was_retried", "cancel_call",
           "VerificationError"]
