"""SIP over TCP, rule by rule, against the transport itself (sip_tcp.TcpTransport) on loopback: a trunk
that opens a connection to us is heard and answered on it; a connection it opens from the address we
were sending to replaces ours; a peer that does not read stalls nobody else; the first request is
sequence 1; send_to never waits; a taken port falls back to a free one; shutdown closes the listener
and every connection, and a process that never shuts it down still exits. Then the SIP stack around it
(sip.SipStack: its port, its address, its threads, its failure to start) and the driver's calls over
TCP (a cancelled call reports nothing more, the From carries the trunk's domain)."""
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flashcall.telephony.drivers import sip
from flashcall.telephony.drivers.sip_tcp import TcpTransport

from .events import dial
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
REQUEST = (b"OPTIONS sip:flashcall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKtrunk1\r\n"
           b"From: <sip:trunk@127.0.0.1>;tag=t1\r\nTo: <sip:flashcall@127.0.0.1>\r\nCall-ID: keepalive-1@trunk\r\n"
           b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
ANSWER = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKtrunk1\r\nFrom: <sip:trunk@127.0.0.1>;tag=t1\r\n"
          b"To: <sip:flashcall@127.0.0.1>;tag=f1\r\nCall-ID: keepalive-1@trunk\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")


class _Heard:
    """The transport's two callbacks, recorded."""

    def __init__(self):
        self.messages = []  # (data, peer)
        self.failures = []  # (address, detail, last_sequence)

    def on_message(self, data, peer):
        self.messages.append((data, peer))

    def on_failure(self, address, detail, last_sequence):
        self.failures.append((address, detail, last_sequence))


@pytest.fixture
def transport():
    made = []

    def make(port=0):
        heard = _Heard()
        made.append(TcpTransport("127.0.0.1", port, heard.on_message, heard.on_failure))
        return made[-1], heard
    yield make
    for each in made:
        each.shutdown()


@pytest.fixture
def sockets():
    """Sockets the test opens, closed at its end (before the transports are shut down)."""
    opened = []

    def add(sock):
        opened.append(sock)
        return sock
    yield add
    for sock in opened:
        sock.close()


