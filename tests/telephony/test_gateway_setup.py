"""What operators do with gateways, as telephony.gateways answers it: which field a refusal names and
its message in English (what `gateway …` / `service set-gateway` print, and what the pages put
beside the field), deleting or hiding a gateway, enabling, editing, the free-digits rule of a
gateway's services, and which services' outages the dashboard shows."""
import socket
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale

from flashcall.db import db
from flashcall.models import Call, Gateway, NumberBlock
from flashcall.sealing import unseal
from flashcall.settings import Settings
from flashcall.telephony import gateways
from flashcall.telephony.routing import default_gateway
from flashcall.verification import start_call

NOW = datetime(2026, 3, 1, 12, 0, 0)


def _settings(app):
    return Settings.from_config(app.config)


def _gateway(name, pattern="+98219100XXXX", **columns):
    columns = {"kind": "sip", "host": "127.0.0.1", "port": 5060, "active": True, "version": 1, **columns}
    gateway = Gateway(name=name, **columns)
    gateway.blocks.append(NumberBlock(pattern=pattern, active=True))
    db.session.add(gateway)
    db.session.commit()
    return gateway


def _refusal(work):
    """(field, message in English) of the GatewaySetupError that work() raises."""
    with pytest.raises(gateways.GatewaySetupError) as caught:
        work()
    db.session.rollback()
    error = caught.value
    assert str(error) == error.field  # the exception's own text is the field, never a rendered message
    with force_locale("en"):
        return error.field, str(error.message)


# -- routing a service ------------------------------------------------------------------------

def test_routing_without_a_fallback_clears_the_old_one(make):
    first, second = _gateway("first"), _gateway("second")
    service = make.service()
    gateways.route_service(service, first.id, second.id)
    gateways.route_service(service, second.id)
    db.session.commit()
    assert (service.gateway_id, service.fallback_gateway_id) == (second.id, None)


def test_routing_refusals_name_their_field(make):
    first, hidden = _gateway("first"), _gateway("hidden", deleted_at=NOW)
    service = make.service()
    assert _refusal(lambda: gateways.route_service(service, 999)) == ("gateway", "There is no such gateway.")
    assert _refusal(lambda: gateways.route_service(service, hidden.id)) == ("gateway", "There is no such gateway.")
    assert _refusal(lambda: gateways.route_service(service, first.id, hidden.id)) == (
        "fallback", "There is no such gateway.")
    assert _refusal(lambda: gateways.route_service(service, first.id, first.id)) == (
        "fallback", "The fallback must be another gateway.")
    assert (service.gateway_id, service.fallback_gateway_id) == (None, None)


def test_a_gateway_whose_numbers_cannot_give_the_services_codes_is_refused_in_its_field(make):
    wide, narrow = _gateway("wide", "+9821910XXXXXX"), _gateway("narrow", "+982191000XXX")
    service = make.service(code_length=6)
    assert _refusal(lambda: gateways.route_service(service, narrow.id)) == (
        "gateway", "The caller numbers of this gateway cannot give codes of 6 digits.")
    assert _refusal(lambda: gateways.route_service(service, wide.id, narrow.id)) == (
        "fallback", "The caller numbers of this gateway cannot give codes of 6 digits.")
    gateways.route_service(service, wide.id)
    assert service.gateway_id == wide.id


def test_the_cli_prints_the_field_and_the_english_message(runner, make):
    first = _gateway("first")
    service = make.service()
    refused = runner.invoke(args=["service", "set-gateway", "--service", str(service.id), "--gateway", str(first.id),
                                  "--fallback", str(first.id)])
    assert refused.exit_code == 1
    assert "Error: fallback: The fallback must be another gateway." in refused.output


# -- number blocks and the codes of the services a gateway serves -------------------------------

