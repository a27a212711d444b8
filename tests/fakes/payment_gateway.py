"""A local server that speaks Zarinpal's REST v4 and Zibal's documented APIs, for the real client code.

State is kept per authority/trackId; `mode` makes it misbehave ("timeout": answers late, "5xx":
answers 502) so the failure paths run against real HTTP. The payer's page (`StartPay`, `start`)
has two links, pay and cancel, which redirect to the merchant's callback as the real gateways do.
"""
import itertools
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlparse

MERCHANT = "00000000-1111-2222-3333-444444444444"
ZIBAL_MERCHANT = "zibal"
MINIMUM = 10_000
CARD = "502229******5995"


class PaymentGateway:
    def __init__(self):
        self.payments = {}  # reference -> dict(amount, callback, order, paid, verified, provider)
        self.mode = None
        self.delay = 3.0
        self.verify_calls = 0
        self.card_pan, self.ref_id = CARD, 201  # what Zarinpal's verify names the payer's card and receipt
        self._track = itertools.count(3_000_001)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="fake-gateway")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)

    def pay(self, reference):
        """The payer completed the payment on the gateway's page."""
        self.payments[reference]["paid"] = True

    # -- the two APIs ------------------------------------------------------------------------
    def zarinpal_request(self, body):
        if body.get("merchant_id") != MERCHANT:
            return _zp_error(-10)
        if not isinstance(body.get("amount"), int) or body["amount"] < MINIMUM or not body.get("callback_url"):
            return _zp_error(-9)
        authority = "A" + secrets.token_hex(17)[:35]
        self.payments[authority] = {"amount": body["amount"], "callback": body["callback_url"], "paid": False,
                                    "verified": False, "provider": "zarinpal"}
        return {"data": {"code": 100, "message": "Success", "authority": authority, "fee_type": "Merchant",
                         "fee": 0}, "errors": []}

    def zarinpal_verify(self, body):
        with self._lock:
            self.verify_calls += 1
            if body.get("merchant_id") != MERCHANT:
                return _zp_error(-10)
            payment = self.payments.get(body.get("authority"))
            if payment is None or payment["provider"] != "zarinpal":
                return _zp_error(-54)
            if body.get("amount") != payment["amount"]:
                return _zp_error(-50)
            if not payment["paid"]:
                return _zp_error(-51)
            code = 101 if payment["verified"] else 100
            payment["verified"] = True
            return {"data": {"code": code, "message": "Verified", "card_hash": "ab" * 32, "card_pan": self.card_pan,
                             "ref_id": self.ref_id, "fee_type": "Merchant", "fee": 0}, "errors": []}

    def zibal_request(self, body):
        if body.get("merchant") != ZIBAL_MERCHANT:
            return {"result": 102, "message": "merchant not found"}
        if not isinstance(body.get("amount"), int) or body["amount"] < 1_000:
            return {"result": 105, "message": "amount too small"}
        track = str(next(self._track))
        self.payments[track] = {"amount": body["amount"], "callback": body["callbackUrl"], "paid": False,
                                "verified": False, "provider": "zibal", "order": body.get("orderId")}
        return {"result": 100, "trackId": int(track), "message": "success"}

    def zibal_verify(self, body):
        with self._lock:
            self.verify_calls += 1
            payment = self.payments.get(str(body.get("trackId")))
            if body.get("merchant") != ZIBAL_MERCHANT:
                return {"result": 102, "message": "merchant not found"}
            if payment is None or payment["provider"] != "zibal":
                return {"result": 203, "message": "invalid trackId"}
            if not payment["paid"]:
                return {"result": 202, "message": "not paid"}
            result = 201 if payment["verified"] else 100
            payment["verified"] = True
            return {"result": result, "message": "success", "amount": payment["amount"], "refNumber": 7001,
                    "cardNumber": "62741****44", "status": 1, "paidAt": "2026-11-30T12:00:00"}

    def payer_page(self, path):
        """(status, headers, body) for the gateway's page, its pay link and its cancel link."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["pg", "StartPay"] and len(parts) >= 3:
            reference, provider = parts[2], "zarinpal"
        elif parts[:1] == ["start"] and len(parts) >= 2:
            reference, provider = parts[1], "zibal"
        else:
            return 404, {}, b"not found"
        payment = self.payments.get(reference)
        if payment is None:
            return 404, {}, b"unknown payment"
        action = parts[-1] if parts[-1] in ("pay", "cancel") else None
        if action is None:
            body = (f'<html><body><h1>{payment["amount"]} IRR</h1><a id="pay" href="{path.rstrip("/")}/pay">pay</a> '
                    f'<a id="cancel" href="{path.rstrip("/")}/cancel">cancel</a></body></html>')
            return 200, {"Content-Type": "text/html"}, body.encode()
        paid = action == "pay"
        if paid:
            payment["paid"] = True
        if provider == "zarinpal":
            query = {"Authority": reference, "Status": "OK" if paid else "NOK"}
        else:
            query = {"success": "1" if paid else "0", "trackId": reference, "orderId": payment["order"],
                     "status": "2" if paid else "3"}
        joiner = "&" if urlparse(payment["callback"]).query else "?"
        return 302, {"Location": payment["callback"] + joiner + urlencode(query)}, b""

    def _handler(self):
        gateway = self
        routes = {"/pg/v4/payment/request.json": self.zarinpal_request,
                  "/pg/v4/payment/verify.json": self.zarinpal_verify,
                  "/v1/request": self.zibal_request, "/v1/verify": self.zibal_verify}

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if gateway.mode == "timeout":
                    time.sleep(gateway.delay)
                if gateway.mode == "5xx":
                    return self._send(502, {"Content-Type": "text/html"}, b"<h1>Bad Gateway</h1>")
                route = routes.get(urlparse(self.path).path)
                if route is None:
                    return self._send(404, {}, b"")
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                answer = route(body if isinstance(body, dict) else {})
                self._send(200, {"Content-Type": "application/json"}, json.dumps(answer).encode())

            def do_GET(self):
                self._send(*gateway.payer_page(urlparse(self.path).path))

        return Handler


def _zp_error(code):
    return {"data": [], "errors": {"code": code, "message": "error", "validations": []}}
