"""The test page through the test client: roles, scoping, engine errors in words, polling that stops."""
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from flashcall import verification
from flashcall.clock import utcnow
from flashcall.digits import to_persian
from flashcall.db import db
from flashcall.models import Call
from tests.virtual_phone import typed_code
from tests.worker import run_once
from flashcall.verification import VerificationError

PHONE = "09121234567"
E164 = "+989121234567"
HX = {"HX-Request": "true"}


@pytest.fixture
def developer(make, login):
    owner = make.account()
    service = make.service(owner.account, name="Shop login", min_interval_seconds=0)
    user = make.user(owner.account, role="developer")
    login(user)
    return service.id


def start(client, service_id, phone=PHONE, **extra):
    return client.post("/test/calls", data={"service_id": service_id, "phone": phone, "key": "", **extra}, headers=HX)


def only_call(app):
    """The newest call (the tests share the app context, and so the session, with the views)."""
    db.session.expire_all()
    return db.session.scalars(select(Call).order_by(Call.created_at.desc())).first()


def localised(app, code, **fields):
    with app.test_request_context(headers={"Accept-Language": "fa"}):
        return str(escape(VerificationError(code, **fields).message))


def test_viewer_sees_the_page_without_the_button_and_cannot_post(client, make, login):
    owner = make.account()
    make.service(owner.account)
    login(make.user(owner.account, role="viewer"))
    page = client.get("/test/").get_data(as_text=True)
    assert 'id="start-form"' not in page
    assert client.post("/test/calls", data={"phone": PHONE}, headers=HX).status_code == 403
    assert client.post("/test/calls/x/verify", data={"code": "1"}, headers=HX).status_code == 403
    assert client.post("/test/calls/x/retry", headers=HX).status_code == 403


def test_developer_starts_a_dashboard_call_that_polls(app, client, developer):
    page = client.get("/test/").get_data(as_text=True)
    assert 'id="start-form"' in page
    response = start(client, developer, phone="۰۹۱۲۱۲۳۴۵۶۷")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-status="queued"' in html
    assert 'hx-trigger="every 1s"' in html
    call = only_call(app)
    assert call.source == "dashboard" and call.key_id is None and call.phone == E164
    assert 'id="virtual-phone"' in html  # the default gateway is the simulator
    # the progress steps, the first one current: queued, dialing, ringing, delivered (in Persian)
    assert html.count('class="is-current"') == 1 and html.count('class="is-next"') == 3
    assert 'aria-current="step"' in html and "در صف" in html.split('class="call-progress')[1]


def test_a_pasted_key_of_the_account_is_used(app, client, make, login):
    owner = make.account()
    service = make.service(owner.account, name="With key")
    key, token = make.key(service, label="backend key")
    login(owner)
    response = start(client, 0, key=token)
    assert 'data-status="queued"' in response.get_data(as_text=True)
    assert only_call(app).key_id == key.id


def test_another_accounts_key_is_refused_and_nothing_is_written(app, client, make, developer):
    _, foreign = make.key(make.service())
    html = start(client, 0, key=foreign).get_data(as_text=True)
    # Written out: the page always has the word «کلید» (the field's label), never this sentence unprompted.
    assert "این کلید دسترسی معتبر نیست. کلید کامل یکی از سرویس‌های خود را وارد کنید" in html
    assert only_call(app) is None


def test_missing_service_and_key_is_explained(app, client, developer):
    html = start(client, 0).get_data(as_text=True)
    assert 'is-invalid' in html and only_call(app) is None


