"""`admin`, `account`, `user`, `service` and `key` commands: accounts, services and keys from scripts."""
import os
import secrets

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select

from .. import accounts, audit
from ..accounts import credentials
from ..billing import admin as billing_admin
from ..db import db
from ..models import Account, Service, User
from ..telephony.routing import ensure_default_gateway

admin_cli = AppGroup("admin", help="Operator accounts.")
service_cli = AppGroup("service", help="Services.")
key_cli = AppGroup("key", help="Access keys.")
account_cli = AppGroup("account", help="Accounts.")
user_cli = AppGroup("user", help="Users.")


def _fail(message):
    db.session.rollback()
    raise click.ClickException(message)


@admin_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--account-name", default=None, help="Defaults to the email's domain.")
def admin_create(email, password, account_name):
    """Create an operator who owns a new account."""
    try:
        user = accounts.create_account(account_name or email.split("@")[-1], email, password, operator=True)
        ensure_default_gateway()
    except accounts.ProvisioningError as exc:
        _fail(str(exc))
    audit.record("account.created", account_id=user.account_id, target=user.account.name, owner=user.email,
                 operator=True, by="cli")
    db.session.commit()
    click.echo(f"created operator {user.email} (account {user.account_id})")


@admin_cli.command("ensure")
def admin_ensure():
    """Create the first operator from FLASHCALL_ADMIN_EMAIL/PASSWORD if there is no user yet."""
    ensure_default_gateway()
    if db.session.scalar(select(User.id).limit(1)) is not None:
        db.session.commit()
        return
    email = os.environ.get("FLASHCALL_ADMIN_EMAIL", "admin@localhost")
    password = os.environ.get("FLASHCALL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    try:
        accounts.create_account("Flashcall", email, password, operator=True)
    except accounts.ProvisioningError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"First operator: {email}")
    if not os.environ.get("FLASHCALL_ADMIN_PASSWORD"):
        click.echo(f"Generated password (shown once): {password}")


@account_cli.command("create")
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
@click.option("--password", required=True)
def account_create(name, owner_email, password):
    """Create a customer account and its owner (not a platform operator)."""
    try:
        user = accounts.create_account(name, owner_email, password, operator=False)
    except accounts.ProvisioningError as exc:
        _fail(str(exc))
    audit.record("account.created", account_id=user.account_id, target=name, owner=user.email, by="cli")
    db.session.commit()
    click.echo(f"created account {user.account_id} ({name}) owned by {user.email}")


@user_cli.command("reset-link")
@click.option("--email", required=True)
def user_reset_link(email):
    """Print a one-time password-reset link for the user (FLASHCALL_BASE_URL gives its host)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _fail(f"no user with email {email}")
    token = credentials.issue_reset(user, current_app.config["PASSWORD_RESET_HOURS"])
    audit.record("auth.password_reset_issued", account_id=user.account_id, target=user.email, by="cli")
    db.session.commit()
    base = current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base):
        click.echo(url_for("auth.reset", token=token, _external=True))


@account_cli.command("list")
def account_list():
    """One line per account: id, name, users, services, owner emails."""
    for account in db.session.scalars(select(Account).order_by(Account.id)):
        owners = ",".join(u.email for u in account.users if u.role == "owner")
        click.echo(f"{account.id}\t{account.name}\tusers={len(account.users)}\t"
                   f"services={len(account.services)}\t{owners}")


@service_cli.command("create")
@click.option("--account-email", required=True, help="Email of a user of the owning account.")
@click.option("--name", required=True)
@click.option("--code-length", type=int)
@click.option("--code-lifetime", "code_lifetime_minutes", type=int, help="Minutes.")
@click.option("--max-attempts", type=int)
@click.option("--min-interval", "min_interval_seconds", type=int, help="Seconds.")
@click.option("--daily-limit", type=int)
@click.option("--countries", "allowed_countries", help="Comma-separated, e.g. IR,AF.")
@click.option("--mobile-only/--any-line", default=None)
@click.option("--price", "price_per_call", type=int, help="Rial per delivered call.")
def service_create(account_email, name, **fields):
    """Create a service; prints its id."""
    user = db.session.scalar(select(User).where(User.email == account_email.strip().lower()))
    if user is None:
        _fail(f"no user with email {account_email}")
    fields = {k: v for k, v in fields.items() if v is not None}
    fields.setdefault("price_per_call", billing_admin.default_price())
    if fields["price_per_call"] < 0:
        _fail("the price cannot be negative")
    try:
        service = accounts.create_service(user.account, name, secrets_key=current_app.config["SECRETS_KEY"], **fields)
    except accounts.ProvisioningError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(service.id)


@key_cli.command("create")
@click.option("--service", "service_id", required=True, type=int)
@click.option("--label", required=True)
def key_create(service_id, label):
    """Create an access key; prints PUBLICID.SECRET (shown only this once)."""
    service = db.session.get(Service, service_id)
    if service is None:
        _fail(f"no service with id {service_id}")
    try:
        _key, token = accounts.create_key(service, label)
    except accounts.ProvisioningError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(token)


GROUPS = (admin_cli, service_cli, key_cli, account_cli, user_cli)
