"""Code choice: a caller number from the gateway's blocks whose last digits are a fresh secret code,
never the number (nor the code) the same phone got last time, and never one that is ringing
another phone on that gateway right now."""
import secrets
from functools import lru_cache

from ..clock import tehran_day_start
from ..telephony.numbers import list_numbers, supports
from ..translation import lazy as _l
from . import history
from .errors import VerificationError

CANDIDATES = history.SLOTS  # numbers drawn per look-up: all taken at once is vanishingly rare for a pattern
ROUNDS = 4

__all__ = ["supports", "usable_blocks", "choose_caller_number"]


@lru_cache(maxsize=1024)
def _template(pattern):
    """The pattern as a format string with a field per placeholder digit (X or x), and their count."""
    places = [ch in "Xx" for ch in pattern]
    text = "".join("{}" if place else ch.replace("{", "{{").replace("}", "}}") for ch, place in zip(pattern, places))
    return text, sum(places)


def _fill(pattern):
    """The pattern with every placeholder a random digit: one draw of all of them (one system call)."""
    text, places = _template(pattern)
    return text.format(*f"{secrets.randbelow(10 ** places):0{places}d}") if places else text


def usable_blocks(gateway, length):
    blocks = [b for b in gateway.blocks if supports(b, length)]
    if not blocks:
        raise VerificationError("gateway_unavailable", message=_l(
            "The caller numbers of this gateway cannot give codes of %(length)s digits.", length=length))
    return blocks


def _draw(blocks, length, avoid_code):
    """Up to CANDIDATES distinct numbers, each from a block picked at random, none ending in avoid_code."""
    drawn = []
    for _ in range(CANDIDATES * 4):
        block = blocks[secrets.randbelow(len(blocks))] if len(blocks) > 1 else blocks[0]
        if block.pattern:
            number = _fill(block.pattern)
        else:
            choices = [n for n in list_numbers(block) if len(n.lstrip("+")) > length]
            number = secrets.choice(choices)
        if number[-length:] != avoid_code and number not in drawn:
            drawn.append(number)
        if len(drawn) == CANDIDATES:
            break
    return drawn


def _in_use(gateway_id, candidates, service_id, phone):
    """(numbers among `candidates` ringing on the gateway now, the number this phone got last), in one query."""
    if gateway_id is None or service_id is None:
        return set(), None
    past = history.read(service_id, phone, tehran_day_start(), gateway_id, candidates)
    return past.busy, past.last_number


def candidates(gateway, length, avoid_code=None):
    """A first draw of caller numbers, to look up with the number's history (verification.history)."""
    return _draw(usable_blocks(gateway, length), length, avoid_code)


def _first_free(candidates, length, busy, last):
    for number in candidates:
        if number not in busy and (last is None or number[-length:] != last[-length:]):
            return number
    return None


def choose_caller_number(gateway, length, avoid_code=None, service_id=None, phone=None, history=None, drawn=()):
    """A caller number whose last `length` digits (the code) were chosen with `secrets`.
    `drawn` with the `history` they were looked up in is the first round, already read."""
    if drawn:
        number = _first_free(drawn, length, history.busy, history.last_number)
        if number is not None:
            return number
    blocks = usable_blocks(gateway, length)
    for _ in range(ROUNDS):
        drawn = _draw(blocks, length, avoid_code)
        if not drawn:
            break
        busy, last = _in_use(gateway.id, drawn, service_id, phone)
        number = _first_free(drawn, length, busy, last)
        if number is not None:
            return number
    raise VerificationError("gateway_unavailable", message=_l("No other caller number is free for a new call."))
