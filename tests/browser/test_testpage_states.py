"""In Chromium: the test page's state under polling (issue 15, items 1–5). The phone rings until the
test says it stopped (`deliver`), so each test sees exactly the status change it is about."""
import itertools
import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from flashcall.db import db
from flashcall.digits import to_latin, to_persian
from flashcall.models import Call
from flashcall.verification import VerificationError, verify_call

from .conftest import running_app, sign_in
from .data import E164, PHONE, deliver, make_service, newest_call, wrong_code

LATIN_DIGIT = re.compile("[0-9]")
NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One server for the module (its dispatcher stops once, not after every test); each test makes
    its own service. The phone rings until deliver() ends it."""
    with running_app(tmp_path_factory.mktemp("live"), SIM_RING_DELAY=0.2, SIM_RING_SECONDS=600) as server:
        yield server


def open_test_page(page, live_server, **service_fields):
    service_id = make_service(live_server.app, name=f"سرویس {next(NAMES)}", **service_fields)
    sign_in(page, live_server)
    page.goto(live_server(f"/test/?service_id={service_id}"))
    return service_id


def start_call(page, phone=PHONE):
    page.fill("#phone", phone)
    page.press("#phone", "Enter")
    page.wait_for_selector("#call-card")


def ringing_call(page, live_server, **service_fields):
    open_test_page(page, live_server, **service_fields)
    start_call(page)
    page.wait_for_selector("#call-card[data-status=ringing]")
    return newest_call(live_server.app)


def active_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


# 1 ------------------------------------------------------------------------------------------
def test_a_status_change_keeps_the_message_and_the_digits_being_typed(page, live_server):
    call = ringing_call(page, live_server)
    page.fill("#code-input", wrong_code(call.code))
    page.press("#code-input", "Enter")
    message = page.wait_for_selector("#call-error").inner_text()
    assert to_persian(2) in message  # attempts left
    page.type("#code-input", "12")  # the next try, half typed
    deliver(live_server.app, call.id)
    page.wait_for_selector("#call-card[data-status=delivered]")
    page.wait_for_timeout(1500)  # more polls come and go
    assert page.is_visible("#call-error") and page.inner_text("#call-error") == message
    assert page.input_value("#code-input") == "12" and active_id(page) == "code-input"


# 2 ------------------------------------------------------------------------------------------
def test_get_code_again_keeps_the_live_call_and_shows_the_refusal_beside_it(page, live_server):
    service_id = open_test_page(page, live_server, min_interval_seconds=120)
    page.fill("#phone", PHONE)
    sent = []
    page.on("request", lambda request: sent.append(request) if request.method == "POST" else None)
    # The button is disabled as soon as the request leaves, so a double click sends one request.
    assert page.evaluate("""() => { const b = document.querySelector('#start-form button');
                                    b.click(); return b.disabled; }""") is True
    page.wait_for_selector("#call-card[data-status=ringing]")
    page.dblclick("#start-form button")  # again for the same number, twice
    refusal = page.wait_for_selector("#start-form .invalid-feedback")
    assert "صبر" in refusal.inner_text() or "لحظه" in refusal.inner_text()
    assert page.locator("#call-card[data-status=ringing]").count() == 1
    assert page.is_visible("#virtual-phone") and page.is_visible("#code-input")
    with live_server.app.app_context():
        assert db.session.query(Call).filter_by(service_id=service_id).count() == 1
    assert len([r for r in sent if r.url.endswith("/test/calls")]) == 2  # one per press, not per click


# 3 ------------------------------------------------------------------------------------------
def test_signing_out_in_another_tab_sends_the_page_to_sign_in_once(page, live_server):
    ringing_call(page, live_server)  # the card and the virtual phone both poll
    other = page.context.new_page()
    other.goto(live_server("/services/"))
    other.click("nav form[action$='/auth/logout'] button")
    other.wait_for_url(re.compile(r"/auth/login"))
    # Each poll redirects, so the first navigation may be cut short: wait for the URL, with the pages' own
    # deadline (expect's 5 s default is too short on a loaded machine: the polls come once a second).
    expect(page).to_have_url(re.compile(r"/auth/login"), timeout=15000)
    page.wait_for_load_state()
    assert page.locator("input[type=password]").count() == 1  # one sign-in form, not one per fragment
    assert "/test/" in unquote(page.url)  # and back to the test page after signing in
    assert page.locator("#call-card").count() == 0


# 4 ------------------------------------------------------------------------------------------
def test_focus_moves_to_the_code_box_once_when_the_call_is_delivered(page, live_server):
    call = ringing_call(page, live_server)  # started with Enter in the phone field
    assert active_id(page) == "phone"
    deliver(live_server.app, call.id)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'code-input'")
    page.click("#key")
    page.keyboard.type("abc")
    with live_server.app.app_context():  # a wrong code from elsewhere (the API) changes the status
        with pytest.raises(VerificationError):
            verify_call(db.session.get(Call, call.id), wrong_code(call.code))
    with page.expect_response(lambda r: f"/test/calls/{call.id}" in r.url and r.status == 200):
        pass
    page.wait_for_timeout(500)
    assert active_id(page) == "key" and page.input_value("#key") == "abc"


def test_focus_stays_in_a_field_the_person_is_typing_in(page, live_server):
    call = ringing_call(page, live_server)
    page.click("#key")
    page.keyboard.type("typing")
    deliver(live_server.app, call.id)
    page.wait_for_selector("#call-card[data-status=delivered]")
    page.wait_for_timeout(1500)
    assert active_id(page) == "key" and page.input_value("#key") == "typing"


# 5 ------------------------------------------------------------------------------------------
def test_the_virtual_phone_says_ringing_until_the_ring_ends(page, live_server):
    call = ringing_call(page, live_server)
    label = page.locator("#virtual-phone .sim-call").first
    page.wait_for_selector("#virtual-phone .sim-call")
    assert "زنگ" in label.inner_text() and "بی‌پاسخ" not in label.inner_text()
    deliver(live_server.app, call.id)
    page.wait_for_function("() => document.querySelector('#virtual-phone .sim-call').innerText.includes('بی‌پاسخ')")


def test_a_call_failed_by_wrong_codes_shows_one_red_alert(page, live_server):
    call = ringing_call(page, live_server, max_attempts=1)
    page.fill("#code-input", wrong_code(call.code))
    page.press("#code-input", "Enter")
    page.wait_for_selector("#call-card[data-status=failed]")
    assert page.locator("#call-card .alert-danger:visible").count() == 1


def test_the_countdown_runs_and_screen_readers_get_the_time(page, live_server):
    ringing_call(page, live_server)
    clock = page.locator(".countdown-clock")
    first = clock.inner_text()
    assert re.fullmatch("[۰-۹]:[۰-۹]{2}", first)
    page.wait_for_function("t => document.querySelector('.countdown-clock').textContent !== t", arg=first)
    later = to_latin(clock.inner_text())
    assert int(later.replace(":", "")) < int(to_latin(first).replace(":", ""))
    spoken = page.locator(".countdown .visually-hidden").inner_text()
    assert "معتبر" in spoken and re.search("[۰-۹]{2}:[۰-۹]{2}", spoken)


def test_timeline_in_persian_digits_and_numbers_aligned_to_the_right(page, live_server):
    call = ringing_call(page, live_server)
    deliver(live_server.app, call.id)
    page.fill("#code-input", call.code)
    page.press("#code-input", "Enter")
    page.wait_for_selector("#call-success")
    steps = [item.inner_text() for item in page.locator("#call-events li").all()]
    assert len(steps) >= 5 and not LATIN_DIGIT.search("".join(steps))
    assert [step.split()[0] for step in steps] == [to_persian(n) for n in range(1, len(steps) + 1)]  # numbered
    # RTL details: a number starts at the cell's right edge, as the words above and below it do.
    edges = page.evaluate("""() => [...document.querySelectorAll('#call-details tr')].map(row => {
        const cell = row.querySelector('td'), range = document.createRange();
        range.selectNodeContents(cell);
        const text = range.getBoundingClientRect(), box = cell.getBoundingClientRect();
        return {label: row.querySelector('th').innerText, gap: box.right - text.right};
    })""")
    numbers = [edge for edge in edges if edge["label"] in ("شماره تلفن", "شمارهٔ تماس‌گیرنده")]
    assert len(numbers) == 2 and all(edge["gap"] < 16 for edge in numbers), edges


def test_a_live_call_can_be_cancelled_after_confirming(page, live_server):
    call = ringing_call(page, live_server)
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()
    page.on("dialog", answer)
    page.click("#cancel-button")
    page.wait_for_timeout(300)
    assert newest_call(live_server.app).status == "ringing"  # dismissed: nothing happened
    page.click("#cancel-button")
    page.wait_for_selector("#call-card[data-status=canceled]")
    assert to_persian(E164) in questions[0] or to_persian(E164[1:]) in questions[0]
    assert newest_call(live_server.app).status == "canceled"
    assert page.locator("#call-canceled").count() == 1 and page.locator("#code-input").count() == 0
