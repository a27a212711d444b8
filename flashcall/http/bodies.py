"""Reading JSON request bodies safely: any malformed body, including one nested deeper than
MAX_DEPTH (which would otherwise exhaust the stack and answer 500), is a plain ValueError."""
import json

MAX_DEPTH = 32


def _depth(data):
    """The deepest nesting of arrays and objects in `data` (bytes), strings skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def loads(data):
    """json.loads for a request body (bytes); ValueError for anything that is not reasonable JSON."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    # Counting brackets is fast; only a body with many of them is walked to measure its depth.
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(data) > MAX_DEPTH:
        raise ValueError("JSON nested too deeply")
    try:
        return json.loads(data)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None


def has_nul(value):
    """Whether a parsed JSON value holds a NUL character anywhere (PostgreSQL cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False
