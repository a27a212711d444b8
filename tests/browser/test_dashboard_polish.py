"""In Chromium: confirmations, the new key page, form errors, the small things and the visual pass
(issue 15, items 7, 8, 10, 11 and 12)."""
import itertools
import re

import pytest
from sqlalchemy import func, select

from flashcall import accounts
from flashcall.billing import admin as billing_admin
from flashcall.db import db
from flashcall.digits import to_persian
from flashcall.models import AccessKey, Service, User

from .conftest import DESKTOP, PHONE, running_app, sign_in
from .data import PHONE as NUMBER, admin_account, make_service

NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("live")) as server:
        yield server


def new_service(live_server, **fields):
    return make_service(live_server.app, name=f"فروشگاه {to_persian(next(NAMES))}", min_interval_seconds=0, **fields)


def signed_in(new_page, live_server, viewport=DESKTOP):
    page = new_page(viewport)
    sign_in(page, live_server)
    return page


def answer_dialogs(page, *answers):
    """Accept or dismiss the next dialogs in turn; returns the list their questions are added to."""
    questions, replies = [], iter(answers)

    def reply(dialog):
        questions.append(dialog.message)
        dialog.accept() if next(replies) else dialog.dismiss()
    page.on("dialog", reply)
    return questions


def stored(live_server, query):
    with live_server.app.app_context():
        return db.session.scalar(query)


# 7 ------------------------------------------------------------------------------------------
def test_suspending_a_service_asks_first_naming_it(new_page, live_server):
    service_id = new_service(live_server)
    name = stored(live_server, select(Service.name).where(Service.id == service_id))
    page = signed_in(new_page, live_server)
    questions = answer_dialogs(page, False, True)
    page.goto(live_server(f"/services/{service_id}"))
    page.click("#suspend-button")
    page.wait_for_timeout(300)
    assert stored(live_server, select(Service.status).where(Service.id == service_id)) == "active"
    page.click("#suspend-button")
    page.wait_for_selector("#activate-button")
    assert stored(live_server, select(Service.status).where(Service.id == service_id)) == "suspended"
    assert name in questions[0] and "تعلیق" in questions[0] and "رد" in questions[0]


def test_revoking_a_key_asks_first_naming_it(new_page, live_server):
    service_id = new_service(live_server)
    with live_server.app.app_context():
        key, _token = accounts.create_key(db.session.get(Service, service_id), "سرور اصلی")
        db.session.commit()
        key_id = key.id
    page = signed_in(new_page, live_server)
    questions = answer_dialogs(page, False, True)
    page.goto(live_server(f"/services/{service_id}"))
    page.click(f"#key-{key_id} form button")
    page.wait_for_timeout(300)
    assert stored(live_server, select(AccessKey.revoked_at).where(AccessKey.id == key_id)) is None
    page.click(f"#key-{key_id} form button")
    page.wait_for_selector(".alert-success")
    assert stored(live_server, select(AccessKey.revoked_at).where(AccessKey.id == key_id)) is not None
    assert "سرور اصلی" in questions[0] and "باطل" in questions[0]


def test_deactivating_a_user_asks_first_naming_them(new_page, live_server):
    email = f"dev{next(NAMES)}@example.com"
    with live_server.app.app_context():
        user_id = accounts.create_user(admin_account(live_server.app), email, "browser-pass-42", "developer").id
        db.session.commit()
    page = signed_in(new_page, live_server)
    questions = answer_dialogs(page, False, True)
    page.goto(live_server("/users/"))
    page.click(f"#user-{user_id} form[action$='/deactivate'] button")
    page.wait_for_timeout(300)
    assert stored(live_server, select(User.active).where(User.id == user_id)) is True
    page.click(f"#user-{user_id} form[action$='/deactivate'] button")
    page.wait_for_selector(f"#user-{user_id} form[action$='/activate']")
    assert stored(live_server, select(User.active).where(User.id == user_id)) is False
    assert email in questions[0] and "غیرفعال" in questions[0]


# 8 ------------------------------------------------------------------------------------------
def test_reloading_the_new_key_page_makes_no_second_key(new_page, live_server):
    service_id = new_service(live_server)
    page = signed_in(new_page, live_server)
    page.goto(live_server(f"/services/{service_id}/keys/new"))
    page.fill("input[name=label]", "اپ اندروید")
    page.click("main form button.btn-primary")
    token = page.inner_text("#new-key").strip()
    assert re.fullmatch(r"fc_[0-9a-f]+\.[\w-]+", token)
    page.reload()
    page.wait_for_selector("#key-already-shown")
    assert page.locator("#new-key").count() == 0 and token not in page.content()
    count = select(func.count(AccessKey.id)).where(AccessKey.service_id == service_id)
    assert stored(live_server, count) == 1


# 10 -----------------------------------------------------------------------------------------
def test_form_errors_are_one_per_mistake_and_say_what_to_do(new_page, live_server):
    taken = stored(live_server, select(Service.name).where(Service.id == new_service(live_server)))
    page = signed_in(new_page, live_server)
    page.goto(live_server("/services/new"))
    page.fill("input[name=name]", taken)
    page.fill("input[name=code_length]", "۴.۵")
    page.click("main form button.btn-primary")
    digits_error = page.locator("#code_length-error > div")
    assert digits_error.count() == 1 and "عدد صحیح" in digits_error.inner_text()
    assert page.input_value("input[name=code_length]") == "۴.۵"  # what was typed comes back
    assert "سرویسی با همین نام" in page.inner_text("#name-error")


