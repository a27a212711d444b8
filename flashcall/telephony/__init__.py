"""Telephony: gateways (the simulator; SIP and AMI later) and the durable dispatcher."""
