"""«Test connection» for a SIP trunk over TCP (sip.options(..., transport="tcp")), rule by rule: what the
OPTIONS request names, which answer counts (ours, final), the round trip in milliseconds to a tenth,
the deadline (no read once it is reached, a silent trunk and an unanswered connect both bounded by
it), a far end that hangs up or does not speak SIP; and the free UDP port the SIP stack takes.

The far end is a scripted TCP listener on loopback. Every probe runs in a worker thread awaited with a
deadline, so a probe that would hang fails the test instead of stalling the suite. Where the rule is
about the clock, sip.py's clock is replaced for the probe's thread only (readings written out), so the
expected values are exact whatever the machine's load."""
import re
import socket
import threading
import time

from flashcall.telephony.drivers import sip
from flashcall.telephony.events import Probe

from tests.waiting import eventually


class _Far:
    """A TCP endpoint on loopback that accepts one connection, reads the OPTIONS request, writes what
    `answer(request_text)` returns (bytes, or None for silence), then closes at once (`close_after`)
    or keeps the connection open until the test ends."""

    def __init__(self, answer=None, close_after=False):
        self.answer, self.close_after = answer, close_after
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self._finished = threading.Event()
        threading.Thread(target=self._serve, daemon=True, name="far-end").start()

    def _serve(self):
        try:
            connection, _peer = self.sock.accept()
        except OSError:
            return
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:  # the request has no body (Content-Length: 0)
                chunk = connection.recv(65535)
                if not chunk:
                    return
                data += chunk
            self.requests.append(data.decode())
            reply = self.answer(data.decode()) if self.answer else None
            if reply:
                connection.sendall(reply)
            if not self.close_after:
                self._finished.wait(30)

    def close(self):
        self._finished.set()
        self.sock.close()


def _call_id(request):
    return re.search(r"^Call-ID: (\S+)\r$", request, re.MULTILINE).group(1)


def _response(status, call_id, extra=b""):
    return (f"SIP/2.0 {status}\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKfar\r\n"
            f"From: <sip:flashcall@127.0.0.1>;tag=a\r\nTo: <sip:trunk@127.0.0.1>;tag=b\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n").encode() + extra + b"Content-Length: 0\r\n\r\n"


def _ok(request):
    return _response("200 OK", _call_id(request))


class _Clock:
    """sip.py's `time` while a test runs: the probe's thread reads `readings` in turn (the last one
    stays); any other thread reads the real clock."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def monotonic(self):
        if threading.current_thread().name != "probe":
            return time.monotonic()
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]

    def __getattr__(self, name):
        return getattr(time, name)


def _probe(host, port, timeout):
    """sip.options over TCP, run in a thread named "probe" and awaited with a deadline."""
    outcome = []

    def run():
        try:
            outcome.append(("returned", sip.options(host, port, timeout=timeout, transport="tcp")))
        except BaseException as error:  # handed to the test, which fails with it
            outcome.append(("raised", error))
    threading.Thread(target=run, daemon=True, name="probe").start()
    eventually(lambda: outcome, timeout=20, message="the probe to return")
    how, value = outcome[0]
    if how == "raised":
        raise value
    return value


def test_the_request_names_the_trunk_by_the_host_and_port_the_operator_gave():
    """The Request-URI and To name the host as written in the form (not its address) and the port,
    and say transport=tcp; Via and Contact name the probe's own end of the connection."""
    far = _Far(_ok)
    try:
        answer = _probe("localhost", far.port, 5)
    finally:
        far.close()
    assert answer[0] is True and answer.detail == "SIP 200 OK"
    lines = far.requests[0].split("\r\n")
    assert lines[0] == f"OPTIONS sip:localhost:{far.port};transport=tcp SIP/2.0"
    assert f"To: <sip:localhost:{far.port}>" in lines
    assert next(line for line in lines if line.startswith("Via: ")).startswith("Via: SIP/2.0/TCP 127.0.0.1:")


def test_the_round_trip_is_in_milliseconds_rounded_to_a_tenth(monkeypatch):
    """12.3456 ms between the connect and the final answer reads 12.3: milliseconds (not seconds),
    measured from the start (not added to it), one decimal."""
    monkeypatch.setattr(sip, "time", _Clock(100.0, 100.0, 100.0123456))
    far = _Far(_ok)
    try:
        answer = _probe("127.0.0.1", far.port, 5)
    finally:
        far.close()
    assert answer == Probe(True, 12.3, "SIP 200 OK")
    assert type(answer.rtt_ms) is float


