"""The suite's own rules: every wait has a deadline (tests.waiting.eventually), no assertion demands a
speed that a loaded 2-core CI machine cannot promise, and no comparison holds whatever the code does."""
import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
HELPER = TESTS / "waiting.py"
# The tightest wall-clock bound a test may assert: a bound on a hang, never a measure of speed.
MIN_SECONDS = 10
CLOCKS = {"monotonic", "perf_counter", "time", "monotonic_ns", "perf_counter_ns", "time_ns"}


def _is_clock_call(node):
    """time.monotonic(), perf_counter(), time.time() … (a datetime's .time() takes no part: it has a receiver
    other than the time module)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in CLOCKS - {"time"}
    return isinstance(func, ast.Attribute) and func.attr in CLOCKS and \
        isinstance(func.value, ast.Name) and func.value.id == "time"


def _mentions(node, clock_names):
    return any(_is_clock_call(n) or (isinstance(n, ast.Name) and n.id in clock_names) for n in ast.walk(node))


def _number(node):
    """The value of a bound written as constant arithmetic (`2`, `1.5`, `60 * 5`), else None."""
    if not all(isinstance(n, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop)) for n in ast.walk(node)):
        return None
    try:
        value = eval(compile(ast.Expression(node), "<bound>", "eval"), {"__builtins__": {}})  # constants only
    except Exception:
        return None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _clock_names(tree):
    """Names assigned from a clock reading, e.g. `elapsed = time.monotonic() - started`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_clock_call_inside(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _is_clock_call_inside(node):
    return any(_is_clock_call(n) for n in ast.walk(node))


def _sleeps(node):
    """Does the loop pause (time.sleep, an Event's or Condition's wait) between looks?"""
    return any(isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Attribute) and n.func.attr in ("sleep", "wait")) or
        (isinstance(n.func, ast.Name) and n.func.id == "sleep")) for n in ast.walk(node))


def _spins(loop):
    return all(isinstance(statement, (ast.Pass, ast.Continue)) for statement in loop.body)


def _leaves_early(loop):
    return any(isinstance(n, (ast.Break, ast.Return)) for n in ast.walk(loop))


def problems(source, name="<test>"):
    """What breaks the rules in one test file's source: a list of 'name:line: why'."""
    tree = ast.parse(source)
    clock_names = _clock_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.While) and (_sleeps(node) or _spins(node)):
            # A loop that pauses and looks again is a poll; reading a stream to its end or driving a
            # bounded load is not.
            found.append(f"{name}:{node.lineno}: a polling loop; wait with tests.waiting.eventually(…, timeout=)")
        elif isinstance(node, ast.For) and _sleeps(node) and _leaves_early(node):
            found.append(f"{name}:{node.lineno}: a polling loop; wait with tests.waiting.eventually(…, timeout=)")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            same = [ast.unparse(a) for a, b in zip(operands, operands[1:]) if ast.dump(a) == ast.dump(b)]
            if same and not all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
                found.append(f"{name}:{node.lineno}: {same[0]} compared with itself cannot fail")
            if any(_mentions(o, clock_names) for o in operands):
                bounds = [b for b in map(_number, operands) if b is not None]
                if any(b < MIN_SECONDS for b in bounds):
                    found.append(f"{name}:{node.lineno}: a wall-clock bound under {MIN_SECONDS} s "
                                 f"({ast.unparse(node)}); assert what happened, not how fast")
    return found


# Waits on a threading.Condition that a reader thread signals (SIP phone and driver event streams):
# they block until notified or until their deadline, which `eventually`'s sleep-and-look cannot
# express. Each has its deadline written out; every other file follows the rule.
CONDITION_WAITS = {TESTS / "telephony" / "baresip.py", TESTS / "telephony" / "events.py"}


def _test_files():
    return sorted(p for p in TESTS.rglob("*.py") if p != HELPER and p not in CONDITION_WAITS)


def test_every_test_file_keeps_the_rules():
    found = [p for path in _test_files() for p in problems(path.read_text(), str(path.relative_to(TESTS)))]
    assert found == []


@pytest.mark.parametrize("source", [
    "while not done():\n    time.sleep(0.1)\n",
    "while not ready():\n    pass\n",
    "while not done.is_set():\n    done.wait(0.1)\n",
    "for _ in range(50):\n    if ready():\n        break\n    time.sleep(0.1)\n",
    "started = time.monotonic()\nwork()\nassert time.monotonic() - started < 1.5\n",
    "t = perf_counter()\nwork()\nelapsed = perf_counter() - t\nassert elapsed < 2\n",
    "assert 2 > time.time() - before\n",
    "assert row.code == row.code\n",
])
def test_the_guard_catches_unbounded_waits_tight_timing_and_self_comparisons(source):
    assert problems(source)


@pytest.mark.parametrize("source", [
    "eventually(lambda: receiver.requests, timeout=30)\n",
    "assert abs(int(timestamp) - time.time()) < 60\n",
    "for _ in range(300):\n    storage.incr('key')\n    time.sleep(0.0005)\n",
    "assert delivery.next_attempt_at == start + timedelta(seconds=10)\n",
    "assert call.created_at.time() < limit\n",
    "assert routing.gateway_for(service) is routing.gateway_for(service)  # the cached object\n",
    "while True:\n    line = stream.readline()\n    if not line:\n        return\n",
])
def test_the_guard_lets_deadlines_and_non_timing_comparisons_pass(source):
    assert problems(source) == []
