"""Secrets at rest (a gateway's SIP password or AMI secret, a service's webhook signing secret, a
user's two-factor secret): sealed with Fernet under the installation's key, which reaches the
domain as an argument (Settings.secrets_key)."""
from cryptography.fernet import Fernet, InvalidToken


class SealError(ValueError):
    """A sealed value that this key cannot open (another installation's key, or damaged)."""


def new_key():
    """A fresh key, as FLASHCALL_SECRETS_KEY or instance/secrets_key hold it."""
    return Fernet.generate_key().decode()


def seal(key, text):
    return Fernet(key).encrypt(text.encode()).decode()


def unseal(key, token):
    try:
        return Fernet(key).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as error:
        raise SealError("the sealed secret cannot be opened with this key") from error


def opened(key, token):
    """The plain text of a sealed value, or None when there is none or this key cannot open it."""
    if not token:
        return None
    try:
        return unseal(key, token)
    except SealError:
        return None
