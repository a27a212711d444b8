"""Code choice: a caller number from the gateway's blocks whose last digits are a fresh secret code."""
import secrets

from ..translation import lazy as _l

from .errors import VerificationError


def _list_numbers(block):
    return [n.strip() for n in (block.numbers or "").splitlines() if n.strip()]


def _free_tail(pattern):
    """How many X digits end the pattern: the longest code it can hold."""
    return len(pattern) - len(pattern.rstrip("Xx"))


def supports(block, length):
    """Can this block give codes of `length` digits?"""
    if not block.active:
        return False
    if block.pattern:
        return _free_tail(block.pattern) >= length
    return any(len(n.lstrip("+")) > length for n in _list_numbers(block))


def _fill(pattern):
    return "".join(str(secrets.randbelow(10)) if ch in "Xx" else ch for ch in pattern)


def _from_pattern(pattern, length, avoid_code):
    while True:  # a retry's code must differ; 1 in 10**length chance to loop again
        number = _fill(pattern)
        if number[-length:] != avoid_code:
            return number


def _from_list(block, length, avoid_code):
    numbers = [n for n in _list_numbers(block) if len(n.lstrip("+")) > length and n[-length:] != avoid_code]
    return secrets.choice(numbers) if numbers else None


def usable_blocks(gateway, length):
    blocks = [b for b in gateway.blocks if supports(b, length)]
    if not blocks:
        raise VerificationError("gateway_unavailable", message=_l(
            "The caller numbers of this gateway cannot give codes of %(length)s digits.", length=length))
    return blocks


def choose_caller_number(gateway, length, avoid_code=None):
    """A caller number whose last `length` digits (the code) were chosen with `secrets`."""
    blocks = usable_blocks(gateway, length)
    for block in sorted(blocks, key=lambda _b: secrets.randbelow(1 << 30)):
        if block.pattern:
            return _from_pattern(block.pattern, length, avoid_code)
        number = _from_list(block, length, avoid_code)
        if number:
            return number
    raise VerificationError("gateway_unavailable", message=_l("No other caller number is free for a new call."))
