"""Running the worker from tests with the test app's settings (read when called, so a test that
changes app.config first sees its change)."""
from flask import current_app

from flashcall import accounts, worker
from flashcall.settings import Settings
from flashcall.webhooks import sender


def settings():
    return Settings.from_config(current_app.config)


def run_once(now=None, worker_id="run-once"):
    return worker.run_once(now=now, worker_id=worker_id, settings=settings())


def run(app, worker_id=None, stop=None):
    return worker.run(app, worker_id, stop, Settings.from_config(app.config))


def deliver_due(**options):
    """One webhook-sending pass with the app's secrets key (the services' secrets are sealed)."""
    return sender.deliver_due(secrets_key=settings().secrets_key, **options)


def webhook_secret(service):
    """A service's signing secret in plain text, as its receiver knows it."""
    return accounts.webhook_secret(service, settings().secrets_key)
