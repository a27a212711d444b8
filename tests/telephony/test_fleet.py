"""A worker's fleet of drivers: one per active gateway, replaced on edit, stopped when the gateway goes
(never under a call still in flight), and each gateway's health written where operators see it."""
from datetime import datetime, timedelta

import pytest

from flashcall.db import db
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Gateway
from flashcall.telephony import fleet as fleet_module
from flashcall.telephony.drivers import simulator
from flashcall.telephony.events import Health, Probe
from flashcall.telephony.fleet import Fleet
from flashcall.telephony.gateways import SIMULATOR
from tests.worker import settings

NOW = datetime(2026, 11, 1, 9, 0, 0)


class FakeDriver:
    """Records what the fleet does with it; its health is whatever the test sets."""
    made = []

    def __init__(self, gateway, settings, report):
        self.gateway, self.report = gateway, report
        self.started = self.stopped = False
        self.state = Health(None)
        FakeDriver.made.append(self)

    def start(self):
        if self.gateway.name == "broken":
            raise RuntimeError("cannot start")
        self.started = True

    def stop(self):
        self.stopped = True

    def health(self):
        return self.state


@pytest.fixture
def drivers(app, monkeypatch):
    FakeDriver.made = []
    monkeypatch.setattr(fleet_module, "driver_class", lambda kind: FakeDriver)
    with app.app_context():
        db.session.query(Gateway).update({"active": False})  # the default simulator row the app starts with
        db.session.commit()
        yield FakeDriver


def _gateway(name="trunk", **columns):
    row = Gateway(name=name, kind="sip", host="127.0.0.1", port=5060, **columns)
    db.session.add(row)
    db.session.commit()
    return row


def _fleet():
    return Fleet(settings(), report=lambda event: None)


def test_sync_starts_one_driver_per_active_gateway_and_skips_disabled_and_deleted(drivers):
    first, second = _gateway("one"), _gateway("two")
    _gateway("off", active=False)
    _gateway("gone", deleted_at=NOW)
    fleet = _fleet()
    fleet.sync()
    assert sorted(d.gateway.name for d in drivers.made) == ["one", "two"]
    assert all(d.started and not d.stopped for d in drivers.made)
    assert fleet.driver(first.id).gateway.name == "one"
    fleet.sync()  # nothing changed: the same drivers keep running
    assert len(drivers.made) == 2
    assert fleet.driver(second.id).gateway.name == "two"


def test_a_broken_gateway_never_keeps_the_others_from_running(drivers):
    _gateway("broken")
    good = _gateway("good")
    fleet = _fleet()
    fleet.sync()
    assert fleet.driver(good.id).started
    assert list(fleet.health()) == [good.id]


def test_a_disabled_gateways_driver_stops_but_not_under_a_call_in_flight(drivers):
    row = _gateway()
    fleet = _fleet()
    fleet.sync()
    running = fleet.driver(row.id)
    row.active = False
    db.session.commit()
    fleet.sync(busy=[running])
    assert not running.stopped  # a call still rings on it
    assert fleet.health() == {}
    fleet.sync(busy=[])
    assert running.stopped


def _edited(fleet, row):
    """(the driver before, the driver after) an operator's edit of the gateway."""
    old = fleet.driver(row.id)
    row.version += 1
    db.session.commit()
    return old, fleet.driver(row.id)


def test_an_edited_gateway_gets_a_new_driver_and_the_old_one_finishes_first(drivers):
    fleet = _fleet()
    old, new = _edited(fleet, _gateway())
    assert new is not old and new.started
    fleet.sync(busy=[old])
    assert not old.stopped
    fleet.sync()
    assert old.stopped and not new.stopped


def test_an_unchanged_gateway_keeps_its_driver_and_its_row_is_not_opened_again(drivers, monkeypatch):
    fleet, row = _fleet(), _gateway()
    first = fleet.driver(row.id)
    opened = []
    monkeypatch.setattr(fleet_module, "config_of", lambda *args: opened.append(args) or SIMULATOR)
    assert fleet.driver(row.id) is first and fleet.driver(row.id) is first
    assert opened == []  # only the version was read: no secret opened, no options parsed
    assert len(drivers.made) == 1


