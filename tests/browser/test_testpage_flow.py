"""In Chromium: sign in, create a service and a key, then test it with the virtual phone end to end."""
from datetime import timedelta

from sqlalchemy import select

from flashcall.clock import utcnow
from flashcall.digits import to_latin, to_persian
from flashcall.db import db
from flashcall.models import Call

from .conftest import sign_in

CODE_LENGTH = 5


def create_service_and_key(page, live_server):
    page.goto(live_server("/services/new"))
    page.fill("input[name=name]", "Shop login")
    page.fill("input[name=code_length]", to_persian(CODE_LENGTH))
    page.fill("input[name=min_interval_seconds]", "0")
    page.click("main form button.btn-primary")
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    page.click("a[href$='/keys/new']")
    page.fill("input[name=label]", "Browser key")
    page.click("main form button.btn-primary")
    return page.inner_text("#new-key").strip()


def read_code_from_virtual_phone(page, skip=()):
    """What a person does: look at the newest missed call and take its last digits."""
    caller = page.locator("#virtual-phone .sim-call .caller").first
    page.wait_for_function(
        "skip => { const c = document.querySelector('#virtual-phone .sim-call .caller');"
        " return c && !skip.includes(c.textContent.trim()); }", arg=list(skip))
    number = to_latin(caller.inner_text().strip())
    return number, number[-CODE_LENGTH:]


def type_code(page, code):
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")


def newest_call(app):
    with app.app_context():
        return db.session.scalars(select(Call).order_by(Call.created_at.desc())).first()


def test_test_page_with_virtual_phone(page, live_server, screenshot):
    sign_in(page, live_server)
    screenshot("signed-in")
    token = create_service_and_key(page, live_server)
    screenshot("key-created")

    page.click("nav a[href='/test/']")
    page.evaluate("window.notReloaded = true")
    page.fill("#key", token)
    page.fill("#phone", "۰۹۱۲ ۱۲۳ ۴۵۶۷")
    page.press("#phone", "Enter")  # keyboard only
    page.wait_for_selector("#call-card")
    screenshot("call-started")
    page.wait_for_selector("#call-card[data-status=delivered]")
    caller, code = read_code_from_virtual_phone(page)
    screenshot("virtual-phone-rang")

    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    type_code(page, wrong)
    error = page.wait_for_selector("#call-error")
    assert to_persian(2) in error.inner_text()  # attempts left, in Persian digits
    screenshot("wrong-code")

    type_code(page, to_persian(code))
    page.wait_for_selector("#call-success")
    details = page.inner_text("#call-details")
    assert "Shop login" in details and "Browser key" in details and to_persian(caller) in details
    assert page.locator("#call-events li").count() >= 5  # queued, dialing, ringing, delivered, …, verified
    assert page.get_attribute("#call-card", "hx-trigger") is None  # polling stopped
    screenshot("verified")

    # A second call, left to expire, then «تماس مجدد».
    page.press("#phone", "Enter")
    page.wait_for_selector("#call-card[data-status=delivered]")
    first_caller, _ = read_code_from_virtual_phone(page, skip=[to_persian(caller)])
    call = newest_call(live_server.app)
    with live_server.app.app_context():
        # The shortest code lifetime is a minute: move this call's deadline into the past instead of waiting.
        db.session.get(Call, call.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page.wait_for_selector("#call-card[data-status=expired]")
    screenshot("expired")
    page.focus("#retry-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#call-card[data-status=delivered]")
    retry_caller, retry_code = read_code_from_virtual_phone(page, skip=[to_persian(first_caller)])
    assert retry_caller != first_caller
    screenshot("retried")
    type_code(page, retry_code)
    page.wait_for_selector("#call-success")
    screenshot("retry-verified")

    assert page.evaluate("window.notReloaded") is True  # everything happened without a reload
    retried = newest_call(live_server.app)
    assert retried.retry_of == call.id and retried.source == "dashboard" and retried.status == "verified"
