"""`flask --app app dispatcher` (the worker loop), `gateway create|list|test`, `service set-gateway`
and `sim inbox PHONE`."""
import logging
import signal
import threading

import click
from flask import current_app
from flask_babel import force_locale
from flask.cli import AppGroup, with_appcontext

from .. import worker
from ..db import db
from ..dispatch.dispatcher import default_worker_id
from ..models import Gateway, Service
from ..settings import Settings
from ..telephony import gateways
from ..telephony.drivers import simulator
from ..telephony.numbers import PATTERN
from ..verification import VerificationError
from ..verification.phones import normalise
from .accounts import service_cli

sim_cli = AppGroup("sim", help="The simulator gateway's virtual phones.")
gateway_cli = AppGroup("gateway", help="Telephony gateways: simulator, SIP trunk, Asterisk AMI.")


def _settings():
    return Settings.from_config(current_app.config)


def _fail(message):
    db.session.rollback()
    raise click.ClickException(str(message))


def _setup_error(error):
    """A GatewaySetupError for scripts: its field and its message in English."""
    with force_locale("en"):
        _fail(f"{error.field}: {error.message}")


def _blocks(text):
    """--numbers: comma-separated patterns (+98219100XXXX) and numbers; the numbers form one list block."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    patterns = [item for item in items if PATTERN.fullmatch(item)]
    numbers = [item for item in items if item not in patterns]
    return patterns + ([" ".join(numbers)] if numbers else [])


@gateway_cli.command("create")
@click.option("--kind", type=click.Choice(["sip", "ami", "simulator"]), required=True)
@click.option("--name", required=True)
@click.option("--host")
@click.option("--port", type=int)
@click.option("--transport", type=click.Choice(["udp", "tcp"]), default="udp", show_default=True)
@click.option("--username", help="SIP digest user, or the AMI user.")
@click.option("--password", "secret", help="SIP digest password, or the AMI secret (stored encrypted).")
@click.option("--from-domain")
@click.option("--channel", help="SIP: Request-URI user, e.g. {phone}; AMI: e.g. PJSIP/{phone}@trunk.")
@click.option("--context", help="AMI: context,exten,priority instead of Application Hangup.")
@click.option("--ring-seconds", type=int)
@click.option("--max-concurrent", type=int)
@click.option("--numbers", required=True, help="Caller-number blocks: +98219100XXXX[,+982191001234,…]")
def gateway_create(numbers, **values):
    """Create a gateway with its caller-number blocks; prints its id."""
    try:
        gateway = gateways.create_gateway(values, _settings(), blocks=_blocks(numbers))
    except gateways.GatewaySetupError as error:
        _setup_error(error)
    db.session.commit()
    click.echo(gateway.id)


@gateway_cli.command("list")
def gateway_list():
    """One line per gateway: id, kind, name, where, state, health, blocks."""
    for gateway in gateways.visible_gateways():
        where = f"{gateway.host}:{gateway.port}" if gateway.host else "-"
        if gateway.kind == "sip" and gateway.transport == "tcp":
            where += "/tcp"
        blocks = ",".join(b.pattern or b.numbers.replace("\n", ",") for b in gateway.blocks)
        state = "active" if gateway.active else "disabled"
        click.echo(f"{gateway.id}\t{gateway.kind}\t{gateway.name}\t{where}\t{state}\t"
                   f"{gateway.health or 'unknown'}{' default' if gateway.is_default else ''}\t{blocks}")


@gateway_cli.command("test")
@click.argument("gateway_id", type=int)
@click.option("--timeout", default=5.0, show_default=True)
def gateway_test(gateway_id, timeout):
    """Check a gateway (SIP OPTIONS, AMI Login + Ping); exit 0 when it answers."""
    gateway = db.session.get(Gateway, gateway_id)
    if gateway is None or gateway.deleted_at is not None:
        _fail(f"no gateway with id {gateway_id}")
    result = gateways.probe(gateway, _settings(), timeout)
    rtt = f" in {result.rtt_ms:g} ms" if result.rtt_ms is not None else ""
    if not result.ok:
        _fail(f"unreachable: {result.detail}")
    click.echo(f"reachable{rtt}: {result.detail}")


@service_cli.command("set-gateway")
@click.option("--service", "service_id", required=True, type=int)
@click.option("--gateway", "gateway_id", required=True, type=int)
@click.option("--fallback", "fallback_id", type=int, help="Used when the gateway is down or full.")
def service_set_gateway(service_id, gateway_id, fallback_id):
    """Route a service's calls to a gateway, with an optional fallback."""
    service = db.session.get(Service, service_id)
    if service is None:
        _fail(f"no service with id {service_id}")
    try:
        gateways.route_service(service, gateway_id, fallback_id)
    except gateways.GatewaySetupError as error:
        _setup_error(error)
    db.session.commit()
    click.echo(f"service {service.id} -> gateway {gateway_id}" + (f" (fallback {fallback_id})" if fallback_id else ""))


@click.command("dispatcher")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option("--worker-id", default=None, help="Name of this worker in call leases.")
@click.option("--verbose", "-v", is_flag=True, help="Log every call's progress, not only failures.")
@with_appcontext
def dispatcher_command(once, worker_id, verbose):
    """Run a dispatcher in the foreground (stops cleanly on SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if verbose:
        logging.getLogger("flashcall").setLevel(logging.DEBUG)
    settings = Settings.from_config(app.config)
    if once:
        worker.run_once(worker_id=worker_id or default_worker_id(), settings=settings)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.run(app, worker_id, stop, settings)


@sim_cli.command("inbox")
@click.argument("phone")
@click.option("--limit", default=50, show_default=True)
def sim_inbox(phone, limit):
    """The calls a virtual phone received, newest first: caller number and time (UTC)."""
    try:
        e164 = normalise(phone)
    except VerificationError:
        raise click.ClickException(f"not a valid phone number: {phone}")
    rows = simulator.inbox(e164, limit=limit)
    if not rows:
        click.echo(f"no calls to {e164}", err=True)
    for entry, _service in rows:
        click.echo(f"{entry.caller_number}\t{entry.at.isoformat(timespec='seconds')}Z")


COMMANDS = (dispatcher_command, sim_cli, gateway_cli)
