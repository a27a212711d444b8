"""Why an accounts operation was refused."""


class ProvisioningError(ValueError):
    """A value outside what the product accepts; str() is the (English) reason."""


class LastOwnerError(ProvisioningError):
    """The change would leave the account with no active owner."""