@pytest.mark.parametrize("code, fields", [
    ("interval_limit", {"retry_after": 90}),
    ("daily_limit", {"retry_after": 3600}),
    ("direction_not_allowed", {}),
    ("insufficient_credit", {}),
    ("gateway_unavailable", {}),
    ("service_disabled", {}),
])
def test_engine_errors_are_shown_in_words_not_codes(app, client, developer, monkeypatch, code, fields):
    def refuse(*args, **kwargs):
        raise VerificationError(code, **fields)
    monkeypatch.setattr(verification, "start_call", refuse)
    response = start(client, developer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert localised(app, code) in html
    assert code not in html and "Traceback" not in html
    if fields:
        assert to_persian(fields["retry_after"]) in html


def test_a_real_interval_limit_is_shown_under_the_phone(app, client, make, login):
    owner = make.account()
    service = make.service(owner.account, min_interval_seconds=120)
    login(owner)
    start(client, service.id)
    html = start(client, service.id).get_data(as_text=True)
    assert localised(app, "interval_limit") in html and "invalid-feedback" in html
    assert "interval_limit" not in html


def test_an_invalid_phone_is_explained(app, client, developer):
    html = start(client, developer, phone="12ab").get_data(as_text=True)
    assert "invalid-feedback" in html and "invalid_parameters" not in html and only_call(app) is None


def test_another_accounts_call_is_404(app, client, make, developer):
    other = make.service()
    call_id = verification.start_call(other, PHONE).id
    assert client.get(f"/test/calls/{call_id}", headers=HX).status_code == 404
    assert client.post(f"/test/calls/{call_id}/verify", data={"code": "1"}, headers=HX).status_code == 404
    assert client.post(f"/test/calls/{call_id}/retry", headers=HX).status_code == 404
    assert client.get(f"/test/?call_id={call_id}").status_code == 404


def poll(client, call, seen=None):
    url = f"/test/calls/{call.id}" + (f"?seen={seen}" if seen else "")
    return client.get(url, headers=HX)


def test_full_flow_wrong_code_right_code_and_polling_stops(app, client, developer):
    start(client, developer)
    call = only_call(app)
    assert poll(client, call, seen="queued.0").status_code == 204  # unchanged: nothing to swap
    run_once()
    html = poll(client, call, seen="queued.0").get_data(as_text=True)
    assert 'data-status="delivered"' in html and 'id="code-input"' in html and 'inputmode="numeric"' in html
    assert 'hx-trigger="every 1s"' in html  # still watching for expiry
    call = only_call(app)
    phone_panel = client.get(f"/test/phone?phone=%2B989121234567", headers=HX).get_data(as_text=True)
    assert to_persian(call.caller_number) in phone_panel

    wrong = str((int(typed_code(E164, 4)) + 1) % 10 ** 4).zfill(4)
    html = client.post(f"/test/calls/{call.id}/verify", data={"code": wrong}, headers=HX).get_data(as_text=True)
    assert localised(app, "invalid_code") in html and to_persian(2) in html

    right = to_persian(typed_code(E164, 4))  # typed in Persian digits
    html = client.post(f"/test/calls/{call.id}/verify", data={"code": right}, headers=HX).get_data(as_text=True)
    assert 'data-status="verified"' in html and 'id="call-success"' in html
    assert "hx-trigger" not in html  # final: polling stops
    assert "Shop login" in html and to_persian(call.caller_number) in html
    assert poll(client, call).get_data(as_text=True).count("hx-trigger") == 0


def _delivered_then_expired(app, client, developer):
    """A call started from the page and delivered, then past its deadline: the shortest code lifetime
    is a minute, so the deadline is moved instead of waited for."""
    start(client, developer)
    run_once()
    call = only_call(app)
    call.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return call


def test_expiry_seen_by_polling_offers_a_retry_from_another_number(app, client, developer):
    call = _delivered_then_expired(app, client, developer)
    html = poll(client, call, seen="delivered.0").get_data(as_text=True)
    assert 'data-status="expired"' in html and 'id="retry-button"' in html and "hx-trigger" not in html
    html = client.post(f"/test/calls/{call.id}/retry", headers=HX).get_data(as_text=True)
    assert 'data-status="queued"' in html and 'hx-trigger="every 1s"' in html
    retried = only_call(app)
    assert retried.retry_of == call.id and retried.caller_number != call.caller_number
    assert retried.source == "dashboard"


def test_a_call_already_retried_offers_no_second_retry(app, client, developer):
    call = _delivered_then_expired(app, client, developer)
    client.post(f"/test/calls/{call.id}/retry", headers=HX)
    assert only_call(app).retry_of == call.id
    html = client.get(f"/test/?call_id={call.id}").get_data(as_text=True)
    assert 'data-status="expired"' in html and 'id="retry-button"' not in html
    # A second tab still showing the old card: the refusal is said, and the button goes.
    html = client.post(f"/test/calls/{call.id}/retry", headers=HX).get_data(as_text=True)
    assert localised(app, "already_retried") in html and 'id="retry-button"' not in html


def test_verify_after_expiry_says_so(app, client, developer):
    call = _delivered_then_expired(app, client, developer)
    html = client.post(f"/test/calls/{call.id}/verify", data={"code": typed_code(E164, 4)},
                       headers=HX).get_data(as_text=True)
    # One notice: the card's own "the code has expired", not the engine's error repeated beside it.
    assert 'id="call-expired"' in html and 'id="call-error"' not in html and 'id="retry-button"' in html


def test_retry_of_an_active_call_is_refused_in_words(app, client, developer):
    start(client, developer)
    call = only_call(app)
    html = client.post(f"/test/calls/{call.id}/retry", headers=HX).get_data(as_text=True)
    assert localised(app, "call_still_active") in html and "call_still_active" not in html


def test_empty_or_letters_code_is_explained_without_500(app, client, developer):
    start(client, developer)
    run_once()
    call = only_call(app)
    for code in ("", "abc"):
        response = client.post(f"/test/calls/{call.id}/verify", data={"code": code}, headers=HX)
        assert response.status_code == 200 and 'id="call-error"' in response.get_data(as_text=True)


def test_virtual_phone_hides_other_accounts_calls(app, client, make, developer):
    other = make.service()
    foreign = verification.start_call(other, PHONE)
    run_once()
    html = client.get("/test/phone?phone=%2B989121234567", headers=HX).get_data(as_text=True)
    assert to_persian(foreign.caller_number) not in html


def test_without_htmx_the_forms_post_redirect_get(app, client, developer):
    response = client.post("/test/calls", data={"service_id": developer, "phone": PHONE})
    assert response.status_code == 302 and "call_id=" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert 'id="call-card"' in page


@pytest.mark.parametrize("outcome", ["busy", "unreachable", "rejected", "gateway_error"])
def test_a_failed_call_says_why_and_offers_a_retry(app, client, developer, outcome):
    from flashcall.telephony.drivers import simulator
    from flashcall.verification.states import REASON
    simulator.set_outcome(E164, outcome)
    try:
        start(client, developer)
        run_once()
    finally:
        simulator.reset()
    call = only_call(app)
    html = poll(client, call, seen="queued.0").get_data(as_text=True)
    with app.test_request_context():
        reason = str(escape(REASON[outcome]))
    assert 'data-status="failed"' in html and reason in html and 'id="retry-button"' in html
    assert "hx-trigger" not in html


def test_a_live_call_is_cancelled_from_the_card(app, client, developer):
    start(client, developer)
    call = only_call(app)
    html = client.post(f"/test/calls/{call.id}/cancel", headers=HX).get_data(as_text=True)
    assert 'data-status="canceled"' in html and 'id="call-canceled"' in html and "hx-trigger" not in html
    assert only_call(app).status == "canceled"


def test_a_poll_sends_only_the_status_unless_the_call_moved_to_another_phase(app, client, developer):
    start(client, developer)
    call = only_call(app)
    run_once()  # queued → … → delivered: the code box appears, so it comes along out of band
    html = poll(client, call, seen="queued.0").get_data(as_text=True)
    assert 'id="call-status"' in html and 'id="call-code" hx-swap-oob="true"' in html
    html = poll(client, call, seen="ringing.0").get_data(as_text=True)  # same phase: the status alone
    assert 'id="call-status"' in html and 'id="call-code"' not in html and 'id="code-input"' not in html
