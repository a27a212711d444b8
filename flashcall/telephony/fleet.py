"""The running drivers of one worker process: one per gateway, started when first needed (or by
`sync`, so every active gateway's health is watched), replaced when an operator edits the gateway
(the old one finishes its calls first), stopped with the worker."""
import logging

from sqlalchemy import bindparam, select

from ..db import db
from ..models import Gateway
from .drivers import driver_class
from .gateways import config_of

log = logging.getLogger("flashcall.dispatcher")
VERSION = select(Gateway.version).where(Gateway.id == bindparam("gateway_id"))


class Fleet:
    def __init__(self, settings, report):
        self.settings = settings
        self.report = report  # thread-safe: drivers call it from their own threads
        self._running = {}  # gateway id -> (key, driver)
        self._retired = []  # replaced drivers still finishing calls

    def driver(self, gateway_id):
        """The running driver for that gateway, started (or replaced) if needed. Reads the row's version,
        and the whole row (its secret opened, its options parsed) only when the version is not the running
        driver's: every edit of a gateway bumps it."""
        current = self._running.get(gateway_id)
        if current is not None and gateway_id is not None:
            found = db.session.execute(VERSION, {"gateway_id": gateway_id}).first()
            if found is not None and current[0] == (gateway_id, found.version):
                return current[1]
        row = db.session.get(Gateway, gateway_id) if gateway_id is not None else None
        return self._ensure(gateway_id, config_of(row, self.settings))

    def _ensure(self, gateway_id, config):
        current = self._running.get(gateway_id)
        if current is not None and current[0] == config.key:
            return current[1]
        if current is not None:
            self._retired.append(current[1])
        driver = driver_class(config.kind)(config, self.settings, self.report)
        driver.start()
        self._running[gateway_id] = (config.key, driver)
        log.debug("gateway %s: %s driver started", gateway_id, config.kind)
        return driver

    def sync(self, busy=()):
        """Drivers for every active gateway; stop those of removed or disabled gateways and
        replaced ones, unless a call in flight (`busy`: drivers in use) still needs them."""
        rows = db.session.scalars(select(Gateway).where(Gateway.active.is_(True), Gateway.deleted_at.is_(None)))
        wanted = set()
        for row in rows:
            wanted.add(row.id)
            try:
                self._ensure(row.id, config_of(row, self.settings))
            except Exception:  # one broken gateway never keeps the others from running
                log.exception("gateway %s: its driver could not start", row.id)
        for gateway_id in [g for g in self._running if g not in wanted]:
            self._retired.append(self._running.pop(gateway_id)[1])
        busy = set(map(id, busy))
        for driver in [d for d in self._retired if id(d) not in busy]:
            self._retired.remove(driver)
            driver.stop()

    def health(self):
        """{gateway id: events.Health} of the running drivers."""
        return {gateway_id: driver.health() for gateway_id, (_key, driver) in self._running.items()
                if gateway_id is not None}

    def stop(self):
        for driver in [d for _k, d in self._running.values()] + self._retired:
            try:
                driver.stop()
            except Exception:
                log.exception("a driver did not stop cleanly")
        self._running.clear()
        self._retired.clear()

    def record_health(self, now):
        """Write each running gateway's health to its row where it changed. Does not commit."""
        health = self.health()
        if not health:
            return
        for row in db.session.scalars(select(Gateway).where(Gateway.id.in_(list(health)))):
            seen = health[row.id]
            if seen.up is not None and row.health != ("up" if seen.up else "down"):
                row.health, row.health_since = ("up" if seen.up else "down"), now
                log.log(logging.INFO if seen.up else logging.WARNING, "gateway %s is %s%s", row.id, row.health,
                        f": {seen.error}" if seen.error and not seen.up else "")
            if seen.error and seen.error[:300] != row.last_error:
                row.last_error, row.last_error_at = seen.error[:300], now
