"""Flashcall: flash-call phone verification with a Persian dashboard.

Importing this package loads nothing: the app factory is `flashcall.factory.create_app`,
the domain lives in `accounts`, `verification`, `billing`, `telephony`, `webhooks`,
`dispatch` (with `models` and `db` beneath them), and the faces in `web`, `api`, `compat`, `cli`.
"""