def test_a_gateway_gone_from_the_table_gets_the_default_simulator(drivers):
    fleet, row = _fleet(), _gateway()
    first = fleet.driver(row.id)
    db.session.delete(row)
    db.session.commit()
    after = fleet.driver(row.id)
    assert after is not first and after.gateway == SIMULATOR


def test_stop_stops_running_and_retired_drivers_even_when_one_fails(drivers):
    fleet = _fleet()
    old, new = _edited(fleet, _gateway())

    def refuse():
        raise RuntimeError("stuck")
    old.stop = refuse
    fleet.stop()
    assert new.stopped
    assert fleet.health() == {}


def test_health_leaves_out_the_default_simulator(drivers):
    row = _gateway()
    fleet = _fleet()
    assert fleet.driver(None).gateway == SIMULATOR
    fleet.driver(row.id)
    assert list(fleet.health()) == [row.id]


def test_record_health_writes_changes_with_their_moment_and_the_last_error(drivers):
    row = _gateway()
    fleet = _fleet()
    driver = fleet.driver(row.id)
    fleet.record_health(NOW)  # not known yet: nothing written
    assert (row.health, row.health_since, row.last_error) == (None, None, None)

    driver.state = Health(False, "SIP: no answer to OPTIONS within 4 s")
    fleet.record_health(NOW)
    db.session.commit()
    assert (row.health, row.health_since) == ("down", NOW)
    assert (row.last_error, row.last_error_at) == ("SIP: no answer to OPTIONS within 4 s", NOW)

    later = NOW + timedelta(minutes=1)
    fleet.record_health(later)  # the same state: its moment stays that of the change
    assert (row.health_since, row.last_error_at) == (NOW, NOW)

    driver.state = Health(True, "SIP: no answer to OPTIONS within 4 s")  # up again, the error kept
    fleet.record_health(later)
    assert (row.health, row.health_since, row.last_error_at) == ("up", later, NOW)

    fleet.record_health(later + timedelta(minutes=1))  # still up: «up since» stays
    assert (row.health, row.health_since) == ("up", later)

    driver.state = Health(False, "x" * 400)
    fleet.record_health(later + timedelta(minutes=1))
    assert row.last_error == "x" * 300
    assert row.health_since == row.last_error_at == later + timedelta(minutes=1)
    fleet.record_health(later + timedelta(minutes=2))  # the same long error again: its moment stays
    assert (row.last_error, row.last_error_at) == ("x" * 300, later + timedelta(minutes=1))


def test_record_health_logs_a_gateway_going_down_as_a_warning(drivers, caplog):
    row = _gateway()
    fleet = _fleet()
    fleet.driver(row.id).state = Health(False, "AMI: login refused")
    with caplog.at_level("INFO", logger="flashcall.dispatcher"):
        fleet.record_health(NOW)
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= 20] == [
        ("WARNING", f"gateway {row.id} is down: AMI: login refused")]


def test_the_dispatcher_watches_gateways_and_commits_their_health(drivers):
    row = _gateway()
    dispatcher = Dispatcher("watcher", settings())
    dispatcher.watch_gateways(NOW)
    driver = dispatcher.fleet.driver(row.id)
    assert driver.started
    driver.state = Health(True)
    dispatcher.watch_gateways(NOW)
    db.session.expire_all()
    assert (db.session.get(Gateway, row.id).health, db.session.get(Gateway, row.id).health_since) == ("up", NOW)


def test_the_dispatcher_keeps_a_busy_drivers_retired_copy(drivers):
    row = _gateway()
    dispatcher = Dispatcher("watcher", settings())
    old = dispatcher.fleet.driver(row.id)
    dispatcher.inflight = {"a-call": old, "no-driver-yet": None}
    row.version += 1
    db.session.commit()
    dispatcher.watch_gateways(NOW)
    assert not old.stopped
    dispatcher.inflight = {}
    dispatcher.watch_gateways(NOW)
    assert old.stopped


def test_the_simulator_is_always_up_and_answers_a_probe_at_once(app):
    with app.app_context():
        driver = simulator.SimulatorDriver(SIMULATOR, settings(), report=None)
    assert driver.health() == Health(True)
    assert simulator.SimulatorDriver.probe(SIMULATOR, timeout=1.0) == Probe(True, 0.0, "simulator")
