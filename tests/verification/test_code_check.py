"""Checking the code itself: only the whole code the phone showed passes; near misses are wrong codes,
and verifying by phone checks the newest call to that number (the case of a client after a retry)."""
from datetime import timedelta

import pytest

from flashcall.db import db
from flashcall.models import Gateway, NumberBlock
from flashcall.verification import VerificationError, retry_call, start_call, verify_call, verify_phone
from tests.virtual_phone import missed_calls, typed_code
from tests.worker import run_once

from .conftest import PHONE, T0


def _error(fn, *args, **kwargs):
    with pytest.raises(VerificationError) as err:
        fn(*args, **kwargs)
    return err.value


def _delivered(service, now=T0):
    call = start_call(service, PHONE, now=now)
    run_once(now=now)
    db.session.refresh(call)
    assert call.status == "delivered"
    return call


def _one_number_gateway(service, number):
    """Route the service through a simulator gateway that owns exactly one caller number."""
    service.gateway = Gateway(name=f"only {number}", kind="simulator", active=True,
                              blocks=[NumberBlock(numbers=number, active=True)])
    db.session.commit()


def _near_misses(code):
    """Codes a careless comparison would let through: shorter or longer, sharing only the last digits,
    only the first, or the same digits in another order."""
    other = {d: str((int(d) + 5) % 10) for d in "0123456789"}
    return [code[1:], code[:-1], code + "0", "0" + code, other[code[0]] + code[1:],
            other[code[0]] + other[code[1]] + code[2:], code[:-1] + other[code[-1]], code[::-1]]


def test_the_code_is_the_last_digits_of_the_number_the_phone_showed(service):
    call = _delivered(service)
    [shown] = missed_calls(PHONE)
    assert shown == call.caller_number and len(shown) > 4
    assert verify_call(call, shown[-4:], now=T0).status == "verified"


@pytest.mark.parametrize("miss", range(8))
def test_near_misses_are_wrong_codes(service, miss):
    call = _delivered(service)
    code = typed_code(PHONE, 4)
    wrong = _near_misses(code)[miss]
    if wrong == code:  # a palindrome reversed
        pytest.skip("this code reads the same backwards")
    err = _error(verify_call, call, wrong, now=T0)
    assert err.code == "invalid_code" and err.fields["attempts_left"] == 2
    assert call.attempts == 1 and call.status == "delivered"


def test_the_whole_caller_number_is_not_the_code(service):
    call = _delivered(service)
    shown = missed_calls(PHONE)[0]
    assert _error(verify_call, call, shown, now=T0).code == "invalid_parameters"  # "+", and 13 digits
    lefts = [_error(verify_call, call, typed, now=T0).fields["attempts_left"]
             for typed in (shown[-12:], shown[-5:], shown[-8:])]
    assert lefts == [2, 1, 0] and call.status == "failed" and call.failure_reason == "attempts"


def test_leading_zeros_are_part_of_the_code(ctx, make):
    service = make.service(min_interval_seconds=0)
    _one_number_gateway(service, "+982191000042")
    call = _delivered(service)
    assert typed_code(PHONE, 4) == "0042"
    assert _error(verify_call, call, "42", now=T0).code == "invalid_code"
    assert _error(verify_call, call, "042", now=T0).code == "invalid_code"
    assert verify_call(call, "۰۰۴۲", now=T0).status == "verified"


@pytest.mark.parametrize("length", [3, 5, 6])
def test_other_code_lengths_take_that_many_digits(ctx, make, length):
    service = make.service(code_length=length)
    call = _delivered(service)
    code = typed_code(PHONE, length)
    assert len(code) == length
    assert _error(verify_call, call, code[1:], now=T0).code == "invalid_code"
    assert _error(verify_call, call, missed_calls(PHONE)[0][-(length + 1):], now=T0).code == "invalid_code"
    assert verify_call(call, code, now=T0).status == "verified"


def test_codes_with_spaces_around_are_accepted_inside_ones_are_not(service):
    call = _delivered(service)
    code = typed_code(PHONE, 4)
    assert _error(verify_call, call, code[:2] + " " + code[2:], now=T0).code == "invalid_parameters"
    assert call.attempts == 0
    assert verify_call(call, f"  {code}\n", now=T0).status == "verified"


@pytest.mark.parametrize("typed", ["", "   ", "12a4", "-123", "1234567890123", None, 1234])
def test_what_is_not_a_code_costs_no_attempt(service, typed):
    call = _delivered(service)
    err = _error(verify_call, call, typed, now=T0)
    assert err.code == "invalid_parameters" and err.fields == {"field": "code"}
    assert call.attempts == 0


def test_a_twelve_digit_code_is_checked_and_wrong(service):
    call = _delivered(service)
    assert _error(verify_call, call, "123456789012", now=T0).code == "invalid_code"


# -- verify by phone: the newest call to the number -------------------------------------------------

def _retried(service):
    """A delivered call that expired, and its retry delivered three minutes later (past the interval)."""
    first = _delivered(service)
    old_code = typed_code(PHONE, 4)
    later = T0 + timedelta(minutes=3)
    second = retry_call(first, now=later)
    run_once(now=later)
    db.session.refresh(second)
    assert second.status == "delivered" and second.retry_of == first.id
    new_code = typed_code(PHONE, 4)
    assert missed_calls(PHONE) == [second.caller_number, first.caller_number] and new_code != old_code
    return first, second, old_code, new_code, later


