"""`billing` commands: adjustments, limits, prices, the invariant check and payment reconciliation."""
import click
from flask import current_app
from flask.cli import AppGroup

from ..billing import BillingError, admin, check, payments
from ..db import db
from ..models import Account, Service
from ..settings import Settings

billing_cli = AppGroup("billing", help="Credit, limits, prices and top-ups (amounts in Rial).")


def _fail(message):
    db.session.rollback()
    raise click.ClickException(message)


def _get(model, ident, what):
    row = db.session.get(model, ident)
    if row is None:
        _fail(f"no {what} with id {ident}")
    return row


def _done(action):
    try:
        result = action()
    except BillingError as error:
        _fail(error.code.replace("_", " "))
    db.session.commit()
    return result


@billing_cli.command("adjust")
@click.option("--service", "service_id", required=True, type=int)
@click.option("--amount", required=True, type=int, help="Signed Rial: negative debits the service.")
@click.option("--reason", required=True)
def adjust(service_id, amount, reason):
    """A signed credit or debit with its reason; prints the service's credit after it."""
    service = _get(Service, service_id, "service")
    entry = _done(lambda: admin.adjust(service, amount, reason, via="cli"))
    click.echo(entry["balance_after"])


@billing_cli.command("set-limit")
@click.option("--account", "account_id", required=True, type=int)
@click.option("--limit", required=True, type=int, help="The lowest total allowed: zero or negative Rial.")
def set_limit(account_id, limit):
    """The account's negative limit (postpaid credit)."""
    _done(lambda: admin.set_limit(_get(Account, account_id, "account"), limit, via="cli"))
    click.echo(f"account {account_id}: limit {limit}")


@billing_cli.command("set-price")
@click.option("--service", "service_id", required=True, type=int)
@click.option("--price", required=True, type=int, help="Rial per delivered call.")
def set_price(service_id, price):
    """The service's price per delivered call, from now on."""
    _done(lambda: admin.set_price(_get(Service, service_id, "service"), price, via="cli"))
    click.echo(f"service {service_id}: price {price}")


@billing_cli.command("check")
def check_command():
    """Verify every money invariant; exit 1 and list what is wrong."""
    found = check.problems()
    if found:
        for problem in found:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo("ok: every balance equals its ledger")


@billing_cli.command("reconcile")
def reconcile():
    """Verify again the online payments whose callback never came; prints how many became paid."""
    click.echo(payments.reconcile(Settings.from_config(current_app.config)))


COMMANDS = (billing_cli,)
