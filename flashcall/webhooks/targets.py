"""Where webhooks may go. Loopback, private, link-local (cloud metadata), multicast and reserved
addresses are refused for every address a name resolves to, at the moment the connection is
opened (ssrfguard resolves once, checks every answer and connects to a checked address), so DNS
rebinding and redirects cannot reach them. FLASHCALL_WEBHOOK_ALLOW_PRIVATE=1 lets loopback and
private LAN ranges through for self-hosters whose backend is on their own network; link-local and
the metadata addresses stay refused even then."""
from functools import lru_cache
from urllib.parse import urlsplit

from ssrfguard import BlockedAddressError, BlockedURLError, Policy, resolve
from ssrfguard.requests import Session

from ..translation import lazy as _l

# Let through only with allow_private: loopback, RFC 1918, unique-local IPv6, carrier-grade NAT.
PRIVATE_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "fc00::/7", "100.64.0.0/10")
# A receiver may listen on any port; the addresses, not the ports, are what keeps internal services out.
ANY_PORT = frozenset(range(1, 65536))
REFUSED_MESSAGE = _l("Webhooks cannot be sent to this address: it points to a local, private or reserved "
                     "network. Use your receiver's public address.")


class TargetRefused(ValueError):
    """A webhook URL the policy refuses; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__("webhook target refused")
        self.message = message  # lazy text: read it within a request


@lru_cache(maxsize=2)
def policy(allow_private=False):
    return Policy(allowed_ports=ANY_PORT, allowed_networks=PRIVATE_NETWORKS if allow_private else ())


def session(allow_private=False):
    """A requests session that connects only to addresses the policy permits (no proxies: a proxy
    would resolve the name itself, beyond the check)."""
    http = Session(policy=policy(allow_private))
    http.trust_env = False
    return http


def check(url, allow_private=False):
    """Raises TargetRefused if `url` is refused now: its form (scheme, credentials, a literal
    address) or the addresses its name resolves to. A name that does not resolve yet is let
    through; the check at connect time still applies to every delivery."""
    try:
        parts = urlsplit(url)
        credentials = parts.username is not None or parts.password is not None
    except ValueError:
        raise TargetRefused(REFUSED_MESSAGE) from None
    if credentials:
        raise TargetRefused(_l("The address must not contain a user name or password."))
    rules = policy(allow_private)
    try:
        resolve(rules.check_url(url), policy=rules)
    except (BlockedURLError, BlockedAddressError):
        raise TargetRefused(REFUSED_MESSAGE) from None
    except (OSError, UnicodeError, ValueError):  # not resolvable now: checked again at every delivery
        return