def test_only_the_final_answer_to_our_own_call_counts():
    """A final answer carrying another Call-ID (a stray one on the connection) and our own 100 Trying
    are both waited past: the probe reports our final answer."""
    def answer(request):
        ours = _call_id(request)
        return (_response("486 Busy Here", "someone-else@10.0.0.9") + _response("100 Trying", ours)
                + _response("404 Not Found", ours))
    far = _Far(answer)
    try:
        result = _probe("127.0.0.1", far.port, 5)
    finally:
        far.close()
    assert (result.ok, result.detail) == (True, "SIP 404 Not Found")


def test_bytes_that_are_not_utf8_in_the_answer_do_not_break_the_probe():
    """A trunk that writes Latin-1 in a header (here Server: Télécom) still answers: the probe reports
    its status."""
    far = _Far(lambda request: _response("200 OK", _call_id(request), extra="Server: T\xe9l\xe9com\r\n".encode("latin-1")))
    try:
        result = _probe("127.0.0.1", far.port, 5)
    finally:
        far.close()
    assert (result.ok, result.detail) == (True, "SIP 200 OK")


def test_a_probe_whose_time_is_up_reads_no_more(monkeypatch):
    """When the deadline is reached exactly (started at 100.0 s, timeout 1 s, now 101.0 s), the probe
    gives up without reading, even though the answer is on its way."""
    monkeypatch.setattr(sip, "time", _Clock(100.0, 101.0))
    far = _Far(_ok)
    try:
        result = _probe("127.0.0.1", far.port, 1)
    finally:
        far.close()
    assert result == Probe(False, None, "SIP: no answer to OPTIONS within 1 s")


def test_a_one_second_probe_reads_for_its_whole_second(monkeypatch):
    """With a timeout of 1 s and no time gone by, the probe reads the answer (the whole second is
    left to wait in)."""
    monkeypatch.setattr(sip, "time", _Clock(100.0))
    far = _Far(_ok)
    try:
        result = _probe("127.0.0.1", far.port, 1)
    finally:
        far.close()
    assert result == Probe(True, 0.0, "SIP 200 OK")


def test_a_trunk_that_only_says_trying_is_no_answer_within_the_timeout():
    """Connected, a 100 Trying, then silence: after the probe's timeout it says so, in the probe's
    words (it neither waits for ever nor counts the provisional answer)."""
    far = _Far(lambda request: _response("100 Trying", _call_id(request)))
    try:
        result = _probe("127.0.0.1", far.port, 0.5)
    finally:
        far.close()
    assert result == Probe(False, None, "SIP: no answer to OPTIONS within 0.5 s")


def test_a_far_end_that_hangs_up_after_the_request_says_so():
    """The trunk reads the OPTIONS and closes the connection: the probe fails with those words."""
    far = _Far(close_after=True)
    try:
        result = _probe("127.0.0.1", far.port, 5)
    finally:
        far.close()
    assert result == Probe(False, None, "SIP over TCP: the far end closed the connection")


def test_a_far_end_that_does_not_frame_sip_is_a_failure_in_the_readers_words():
    """An answer announcing a 2,000,000-byte body is not SIP: the probe fails saying why."""
    far = _Far(lambda request: b"SIP/2.0 200 OK\r\nContent-Length: 2000000\r\n\r\n")
    try:
        result = _probe("127.0.0.1", far.port, 5)
    finally:
        far.close()
    assert result == Probe(False, None, "SIP over TCP: Content-Length 2000000 is too large")


def test_a_connection_that_never_completes_fails_within_the_timeout():
    """A trunk whose accept queue is full never completes the handshake: the connect is bounded by
    the probe's timeout, and the probe says so."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # one connection fills the queue; the kernel drops the next one's SYN
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            result = _probe("127.0.0.1", port, 0.5)
    assert result == Probe(False, None, "SIP over TCP: no connection within 0.5 s")


def test_the_stacks_udp_port_is_a_free_one_the_kernel_picked():
    """The SIP stack's port when the settings leave it blank: an unprivileged port from the kernel's
    ephemeral range, free for UDP on that address."""
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    port = sip._free_udp_port("127.0.0.1")
    assert low <= port <= high
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