def _read(sock, size):
    """Exactly `size` bytes from `sock` (it has a timeout), or fewer if it closes."""
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _closed_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reusable(port=0):
    """A TCP socket bound to 127.0.0.1:port with SO_REUSEPORT (so a listener and a connecting socket may
    share the port, as a trunk's listening port and the source port of its own connections do)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(10)
    return sock


def test_a_trunk_that_opens_a_connection_is_heard_and_answered_on_it(transport, sockets):
    """A request on a connection the trunk opened reaches on_message with the trunk's address; the
    connection is listed; our answer goes back on that same connection; and sippy is told the server is
    no wildcard (so its server transactions answer over this transport)."""
    tcp, heard = transport()
    trunk = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    trunk.sendall(REQUEST)
    peer = trunk.getsockname()
    eventually(lambda: heard.messages, timeout=10, message="the request to reach on_message")
    assert heard.messages == [(REQUEST, peer)]
    assert tcp.addresses() == (peer,)
    tcp.send_to(ANSWER, peer)
    assert _read(trunk, len(ANSWER)) == ANSWER
    assert heard.failures == [] and tcp.addresses() == (peer,)
    assert tcp.uopts.isWildCard() is False


def test_a_peer_that_does_not_read_stalls_no_other_connection(transport, sockets):
    """32 MiB queued for a trunk connection whose far end never reads: another trunk's request is still
    heard (the transport's thread never blocks writing)."""
    tcp, heard = transport()
    stuck = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    stuck.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the first trunk's request")
    tcp.send_to(b"x" * (32 * 1024 * 1024), stuck.getsockname())
    other = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    other.sendall(REQUEST)
    eventually(lambda: len(heard.messages) == 2, timeout=10, message="the second trunk's request")
    assert heard.messages[1] == (REQUEST, other.getsockname())


def test_a_connection_the_trunk_opens_from_our_targets_address_replaces_ours(transport, sockets):
    """We connected to the trunk at 127.0.0.1:X; then it opens a connection to us from 127.0.0.1:X. Ours
    is closed, theirs is heard, and what we send to 127.0.0.1:X next goes over theirs."""
    tcp, heard = transport()
    far = sockets(_reusable())
    far.listen(4)
    address = far.getsockname()
    first = b"OPTIONS sip:trunk@127.0.0.1 SIP/2.0\r\nCall-ID: first@flashcall\r\nContent-Length: 0\r\n\r\n"
    tcp.send_to(first, address)
    ours, _peer = far.accept()
    sockets(ours).settimeout(10)
    assert _read(ours, len(first)) == first
    theirs = sockets(_reusable(address[1]))
    theirs.connect(tcp.uopts.laddress)
    theirs.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the request on the trunk's own connection")
    assert heard.messages == [(REQUEST, address)]
    assert ours.recv(100) == b""  # ours was closed
    second = b"OPTIONS sip:trunk@127.0.0.1 SIP/2.0\r\nCall-ID: second@flashcall\r\nContent-Length: 0\r\n\r\n"
    tcp.send_to(second, address)
    assert _read(theirs, len(second)) == second
    assert tcp.addresses() == (address,)


def test_the_first_request_handed_over_is_sequence_one(transport):
    """A connection refused for the first request sent: on_failure names the address, the reason and
    sequence 1 (the requests up to it get no answer)."""
    tcp, heard = transport()
    port = _closed_tcp_port()
    tcp.send_to(REQUEST, ("127.0.0.1", port))
    eventually(lambda: heard.failures, timeout=10, message="the refused connection to be reported")
    assert heard.failures == [(("127.0.0.1", port), f"SIP over TCP to 127.0.0.1:{port}: Connection refused", 1)]


def test_send_to_never_waits_even_when_nobody_drains_the_wake_ups():
    """send_to runs in sippy's thread and must return at once: 5,000 of them after the transport's
    thread is gone (nobody reads its wake-up socket) all return."""
    heard = _Heard()
    tcp = TcpTransport("127.0.0.1", 0, heard.on_message, heard.on_failure)
    tcp.shutdown()  # once, here: the sends below are what is tested
    sent = []

    def send_many():
        for n in range(5000):
            tcp.send_to(REQUEST, ("127.0.0.1", 9))
            sent.append(n)
    threading.Thread(target=send_many, daemon=True).start()
    eventually(lambda: len(sent) == 5000, timeout=20, message=lambda: f"5000 send_to (done: {len(sent)})")


def test_a_port_taken_for_tcp_falls_back_to_a_free_one_that_listens(transport, sockets):
    """When the UDP port's number is taken for TCP, the transport listens on a free port the kernel
    picks (in its ephemeral range), and a trunk can connect there and be heard."""
    taken = sockets(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    tcp, heard = transport(port=taken.getsockname()[1])
    host, port = tcp.uopts.laddress
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    assert host == "127.0.0.1" and port != taken.getsockname()[1] and low <= port <= high
    trunk = sockets(socket.create_connection(("127.0.0.1", port), timeout=10))
    trunk.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the request on the fallback port")


def test_shutdown_closes_the_listener_and_every_connection(transport, sockets):
    """After shutdown a trunk's open connection is closed (it reads the end of the stream) and the
    listening port refuses new connections."""
    tcp, heard = transport()
    address = tcp.uopts.laddress
    trunk = sockets(socket.create_connection(address, timeout=10))
    trunk.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the connection to be taken")
    tcp.shutdown()
    assert trunk.recv(100) == b""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=10).close()


def _python(code):
    """Run `code` in a fresh interpreter (its own sippy, its own threads); its stdout, or the failure."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_process_that_never_shuts_the_transport_down_still_exits():
    """The transport's thread does not keep the process alive (a CLI run or a worker exits)."""
    out = _python("from flashcall.telephony.drivers.sip_tcp import TcpTransport\n"
                  "t = TcpTransport('127.0.0.1', 0, print, print)\nprint('listening', t.uopts.laddress[0])\n")
    assert out == "listening 127.0.0.1\n"


STACK = """
import secrets, socket
from flashcall.telephony.drivers.sip import SipStack
stack = SipStack("127.0.0.1", None)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    port = sock.getsockname()[1]
    request = (f"OPTIONS sip:flashcall@127.0.0.1:{stack.port} SIP/2.0\\r\\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(8)}\\r\\n"
               f"Max-Forwards: 70\\r\\nFrom: <sip:trunk@127.0.0.1>;tag=a1\\r\\n"
               f"To: <sip:flashcall@127.0.0.1>\\r\\nCall-ID: {secrets.token_hex(8)}@127.0.0.1\\r\\n"
               f"CSeq: 1 OPTIONS\\r\\nContent-Length: 0\\r\\n\\r\\n")
    sock.sendto(request.encode(), ("127.0.0.1", stack.port))
    print(sock.recv(65535).decode().split("\\r\\n", 1)[0])
print(isinstance(stack.port, int) and stack.port > 1023)
print([line for line in stack.sdp_offer().split("\\r\\n") if line.startswith("c=")][0])
"""


def test_a_stack_without_a_port_setting_answers_on_a_free_one_and_lets_the_process_exit():
    """No sip_port in the settings: the stack takes a free UDP port and answers a trunk's OPTIONS there;
    its SDP names the configured address; and its thread does not keep the process alive."""
    assert _python(STACK) == "SIP/2.0 200 OK\nTrue\nc=IN IP4 127.0.0.1\n"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_stack_whose_loop_cannot_start_raises(monkeypatch):
    """sippy failing to load in the stack's thread: SipStack raises at once, in words the log shows."""
    def broken():
        raise ImportError("no sippy here")
    monkeypatch.setattr(sip, "_sippy", broken)
    before = set(threading.enumerate())
    with pytest.raises(RuntimeError) as raised:
        sip.SipStack("127.0.0.1", 0)
    for thread in set(threading.enumerate()) - before:  # its thread ends with the error, within this test
        thread.join(10)
    assert str(raised.value) == "the SIP stack did not start"


def test_a_cancelled_call_reports_nothing_more(endpoint, driver):
    """The dispatcher cancels a ringing call: the trunk gets CANCEL (and its 487 is acknowledged), and
    the driver reports nothing after the ringing."""
    far = endpoint(final=None, transport="tcp")
    gateway, reports = driver(far.port, transport="tcp")
    gateway.gateway = gateway.gateway.__class__(**{**gateway.gateway.__dict__, "ring_seconds": 30.0})
    gateway.dial(dial("c1"))
    eventually(lambda: reports.of("c1"), timeout=15, message="the call to ring")
    gateway.cancel("c1")
    eventually(lambda: "ACK" in far.methods(), timeout=15, message="the 487 to be acknowledged")
    eventually(lambda: gateway.calls == {}, timeout=15)
    gateway.dial(dial("c2"))  # a later call's events come after anything c1 could still report
    eventually(lambda: reports.of("c2"), timeout=15, message="the second call to ring")
    assert [e.status for e in reports.of("c1")] == ["ringing"]
    assert far.methods()[:3] == ["INVITE", "CANCEL", "ACK"]


def test_the_from_of_an_invite_carries_the_trunks_domain(endpoint, driver):
    """A gateway with a From domain: the INVITE's From is the caller number at that domain."""
    far = endpoint(final="486 Busy Here", transport="tcp")
    gateway, reports = driver(far.port, transport="tcp", from_domain="trunk.example")
    gateway.dial(dial("c1", caller="+982191001234"))
    assert reports.final("c1").status == "failed"
    invite = next(headers for method, headers in far.received if method == "INVITE")
    assert invite["from"][0].split(";")[0] == "<sip:+982191001234@trunk.example>"