def test_a_duplicate_key_label_is_refused(new_page, live_server):
    service_id = new_service(live_server)
    with live_server.app.app_context():
        accounts.create_key(db.session.get(Service, service_id), "سرور اصلی")
        db.session.commit()
    page = signed_in(new_page, live_server)
    page.goto(live_server(f"/services/{service_id}/keys/new"))
    page.fill("input[name=label]", "سرور اصلی")
    page.click("main form button.btn-primary")
    assert "برچسب" in page.inner_text("#label-error") and page.locator("#new-key").count() == 0


def test_an_expired_form_says_to_reload(new_page, live_server):
    page = signed_in(new_page, live_server)
    page.goto(live_server("/services/new"))
    page.evaluate("document.querySelector('main form input[name=csrf_token]').value = 'expired'")
    page.fill("input[name=name]", "فروشگاه دیگر")
    with page.expect_response(lambda r: r.url.endswith("/services/new") and r.request.method == "POST") as answer:
        page.click("main form button.btn-primary")
    assert answer.value.status == 400
    text = page.inner_text("main")
    assert "بارگذاری" in text and "قابل فهم نبود" not in text


# 11 -----------------------------------------------------------------------------------------
def test_favicon_active_menu_item_and_numeric_fields(new_page, live_server):
    service_id = new_service(live_server)
    page = signed_in(new_page, live_server)
    page.goto(live_server(f"/services/{service_id}"))
    icon = page.get_attribute("link[rel=icon]", "href")
    favicon = page.request.get(live_server(icon))
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/svg+xml")
    current = page.locator("nav [aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/services/"
    page.goto(live_server("/services/new"))
    for name in ("code_length", "code_lifetime_minutes", "max_attempts", "min_interval_seconds", "daily_limit"):
        assert page.get_attribute(f"input[name={name}]", "inputmode") == "numeric"
    page.goto(live_server(f"/test/?service_id={service_id}"))
    page.fill("#phone", NUMBER)
    page.press("#phone", "Enter")
    page.wait_for_selector("#code-input")
    assert page.get_attribute("#code-input", "inputmode") == "numeric"
    assert page.get_attribute("#code-input", "autocomplete") == "one-time-code"


def test_static_files_are_versioned_cached_and_compressed(new_page, live_server):
    page = signed_in(new_page, live_server)
    static = {}
    page.on("response", lambda r: static.setdefault(r.url, r) if "/static/" in r.url else None)
    page.goto(live_server("/services/"))
    page.wait_for_load_state("networkidle")
    css = [url for url in static if "/static/css/app.css" in url]
    assert css and re.search(r"\?v=[0-9a-f]{10}$", css[0])
    headers = static[css[0]].all_headers()
    assert "immutable" in headers["cache-control"] and "max-age=31536000" in headers["cache-control"]
    assert headers.get("content-encoding") in ("br", "gzip", "zstd", "deflate")
    bootstrap = [url for url in static if "bootstrap.rtl.min.css" in url][0]
    assert static[bootstrap].all_headers().get("content-encoding") in ("br", "gzip", "zstd", "deflate")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_virtual_phone_is_next_to_the_code_box(new_page, live_server, viewport):
    service_id = new_service(live_server)
    page = signed_in(new_page, live_server, viewport)
    page.goto(live_server(f"/test/?service_id={service_id}"))
    page.fill("#phone", NUMBER)
    page.press("#phone", "Enter")
    page.wait_for_selector("#code-input")
    page.wait_for_selector("#virtual-phone .sim-call")
    phone, code = page.locator("#virtual-phone").bounding_box(), page.locator("#code-input").bounding_box()
    if viewport is PHONE:  # right above it, not screens away
        assert phone["y"] + phone["height"] <= code["y"] < phone["y"] + phone["height"] + 400
    else:  # beside it (left, in a right-to-left page), sharing its height
        assert phone["x"] + phone["width"] <= code["x"] and phone["y"] < code["y"] + code["height"]


# 12 -----------------------------------------------------------------------------------------
def test_icons_figures_and_status_chips(new_page, live_server):
    service_id = new_service(live_server)
    with live_server.app.app_context():
        service = db.session.get(Service, service_id)
        billing_admin.set_price(service, 1500)
        billing_admin.adjust(service, 30_000, "شارژ آزمایشی")
        db.session.commit()
    page = signed_in(new_page, live_server)
    page.goto(live_server(f"/services/{service_id}"))
    page.wait_for_function("() => document.fonts.status === 'loaded'")  # a function: no eval under the CSP
    assert page.locator("nav .nav-link .bi").count() >= 4
    assert page.evaluate("document.fonts.check('16px bootstrap-icons')")
    glyph = page.evaluate("getComputedStyle(document.querySelector('nav .nav-link .bi'), '::before').fontFamily")
    assert "bootstrap-icons" in glyph
    assert page.inner_text("#price-per-call") == "۱۵۰ تومان"
    assert page.inner_text("#calls-today") == "۰" and page.inner_text("#service-credit") == "۳٬۰۰۰ تومان"
    page.goto(live_server(f"/test/?service_id={service_id}"))
    page.fill("#phone", NUMBER)
    page.press("#phone", "Enter")
    page.wait_for_selector("#call-card[data-status=delivered]")
    chip = page.locator("#call-chip")
    assert chip.locator(".bi").count() == 1 and "تک‌زنگ" in chip.inner_text()
    assert page.locator(".countdown-clock").count() == 1