def test_a_block_needs_the_free_digits_of_the_longest_code_its_gateway_serves(make):
    primary, fallback, unused = _gateway("primary"), _gateway("fallback"), _gateway("unused")
    make.service(code_length=6).gateway_id = primary.id
    routed_elsewhere = make.service(code_length=5)
    routed_elsewhere.gateway_id, routed_elsewhere.fallback_gateway_id = primary.id, fallback.id
    db.session.commit()
    assert _refusal(lambda: gateways.add_block(primary, "+98219100XXXXX")) == (
        "block", "This block must have at least 6 free digits: the services of this gateway use codes of up to "
                 "6 digits.")
    assert _refusal(lambda: gateways.add_block(fallback, "+98219100XXXX")) == (
        "block", "This block must have at least 5 free digits: the services of this gateway use codes of up to "
                 "5 digits.")
    assert gateways.add_block(fallback, "+98219200XXXXX").pattern == "+98219200XXXXX"
    assert gateways.add_block(unused, "+982193000XXX").pattern == "+982193000XXX"  # serves none: 3 digits do


def test_the_default_gateway_serves_the_services_routed_to_it_and_those_routed_nowhere(make):
    default = default_gateway()
    make.service(code_length=4).gateway_id = None
    db.session.commit()
    assert _refusal(lambda: gateways.add_block(default, "+982191000XXX")) == (
        "block", "This block must have at least 4 free digits: the services of this gateway use codes of up to "
                 "4 digits.")
    make.service(code_length=6).gateway_id = default.id
    db.session.commit()
    assert _refusal(lambda: gateways.add_block(default, "+98219100XXXXX")) == (
        "block", "This block must have at least 6 free digits: the services of this gateway use codes of up to "
                 "6 digits.")


# -- deleting, enabling, editing ------------------------------------------------------------

def test_deleting_refusals(make):
    assert _refusal(lambda: gateways.delete_gateway(default_gateway(), NOW)) == (
        "gateway", "The default gateway cannot be deleted.")
    primary, backup = _gateway("primary"), _gateway("backup")
    service = make.service()
    service.gateway_id, service.fallback_gateway_id = primary.id, backup.id
    db.session.commit()
    for used in (primary, backup):
        assert _refusal(lambda: gateways.delete_gateway(used, NOW)) == (
            "gateway", "Services still use this gateway. Route them to another gateway first.")
    assert db.session.get(Gateway, backup.id).deleted_at is None


def test_a_gateway_no_call_refers_to_is_deleted_and_one_with_calls_is_hidden(make):
    service = make.service()
    busy, idle = _gateway("busy", version=4), _gateway("idle")
    service.gateway_id = busy.id
    db.session.commit()
    start_call(service, "09121234567")
    service.gateway_id = None
    db.session.commit()
    gateways.delete_gateway(idle, NOW)  # another gateway's call does not keep this one
    db.session.commit()
    assert db.session.get(Gateway, idle.id) is None
    gateways.delete_gateway(busy, NOW)
    db.session.commit()
    db.session.expire_all()
    hidden = db.session.get(Gateway, busy.id)
    assert (hidden.deleted_at, hidden.active, hidden.version) == (NOW, False, 5)
    assert db.session.scalar(db.select(Call.gateway_id)) == busy.id
    assert [g.name for g in gateways.visible_gateways()] == ["Simulator"]


def test_disabling_and_enabling_move_the_version_on(make):
    gateway = _gateway("trunk", version=3)
    gateways.set_active(gateway, False)
    assert (gateway.active, gateway.version) == (False, 4)
    gateways.set_active(gateway, True)
    assert (gateway.active, gateway.version) == (True, 5)


