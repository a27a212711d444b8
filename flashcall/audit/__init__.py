"""The audit log: `record(...)` adds who did what, when and from where, in the caller's transaction
(so an entry exists exactly when its change does); `entries(...)` reads it, newest first."""
from .log import ACTIONS, entries, label, record, rows_for_export

__all__ = ["ACTIONS", "entries", "label", "record", "rows_for_export"]
