"""The domain's settings as a plain object: built from the app's configuration by the factory and
handed to the dispatcher, drivers and sender as an argument (the domain never reads current_app)."""
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Settings:
    sim_ring_delay: float = 1.0  # simulator: seconds before the virtual phone rings
    sim_ring_seconds: float = 2.0  # simulator: seconds it rings
    dispatch_poll_seconds: float = 0.05
    dispatch_lease_seconds: float = 6.0
    dispatch_gather_seconds: float = 0.03
    dispatch_max_inflight: int = 1000
    gateway_cache_seconds: float = 2.0
    webhook_timeout_seconds: float = 5.0
    webhook_allow_private: bool = False  # webhooks may reach loopback and private LAN addresses
    zarinpal_merchant_id: str = ""  # no online top-up through Zarinpal without it
    zarinpal_base_url: str = "https://payment.zarinpal.com"
    zibal_merchant: str = ""
    zibal_base_url: str = "https://gateway.zibal.ir"
    payment_timeout_seconds: float = 15.0
    payment_reconcile_seconds: float = 300.0  # the worker re-verifies unfinished payments this often
    sip_address: str = ""  # the SIP driver's local address; empty: the one that reaches the trunk
    sip_port: int = 0  # its UDP port; 0: any free port
    secrets_key: str | None = field(default=None, repr=False)  # opens sealed secrets (gateways, webhooks, two-factor)
    webhook_retention_days: float = 30.0  # delivered or failed webhook deliveries are kept this long

    @classmethod
    def from_config(cls, config):
        """Each field from the config key of the same name in upper case, where present."""
        values = {}
        for each in fields(cls):
            key = each.name.upper()
            if config.get(key) is not None:
                values[each.name] = each.type(config[key]) if callable(each.type) else config[key]
        return cls(**values)
