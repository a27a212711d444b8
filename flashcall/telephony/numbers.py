"""Caller-number blocks: a pattern such as +98219100XXXX (the X digits are free) or an explicit
list of E.164 numbers, one a line; how long a code each can give."""
import re

PATTERN = re.compile(r"\+[1-9]\d{2,14}[Xx]+")
NUMBER = re.compile(r"\+[1-9]\d{5,14}")


def list_numbers(block):
    return [n.strip() for n in (block.numbers or "").splitlines() if n.strip()]


def free_digits(pattern):
    """How many X digits end the pattern: the longest code it can hold."""
    return len(pattern) - len(pattern.rstrip("Xx"))


def supports(block, length):
    """Can this block give codes of `length` digits?"""
    if not block.active:
        return False
    if block.pattern:
        return free_digits(block.pattern) >= length
    return any(len(n.lstrip("+")) > length for n in list_numbers(block))
