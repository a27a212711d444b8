"""«Test connection» for an AMI gateway, as the operator reads it: what each way of failing says, the
Ping's round trip, the port and credentials used when the form leaves them blank, and a clean Logoff."""
import random
import socket
import threading

import pytest

from flashcall.telephony.drivers.ami import AmiDriver
from flashcall.telephony.gateways import GatewayConfig

from .ami_server import AmiServer
from tests.waiting import eventually


def _gateway(host, port, **overrides):
    values = dict(host=host, port=port, username="flashcall", secret="s3cret", ring_seconds=2)
    values.update(overrides)
    return GatewayConfig(9, "ami", "pbx", **values)


def test_a_good_gateway_answers_with_its_banner_and_the_pings_round_trip(servers):
    server = servers()
    server.ping_seconds = 0.05
    answer = AmiDriver.probe(_gateway("127.0.0.1", server.port), 5)
    assert answer.ok is True
    assert answer.detail == "Asterisk Call Manager/5.0.2; Ping Pong"
    assert 50 <= answer.rtt_ms < 10_000  # milliseconds, the Ping's alone
    eventually(lambda: server.logoffs == 1, timeout=10)  # it said goodbye before closing


def test_blank_credentials_log_in_with_empty_username_and_secret(servers):
    server = servers(username="", secret="")
    answer = AmiDriver.probe(_gateway("127.0.0.1", server.port, username=None, secret=None), 5)
    assert answer.ok is True
    assert server.logins == [("", True)]


def test_a_refused_login_says_what_asterisk_said(servers):
    server = servers()
    answer = AmiDriver.probe(_gateway("127.0.0.1", server.port, secret="wrong"), 5)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "AMI: login refused: Authentication failed")


def test_a_failed_ping_is_a_failure(servers):
    server = servers()
    server.ping_answer = {"Response": "Error", "Message": "Permission denied"}
    answer = AmiDriver.probe(_gateway("127.0.0.1", server.port), 5)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "AMI: Ping answered Error")


def test_something_else_than_asterisk_on_the_port(servers):
    banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 with a banner much longer than sixty characters\r\n"
    server = servers(banner=banner)
    answer = AmiDriver.probe(_gateway("127.0.0.1", server.port), 5)
    assert (answer.ok, answer.rtt_ms) == (False, None)
    assert answer.detail == "AMI: unexpected banner 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3 with a banner much lo'"


def test_a_closed_port_is_a_failure():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = AmiDriver.probe(_gateway("127.0.0.1", port), 5)
    assert (answer.ok, answer.rtt_ms) == (False, None)
    assert answer.detail == "AMI: [Errno 111] Connection refused"


def test_a_server_that_hangs_up_at_once():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        hang_up = threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True)
        hang_up.start()
        answer = AmiDriver.probe(_gateway("127.0.0.1", listener.getsockname()[1]), 5)
        hang_up.join(5)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "AMI: connection closed")


def test_a_silent_server_times_out_after_the_probes_timeout():
    with socket.socket() as listener:  # the kernel accepts; nobody ever writes a banner
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        answer = AmiDriver.probe(_gateway("127.0.0.1", listener.getsockname()[1]), 0.3)
    assert (answer.ok, answer.rtt_ms, answer.detail) == (False, None, "AMI: timed out")


def test_a_blank_port_is_asterisks_5038(servers):
    host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    try:
        server = AmiServer(host=host, port=5038)
    except OSError:
        pytest.skip(f"{host}:5038 is taken")
    try:
        answer = AmiDriver.probe(_gateway(host, None), 5)
    finally:
        server.stop()
    assert answer.ok is True
