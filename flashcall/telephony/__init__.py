"""Telephony: gateway drivers (`drivers/`: the simulator; SIP and AMI to come), which gateway
serves a service (`routing`), and waking dispatchers when calls are queued (`wakeup`).
It knows nothing of the call state machine: the dispatcher applies what drivers report."""
