"""SIP over TCP, the stream and the transport's loop, rule by rule: the reader (sip_tcp.MessageReader)
skips a bare LF between messages without eating the next one, takes a message without Content-Length
as bodiless, keeps exactly MAX_HEADER_BYTES of headers waiting but drops more, in its words, and
accepts a body of exactly MAX_BODY_BYTES but refuses more, in its words. The transport (TcpTransport)
names an address "tcp:host:port", numbers each request in turn, sends to 5060 when no port is given,
goes on to the requests queued behind one that could not connect, and accepts the connections a
trunk opens. (An unfinished connect given up at its deadline: test_sip_tcp_connect_rules.py.)"""
import logging
import socket
import threading

import pytest

from flashcall.telephony.drivers.sip_tcp import FramingError, MessageReader, TcpTransport

from .test_sip_tcp_rules import ANSWER, REQUEST, _read, sockets, transport  # noqa: F401 (fixtures)
from tests.waiting import eventually

BARE = b"OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: bare@trunk\r\nCSeq: 1 OPTIONS\r\n\r\n"


def _closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_bare_lf_before_a_message_is_skipped_and_only_it():
    """A keepalive LF (no CR) before a message: skipped, and the message that follows arrives whole,
    its first byte included."""
    assert MessageReader().feed(b"\n" + REQUEST) == [REQUEST]
    assert MessageReader().feed(b"\n\r\n\n" + REQUEST) == [REQUEST]


def test_a_message_without_content_length_has_no_body():
    """Headers with no Content-Length: the message ends at the blank line, and what follows is the
    next message."""
    assert MessageReader().feed(BARE + REQUEST) == [BARE, REQUEST]


def test_headers_of_exactly_the_limit_wait_and_one_byte_more_is_dropped_in_words():
    """MAX_HEADER_BYTES (65536) bytes with no blank line are still kept, waiting for more; one byte more
    raises FramingError "SIP headers without an end"."""
    reader = MessageReader()
    assert reader.feed(b"x" * 65536) == []
    with pytest.raises(FramingError) as raised:
        reader.feed(b"x")
    assert str(raised.value) == "SIP headers without an end"


def test_a_body_of_exactly_the_limit_is_accepted_and_more_is_refused_in_words():
    """Content-Length 1048576 (MAX_BODY_BYTES) is awaited; 1048577 raises FramingError
    "Content-Length 1048577 is too large"."""
    head = b"MESSAGE sip:a@127.0.0.1 SIP/2.0\r\nContent-Length: %d\r\n\r\n"
    assert MessageReader().feed(head % 1048576) == []
    with pytest.raises(FramingError) as raised:
        MessageReader().feed(head % 1048577)
    assert str(raised.value) == "Content-Length 1048577 is too large"


def test_an_address_is_named_with_host_then_port(transport):
    """addr2str, as sippy prints a TCP peer: "tcp:127.0.0.1:5070"."""
    tcp, _heard = transport()
    assert tcp.addr2str(("127.0.0.1", 5070)) == "tcp:127.0.0.1:5070"


def test_each_request_to_a_refused_target_is_reported_with_its_own_sequence(transport, caplog):
    """Two requests to a closed loopback port: each is refused and reported with its own
    sequence, 1 then 2, in the kernel's words; the log never claims a connection was made."""
    caplog.set_level(logging.INFO, logger="flashcall.sip")
    tcp, heard = transport()
    port = _closed_port()
    tcp.send_to(REQUEST, ("127.0.0.1", port))
    eventually(lambda: heard.failures, timeout=10, message="the first refusal")
    tcp.send_to(REQUEST.decode(), ("127.0.0.1", port))
    eventually(lambda: len(heard.failures) == 2, timeout=10, message="the second refusal")
    detail = f"SIP over TCP to 127.0.0.1:{port}: Connection refused"
    assert heard.failures == [(("127.0.0.1", port), detail, 1), (("127.0.0.1", port), detail, 2)]
    assert tcp.sequence == 2
    assert [r.getMessage() for r in caplog.records if "connected to" in r.getMessage()] == []


def test_an_address_without_a_port_is_port_5060(transport):
    """A request to ("127.0.0.1", None) goes to 127.0.0.1:5060 (the connection or its failure names
    that address)."""
    tcp, heard = transport()
    tcp.send_to(REQUEST, ("127.0.0.1", None))
    eventually(lambda: heard.failures or tcp.addresses(), timeout=10, message="the request to be tried")
    assert [f[0] for f in heard.failures] + list(tcp.addresses()) == [("127.0.0.1", 5060)]


def test_requests_queued_behind_a_refused_one_are_still_sent(sockets):
    """While the transport's thread is busy reporting a request refused at once (::1, not an IPv4
    address), two more are queued: another to that target and one to a listening trunk. Both are handled in the same round: the second
    refusal is reported and the trunk receives its request, without any further wake-up."""
    release, entered = threading.Event(), threading.Event()
    failures = []

    def on_failure(address, detail, last_sequence):
        failures.append((address, last_sequence))
        if len(failures) == 1:
            entered.set()
            release.wait(10)
    tcp = TcpTransport("127.0.0.1", 0, lambda data, peer: None, on_failure)
    try:
        trunk = sockets(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        trunk.bind(("127.0.0.1", 0))
        trunk.listen(4)
        trunk.settimeout(10)
        refused = ("::1", 5070)
        tcp.send_to(REQUEST, refused)
        eventually(entered.is_set, timeout=10, message="the first refusal to be reported")
        tcp.send_to(REQUEST, refused)
        tcp.send_to(ANSWER, trunk.getsockname())
        release.set()
        connection, _peer = trunk.accept()
        sockets(connection).settimeout(10)
        assert _read(connection, len(ANSWER)) == ANSWER
        assert failures == [(refused, 1), (refused, 2)]
    finally:
        release.set()
        tcp.shutdown()


def test_a_connection_a_trunk_opens_is_accepted_and_heard(transport, sockets):
    """A trunk connecting to the transport's listener and sending a request: the request reaches
    on_message with the trunk's address."""
    tcp, heard = transport()
    trunk = sockets(socket.create_connection(tcp.uopts.laddress, timeout=10))
    trunk.sendall(REQUEST)
    eventually(lambda: heard.messages, timeout=10, message="the trunk's request")
    assert heard.messages == [(REQUEST, trunk.getsockname())]
