"""The process's SIP stack: what it answers to requests outside our calls, and the local address it
picks for a trunk."""
import secrets
import socket

import pytest

from flashcall.settings import Settings
from flashcall.telephony.drivers.sip import SipStack, local_address_for


@pytest.fixture(scope="module")
def stack():
    return SipStack.get(Settings(sip_address="127.0.0.1"), "127.0.0.1")


def _ask(stack, method):
    """Send `method` to the stack over UDP and return the first line of its answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        port = sock.getsockname()[1]
        request = (f"{method} sip:flashcall@127.0.0.1:{stack.port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(8)}\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:trunk@127.0.0.1>;tag={secrets.token_hex(4)}\r\n"
                   f"To: <sip:flashcall@127.0.0.1>\r\nCall-ID: {secrets.token_hex(8)}@127.0.0.1\r\n"
                   f"CSeq: 1 {method}\r\nContact: <sip:trunk@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n")
        sock.sendto(request.encode(), ("127.0.0.1", stack.port))
        return sock.recv(65535).decode().split("\r\n", 1)[0]


def test_a_trunks_options_keepalive_is_answered_200(stack):
    assert _ask(stack, "OPTIONS") == "SIP/2.0 200 OK"


@pytest.mark.parametrize("method", ["INFO", "NOTIFY", "MESSAGE"])
def test_other_requests_outside_a_call_are_refused_481(stack, method):
    assert _ask(stack, method) == "SIP/2.0 481 Call/Transaction Does Not Exist"


def test_the_local_address_is_the_one_that_reaches_the_trunk():
    assert local_address_for("127.0.0.1") == "127.0.0.1"
    assert local_address_for("127.0.0.2") == "127.0.0.1"
