"""Why a delivery attempt failed, as stored in last_error (and shown on the service page): each kind of
connection error gets its own code, whichever way the resolver or the socket words it."""
import pytest
import requests

from flashcall.webhooks.sender import _failure


@pytest.mark.parametrize("error, code", [
    (requests.exceptions.SSLError("certificate verify failed"), "tls"),
    (requests.ConnectionError("Failed to resolve 'x.invalid' (NameResolutionError)"), "unresolvable"),
    (requests.ConnectionError("[Errno -2] Name or service not known"), "unresolvable"),
    (requests.ConnectionError("[Errno 11001] getaddrinfo failed"), "unresolvable"),
    (requests.ConnectionError("[Errno 111] Connection refused"), "refused"),
    (requests.ConnectionError("Connection reset by peer"), "network"),
    (requests.Timeout("read timed out"), "timeout"),
    (OSError("something else"), "network"),
])
def test_each_connection_failure_has_its_code(error, code):
    assert _failure(error) == code
