"""Why an accounts operation was refused."""


class ProvisioningError(ValueError):
    """A value outside what the product accepts; str() is the (English) reason."""


class LastOwnerError(ProvisioningError):
    """The change would leave the account with no active owner."""


class DuplicateNameError(ProvisioningError):
    """The name is already taken where it must be unique (a service in its account, a live key in its service)."""
