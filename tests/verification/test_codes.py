import pytest

from flashcall.models import Gateway, NumberBlock
from flashcall.verification import VerificationError, start_call
from flashcall.verification.codes import _fill, choose_caller_number, supports

from .conftest import PHONE, T0


def _gateway(*blocks):
    return Gateway(name="g", kind="simulator", blocks=list(blocks))


def test_caller_number_fills_the_block_and_its_tail_is_the_code(ctx):
    gateway = _gateway(NumberBlock(pattern="+98219100XXXX", active=True))
    numbers = {choose_caller_number(gateway, 4) for _ in range(50)}
    assert all(n.startswith("+98219100") and len(n) == 13 for n in numbers)
    assert len(numbers) > 40  # random, not a counter


def test_a_lower_case_pattern_is_filled_with_digits_too(ctx):
    gateway = _gateway(NumberBlock(pattern="+98219100xxxx", active=True))
    numbers = {choose_caller_number(gateway, 4) for _ in range(20)}
    assert all(n[:9] == "+98219100" and n[9:].isdigit() and len(n) == 13 for n in numbers)


def test_every_placeholder_takes_every_digit_and_the_rest_is_kept():
    """One draw fills all the placeholders, wherever they stand: each position sees all ten digits
    (leading zeros included), and the pattern's own digits stay where they are."""
    numbers = [_fill("+9821X91x0XX") for _ in range(400)]
    assert all(len(n) == 12 and n[:5] == "+9821" and n[6:8] == "91" and n[9] == "0" for n in numbers)
    for position in (5, 8, 10, 11):
        assert {n[position] for n in numbers} == set("0123456789"), position
    assert _fill("+982191001111") == "+982191001111"


def test_retry_avoids_the_previous_code(ctx):
    gateway = _gateway(NumberBlock(pattern="+98219100XXX", active=True))
    assert all(choose_caller_number(gateway, 3, avoid_code="123")[-3:] != "123" for _ in range(300))


def test_explicit_list_blocks(ctx):
    gateway = _gateway(NumberBlock(numbers="+982191001111\n+982191002222\n", active=True))
    assert choose_caller_number(gateway, 4, avoid_code="1111") == "+982191002222"
    with pytest.raises(VerificationError) as err:
        choose_caller_number(_gateway(NumberBlock(numbers="+982191001111", active=True)), 4, avoid_code="1111")
    assert err.value.code == "gateway_unavailable"


def test_list_numbers_need_more_digits_than_the_code(ctx):
    block = NumberBlock(numbers="+1234\n+982191001111", active=True)
    assert choose_caller_number(_gateway(block), 4) == "+982191001111"  # "+1234" would be all code
    with pytest.raises(VerificationError) as err:
        choose_caller_number(_gateway(block), 4, avoid_code="1111")
    assert err.value.code == "gateway_unavailable"
    assert [choose_caller_number(_gateway(NumberBlock(numbers=" +98219100111 \n\n", active=True)), 4)] == \
        ["+98219100111"]  # blank lines and spaces around a number are not numbers


def test_a_block_without_pattern_or_numbers_gives_nothing(ctx):
    assert not supports(NumberBlock(active=True), 3)
    assert not supports(NumberBlock(numbers="", active=True), 3)
    assert supports(NumberBlock(numbers="+982191001111", active=True), 4)
    assert not supports(NumberBlock(numbers="+982191001111", active=False), 4)
    assert supports(NumberBlock(pattern="+98219100xxxx", active=True), 4)  # lower-case x too


def test_block_too_short_for_the_code_length(ctx):
    assert supports(NumberBlock(pattern="+98219100XXXX", active=True), 4)
    assert not supports(NumberBlock(pattern="+98219100XXXX", active=True), 5)
    assert not supports(NumberBlock(pattern="+9821910XXXXXX", active=False), 4)


def test_service_whose_blocks_cannot_give_its_length_is_refused_clearly(ctx, make):
    gateway = Gateway(name="short", kind="simulator", active=True,
                      blocks=[NumberBlock(pattern="+98219100XXXX", active=True)])
    service = make.service(code_length=6)
    service.gateway = gateway
    with pytest.raises(VerificationError) as err:
        start_call(service, PHONE, now=T0)
    assert err.value.code == "gateway_unavailable" and "6" in err.value.message


def test_default_simulator_block_gives_codes_of_every_length(ctx, make):
    for length in (3, 4, 5, 6):
        call = start_call(make.service(code_length=length), PHONE, now=T0)
        assert call.caller_number.startswith("+9821910") and len(call.code) == length and call.code.isdigit()
