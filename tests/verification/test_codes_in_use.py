"""A later round of the caller-number draw (the first round's numbers all taken) still looks up the
gateway and the phone: never a number ringing on that gateway now, never the number this phone got last."""
import pytest

from flashcall.db import db
from flashcall.models import Gateway, NumberBlock
from flashcall.verification import history, start_call
from flashcall.verification.codes import choose_caller_number

from .conftest import PHONE, T0

OTHER_PHONE = "+989127654321"
NUMBERS = {"+982191001111", "+982191002222"}


def _two_numbers(make, name):
    gateway = Gateway(name=name, kind="simulator", active=True,
                      blocks=[NumberBlock(numbers="+982191001111\n+982191002222", active=True)])
    service = make.service(code_length=4)
    service.gateway = gateway
    db.session.commit()
    return service, gateway


def test_a_number_ringing_another_phone_on_the_gateway_is_not_drawn_again(ctx, make):
    service, gateway = _two_numbers(make, "two-busy")
    ringing = start_call(service, OTHER_PHONE, now=T0)
    assert ringing.status == "queued" and ringing.caller_number in NUMBERS
    free = (NUMBERS - {ringing.caller_number}).pop()
    chosen = {choose_caller_number(gateway, 4, service_id=service.id, phone=PHONE) for _ in range(20)}
    assert chosen == {free}


def test_the_number_this_phone_got_last_is_not_drawn_again(ctx, make):
    service, gateway = _two_numbers(make, "two-last")
    last = start_call(service, PHONE, now=T0)
    last.status = "failed"  # ended: not ringing anyone, only this phone's last number
    db.session.commit()
    other = (NUMBERS - {last.caller_number}).pop()
    chosen = {choose_caller_number(gateway, 4, service_id=service.id, phone=PHONE) for _ in range(20)}
    assert chosen == {other}
    # another phone of the same service may get either number
    for_another = {choose_caller_number(gateway, 4, service_id=service.id, phone=OTHER_PHONE) for _ in range(40)}
    assert for_another == NUMBERS


def test_one_look_up_takes_every_slot_and_no_more(ctx, make):
    """The look-up has a parameter per drawn number (history.SLOTS): all eight are read, a ninth is refused."""
    service, gateway = _two_numbers(make, "slots")
    ringing = start_call(service, OTHER_PHONE, now=T0)
    others = [f"+98219100{n:04d}" for n in range(history.SLOTS - 1)]
    for place in (0, history.SLOTS - 1):
        drawn = others[:place] + [ringing.caller_number] + others[place:]
        past = history.read(service.id, PHONE, T0, gateway.id, drawn)
        assert past.busy == {ringing.caller_number}, place
    assert history.read(service.id, PHONE, T0, gateway.id, []).busy == frozenset()
    with pytest.raises(ValueError):
        history.read(service.id, PHONE, T0, gateway.id, others + ["+982191009998", "+982191009999"])
