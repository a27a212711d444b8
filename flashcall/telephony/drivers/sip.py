"""SIP trunk driver (placeholder while written)."""
class SipDriver:
    kind = "sip"
