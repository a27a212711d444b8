"""`flask --app app dispatcher` and `flask --app app sim inbox PHONE`."""
import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..verification import VerificationError
from ..verification.phones import normalise
from . import dispatcher, simulator

sim_cli = AppGroup("sim", help="The simulator gateway's virtual phones.")


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
    if once:
        dispatcher.run_once(worker_id=worker_id or dispatcher.default_worker_id())
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    dispatcher.run(app, worker_id, stop)


@sim_cli.command("inbox")
@click.argument("phone")
@click.option("--limit", default=50, show_default=True)
def sim_inbox(phone, limit):
    """The calls a virtual phone received, newest first: caller number and time (UTC)."""
    try:
        e164 = normalise(phone)
    except VerificationError:
        raise click.ClickException(f"not a valid phone number: {phone}")
    entries = simulator.inbox(e164, limit)
    if not entries:
        click.echo(f"no calls to {e164}", err=True)
    for entry in entries:
        click.echo(f"{entry.caller_number}\t{entry.at.isoformat(timespec='seconds')}Z")


def register(app):
    app.cli.add_command(dispatcher_command)
    app.cli.add_command(sim_cli)
