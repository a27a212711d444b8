"""What operators do with gateways, as telephony.gateways answers it: which field a refusal names and
its message in English (what `gateway …` / `service set-gateway` print, and what the pages put
beside the field), deleting or hiding a gateway, enabling, editing, the free-digits rule of a
gateway's services, and which services' outages the dashboard shows."""
import socket
from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet
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


# -- what a new gateway's form may hold ----------------------------------------------------------

SIP_FORM = {"kind": "sip", "name": "Trunk", "host": "sip.example.ir"}
AMI_FORM = {"kind": "ami", "name": "PBX", "host": "10.0.0.5", "username": "flashcall", "secret": "s3cret"}


@pytest.mark.parametrize("values, refusal", [
    ({"kind": "h323", "name": "X"}, ("kind", "Choose simulator, SIP trunk or Asterisk AMI.")),
    ({"kind": "simulator", "name": "   "}, ("name", "Give the gateway a name.")),
    ({"kind": "simulator", "name": "n" * 81}, ("name", "At most 80 characters.")),
    (dict(SIP_FORM, host="h" * 256), ("host", "At most 255 characters.")),
    (dict(SIP_FORM, username="u" * 81), ("username", "At most 80 characters.")),
    (dict(SIP_FORM, from_domain="d" * 256), ("from_domain", "At most 255 characters.")),
    (dict(SIP_FORM, channel="c" * 201), ("channel", "At most 200 characters.")),
    (dict(AMI_FORM, context="c" * 201), ("context", "At most 200 characters.")),
    (dict(SIP_FORM, transport="tls"), ("transport", "Choose UDP or TCP as the transport.")),
    (dict(SIP_FORM, ring_seconds="0"), ("ring_seconds", "Enter a number from 1 to 60.")),
    (dict(SIP_FORM, ring_seconds="61"), ("ring_seconds", "Enter a number from 1 to 60.")),
    (dict(SIP_FORM, ring_seconds="three"), ("ring_seconds", "Enter a whole number.")),
    (dict(SIP_FORM, max_concurrent="0"), ("max_concurrent", "Enter a number from 1 to 100000.")),
    (dict(SIP_FORM, max_concurrent="100001"), ("max_concurrent", "Enter a number from 1 to 100000.")),
    ({"kind": "sip", "name": "Trunk"}, ("host", "Enter the gateway's host name or IP address.")),
    (dict(SIP_FORM, host="sip example.ir"), ("host", "Enter the gateway's host name or IP address.")),
    (dict(SIP_FORM, port="0"), ("port", "Enter a number from 1 to 65535.")),
    (dict(SIP_FORM, port="65536"), ("port", "Enter a number from 1 to 65535.")),
    (dict(SIP_FORM, channel="{phone}{extension}"), ("channel", "The template may only use {phone}, {national} and {digits}.")),
    (dict(SIP_FORM, channel="{phone"), ("channel", "The template may only use {phone}, {national} and {digits}.")),
    (dict(AMI_FORM, username=""), ("username", "Enter the AMI user's name.")),
    (dict(AMI_FORM, context="from-flashcall,s,1,extra"), ("context", "Write the context as context,extension,priority.")),
    (dict(AMI_FORM, secret=""), ("secret", "Enter the AMI user's secret.")),
    (dict(SIP_FORM, secret="s" * 201), ("secret", "At most 200 characters.")),
])
def test_a_gateway_form_that_cannot_be_saved_names_its_field(app, make, values, refusal):
    assert _refusal(lambda: gateways.create_gateway(values, _settings(app), blocks=["+98219100XXXX"])) == refusal
    assert [g.name for g in gateways.visible_gateways()] == ["Simulator"]


def test_what_a_gateway_form_stores_with_its_defaults(app, make):
    settings = _settings(app)
    sip = gateways.create_gateway({"kind": "sip", "name": "  Trunk  ", "host": " sip.example.ir ", "transport": "TCP",
                                   "ring_seconds": " 7 ", "max_concurrent": "100000", "port": "65535",
                                   "from_domain": "", "username": "acct"}, settings)
    assert (sip.kind, sip.name, sip.host, sip.port, sip.transport, sip.ring_seconds, sip.max_concurrent,
            sip.from_domain, sip.username, sip.channel, sip.active, sip.version) == (
        "sip", "Trunk", "sip.example.ir", 65535, "tcp", 7, 100000, None, "acct", None, True, 1)
    plain = gateways.create_gateway({"kind": "sip", "name": "Plain", "host": "10.0.0.1", "ring_seconds": "60",
                                     "max_concurrent": "1", "port": "1"}, settings)
    assert (plain.port, plain.transport, plain.ring_seconds, plain.max_concurrent) == (1, "udp", 60, 1)
    default_port = gateways.create_gateway({"kind": "sip", "name": "Default port", "host": "10.0.0.1", "port": "",
                                           "ring_seconds": ""}, settings)  # an empty field: the default
    assert (default_port.port, default_port.ring_seconds, default_port.max_concurrent) == (5060, 3, None)
    ami = gateways.create_gateway(dict(AMI_FORM, context="from-flashcall,s,1"), settings)
    assert (ami.port, ami.channel, ami.context) == (5038, "PJSIP/{phone}@trunk", "from-flashcall,s,1")
    assert unseal(app.config["SECRETS_KEY"], ami.secret_sealed) == "s3cret"
    ami_own = gateways.create_gateway(dict(AMI_FORM, name="PBX 2", channel="SIP/trunk/{national}", port="5039"), settings)
    assert (ami_own.port, ami_own.channel) == (5039, "SIP/trunk/{national}")
    sim = gateways.create_gateway({"name": "Sim", "host": "ignored.example", "port": "5070"}, settings)
    assert (sim.kind, sim.port, sim.secret_sealed) == ("simulator", None, None)
    longest = gateways.create_gateway({"name": "n" * 80, "host": "h" * 255}, settings)  # at the limits: kept
    assert (len(longest.name), len(longest.host)) == (80, 255)


