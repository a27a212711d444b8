"""The worker process loop: dispatching calls (the drivers' threads started and stopped with it),
call upkeep (lease recovery, expiry), lease renewal and gateway health, and — in a thread of its
own, as they wait on other servers — webhook sending and payment reconciliation.
`flask --app app dispatcher` runs it; more periodic jobs join `JOBS` (or `NETWORK_JOBS`)."""
import logging
import threading
import time
from datetime import timedelta

from .billing import payments
from .clock import utcnow
from .db import db
from .dispatch import maintenance, retention
from .dispatch.dispatcher import BATCH, Dispatcher
from .settings import Settings
from .telephony.wakeup import FALLBACK_POLL_SECONDS, Wakeup
from .webhooks import sender

log = logging.getLogger("flashcall.dispatcher")

# Periodic jobs of the main loop: (name, every so many seconds, job(now, settings)).
JOBS = [
    ("maintenance", lambda settings: 1.0, lambda now, settings: maintenance.maintain(now)),
    ("retention", lambda settings: 60.0,
     lambda now, settings: retention.purge_expired(now, timedelta(days=settings.webhook_retention_days))),
]
# Jobs that wait on other servers, run beside webhook sending so they never delay a dial.
NETWORK_JOBS = [
    ("payment reconciliation", lambda settings: settings.payment_reconcile_seconds,
     lambda now, settings: payments.reconcile(settings, now)),
]
GATEWAY_WATCH_SECONDS = 2.0
FINISH_SECONDS = 60.0  # run_once: how long it waits for the calls it placed to end
DRAIN_SECONDS = 30.0  # graceful stop: how long in-flight calls may take to end


def deliver_webhooks(settings, now=None):
    return sender.deliver_due(now=now, timeout=settings.webhook_timeout_seconds,
                              allow_private=settings.webhook_allow_private, secrets_key=settings.secrets_key)


def run_once(now=None, worker_id="run-once", settings=None):
    """One synchronous pass for tests and `--once`: upkeep, claim, dial and wait for the calls
    to end, send webhooks. Needs an app context (the database session)."""
    settings = settings or Settings()
    now = now or utcnow()
    dispatcher = Dispatcher(worker_id, settings)
    try:
        maintenance.maintain(now)
        while dispatcher.claim(now):
            if not dispatcher.finish(FINISH_SECONDS):
                log.warning("run-once: %d calls did not end in time", dispatcher.pending)
                break
        deliver_webhooks(settings)
    finally:
        dispatcher.close()
    return dispatcher


class Schedule:
    """When each periodic job last ran; runs those that are due, each on its own (one failing
    job never keeps the others, nor the dispatching, from running)."""

    def __init__(self, jobs):
        self.jobs = jobs
        self.last = {name: 0.0 for name, _every, _job in jobs}

    def run_due(self, settings):
        for name, every, job in self.jobs:
            if time.monotonic() - self.last[name] >= every(settings):
                self.last[name] = time.monotonic()
                try:
                    job(utcnow(), settings)
                except Exception:  # one failing job never stops the others
                    log.exception("%s failed", name)
                    db.session.rollback()


def dispatcher_jobs(dispatcher):
    """The jobs a running dispatcher adds: renewing its leases (three times per lease) and its gateways."""
    return [
        ("leases", lambda settings: settings.dispatch_lease_seconds / 3, lambda now, _s: dispatcher.renew(now)),
        ("gateways", lambda settings: GATEWAY_WATCH_SECONDS, lambda now, _s: dispatcher.watch_gateways(now)),
    ]


def _network_loop(app, settings, stop):
    schedule = Schedule(NETWORK_JOBS)
    with app.app_context():
        while not stop.is_set():
            try:
                deliver_webhooks(settings)
            except Exception:
                log.exception("webhook delivery pass failed")
                db.session.rollback()
            schedule.run_due(settings)
            stop.wait(max(settings.dispatch_poll_seconds, 0.5))


def run(app, worker_id=None, stop=None, settings=None):
    """Run until `stop` is set (SIGTERM): dial as soon as calls are queued, apply what the gateways
    report as soon as they report it, then finish in-flight calls. Webhooks are sent from a thread
    of their own, so a slow receiver never delays a dial."""
    stop = stop or threading.Event()
    settings = settings or Settings()
    webhooks = threading.Thread(target=_network_loop, args=(app, settings, stop), daemon=True, name="network")
    webhooks.start()
    with app.app_context():
        wake = Wakeup(db.engine, stop, settings.dispatch_gather_seconds)
        dispatcher = Dispatcher(worker_id, settings, poke=wake.poke)
        schedule = Schedule(dispatcher_jobs(dispatcher) + JOBS)
        log.info("dispatcher %s started", dispatcher.worker_id)
        try:
            while not stop.is_set():
                try:
                    schedule.run_due(settings)
                    room = settings.dispatch_max_inflight - dispatcher.pending
                    if room > 0:
                        dispatcher.claim(utcnow(), min(room, BATCH))
                    dispatcher.apply_events()
                except Exception:  # the database may be briefly away; try again next round
                    log.exception("dispatcher pass failed")
                    db.session.rollback()
                    stop.wait(1.0)
                db.session.close()  # on SQLite an open transaction would hold the write lock
                wake.wait(FALLBACK_POLL_SECONDS, settings.dispatch_poll_seconds)
            _drain(dispatcher, schedule, settings)
        finally:
            dispatcher.close()
            db.session.close()
        log.info("dispatcher %s stopped", dispatcher.worker_id)
    webhooks.join(timeout=5)


def _drain(dispatcher, schedule, settings):
    """Graceful stop: let in-flight calls end (leases still renewed), at most DRAIN_SECONDS."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while dispatcher.pending and time.monotonic() < deadline:
        try:
            schedule.run_due(settings)
            dispatcher.apply_events(wait=0.05)
        except Exception:
            log.exception("dispatcher pass failed while stopping")
            db.session.rollback()
            time.sleep(0.5)
        db.session.close()
