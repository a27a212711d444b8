"""SIP over TCP, the transport's own connections (sip_tcp.TcpTransport), rule by rule on loopback: a
target is reached at the address it names; an address that cannot be resolved, a connect the kernel
refuses at once and a connect that never completes are each reported with the address, the reason in
words and the sequence of the request they took; a connect that completes at once is a connection; a
connection the far end closes, resets or feeds with something that is not SIP is reported (with the
last request it carried, 0 for none) and the next request opens a new one; a message too big for the
socket's buffer arrives whole, in order with what follows it; an idle connection does not keep the
transport's thread busy; and only a connection that carried something of ours is logged as a warning.

The transport and socket fixtures are those of test_sip_tcp_rules."""
import logging
import socket
import struct
import time

from flashcall.telephony.drivers import sip_tcp

from .test_sip_tcp_rules import ANSWER, REQUEST, _read, sockets, transport  # noqa: F401 (fixtures)
from tests.waiting import eventually

CLOSED = "the far end closed the connection"


def _listener(sockets, host="127.0.0.1", backlog=4):
    """A listening TCP socket on `host` (closed at the test's end), with a 10 s timeout."""
    sock = sockets(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    sock.bind((host, 0))
    sock.listen(backlog)
    sock.settimeout(10)
    return sock


def _accept(listener, sockets):
    connection, _peer = listener.accept()
    connection.settimeout(10)
    return sockets(connection)


def _trunk(tcp, heard, sockets):
    """A trunk that opened a connection to the transport and was heard on it; (its socket, its address)."""
    trunk = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    trunk.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the trunk's request to be heard")
    return trunk, trunk.getsockname()


def _reset(sock):
    """Close `sock` with a TCP reset (RST) instead of an orderly end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _pattern(size):
    """`size` bytes that are not all alike (a lost or repeated stretch changes them)."""
    return (b"".join(b"%08d" % n for n in range(size // 8 + 1)))[:size]


def test_a_target_is_reached_at_the_address_it_names(transport, sockets):
    """A request for 127.0.0.2:P (another loopback address) is delivered to the listener there, not to
    127.0.0.1; nothing is reported failed."""
    tcp, heard = transport()
    far = _listener(sockets, host="127.0.0.2")
    address = far.getsockname()
    tcp.send_to(REQUEST, address)
    ours = _accept(far, sockets)
    assert _read(ours, len(REQUEST)) == REQUEST
    assert heard.failures == []
    assert tcp.addresses() == (("127.0.0.2", address[1]),)


def test_an_address_that_cannot_be_resolved_is_reported_with_each_requests_sequence(transport):
    """::1 cannot be resolved as an IPv4 address: each request sent there is reported failed at once,
    with the address, the resolver's words and its own sequence (1, then 2); no connection is kept."""
    tcp, heard = transport()
    tcp.send_to(REQUEST, ("::1", 5070))
    eventually(lambda: heard.failures, timeout=10, message="the first failure")
    tcp.send_to(REQUEST, ("::1", 5070))
    eventually(lambda: len(heard.failures) == 2, timeout=10, message="the second failure")
    detail = "SIP over TCP to ::1:5070: Address family for hostname not supported"
    assert heard.failures == [(("::1", 5070), detail, 1), (("::1", 5070), detail, 2)]
    assert tcp.addresses() == ()


def test_a_connect_the_kernel_refuses_at_once_is_reported_in_its_words(transport):
    """A connect to the loopback broadcast address fails at once (network unreachable): reported with
    the address, "Network is unreachable" and sequence 1; no connection is kept."""
    tcp, heard = transport()
    tcp.send_to(REQUEST, ("127.255.255.255", 5060))
    eventually(lambda: heard.failures, timeout=10, message="the unreachable target to be reported")
    assert heard.failures == [(("127.255.255.255", 5060),
                               "SIP over TCP to 127.255.255.255:5060: Network is unreachable", 1)]
    assert tcp.addresses() == ()


def test_a_connection_that_never_completes_is_given_up_at_the_connect_deadline(transport, sockets, monkeypatch):
    """A trunk whose accept queue is full never completes the handshake: once CONNECT_SECONDS (here
    0.5 s) have passed, the request is reported failed in those words, and the attempt is dropped."""
    monkeypatch.setattr(sip_tcp, "CONNECT_SECONDS", 0.5)
    full = _listener(sockets, backlog=0)
    port = full.getsockname()[1]
    sockets(socket.create_connection(("127.0.0.1", port), timeout=10))  # fills the queue
    tcp, heard = transport()
    tcp.send_to(REQUEST, ("127.0.0.1", port))
    eventually(lambda: heard.failures, timeout=10, message="the unfinished connect to be given up")
    assert heard.failures == [(("127.0.0.1", port), f"SIP over TCP to 127.0.0.1:{port}: no connection within 0.5 s", 1)]
    assert tcp.addresses() == ()


class _ConnectsAtOnce(socket.socket):
    """A socket whose connect_ex finishes the handshake before it returns (code 0), as a non-blocking
    connect may on a fast path."""

    def connect_ex(self, address):
        self.setblocking(True)
        try:
            return super().connect_ex(address)
        finally:
            self.setblocking(False)


class _SocketModule:
    """sip_tcp's `socket` module, with _ConnectsAtOnce as its socket class."""
    socket = _ConnectsAtOnce

    def __getattr__(self, name):
        return getattr(socket, name)


def test_a_connect_that_completes_at_once_is_a_connection(transport, sockets, monkeypatch):
    """connect_ex returning 0 (connected already) is success, not an error: the request is delivered
    and nothing is reported failed."""
    tcp, heard = transport()
    monkeypatch.setattr(sip_tcp, "socket", _SocketModule())
    far = _listener(sockets)
    tcp.send_to(REQUEST, far.getsockname())
    ours = _accept(far, sockets)
    assert _read(ours, len(REQUEST)) == REQUEST
    assert heard.failures == []


def test_each_connection_the_far_end_closes_is_reported_and_the_next_request_opens_a_new_one(transport, sockets):
    """Three times over: a request opens a connection, the far end reads it and closes; the failure
    names the address, "the far end closed the connection" and that request's sequence; the next
    request is delivered on a new connection."""
    tcp, heard = transport()
    far = _listener(sockets)
    address = far.getsockname()
    for n in (1, 2, 3):
        tcp.send_to(REQUEST, address)
        ours = _accept(far, sockets)
        assert _read(ours, len(REQUEST)) == REQUEST
        ours.close()
        eventually(lambda: len(heard.failures) == n, timeout=10, message=f"the end of connection {n}")
    detail = f"SIP over TCP to 127.0.0.1:{address[1]}: {CLOSED}"
    assert heard.failures == [(address, detail, 1), (address, detail, 2), (address, detail, 3)]
    assert tcp.addresses() == ()


def test_a_trunk_connection_that_carried_nothing_of_ours_ends_quietly_with_sequence_zero(transport, sockets, caplog):
    """A trunk opens a connection, sends a request and closes it before we sent anything on it: the
    failure carries sequence 0 (no request of ours is lost) and no warning is logged."""
    caplog.set_level(logging.INFO, logger="flashcall.sip")
    tcp, heard = transport()
    trunk, peer = _trunk(tcp, heard, sockets)
    trunk.close()
    eventually(lambda: heard.failures, timeout=10, message="the closed connection to be reported")
    assert heard.failures == [(peer, f"SIP over TCP to 127.0.0.1:{peer[1]}: {CLOSED}", 0)]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_trunk_connection_that_carried_our_answer_is_logged_when_it_ends(transport, sockets, caplog):
    """A trunk's connection that carried our answer (sequence 1) is closed by the trunk: the failure
    carries sequence 1 and the same words are logged once as a warning on flashcall.sip."""
    caplog.set_level(logging.INFO, logger="flashcall.sip")
    tcp, heard = transport()
    trunk, peer = _trunk(tcp, heard, sockets)
    tcp.send_to(ANSWER, peer)
    assert _read(trunk, len(ANSWER)) == ANSWER
    trunk.close()
    eventually(lambda: heard.failures, timeout=10, message="the closed connection to be reported")
    detail = f"SIP over TCP to 127.0.0.1:{peer[1]}: {CLOSED}"
    assert heard.failures == [(peer, detail, 1)]
    warnings = [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [("flashcall.sip", "WARNING", detail)]


def test_a_connection_reset_with_nothing_to_send_is_reported_as_reset(transport, sockets):
    """A trunk resets (RST) its connection while we have nothing queued for it: reported as
    "Connection reset by peer" with sequence 0, and the connection is dropped."""
    tcp, heard = transport()
    trunk, peer = _trunk(tcp, heard, sockets)
    _reset(trunk)
    eventually(lambda: heard.failures, timeout=10, message="the reset to be reported")
    assert heard.failures == [(peer, f"SIP over TCP to 127.0.0.1:{peer[1]}: Connection reset by peer", 0)]
    assert tcp.addresses() == ()


def test_a_connection_reset_while_we_are_still_writing_is_reported_as_reset(transport, sockets):
    """A trunk that stopped reading resets its connection while 32 MiB of ours are still queued for it:
    reported as "Connection reset by peer" with the sequence of that message (1)."""
    tcp, heard = transport()
    trunk, peer = _trunk(tcp, heard, sockets)
    tcp.send_to(b"x" * (32 * 1024 * 1024), peer)
    assert trunk.recv(1, socket.MSG_PEEK) == b"x"  # the writing has begun (and cannot finish)
    _reset(trunk)
    eventually(lambda: heard.failures, timeout=10, message="the reset to be reported")
    assert heard.failures == [(peer, f"SIP over TCP to 127.0.0.1:{peer[1]}: Connection reset by peer", 1)]
    assert tcp.addresses() == ()


def test_a_trunk_that_does_not_frame_sip_is_cut_off_in_the_readers_words(transport, sockets):
    """A trunk announcing a 2,000,000-byte body is not SIP: its connection is closed (it reads the end
    of the stream) and reported with the reader's words and sequence 0."""
    tcp, heard = transport()
    trunk = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    peer = trunk.getsockname()
    trunk.sendall(b"SIP/2.0 200 OK\r\nContent-Length: 2000000\r\n\r\n")
    eventually(lambda: heard.failures, timeout=10, message="the framing error to be reported")
    assert heard.failures == [(peer, f"SIP over TCP to 127.0.0.1:{peer[1]}: Content-Length 2000000 is too large", 0)]
    assert trunk.recv(100) == b""
    assert heard.messages == [] and tcp.addresses() == ()


def test_a_message_bigger_than_the_socket_buffer_arrives_whole(transport, sockets):
    """16 MiB sent on a connection we open (more than one send can take) reach a far end that reads
    them, every byte in order."""
    tcp, heard = transport()
    far = _listener(sockets)
    big = _pattern(16 * 1024 * 1024)
    tcp.send_to(big, far.getsockname())
    ours = _accept(far, sockets)
    assert _read(ours, len(big)) == big
    assert heard.failures == []


def test_what_is_queued_behind_a_full_socket_buffer_follows_in_order(transport, sockets):
    """32 MiB for a trunk that is not reading yet, then a short message: once the trunk reads, it gets
    all of the first and then the second, nothing lost or skipped."""
    tcp, heard = transport()
    trunk, peer = _trunk(tcp, heard, sockets)
    big = _pattern(32 * 1024 * 1024)
    tcp.send_to(big, peer)
    tcp.send_to(ANSWER, peer)
    time.sleep(0.5)  # both are handed to the full socket before the trunk starts reading
    assert _read(trunk, len(big) + len(ANSWER)) == big + ANSWER
    assert heard.failures == []


def test_an_idle_connection_does_not_keep_the_thread_busy(transport, sockets):
    """Once a message is written and nothing more is queued, the transport's thread waits: over one
    second with an idle open connection it goes round its loop fewer than 10 times (not thousands)."""
    tcp, heard = transport()
    far = _listener(sockets)
    tcp.send_to(REQUEST, far.getsockname())
    ours = _accept(far, sockets)
    assert _read(ours, len(REQUEST)) == REQUEST
    rounds = []
    step = tcp._step

    def counted():
        rounds.append(1)
        step()
    tcp._step = counted
    time.sleep(1)
    assert len(rounds) < 10
    assert heard.failures == [] and tcp.addresses() == (far.getsockname(),)
