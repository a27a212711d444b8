"""Online payment providers behind one small interface (request, start URL, callback, verify), and
the registry from a provider's name to its class."""
from .base import Outcome, ProviderError
from .zarinpal import Zarinpal
from .zibal import Zibal

PROVIDERS = {Zarinpal.name: Zarinpal, Zibal.name: Zibal}

__all__ = ["Outcome", "ProviderError", "PROVIDERS", "provider_for", "configured"]


def provider_for(name, settings):
    """The provider `name` configured from `settings`, or None when it has no merchant id."""
    provider_class = PROVIDERS.get(name)
    if provider_class is None:
        return None
    return provider_class.from_settings(settings)


def configured(settings):
    """Names of the providers this server has merchant ids for."""
    return [name for name, cls in PROVIDERS.items() if cls.from_settings(settings) is not None]
