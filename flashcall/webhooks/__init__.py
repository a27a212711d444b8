"""Signed webhook events: the outbox (written with the call's transition), signing, and the sender
(run by the worker). The dashboard's fragment for them is `flashcall.web.webhooks`."""
