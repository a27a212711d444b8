"""The provider clients on their own: what each sends, how each reads every answer Zarinpal and Zibal
document (and the ones they do not), and how HTTP itself fails."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flashcall.billing.providers import PROVIDERS, Outcome, ProviderError, configured, provider_for
from flashcall.billing.providers import base, zarinpal, zibal
from flashcall.billing.providers.zarinpal import Zarinpal
from flashcall.billing.providers.zibal import Zibal
from flashcall.settings import Settings

MERCHANT = "00000000-1111-2222-3333-444444444444"


class Recorder:
    """Stands in for post_json: records (url, body, timeout) and answers from a script."""

    def __init__(self, *answers):
        self.sent, self.answers = [], list(answers)

    def __call__(self, url, body, timeout):
        self.sent.append((url, body, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def zp(monkeypatch):
    def install(*answers):
        recorder = Recorder(*answers)
        monkeypatch.setattr(zarinpal, "post_json", recorder)
        return Zarinpal(MERCHANT, "https://sandbox.zarinpal.com/", timeout=7), recorder
    return install


@pytest.fixture
def zb(monkeypatch):
    def install(*answers):
        recorder = Recorder(*answers)
        monkeypatch.setattr(zibal, "post_json", recorder)
        return Zibal("zibal", "https://gateway.zibal.ir/", timeout=9), recorder
    return install


# -- configuration -------------------------------------------------------------------------------------

def test_a_provider_exists_only_with_its_merchant_id():
    none = Settings()
    both = Settings(zarinpal_merchant_id=MERCHANT, zibal_merchant="zibal", payment_timeout_seconds=4,
                    zarinpal_base_url="https://sandbox.zarinpal.com", zibal_base_url="http://127.0.0.1:1")
    assert configured(none) == [] and provider_for("zarinpal", none) is None and provider_for("zibal", none) is None
    assert configured(both) == ["zarinpal", "zibal"] and set(PROVIDERS) == {"zarinpal", "zibal"}
    made = provider_for("zarinpal", both)
    assert (made.merchant_id, made.base_url, made.timeout, made.name) == (
        MERCHANT, "https://sandbox.zarinpal.com", 4, "zarinpal")
    made = provider_for("zibal", both)
    assert (made.merchant, made.base_url, made.timeout, made.name) == ("zibal", "http://127.0.0.1:1", 4, "zibal")
    assert provider_for("idpay", both) is None and provider_for(None, both) is None
    assert configured(Settings(zibal_merchant="zibal")) == ["zibal"]
    assert Zarinpal.minimum == Zibal.minimum == 10_000


# -- Zarinpal ------------------------------------------------------------------------------------------

def test_zarinpal_request_sends_rial_and_returns_the_authority(zp):
    provider, sent = zp({"data": {"code": 100, "authority": "A0000000000000000000000000000000001"}, "errors": []})
    authority = provider.request(25_000, "Flashcall top-up #7", "https://x.ir/billing/payments/7/return", 7)
    assert authority == "A0000000000000000000000000000000001"
    assert sent.sent == [("https://sandbox.zarinpal.com/pg/v4/payment/request.json", {
        "merchant_id": MERCHANT, "amount": 25_000, "currency": "IRR", "description": "Flashcall top-up #7",
        "callback_url": "https://x.ir/billing/payments/7/return", "metadata": {"order_id": "7"}}, 7)]
    assert provider.start_url(authority) == "https://sandbox.zarinpal.com/pg/StartPay/" + authority


@pytest.mark.parametrize("answer, code", [
    ({"data": [], "errors": {"code": -9, "message": "The input params invalid"}}, "-9"),
    ({"data": [], "errors": {"code": -10, "message": "bad ip"}}, "-10"),
    ({"data": {"code": 101}, "errors": []}, "101"),
    ({"data": {"code": 100, "authority": ""}, "errors": []}, "100"),
    ({"data": {"code": 100}, "errors": []}, "100"),
    ({"data": "nonsense", "errors": []}, "unknown"),
    ({"errors": {"message": "no code"}}, "unknown"),
    ({}, "unknown"),
])
def test_zarinpal_request_refusals_carry_its_code(zp, answer, code):
    provider, _sent = zp(answer)
    with pytest.raises(ProviderError) as refused:
        provider.request(25_000, "d", "https://x.ir/cb", 1)
    assert refused.value.code == code and refused.value.detail == "request refused"


def test_zarinpal_verify_paid_and_already_verified(zp):
    provider, sent = zp({"data": {"code": 100, "ref_id": 201, "card_pan": "502229******5995", "fee": 0}},
                        {"data": {"code": 101, "ref_id": 201, "card_pan": ""}})
    first = provider.verify("A1", 25_000)
    assert first == Outcome(True, "100", ref_id="201", card_pan="502229******5995")
    assert provider.verify("A1", 25_000) == Outcome(True, "101", ref_id="201", card_pan=None)
    assert sent.sent[0] == ("https://sandbox.zarinpal.com/pg/v4/payment/verify.json",
                            {"merchant_id": MERCHANT, "amount": 25_000, "authority": "A1"}, 7)


@pytest.mark.parametrize("answer, outcome", [
    ({"data": [], "errors": {"code": -51, "message": "Session is not valid"}},
     Outcome(False, "-51", message="Session is not valid")),
    ({"data": [], "errors": {"code": -50, "message": ""}}, Outcome(False, "-50", message=None)),
    ({"data": {"code": -54}, "errors": []}, Outcome(False, "-54", message=None)),
    ({"data": {}, "errors": []}, Outcome(False, "unknown", message=None)),
    ({"errors": {"code": -55, "message": "x" * 100}}, Outcome(False, "-55", message="x" * 100)),
    ({"errors": {"code": -55, "message": "x" * 300}}, Outcome(False, "-55", message="x" * 200)),
])
def test_zarinpal_verify_refusals(zp, answer, outcome):
    provider, _sent = zp(answer)
    assert provider.verify("A1", 25_000) == outcome


def test_zarinpal_long_references_are_cut_to_their_columns(zp):
    provider, _sent = zp({"data": {"code": 100, "ref_id": "9" * 80, "card_pan": "5" * 70}})
    outcome = provider.verify("A1", 1)
    assert outcome.ref_id == "9" * 64 and outcome.card_pan == "5" * 32


def test_the_cut_lengths_are_the_payment_columns():
    from flashcall.models import Payment
    columns = Payment.__table__.columns
    assert (base.REF_ID_LENGTH, base.CARD_PAN_LENGTH, base.MESSAGE_LENGTH) == (
        columns.ref_id.type.length, columns.card_pan.type.length, columns.failure_message.type.length)


def test_zarinpal_callback():
    assert Zarinpal.callback({"Authority": "A1", "Status": "OK"}) == ("A1", True)
    assert Zarinpal.callback({"Authority": "A1", "Status": "NOK"}) == ("A1", False)
    assert Zarinpal.callback({"Status": "ok"}) == ("", False)


# -- Zibal ---------------------------------------------------------------------------------------------

def test_zibal_request_sends_rial_and_returns_the_track_id(zb):
    provider, sent = zb({"result": 100, "trackId": 3_000_001, "message": "success"})
    assert provider.request(30_000, "Flashcall top-up #8", "https://x.ir/cb/8", 8) == "3000001"
    assert sent.sent == [("https://gateway.zibal.ir/v1/request", {
        "merchant": "zibal", "amount": 30_000, "callbackUrl": "https://x.ir/cb/8",
        "description": "Flashcall top-up #8", "orderId": "8"}, 9)]
    assert provider.start_url("3000001") == "https://gateway.zibal.ir/start/3000001"


@pytest.mark.parametrize("answer, code", [
    ({"result": 102, "message": "merchant not found"}, "102"),
    ({"result": 100}, "100"),
    ({"result": 100, "trackId": 0}, "100"),
    ({}, "unknown"),
])
def test_zibal_request_refusals(zb, answer, code):
    provider, _sent = zb(answer)
    with pytest.raises(ProviderError) as refused:
        provider.request(30_000, "d", "https://x.ir/cb", 1)
    assert refused.value.code == code


@pytest.mark.parametrize("answer, outcome", [
    ({"result": 100, "amount": 30_000, "refNumber": 77, "cardNumber": "6037****1234"},
     Outcome(True, "100", ref_id="77", card_pan="6037****1234")),
    ({"result": 201, "refNumber": 77}, Outcome(True, "201", ref_id="77", card_pan=None)),
    ({"result": 100, "amount": "30000"}, Outcome(True, "100")),
    ({"result": 100, "amount": 29_999, "refNumber": 77}, Outcome(False, "amount_mismatch",
                                                                   message="the paid amount differs")),
    ({"result": 202, "message": "not paid"}, Outcome(False, "202", message="not paid")),
    ({"message": ""}, Outcome(False, "unknown", message=None)),
])
def test_zibal_verify(zb, answer, outcome):
    provider, sent = zb(answer)
    assert provider.verify("3000001", 30_000) == outcome
    assert sent.sent == [("https://gateway.zibal.ir/v1/verify", {"merchant": "zibal", "trackId": "3000001"}, 9)]


def test_zibal_long_references_are_cut_to_their_columns(zb):
    provider, _sent = zb({"result": 100, "amount": 30_000, "refNumber": "7" * 80, "cardNumber": "6" * 70,
                          "message": "m" * 300})
    outcome = provider.verify("3000001", 30_000)
    assert outcome.ref_id == "7" * 64 and outcome.card_pan == "6" * 32 and outcome.message is None
    provider, _sent = zb({"result": 202, "message": "m" * 300})
    assert provider.verify("3000001", 30_000).message == "m" * 200


def test_zibal_callback():
    assert Zibal.callback({"trackId": "3000001", "success": "1"}) == ("3000001", True)
    assert Zibal.callback({"trackId": "3000001", "success": "0"}) == ("3000001", False)
    assert Zibal.callback({}) == ("", False)


# -- HTTP ----------------------------------------------------------------------------------------------

class Answers:
    """A local server answering each POST with the next (status, body) and recording what came."""

    def __init__(self):
        self.script, self.received = [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append((self.path, dict(self.headers), json.loads(body)))
                status, text = outer.script.pop(0)
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/elsewhere")
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def answers():
    server = Answers()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()


def test_post_json_sends_json_and_reads_json(answers):
    answers.script = [(200, '{"data": {"code": 100}}'), (400, '{"errors": {"code": -9}}')]
    assert base.post_json(answers.url + "/a", {"x": 1}, 5) == {"data": {"code": 100}}
    assert base.post_json(answers.url + "/b", {"x": 2}, 5) == {"errors": {"code": -9}}  # 4xx: read the answer
    path, headers, body = answers.received[0]
    assert (path, body, headers["Accept"], headers["Content-Type"]) == ("/a", {"x": 1}, "application/json",
                                                                      "application/json")


@pytest.mark.parametrize("status, text, code", [
    (500, '{"ok": true}', "http_500"),
    (502, "Bad Gateway", "http_502"),
    (200, "<html>maintenance</html>", "bad_answer"),
    (200, "[1, 2]", "bad_answer"),
    (302, "", "bad_answer"),  # a redirect is not followed
])
def test_post_json_failures_are_provider_errors(answers, status, text, code):
    answers.script = [(status, text)]
    with pytest.raises(ProviderError) as failed:
        base.post_json(answers.url, {}, 5)
    assert failed.value.code == code and len(answers.received) == 1
    assert str(failed.value).startswith(code + ": ")


def test_post_json_unreachable_and_timeout():
    with pytest.raises(ProviderError) as failed:
        base.post_json("http://127.0.0.1:9/nothing", {}, 5)
    assert failed.value.code == "unreachable" and failed.value.detail == "ConnectionError"
    silent = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # accepts, never answers
    try:
        with pytest.raises(ProviderError) as failed:
            base.post_json(f"http://127.0.0.1:{silent.server_port}/", {}, 0.3)
        assert failed.value.code == "timeout"
    finally:
        silent.server_close()