def test_verify_by_phone_checks_the_retry_not_the_first_call(service):
    first, second, _old, new_code, later = _retried(service)
    verified = verify_phone(service, "09121234567", new_code, now=later)
    assert verified.id == second.id and second.status == "verified"
    db.session.refresh(first)
    assert first.status == "expired" and first.verified_at is None


def test_the_first_calls_code_is_a_wrong_code_for_the_retry(service):
    first, second, old_code, _new, later = _retried(service)
    err = _error(verify_phone, service, PHONE, old_code, now=later)
    assert err.code == "invalid_code" and err.fields["attempts_left"] == 2
    assert second.attempts == 1
    db.session.refresh(first)
    assert first.attempts == 0


def test_a_newer_call_still_live_alongside_an_older_one(ctx, make):
    service = make.service(min_interval_seconds=60, code_lifetime_minutes=10)
    first = _delivered(service)
    old_code = typed_code(PHONE, 4)
    second = _delivered(service, now=T0 + timedelta(minutes=2))  # both codes alive
    new_code = typed_code(PHONE, 4)
    assert _error(verify_phone, service, PHONE, old_code, now=T0 + timedelta(minutes=3)).code == "invalid_code"
    assert verify_phone(service, PHONE, new_code, now=T0 + timedelta(minutes=3)).id == second.id
    db.session.refresh(first)
    assert first.status == "delivered"  # the older call was never touched


def test_a_newer_call_not_yet_rung_hides_the_older_code(ctx, make):
    service = make.service(min_interval_seconds=60, code_lifetime_minutes=10)
    _delivered(service)
    old_code = typed_code(PHONE, 4)
    start_call(service, PHONE, now=T0 + timedelta(minutes=2))  # queued, not dialled
    assert _error(verify_phone, service, PHONE, old_code, now=T0 + timedelta(minutes=2)).code == "code_not_found"


def test_verify_by_phone_only_sees_its_own_services_calls(service, make):
    _delivered(service)
    code = typed_code(PHONE, 4)
    other = make.service()
    assert _error(verify_phone, other, PHONE, code, now=T0).code == "code_not_found"
    assert verify_phone(service, PHONE, code, now=T0).status == "verified"


def test_verify_by_phone_refuses_a_bad_number_or_code_before_looking(service):
    _delivered(service)
    assert _error(verify_phone, service, "12ab", "1234", now=T0).fields == {"field": "phone"}
    assert _error(verify_phone, service, PHONE, "12a4", now=T0).fields == {"field": "code"}


def test_a_code_that_is_not_digits_says_so(service):
    call = _delivered(service)
    assert _error(verify_call, call, "12ab", now=T0).message == "کد باید فقط شامل رقم باشد."


def test_a_retry_keeps_the_key_and_the_source_of_the_call_it_replaces(ctx, make):
    service = make.service(min_interval_seconds=0)
    key, _token = make.key(service)
    first = start_call(service, PHONE, key=key, source="compat", now=T0)
    first.service.code_lifetime_minutes = 2
    later = T0 + timedelta(minutes=3)
    again = retry_call(first, now=later)
    assert (again.key_id, again.source, again.retry_of, again.phone) == (key.id, "compat", first.id, PHONE)
    other_key, _ = make.key(service, label="dashboard")
    third = retry_call(again, key=other_key, source="dashboard", now=later + timedelta(minutes=3))
    assert (third.key_id, third.source) == (other_key.id, "dashboard")


def _wrong(call):
    return "0000" if call.code != "0000" else "1111"


def test_attempts_used_up_by_a_lowered_limit_refuse_even_the_right_code(service):
    """An operator lowers max_attempts below what a live call has used: the call takes no more guesses."""
    call = _delivered(service)
    for _ in range(2):
        _error(verify_call, call, _wrong(call), now=T0 + timedelta(seconds=5))
    service.max_attempts = 2
    db.session.commit()
    assert _error(verify_call, call, call.code, now=T0 + timedelta(seconds=6)).code == "attempts_exhausted"
    db.session.refresh(call)
    assert (call.status, call.attempts) == ("delivered", 2)


def test_a_wrong_guess_and_the_last_one_are_recorded_at_the_moment_they_were_made(service):
    call = _delivered(service)
    guesses = [T0 + timedelta(seconds=n) for n in (10, 20, 30)]
    for at in guesses:
        _error(verify_call, call, _wrong(call), now=at)
    db.session.refresh(call)
    assert [e.at for e in call.events if e.kind == "verify_failed"] == guesses
    assert [e.at for e in call.events if e.kind == "failed"] == [guesses[-1]]
    assert (call.status, call.failure_reason, call.ended_at) == ("failed", "attempts", T0)  # the ring's end stays


def test_an_engine_error_reads_as_its_code():
    """What a log line or a traceback shows of a refusal: its stable code."""
    assert str(VerificationError("code_expired")) == "code_expired"
