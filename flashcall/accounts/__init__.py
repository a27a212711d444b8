"""Accounts: organisations and their users with roles, services and their settings, access keys
(issue, authenticate, revoke)."""
from .errors import DuplicateNameError, LastOwnerError, ProvisioningError
from .keys import authenticate_key, authenticate_token, create_key, revoke_key
from .services import (SERVICE_EDITABLE, SERVICE_LIMITS, create_service, new_webhook_secret,
                       normalise_countries, service_name_taken, set_service_status, update_service,
                       webhook_secret)
from .users import change_role, create_account, create_user, set_user_active

__all__ = [
    "DuplicateNameError", "LastOwnerError", "ProvisioningError", "authenticate_key", "authenticate_token", "create_key",
    "revoke_key", "SERVICE_EDITABLE", "SERVICE_LIMITS", "create_service", "new_webhook_secret",
    "normalise_countries", "service_name_taken", "set_service_status", "update_service", "webhook_secret",
    "change_role", "create_account", "create_user", "set_user_active",
]
