"""`flask --app app dispatcher` (the worker loop) and `flask --app app sim inbox PHONE`."""
import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .. import worker
from ..dispatch.dispatcher import default_worker_id
from ..settings import Settings
from ..telephony.drivers import simulator
from ..verification import VerificationError
from ..verification.phones import normalise

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


COMMANDS = (dispatcher_command, sim_cli)