def test_an_empty_secret_keeps_the_stored_one_and_clear_secret_drops_it(app, make):
    settings = _settings(app)
    gateway = gateways.create_gateway(dict(SIP_FORM, secret="first"), settings)
    gateways.update_gateway(gateway, dict(SIP_FORM, secret=""), settings)
    assert unseal(app.config["SECRETS_KEY"], gateway.secret_sealed) == "first"
    gateways.update_gateway(gateway, dict(SIP_FORM, secret="s" * 200), settings)  # at its limit: kept
    assert unseal(app.config["SECRETS_KEY"], gateway.secret_sealed) == "s" * 200
    gateways.update_gateway(gateway, dict(SIP_FORM, clear_secret=True), settings)
    assert gateway.secret_sealed is None
    ami = gateways.create_gateway(AMI_FORM, settings)
    assert _refusal(lambda: gateways.update_gateway(ami, dict(AMI_FORM, secret="", clear_secret=True), settings)) == (
        "secret", "Enter the AMI user's secret.")


@pytest.mark.parametrize("text, block", [
    ("+98219100xxxx", ("+98219100XXXX", None)),
    (" +۹۸۲۱۹۱۰۰XXXX ", ("+98219100XXXX", None)),
    ("+982191001111, +982191002222\n+982191001111  +982191003333", (None, "+982191001111\n+982191002222\n+982191003333")),
    ("+۹۸۲۱۹۱۰۰۱۱۱۱", (None, "+982191001111")),
])
def test_what_an_operator_types_as_a_block(text, block):
    assert gateways.parse_block(text) == block


@pytest.mark.parametrize("text, message", [
    ("", "Enter a pattern such as +98219100XXXX or a list of numbers."),
    ("   ", "Enter a pattern such as +98219100XXXX or a list of numbers."),
    ("+982191001111, 02191002222", "02191002222 is neither a pattern like +98219100XXXX nor a number like "
                                   "+982191001234."),
])
def test_a_block_that_is_neither_pattern_nor_numbers(app, text, message):
    with app.app_context():
        assert _refusal(lambda: gateways.parse_block(text)) == ("block", message)


def test_a_new_gateways_blocks_need_three_free_digits_and_a_removed_block_is_gone(app, make):
    settings = _settings(app)
    make.service(code_length=6)  # on the default gateway, and with no fallback: a new gateway serves no service yet
    assert _refusal(lambda: gateways.create_gateway(SIP_FORM, settings, blocks=["+9821910000XX"])) == (
        "block", "This block must have at least 3 free digits: the services of this gateway use codes of up to "
                 "3 digits.")
    gateway = gateways.create_gateway(SIP_FORM, settings, blocks=["+982191000XXX", "+982191001111"])
    db.session.commit()
    assert [(b.pattern, b.numbers, b.active) for b in gateway.blocks] == [
        ("+982191000XXX", None, True), (None, "+982191001111", True)]
    gateways.remove_block(gateway.blocks[0])
    db.session.commit()
    db.session.expire_all()
    assert [(b.pattern, b.numbers) for b in db.session.get(Gateway, gateway.id).blocks] == [(None, "+982191001111")]


def test_the_drivers_snapshot_of_a_gateway(app, make):
    settings = _settings(app)
    assert gateways.config_of(None, settings) == gateways.GatewayConfig(None, "simulator", "Simulator")
    gateway = gateways.create_gateway(dict(SIP_FORM, port="5070", username="acct", secret="pw", from_domain="example.ir",
                                           channel="{national}", ring_seconds="9", max_concurrent="4"), settings)
    gateway.config, gateway.context, gateway.transport = '{"default": "failed"}', "from-flashcall,s,1", "tcp"
    gateway.version = 3
    config = gateways.config_of(gateway, settings)
    assert config == gateways.GatewayConfig(
        id=gateway.id, kind="sip", name="Trunk", host="sip.example.ir", port=5070, transport="tcp", username="acct",
        secret="pw", from_domain="example.ir", channel="{national}", context="from-flashcall,s,1", ring_seconds=9.0,
        max_concurrent=4, version=3)
    assert (config.options, config.key, "pw" in repr(config)) == ({"default": "failed"}, (gateway.id, 3), False)
    gateway.ring_seconds, gateway.transport, gateway.version = None, None, None
    config = gateways.config_of(gateway, Settings.from_config(dict(app.config, SECRETS_KEY=Fernet.generate_key().decode())))
    assert (config.ring_seconds, config.transport, config.version, config.secret) == (3.0, "udp", 1, None)