def test_editing_keeps_the_kind_and_may_set_the_secret_and_the_state(app, make):
    gateway = _gateway("trunk", version=2)
    settings = _settings(app)
    gateways.update_gateway(gateway, {"name": "Trunk B", "host": "10.0.0.9", "secret": "new-secret"}, settings)
    assert (gateway.kind, gateway.name, gateway.host, gateway.port, gateway.version) == (
        "sip", "Trunk B", "10.0.0.9", 5060, 3)
    assert unseal(app.config["SECRETS_KEY"], gateway.secret_sealed) == "new-secret"
    gateways.update_gateway(gateway, {"kind": "simulator", "name": "Trunk B", "host": "10.0.0.9",
                                      "active": False}, settings)
    assert (gateway.kind, gateway.active, gateway.version) == ("sip", False, 4)
    gateways.update_gateway(gateway, {"name": "Trunk B", "host": "10.0.0.9", "active": True}, settings)
    assert (gateway.active, gateway.version) == (True, 5)
    gateways.update_gateway(gateway, {"name": "Trunk B", "host": "10.0.0.9"}, settings)
    assert (gateway.active, gateway.version) == (True, 6)


# -- «test connection» -----------------------------------------------------------------------

@pytest.fixture
def silent_port():
    """A UDP port that takes SIP OPTIONS and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def test_test_connection_waits_five_seconds_unless_told(app, make, silent_port):
    gateway = _gateway("silent", port=silent_port)
    assert gateways.probe(gateway, _settings(app), timeout=0.5).detail == "SIP: no answer to OPTIONS within 0.5 s"
    assert gateways.probe(gateway, _settings(app)).detail == "SIP: no answer to OPTIONS within 5 s"


# -- outages on the customer dashboard ---------------------------------------------------------

def test_outages_list_the_services_on_a_down_gateway_and_whether_a_fallback_takes_their_calls(make):
    down = _gateway("down", health="down")
    up, also_down = _gateway("up", health="up"), _gateway("also down", health="down")
    disabled, hidden = _gateway("disabled", active=False), _gateway("hidden", deleted_at=NOW)
    off_and_down = _gateway("off and down", health="down", active=False)
    routes = {"healthy": (up.id, None), "covered": (down.id, up.id), "bare": (down.id, None),
              "fallback down": (down.id, also_down.id), "fallback disabled": (down.id, disabled.id),
              "fallback hidden": (down.id, hidden.id), "gateway disabled": (off_and_down.id, None)}
    services = []
    for name, (gateway_id, fallback_id) in routes.items():
        services.append(make.service(name=name))
        services[-1].gateway_id, services[-1].fallback_gateway_id = gateway_id, fallback_id
    db.session.commit()
    found = [(o.service.name, o.gateway.name, o.covered) for o in gateways.outages(services)]
    assert found == [("covered", "down", True), ("bare", "down", False), ("fallback down", "down", False),
                     ("fallback disabled", "down", False), ("fallback hidden", "down", False)]


# -- the operator page's counts per gateway ------------------------------------------------------

def test_health_counts_calls_in_flight_and_those_ended_in_the_last_hour(make):
    service = make.service()
    busy, quiet, idle, other = _gateway("busy"), _gateway("quiet"), _gateway("idle"), _gateway("other")
    hour = timedelta(hours=1)
    calls = {busy.id: [("queued", None), ("dialing", None), ("ringing", None),
                       ("delivered", NOW), ("answered", NOW - timedelta(minutes=5)), ("verified", NOW - hour),
                       ("expired", NOW - timedelta(minutes=59)), ("canceled", NOW),
                       ("failed", NOW - timedelta(minutes=30)), ("failed", NOW - timedelta(minutes=61)),
                       ("delivered", NOW - timedelta(minutes=90))],
             quiet.id: [("failed", NOW - timedelta(minutes=1)), ("delivered", NOW - 2 * hour)],
             other.id: [("queued", None), ("delivered", NOW), ("failed", NOW)]}
    for gateway_id, rows in calls.items():
        for status, ended_at in rows:
            db.session.add(Call(service_id=service.id, phone="+989121234567", caller_number="+982191001234",
                                code_length=4, status=status, ended_at=ended_at, expires_at=NOW + hour,
                                gateway_id=gateway_id))
    db.session.commit()
    assert gateways.health_summary([busy.id, quiet.id, idle.id], NOW) == {
        busy.id: (3, 4, 1), quiet.id: (0, 0, 1), idle.id: (0, 0, 0)}
