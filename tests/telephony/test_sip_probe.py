"""«Test connection» for a SIP trunk (OPTIONS over UDP), as the operator reads it: each way of failing
in its own words, a provisional answer waited past, and the port a blank form means."""
import random
import socket
import threading

import pytest

from flashcall.telephony.drivers import sip
from flashcall.telephony.drivers.sip import SipDriver
from flashcall.telephony.gateways import GatewayConfig


def _answering(sock, *status_lines):
    """Answer the first OPTIONS on `sock` with each status line in turn (its Call-ID echoed)."""
    def serve():
        data, peer = sock.recvfrom(65535)
        text = data.decode()
        call_id = next(line for line in text.split("\r\n") if line.startswith("Call-ID:"))
        for status in status_lines:
            sock.sendto(f"SIP/2.0 {status}\r\n{call_id}\r\nContent-Length: 0\r\n\r\n".encode(), peer)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_an_unknown_host_is_a_dns_failure():
    answer = sip.options("no-such-host.invalid", 5060, timeout=3)
    assert (answer.ok, answer.rtt_ms) == (False, None) and answer.detail.startswith("DNS: ")


def test_a_closed_port_is_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = sip.options("127.0.0.1", port, timeout=3)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "SIP: [Errno 111] Connection refused")


def test_silence_says_how_long_it_waited():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        answer = sip.options("127.0.0.1", sock.getsockname()[1], timeout=0.7)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "SIP: no answer to OPTIONS within 0.7 s")


def test_a_provisional_answer_is_waited_past_for_the_final_one():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        server = _answering(sock, "100 Trying", "404 Not Found")
        answer = sip.options("127.0.0.1", sock.getsockname()[1], timeout=5)
        server.join(5)
    assert (answer.ok, answer.detail) == (True, "SIP 404 Not Found") and answer.rtt_ms >= 0


def test_a_blank_port_is_5060():
    host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, 5060))
        except OSError:
            pytest.skip(f"{host}:5060 is taken")
        server = _answering(sock, "200 OK")
        answer = SipDriver.probe(GatewayConfig(7, "sip", "trunk", host=host, port=None), 3)
        server.join(5)
    assert (answer.ok, answer.detail) == (True, "SIP 200 OK")
