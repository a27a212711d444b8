"""Every error name /telphin/ answers is one seed 002 lists, written out here from that document (not
taken from our dictionaries), including the rarer ones; and a seed-002 client that calls again later
checks its code against the newest call."""
import json
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, Gateway
from flashcall.telephony.drivers import simulator
from tests.virtual_phone import missed_calls, typed_code
from tests.worker import run_once

from .test_telphin import PHONE, Telphin, error

# Seed 002 (Telphin Flash Calls), "Описание кодов ошибок": the call request's table, then the auth request's.
SEED_CALL_ERRORS = {"invalid_client", "one_call_for_two_minutes", "ten_calls_per_day", "parameters_error",
                    "direction_error", "service_is_not_connected"}
SEED_AUTH_ERRORS = {"invalid_client", "code_lifetime_expired", "auth_code_does_not_exist", "auth_attempts_ended",
                    "invalid_code", "parameters_error", "service_is_not_connected"}


@pytest.fixture
def service(make):
    return make.service(min_interval_seconds=120, daily_limit=10, max_attempts=3)


@pytest.fixture
def telphin(client, make, service):
    return Telphin(client, make.key(service)[1])


def _name(answer):
    body = json.loads(answer)
    assert list(body) == ["status", "description"] and body["status"] == "error"
    return body["description"]


def test_no_credit_is_service_is_not_connected(telphin, service):
    service.price_per_call = 5_000
    db.session.commit()
    name = _name(telphin.call(PHONE))
    assert name == "service_is_not_connected" and name in SEED_CALL_ERRORS
    assert db.session.query(Call).count() == 0


def test_no_working_gateway_is_service_is_not_connected(telphin):
    for gateway in db.session.scalars(db.select(Gateway)):
        gateway.active = False
    db.session.commit()
    assert _name(telphin.call(PHONE)) == "service_is_not_connected"


def test_a_suspended_service_refuses_calls_as_not_connected(telphin, service):
    service.status = "suspended"
    db.session.commit()
    assert telphin.call(PHONE) == error("service_is_not_connected")


def test_a_landline_on_a_mobile_only_service_is_direction_error(telphin):
    assert telphin.call("02188888888") == error("direction_error")


@pytest.mark.parametrize("body", [
    {},
    {"app_id": "x", "app_secret": "y"},
    {"app_id": "x", "app_secret": "y", "number": "  "},
    {"app_id": "", "app_secret": "y", "number": PHONE},
    {"app_id": ["x"], "app_secret": "y", "number": PHONE},
])
def test_missing_blank_or_non_string_parameters_are_parameters_error(telphin, body):
    assert telphin._post("/", body) == error("parameters_error")
    assert telphin._post("/auth/", {**body, "auth_code": "1234"}) == error("parameters_error")


def test_a_blank_code_is_parameters_error(telphin):
    assert telphin.auth(PHONE, " ") == error("parameters_error")


def test_a_malformed_number_on_auth_is_parameters_error_not_direction_error(telphin):
    # direction_error is in the seed's call table only: when checking a code, a bad number is a bad parameter.
    assert telphin.auth("12ab", "1234") == error("parameters_error")
    assert telphin.call("12ab") == error("direction_error")


def test_a_foreign_number_with_no_call_has_no_code(telphin):
    assert telphin.auth("+14155552671", "1234") == error("auth_code_does_not_exist")


def test_parameters_are_read_trimmed_and_the_code_echoed_in_latin_digits(telphin):
    assert telphin.call(f"  {PHONE} ") == '{"status":"succes","number":"+989121234567"}'
    run_once()
    code = typed_code(PHONE, 4)
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    answer = telphin.auth(" 09121234567", f" {persian} ")
    assert answer == '{"status":"succes","number":"+989121234567","auth_code":"%s"}' % code


def test_a_refused_call_through_the_engine_is_named_from_the_seed(telphin):
    names = set()
    simulator.set_outcome(PHONE, "busy")
    try:
        telphin.call(PHONE)
        run_once()
        names.add(_name(telphin.auth(PHONE, "1234")))  # the call failed: no code exists
    finally:
        simulator.reset()
    names.add(_name(telphin.call(PHONE)))  # too soon
    assert names == {"auth_code_does_not_exist", "one_call_for_two_minutes"}


def test_a_client_calling_again_later_checks_the_newest_call(app, telphin):
    """Seed 002 has no retry: its client simply calls again. Its auth must reach that new call."""
    telphin.call(PHONE)
    run_once()
    first = db.session.scalars(db.select(Call)).one()
    old_code = typed_code(PHONE, 4)
    first.created_at -= timedelta(minutes=3)  # the first call was three minutes ago: its code has expired
    first.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert telphin.call(PHONE) == '{"status":"succes","number":"+989121234567"}'
    run_once()
    new_code = typed_code(PHONE, 4)
    assert len(missed_calls(PHONE)) == 2 and new_code != old_code
    assert telphin.auth(PHONE, old_code) == error("invalid_code")  # checked against the newest call
    answer = telphin.auth(PHONE, new_code)
    assert answer == '{"status":"succes","number":"+989121234567","auth_code":"%s"}' % new_code
    statuses = {c.id: c.status for c in db.session.scalars(db.select(Call))}
    assert sorted(statuses.values()) == ["expired", "verified"] and statuses[first.id] == "expired"


def test_every_name_we_answer_is_in_the_seed(app, telphin, service, make, client):
    """Drive each refusal we can reach and collect the names: none outside the seed's two tables."""
    call_names, auth_names = set(), set()
    call_names.add(_name(telphin.call(PHONE, app_secret="wrong")))
    call_names.add(_name(telphin.call(None)))
    call_names.add(_name(telphin.call("+14155552671")))
    telphin.call(PHONE)
    call_names.add(_name(telphin.call(PHONE)))
    auth_names.add(_name(telphin.auth("+989350000000", "1234")))
    run_once()
    code = typed_code(PHONE, 4)
    wrong = str((int(code) + 1) % 10_000).zfill(4)
    for _ in range(3):
        auth_names.add(_name(telphin.auth(PHONE, wrong)))
    auth_names.add(_name(telphin.auth(PHONE, code)))
    auth_names.add(_name(telphin.auth(PHONE, code, app_id="nobody")))
    daily = Telphin(client, make.key(make.service(min_interval_seconds=0, daily_limit=1))[1])
    daily.call(PHONE)
    call_names.add(_name(daily.call(PHONE)))
    assert call_names == {"invalid_client", "parameters_error", "direction_error", "one_call_for_two_minutes",
                          "ten_calls_per_day"} and call_names <= SEED_CALL_ERRORS
    assert auth_names == {"auth_code_does_not_exist", "invalid_code", "auth_attempts_ended", "invalid_client"}
    assert auth_names <= SEED_AUTH_ERRORS
